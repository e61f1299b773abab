"""The raster map overlay: Web Mercator placement, size, colours, legend, offline rendering."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from _rasters import write_raster
from matplotlib.image import imread
from pyproj import Transformer
from rasterio.transform import from_origin

from landmap.errors import DataFileError, DataValueError
from landmap.raster import FOREST_CLASSES
from landmap.render.maps.raster_layer import raster_layer

FOREST = (0x1B, 0x7A, 0x3A)


def make_raster(path, array, *, crs="EPSG:32648", transform=None, nodata=None):
    return write_raster(
        path,
        array,
        transform=transform or from_origin(480_000, 1_400_000, 30, 30),
        crs=crs,
        nodata=nodata,
    )


def png(layer) -> np.ndarray:
    uri = layer.overlay.url
    assert uri.startswith("data:image/png;base64,")
    return (imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) * 255).round().astype(int)


@pytest.fixture
def half_forest(tmp_path):
    arr = np.zeros((200, 300), dtype="uint8")
    arr[:, :150] = 1
    return make_raster(tmp_path / "fnf.tif", arr)


def test_classified_overlay_is_downsampled_placed_and_coloured(half_forest):
    layer = raster_layer(half_forest, classes={1: FOREST_CLASSES[1]}, max_size=128, opacity=0.4)
    width, height = layer.size
    assert max(width, height) <= 128 and min(width, height) > 50
    to_lonlat = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    west, south = to_lonlat.transform(480_000, 1_400_000 - 200 * 30)
    east, north = to_lonlat.transform(480_000 + 300 * 30, 1_400_000)
    (s, w), (n, e) = layer.bounds
    # The warped footprint holds the raster's corners (within about one output pixel).
    assert s <= south + 1e-3 and n >= north - 1e-3 and w <= west + 1e-3 and e >= east - 1e-3
    assert n - s < (north - south) * 1.05
    image = png(layer)
    assert image.shape[:2] == (height, width)
    mid = height // 2
    assert tuple(image[mid, width // 4, :3]) == FOREST and image[mid, width // 4, 3] == 255
    assert image[mid, 3 * width // 4, 3] == 0  # class 0 not listed: transparent
    assert layer.legend_items == [("Forest", "#1b7a3a")]
    assert layer.overlay.options["opacity"] == 0.4


def test_geographic_raster_lands_at_its_latitude_in_web_mercator(tmp_path):
    # 0-60 N in 1-degree rows; one stripe between 40 and 41 N. In Web Mercator that stripe sits
    # far higher in the image than a linear-in-latitude placement would put it.
    arr = np.zeros((60, 10), dtype="uint8")
    arr[60 - 41, :] = 1
    path = make_raster(
        tmp_path / "g.tif", arr, crs="EPSG:4326", transform=from_origin(100.0, 60.0, 1.0, 1.0)
    )
    layer = raster_layer(path, classes={1: ("Stripe", "#ff0000")}, max_size=600)
    image = png(layer)
    rows = np.flatnonzero(image[:, :, 3].max(axis=1) > 0)
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    y = lambda lat: to_merc.transform(100.0, lat)[1]  # noqa: E731
    top, bottom = y(60.0), y(0.0)
    expected = (top - y(40.5)) / (top - bottom) * image.shape[0]
    linear = image.shape[0] * (60 - 40.5) / 60
    assert abs(rows.mean() + 0.5 - expected) < 1.5
    assert abs(rows.mean() + 0.5 - linear) > 4  # far from a placement linear in latitude


def test_continuous_overlay_has_a_colour_bar_and_escaped_legend(tmp_path):
    arr = np.linspace(0, 100, 400, dtype="float32").reshape(20, 20)
    arr[:6, :6] = -9999
    path = make_raster(tmp_path / "dem.tif", arr, nodata=-9999)
    layer = raster_layer(
        path, cmap="terrain", vmin=0, vmax=100, name="<b>Relief</b>{{ 7*7 }}", label="Elevation (m)"
    )
    assert layer.colorbar["vmin"] == 0 and layer.colorbar["vmax"] == 100
    assert len(layer.colorbar["colors"]) == 9 and not layer.legend_items
    image = png(layer)
    assert image[2, 2, 3] == 0 and image[15, 15, 3] == 255  # nodata transparent
    legend = layer.legend_html()
    assert "&lt;b&gt;Relief&lt;/b&gt;&#123;&#123; 7*7 &#125;&#125;" in legend
    assert "<b>" not in legend and "{" not in legend
    assert "linear-gradient" in legend and "Elevation (m)" in legend


def test_overlay_errors(tmp_path, half_forest):
    with pytest.raises(DataFileError, match="cannot open the raster"):
        raster_layer(tmp_path / "none.tif")
    with pytest.raises(DataValueError, match="opacity 1.5"):
        raster_layer(half_forest, opacity=1.5)
    with pytest.raises(DataValueError, match="unknown colour map 'nope'"):
        raster_layer(half_forest, cmap="nope")
    with pytest.raises(DataValueError, match="'#zz' is not a colour"):
        raster_layer(half_forest, classes={1: ("Forest", "#zz")})


@pytest.mark.browser
def test_overlay_renders_offline_with_legend_and_opacity_slider(tmp_path, half_forest, open_page):
    from landmap.render.maps import build_map, save_map

    layer = raster_layer(
        half_forest, classes=FOREST_CLASSES, name="Forest <cover>", max_size=256, opacity=0.6
    )
    m = build_map(title="Forest")
    layer.add_to(m)
    m.fit_bounds(layer.bounds)
    out = save_map(m, tmp_path / "map.html")
    page, log = open_page(out, wait_ms=500)
    img = page.locator("img.leaflet-image-layer")
    assert img.count() == 1
    assert page.evaluate(
        "() => { const i = document.querySelector('img.leaflet-image-layer');"
        " return [i.complete, i.naturalWidth, i.src.slice(0, 22)]; }"
    ) == [True, layer.size[0], "data:image/png;base64,"]
    box = img.bounding_box()
    assert box["width"] > 100 and box["height"] > 50
    shot = imread(io.BytesIO(page.screenshot(clip=box)))[..., :3]
    # Forest green at 60 % opacity over the page background: clearly green pixels are drawn.
    green = (shot[..., 1] > shot[..., 0] + 0.1) & (shot[..., 1] > shot[..., 2] + 0.1)
    assert green.mean() > 0.3
    # The classes join the map's own legend; the layer's box holds the title and the slider.
    assert "Non-forest" in page.locator(".lm-legend").inner_text()
    own = page.locator(".leaflet-bottom.leaflet-left .lm-raster-legend")
    assert own.is_visible() and "Forest <cover>" in own.inner_text()
    own.locator("input[type=range]").fill("0.2")
    assert (
        page.evaluate("() => document.querySelector('img.leaflet-image-layer').style.opacity")
        == "0.2"
    )
    assert log.network_requests == [] and log.page_errors == [] and log.console_errors == []


@pytest.mark.browser
def test_overlay_on_a_plain_folium_map_draws_its_own_legend(tmp_path, open_page):
    import folium

    from landmap.render.maps import save_map

    arr = np.linspace(0, 100, 400, dtype="float32").reshape(20, 20)
    path = make_raster(tmp_path / "dem.tif", arr)
    hostile = "Relief <img src=x onerror=alert(1)> {{ 7*7 }}"
    layer = raster_layer(path, name=hostile, label="metres")
    m = folium.Map(tiles=None)
    layer.add_to(m)
    folium.LayerControl().add_to(m)
    m.fit_bounds(layer.bounds)
    page, log = open_page(save_map(m, tmp_path / "plain.html"), wait_ms=300)
    own = page.locator(".lm-raster-legend")
    assert own.is_visible() and "metres" in own.inner_text() and hostile in own.inner_text()
    assert own.locator(".lm-raster-bar").count() == 1
    page.locator(".leaflet-control-layers").hover()
    assert hostile in page.locator(".leaflet-control-layers").inner_text()
    assert page.locator("img[src='x']").count() == 0 and log.dialogs == []
    page.get_by_label(hostile).uncheck()  # switched off in the layer control
    assert page.locator("img.leaflet-image-layer").count() == 0
    assert not own.is_visible()  # the box hides with its overlay
    page.get_by_label(hostile).check()
    assert own.is_visible()
    assert log.network_requests == [] and log.page_errors == []


@pytest.mark.slow
def test_real_forest_mask_overlay(shared_data):
    layer = raster_layer(
        shared_data / "rasters" / "FNF_mask_exercise.tif",
        classes=FOREST_CLASSES,
        name="Forest cover",
    )
    assert max(layer.size) == 2048
    (s, w), (n, e) = layer.bounds
    assert 10 < s < n < 15 and 102 < w < e < 108  # Cambodia
    assert len(layer.overlay.url) < 2_000_000
    image = png(layer)
    forest = (image[..., :3] == FOREST).all(axis=-1)
    assert 0 < forest.mean() < 0.2
