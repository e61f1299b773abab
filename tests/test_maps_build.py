"""The map builder and the offline save, checked on the HTML they write."""

from __future__ import annotations

import re
from importlib import resources

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landmap.errors import AssetError, CRSError, DataValueError, SchemaError
from landmap.render.maps import (
    BASEMAPS,
    MapControls,
    MapFields,
    MapText,
    MapView,
    add_layer,
    assets,
    build_map,
    legend_entries,
    map_html,
    palette,
    save_map,
    style,
)
from landmap.schema import vocabulary


def cases_frame(n: int = 6) -> gpd.GeoDataFrame:
    types = ["eviction", "land grab", "violence", "threat of eviction", "other", "eviction"]
    return gpd.GeoDataFrame(
        {
            "case_id": [f"C-{i:03d}" for i in range(n)],
            "date": pd.to_datetime([f"2023-{1 + i % 12:02d}-15" for i in range(n)]),
            "type": pd.array([types[i % 6] for i in range(n)], dtype="string"),
            "households": pd.array([i * 3 for i in range(n)], dtype="Int64"),
            "village": pd.array([f"Phum {i}" for i in range(n)], dtype="string"),
            "description": pd.array(["Synthetic case"] * n, dtype="string"),
            "complainant_phone": ["012 345 678"] * n,
            "victim_name": ["Synthetic Person"] * n,
        },
        geometry=shapely.points([104.0 + i * 0.1 for i in range(n)], [12.0] * n),
        crs="EPSG:4326",
    )


def concessions_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "concession_id": ["E1", "M1"],
            "name": ["Alpha Agro", "Beta Mining"],
            "company": ["Alpha Co.", "Beta Co."],
            "kind": ["ELC", "mining"],
            "secret_note": ["do not publish", "do not publish"],
        },
        geometry=[shapely.box(104.0, 12.1, 104.3, 12.4), shapely.box(104.5, 12.1, 104.8, 12.3)],
        crs="EPSG:4326",
    )


def test_styles_cover_every_vocabulary_term():
    vocab = vocabulary()
    for group in ("case_type", "concession_kind", "area_kind"):
        assert set(vocab[group]) <= set(palette(group)), group
        colours = list(palette(group).values())
        assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours)
    assert style("case_type", "not a term")["fill"] == style("case_type", None)["fill"]


def test_legend_entries_are_bilingual():
    rows = legend_entries("case_type", ["eviction", "made-up"], lang="both")
    assert rows[0]["label"] == "Eviction / ការបណ្តេញចេញ"
    assert rows[1]["label"] == "made-up" and rows[1]["fill"] == style("case_type", None)["fill"]


def test_only_chosen_columns_reach_the_html(tmp_path):
    m = build_map(
        profile="internal",
        cases=cases_frame(),
        concessions=concessions_frame(),
        fields=MapFields(
            popup={"cases": ["case_id", "type"], "concessions": ["name"]}, search=[], tooltip=[]
        ),
    )
    page = map_html(m)
    for absent in (
        "012 345 678",
        "Synthetic Person",
        "do not publish",
        "Synthetic case",
        "Phum 3",
        "Alpha Co.",
        "complainant_phone",
    ):
        assert absent not in page, absent
    assert "C-003" in page and "Beta Mining" in page


def test_default_popups_skip_sensitive_extra_columns():
    page = map_html(build_map(profile="internal", cases=cases_frame()))
    assert "012 345 678" not in page and "Synthetic Person" not in page
    assert "Synthetic case" in page  # the canonical description column is a default popup field


def test_saved_map_is_one_file_with_no_network_reference(tmp_path):
    m = build_map(
        profile="internal",
        cases=cases_frame(80),
        concessions=concessions_frame(),
        title="Offline",
        controls=MapControls(heatmap=True),
        text=MapText(notice="CONFIDENTIAL — internal use only"),
    )
    out = save_map(m, tmp_path / "map.html")
    page = out.read_text("utf-8")
    assert out.stat().st_size < 1_000_000
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page and "code.jquery" not in page
    assert "jQuery v" not in page  # the library itself is not needed, hence not inlined
    assert "leaflet.markercluster" in page and "L.heatLayer" in page
    assert 'url("data:image/png;base64,' in page  # Leaflet's layer icons inlined
    assert list(tmp_path.iterdir()) == [out]  # atomic write left nothing beside it


def test_online_save_leaves_libraries_on_the_cdn(tmp_path):
    page = save_map(
        build_map(profile="internal", cases=cases_frame()), tmp_path / "m.html", offline=False
    ).read_text("utf-8")
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in page
    assert "landmap-asset:" not in page and "window.landmap" in page


def test_unbundled_folium_plugin_is_a_clear_error(tmp_path):
    m = build_map(profile="internal", cases=cases_frame())
    folium.plugins.Draw().add_to(m)
    with pytest.raises(AssetError, match=r"leaflet\.draw.*does not bundle.*offline=False"):
        save_map(m, tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()


def test_missing_asset_names_the_file_and_the_fix():
    with pytest.raises(AssetError, match=r"resources/web/leaflet/nope\.js.*Fix: reinstall"):
        assets.read_bytes("leaflet/nope.js")


def test_bundled_assets_match_their_manifest():
    manifest = assets.manifest()["packages"]
    assert manifest["leaflet"]["version"] == "1.9.4"
    for package, entry in manifest.items():
        for name in entry["files"]:
            assert assets.read_bytes(f"{package}/{name}")  # checks the SHA-256
        licence = resources.files("landmap").joinpath("resources/web", entry["license_file"])
        assert "Copyright" in licence.read_text("utf-8")


def test_unknown_popup_column_is_a_schema_error():
    with pytest.raises(SchemaError, match="'nmae' is in none of the layers"):
        build_map(concessions=concessions_frame(), fields=MapFields(popup=["nmae"]))
    with pytest.raises(SchemaError, match="'nmae' is not in the concessions layer"):
        build_map(
            concessions=concessions_frame(), fields=MapFields(popup={"concessions": ["nmae"]})
        )


def test_layer_without_crs_and_unknown_basemap_are_errors():
    naive = concessions_frame().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no coordinate reference system"):
        build_map(concessions=naive)
    with pytest.raises(DataValueError, match="unknown basemap 'google'"):
        build_map(view=MapView(basemap="google"))


def test_layers_in_another_crs_are_reprojected():
    utm = concessions_frame().to_crs("EPSG:32648")
    layer = build_map(concessions=utm).landmap_layers[0]
    x0, y0 = layer.spec["geom"]["o"]
    assert 103 <= x0 <= 105 and 11 <= y0 <= 13


def test_basemap_is_attributed_and_offline_background_is_default():
    assert "OpenStreetMap" in map_html(build_map(view=MapView(basemap="osm")))
    assert "tile.openstreetmap.org" not in map_html(build_map())
    assert set(BASEMAPS) == {"osm", "satellite"}


def test_add_layer_and_legend_follow_every_layer():
    m = build_map(profile="internal", cases=cases_frame())
    extra = gpd.GeoDataFrame(
        {"area_id": ["A1"], "name": ["Forest"], "kind": ["community forest"]},
        geometry=[shapely.box(104, 11.5, 104.2, 11.7)],
        crs="EPSG:4326",
    )
    add_layer(m, extra, kind="areas")
    page = map_html(m)
    assert page.index("landmap.legend(") > page.index("landmap.polygonLayer(")
    assert page.count("landmap.ready(") == 1
    assert page.count("L.control.layers(") == 1


def test_concessions_known_only_by_a_point_get_their_own_layer():
    mixed = concessions_frame()
    mixed.loc[1, "geometry"] = shapely.Point(104.5, 12.1)
    layers = build_map(concessions=mixed).landmap_layers
    assert [(lyr.geometry_kind, lyr.spec["label"], lyr.spec["geom"]["n"]) for lyr in layers] == [
        ("polygons", "Concessions", 1),
        ("points", "Concessions (location only)", 1),
    ]
    lines = gpd.GeoDataFrame(
        {"name": ["road"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:4326"
    )
    with pytest.raises(DataValueError, match="mixes points or lines"):
        add_layer(build_map(), pd.concat([mixed, lines]), kind="concessions")


def test_notebook_display_is_an_offline_iframe():
    html_text = build_map(profile="internal", cases=cases_frame())._repr_html_()
    assert html_text.count("<iframe") == 1 and "cdn.jsdelivr" not in html_text


def test_template_syntax_in_data_is_not_evaluated():
    cases = cases_frame()
    cases["description"] = "{{ 'qq' * 3 + 'zz' }} {% raw %} {# note #}"
    m = build_map(profile="internal", cases=cases, title="{{ 'tt' * 3 }}")
    extra = concessions_frame()
    add_layer(m, extra, kind="concessions", name="{{ 'nn' * 3 }} <b>bold</b>")
    page = map_html(m)
    assert "qqqqqqzz" not in page and "tttttt" not in page and "nnnnnn" not in page
    assert "\\u007b{ 'qq' * 3 + 'zz' }}" in page
    assert "\\u007b{ 'nn' * 3 }} \\u003cb\\u003ebold" in page  # legend and popups: text
    assert "\\u0026#123;\\u0026#123; \\u0026#x27;nn" in page  # layer control: as HTML


def test_page_declares_utf8_early_and_carries_the_licences():
    page = map_html(
        build_map(profile="internal", cases=cases_frame(80), controls=MapControls(heatmap=True))
    )
    assert 0 < page.find("charset=UTF-8") < 1024  # browsers sniff the first 1024 bytes
    for package in (
        "leaflet 1.9.4 (BSD-2-Clause)",
        "leaflet.markercluster 1.5.3 (MIT)",
        "leaflet.heat 0.2.0 (BSD-2-Clause)",
    ):
        assert f"== {package} ==" in page
    assert "leaflet-minimap" not in page.split("</head>")[0].split("<!--")[-1]  # unused: absent


def test_geometry_payload_is_reused_for_unchanged_layers():
    from landmap.render.maps.layers import geometry_payload

    geoms = concessions_frame().geometry.values
    first = geometry_payload(geoms, points=False, precision_zoom=17)
    assert geometry_payload(geoms.copy(), points=False, precision_zoom=17) is first
    assert geometry_payload(geoms, points=False, precision_zoom=12) is not first
    moved = shapely.transform(geoms, lambda c: c + 0.01)
    assert geometry_payload(moved, points=False, precision_zoom=17)["c"] != first["c"]


def test_overlay_results_with_geometry_collections_draw_their_areas():
    gc = shapely.GeometryCollection(
        [shapely.box(104.0, 12.0, 104.1, 12.1), shapely.LineString([(104.0, 12.0), (104.2, 12.2)])]
    )
    overlaps = gpd.GeoDataFrame(
        {"area_name": ["Forest"], "concession_name": ["Alpha Agro"], "overlap_ha": [1234.5678]},
        geometry=[gc],
        crs="EPSG:4326",
    )
    layer = build_map(overlaps=overlaps).landmap_layers[0]
    assert layer.spec["geom"]["h"] == "S"  # one feature, one ring of 4 points (4 << 2 | 2)
    assert layer.spec["props"]["overlap_ha"] == {"v": ["1\u202f234.57"]}


def test_precision_follows_the_zoom_range():
    coarse = build_map(concessions=concessions_frame(), view=MapView(max_zoom=12)).landmap_layers[0]
    fine = build_map(concessions=concessions_frame()).landmap_layers[0]
    assert coarse.spec["geom"]["q"] == pytest.approx(fine.spec["geom"]["q"] * 2**6)


def test_rows_without_geometry_are_left_out_and_the_rest_stay_exact():
    cases = cases_frame(4)
    cases.loc[1, "geometry"] = None
    cases.loc[2, "geometry"] = shapely.Point()
    spec = build_map(profile="internal", cases=cases).landmap_layers[0].spec
    assert spec["geom"]["n"] == 2 and spec["props"]["case_id"] == {"v": ["C-000", "C-003"]}
    assert len(spec["geom"]["c"]) < 20  # no garbage coordinates from the missing points


def test_one_popup_list_for_every_layer_keeps_each_feature_name():
    conc = concessions_frame()
    conc["province"] = "Kratie"
    cases = cases_frame()
    cases["province"] = "Kratie"
    m = build_map(
        profile="internal",
        cases=cases,
        concessions=conc,
        fields=MapFields(popup=["province", "households"], tooltip=["type"]),
    )
    popups = {lyr.spec["kind"]: lyr.spec["popup"] for lyr in m.landmap_layers}
    assert popups == {
        "concessions": ["name", "province"],
        "cases": ["case_id", "province", "households"],
    }
    tooltips = {lyr.spec["kind"]: lyr.spec["tooltip"] for lyr in m.landmap_layers}
    assert tooltips == {"concessions": ["name"], "cases": ["case_id", "type"]}
    exact = build_map(concessions=conc, fields=MapFields(popup={"concessions": ["province"]}))
    assert exact.landmap_layers[0].spec["popup"] == ["province"]
