"""A raster as an overlay on the folium maps: reprojected, down-sampled, embedded, with a legend.

The raster is warped to Web Mercator (EPSG:3857, the projection Leaflet draws in) at a size a
browser handles (by default at most 2048 pixels on the long side), coloured (a palette per class,
or a matplotlib colour map for continuous values), encoded as a PNG and embedded in the page as a
``data:`` URI, so the map works offline as one HTML file. The overlay's corners are given to
Leaflet in longitude/latitude; because the image is already in Web Mercator it lines up exactly.
Nodata pixels, and values a classified palette does not list, are transparent.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import folium
import numpy as np
import pyproj
import rasterio
from affine import Affine
from branca.element import MacroElement
from folium.template import Template
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.warp import calculate_default_transform, reproject

from landmap.errors import CRSError, DataFileError, DataValueError
from landmap.io.cache import cache_key, load_arrays, store_arrays
from landmap.provenance import file_sha256
from landmap.render.maps.elements import LegendShape

WEB_MERCATOR = "EPSG:3857"
#: Latitude limit of Web Mercator.
MAX_LAT = 85.0511
#: Default palette for classes given without a colour.
_TAB10 = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


@dataclass
class RasterLayer:
    """A raster ready for a folium map.

    Attributes
    ----------
    overlay
        The ``folium.raster_layers.ImageOverlay`` (a PNG ``data:`` URI; listed in LayerControl
        under ``name``).
    name
        Layer name.
    bounds
        ``[[south, west], [north, east]]`` in degrees.
    legend_items
        ``[(label, "#rrggbb"), ...]`` for a classified raster (empty for a continuous one).
    colorbar
        ``{"vmin", "vmax", "colors": [...], "label"}`` for a continuous raster, else ``None``.
    opacity
        Initial opacity (0-1).
    size
        ``(width, height)`` of the embedded image in pixels.

    """

    overlay: folium.raster_layers.ImageOverlay
    name: str
    bounds: list[list[float]]
    legend_items: list[tuple[str, str]] = field(default_factory=list)
    colorbar: dict | None = None
    opacity: float = 0.6
    size: tuple[int, int] = (0, 0)

    def add_to(
        self, m: folium.Map, *, legend: bool | None = None, opacity_control: bool = True
    ) -> RasterLayer:
        """Add the overlay, its legend and an opacity slider to a map.

        Parameters
        ----------
        m
            The map (a plain ``folium.Map`` or one from ``landmap.render.maps.build_map``).
        legend
            ``None`` (default): on a ``build_map`` map the classes join the map's own legend as
            a section; anywhere else (and for a colour bar) this layer draws its own legend box.
            ``True`` always draws the own box, ``False`` draws no legend (use
            :attr:`legend_items` / :attr:`colorbar` to build one).
        opacity_control
            Add a slider setting the overlay's opacity (in the layer's box, bottom left).

        """
        self.overlay.add_to(m)
        own = legend
        if legend is None:
            sections = getattr(m, "legend_sections", None)
            if sections is not None and self.legend_items and not self.colorbar:
                sections.append(
                    {
                        "title": self.name,
                        "shape": LegendShape.POLYGON,
                        "rows": [
                            {
                                "term": label,
                                "label": label,
                                "fill": colour,
                                "stroke": colour,
                                "fill_opacity": 1.0,
                            }
                            for label, colour in self.legend_items
                        ],
                    }
                )
                own = False
            else:
                own = True
        if own or opacity_control:
            _LegendBox(self, legend=bool(own), slider=opacity_control).add_to(m)
        return self

    def legend_html(self, *, slider_id: str | None = None, items: bool = True) -> str:
        """Return the legend as HTML (labels escaped); with ``slider_id``, an opacity slider.

        Parameters
        ----------
        slider_id
            Element id of an opacity slider to include (none when ``None``).
        items
            Include the classes or the colour bar (``False``: the title and slider only).

        """
        parts = [f'<div class="lm-raster-title">{_text(self.name)}</div>']
        for label, colour in self.legend_items if items else []:
            parts.append(
                '<div class="lm-raster-item"><span class="lm-raster-swatch" '
                f'style="background:{_text(colour)}"></span>{_text(label)}</div>'
            )
        if self.colorbar and items:
            stops = ", ".join(_text(c) for c in self.colorbar["colors"])
            parts.append(
                f'<div class="lm-raster-bar" style="background:linear-gradient(to right, {stops})">'
                '</div><div class="lm-raster-ticks">'
                f"<span>{self.colorbar['vmin']:.4g}</span><span>{self.colorbar['vmax']:.4g}</span>"
                "</div>"
            )
            if self.colorbar.get("label"):
                caption = _text(self.colorbar["label"])
                parts.append(f'<div class="lm-raster-item">{caption}</div>')
        if slider_id:
            parts.append(
                f'<label class="lm-raster-item">Opacity <input type="range" id="{slider_id}" '
                f'min="0" max="1" step="0.05" value="{self.opacity:g}"></label>'
            )
        return "".join(parts)


class _LegendBox(MacroElement):
    """A Leaflet control (bottom left) with the layer's legend and an opacity slider.

    Pure HTML/CSS and a few lines of script: nothing is fetched. The box hides while the overlay
    is switched off in the layer control.
    """

    _template = Template("""
{% macro header(this, kwargs) %}
<style>
.lm-raster-legend{background:#fff;padding:6px 8px;border-radius:4px;
 box-shadow:0 1px 4px rgba(0,0,0,.4);font-size:12px}
.lm-raster-title{font-weight:bold;margin-bottom:4px}
.lm-raster-item{display:flex;align-items:center;gap:6px;margin:2px 0}
.lm-raster-swatch{display:inline-block;width:14px;height:14px;border:1px solid #555}
.lm-raster-bar{width:160px;height:10px;border:1px solid #555}
.lm-raster-ticks{display:flex;justify-content:space-between;width:160px}
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<div class="lm-raster-legend" id="{{ this.get_name() }}" style="display:none">{{ this.body }}</div>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this.map_name }}, overlay = {{ this.overlay_name }};
  var box = document.getElementById({{ this.get_name()|tojson }});
  if (!box) { return; }
  var control = L.control({ position: "bottomleft" });
  control.onAdd = function () {
    box.style.display = "";
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map);
  function toggle(shown) {
    return function (e) { if (e.layer === overlay) { box.style.display = shown ? "" : "none"; } };
  }
  map.on("overlayadd", toggle(true));
  map.on("overlayremove", toggle(false));
  var slider = document.getElementById({{ this.slider_id|tojson }});
  if (slider) {
    slider.addEventListener("input", function (e) {
      overlay.setOpacity(parseFloat(e.target.value));
    });
  }
})();
{% endmacro %}
""")

    def __init__(self, layer: RasterLayer, *, legend: bool, slider: bool) -> None:
        super().__init__()
        self._name = "RasterLegend"
        self.overlay_name = layer.overlay.get_name()
        self.slider_id = f"{self.get_name()}_opacity" if slider else ""
        self.body = layer.legend_html(slider_id=self.slider_id or None, items=legend)
        self.map_name = ""

    def render(self, **kwargs) -> None:  # the map's variable name is known only once attached
        self.map_name = self._parent.get_name()
        super().render(**kwargs)


def _text(value: object) -> str:
    """Escape text for HTML and for the template pass folium's rendered output goes through."""
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


def _parse_classes(classes: Mapping) -> dict[float, tuple[str, str | None]]:
    parsed = {}
    for i, (value, spec) in enumerate(classes.items()):
        if isinstance(spec, tuple | list):
            label, colour = (list(spec) + [None])[:2]
        else:
            label, colour = spec, None
        if colour is None:
            colour = _TAB10[i % len(_TAB10)]
        parsed[value] = (str(label), str(colour))
    return parsed


def _rgba(colour: str) -> tuple[int, int, int, int]:
    from matplotlib.colors import to_rgba

    try:
        r, g, b, a = to_rgba(colour)
    except ValueError as err:
        raise DataValueError(
            f"{colour!r} is not a colour", fix="give colours as '#rrggbb' or a CSS colour name."
        ) from err
    return round(r * 255), round(g * 255), round(b * 255), round(a * 255)


def raster_layer(
    raster: str | os.PathLike[str],
    *,
    classes: Mapping | None = None,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    opacity: float = 0.6,
    max_size: int = 2048,
    band: int = 1,
    nodata: float | None = None,
    name: str | None = None,
    label: str | None = None,
) -> RasterLayer:
    """Make a folium overlay of a raster (call ``.add_to(map)`` on the result).

    Parameters
    ----------
    raster
        Path of a raster in any CRS.
    classes
        For a classified raster, ``{value: (label, colour)}`` (or ``{value: label}``: colours
        then come from a default palette). Values not listed are transparent, so
        ``{1: ("Forest", "#1b7a3a")}`` draws only the forest. When ``None``, a raster with a
        colour table is drawn with it, otherwise the raster is continuous.
    cmap
        matplotlib colour map of a continuous raster.
    vmin, vmax
        Colour-map range; default the 2nd and 98th percentiles of the drawn pixels.
    opacity
        Initial opacity, 0-1 (the legend box carries a slider).
    max_size
        Longest side of the embedded image in pixels (the raster is down-sampled to fit:
        ``mode`` resampling for classes, ``average`` for continuous values).
    band
        1-based band.
    nodata
        Value drawn transparent when the file declares none.
    name
        Layer name (default: the file name).
    label
        Caption under a colour bar (units, e.g. "Elevation (m)").

    Returns
    -------
    RasterLayer

    Raises
    ------
    DataFileError
        The raster cannot be read.
    CRSError
        The raster has no CRS.

    """
    if not 0 <= opacity <= 1:
        raise DataValueError(f"opacity {opacity!r} is outside 0-1", fix="give a value from 0 to 1.")
    try:
        src = rasterio.open(raster)
    except RasterioIOError as err:
        raise DataFileError(
            f"cannot open the raster ({err})",
            path=raster,
            fix="check the path and that GDAL can read the file.",
        ) from err
    with src:
        if src.crs is None:
            raise CRSError(
                "the raster has no coordinate reference system",
                path=raster,
                fix="set it with `gdal_edit.py -a_srs EPSG:... FILE`.",
            )
        if classes is None:
            classes = _colour_table(src, band)
        classified = classes is not None
        resampling = Resampling.mode if classified else Resampling.average
        stat = os.stat(raster) if os.path.exists(raster) else None
        key = (
            os.fspath(raster),
            stat and (stat.st_size, stat.st_mtime_ns),
            band,
            nodata,
            max_size,
            resampling,
        )
        image, valid, bounds = _warp_cached(key, src)
    if classified:
        parsed = _parse_classes(classes)
        rgba = np.zeros(image.shape + (4,), dtype=np.uint8)
        for value, (_, colour) in parsed.items():
            rgba[valid & (image == value)] = _rgba(colour)
        items = [(lbl, colour) for lbl, colour in parsed.values()]
        colorbar = None
    else:
        rgba, colorbar = _continuous(image, valid, cmap=cmap, vmin=vmin, vmax=vmax, label=label)
        items = []
    uri = _png_uri(rgba)
    layer_name = name or os.path.basename(os.fspath(raster))
    overlay = folium.raster_layers.ImageOverlay(
        # Leaflet's layer control sets the name as HTML: escape it (and the template braces).
        image=uri,
        bounds=bounds,
        opacity=opacity,
        name=_text(layer_name),
        mercator_project=False,
        pixelated=classified,
        interactive=False,
        cross_origin=False,
    )
    return RasterLayer(
        overlay=overlay,
        name=layer_name,
        bounds=bounds,
        legend_items=items,
        colorbar=colorbar,
        opacity=opacity,
        size=(rgba.shape[1], rgba.shape[0]),
    )


def _colour_table(src: rasterio.io.DatasetReader, band: int) -> dict | None:
    try:
        table = src.colormap(band)
    except ValueError:
        return None
    return {v: (str(v), "#{:02x}{:02x}{:02x}".format(*c[:3])) for v, c in table.items() if c[3]}


_WARPED: dict[tuple, tuple[np.ndarray, np.ndarray, list[list[float]]]] = {}


def _warp_cached(key: tuple, src: rasterio.io.DatasetReader):
    """Warp once per file version and settings (a build draws the same raster on several maps)."""
    if key not in _WARPED:
        path, stat, band, nodata, max_size, resampling = key
        # kept on disk too, keyed by the file's content: the next build reads it back
        disk = stat and cache_key(
            "warp-web-mercator-1", file_sha256(path), band, nodata, max_size, resampling.name
        )
        stored = load_arrays("raster-warp", disk) if disk else None
        if stored is not None:
            image, valid, bounds = stored["image"], stored["valid"], stored["bounds"].tolist()
        else:
            image, valid, bounds = _warp(
                src, band=band, nodata=nodata, max_size=max_size, resampling=resampling
            )
            if disk:
                store_arrays(
                    "raster-warp",
                    disk,
                    {"image": image, "valid": valid, "bounds": np.asarray(bounds, dtype=float)},
                )
        image.flags.writeable = valid.flags.writeable = False
        if len(_WARPED) >= 4:
            _WARPED.pop(next(iter(_WARPED)))
        _WARPED[key] = (image, valid, bounds)
    image, valid, bounds = _WARPED[key]
    return image, valid, [list(b) for b in bounds]


def _warp(
    src: rasterio.io.DatasetReader,
    *,
    band: int,
    nodata: float | None,
    max_size: int,
    resampling: Resampling,
) -> tuple[np.ndarray, np.ndarray, list[list[float]]]:
    """Warp one band to Web Mercator at most ``max_size`` pixels on a side."""
    left, bottom, right, top = src.bounds
    if src.crs.is_geographic:  # Web Mercator stops short of the poles
        bottom, top = max(bottom, -MAX_LAT), min(top, MAX_LAT)
    transform, width, height = calculate_default_transform(
        src.crs,
        WEB_MERCATOR,
        src.width,
        src.height,
        left=left,
        bottom=bottom,
        right=right,
        top=top,
    )
    scale = max(width, height) / max_size
    if scale > 1:
        new_w, new_h = max(1, math.ceil(width / scale)), max(1, math.ceil(height / scale))
        transform = transform @ Affine.scale(width / new_w, height / new_h)
        width, height = new_w, new_h
    src_nodata = nodata if nodata is not None else src.nodatavals[band - 1]
    dtype = np.dtype(src.dtypes[band - 1])
    init = np.nan if dtype.kind == "f" else 0
    image = np.full((height, width), init, dtype=dtype)
    reproject(
        source=rasterio.band(src, band),
        destination=image,
        src_transform=src.transform,
        src_crs=src.crs,
        src_nodata=src_nodata,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=src_nodata,
        resampling=resampling,
    )
    # Which output pixels fall inside the raster's footprint: warp one pixel spanning all of it.
    alpha = np.zeros((height, width), dtype=np.uint8)
    reproject(
        source=np.ones((1, 1), dtype=np.uint8),
        destination=alpha,
        src_transform=src.transform @ Affine.scale(src.width, src.height),
        src_crs=src.crs,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=0,
        resampling=Resampling.nearest,
    )
    valid = alpha > 0
    if src_nodata is not None and not (isinstance(src_nodata, float) and math.isnan(src_nodata)):
        valid &= image != src_nodata
    if dtype.kind == "f":
        valid &= ~np.isnan(image)
    to_lonlat = pyproj.Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    west, south = to_lonlat.transform(transform.c, transform.f + transform.e * height)
    east, north = to_lonlat.transform(transform.c + transform.a * width, transform.f)
    return image, valid, [[south, west], [north, east]]


def _continuous(
    image: np.ndarray,
    valid: np.ndarray,
    *,
    cmap: str,
    vmin: float | None,
    vmax: float | None,
    label: str | None,
) -> tuple[np.ndarray, dict]:
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    try:
        colours = mpl.colormaps[cmap]
    except KeyError as err:
        raise DataValueError(
            f"unknown colour map {cmap!r}",
            fix="use a matplotlib colour map name such as 'viridis'.",
        ) from err
    values = image[valid].astype(np.float64)
    if vmin is None:
        vmin = float(np.percentile(values, 2)) if values.size else 0.0
    if vmax is None:
        vmax = float(np.percentile(values, 98)) if values.size else 1.0
    span = vmax - vmin if vmax > vmin else 1.0
    scaled = np.clip((image.astype(np.float64) - vmin) / span, 0.0, 1.0)
    rgba = colours(scaled, bytes=True)
    rgba[~valid] = 0
    stops = [to_hex(colours(x)) for x in np.linspace(0, 1, 9)]
    return rgba, {"vmin": vmin, "vmax": vmax, "colors": stops, "label": label}


def _png_uri(rgba: np.ndarray) -> str:
    from matplotlib.image import imsave

    buf = io.BytesIO()
    imsave(buf, rgba, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


__all__ = ["RasterLayer", "raster_layer"]
