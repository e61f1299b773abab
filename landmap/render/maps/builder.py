"""Build an advocacy map from landmap layers in one call.

:func:`build_map` draws concessions and areas styled by kind, overlaps highlighted, cases as
markers styled by type, sized by households and clustered, with a legend, layer control, scale
bar, fullscreen, measure tool, minimap, search, time slider and an optional heatmap and banner.
:func:`add_layer` adds any further polygon or point layer to such a map.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from landmap.errors import LandmapError, PrivacyError, SchemaError
from landmap.privacy import (
    PrivacyProfile,
    PublishedLayer,
    for_output,
    get_profile,
    layer_kind,
    removed_columns,
)
from landmap.render import options as check
from landmap.render.maps.assets import url
from landmap.render.maps.controls import (
    BASEMAPS,
    add_basemap,
    add_controls,
    finishing_elements,
)
from landmap.render.maps.elements import DataLayer, HeatLayer, LayerGeometry, LegendShape
from landmap.render.maps.layers import TITLE_COLUMN, LayerLook, layer_spec
from landmap.render.maps.options import (
    MIN_ZOOM,
    Columns,
    MapControls,
    MapFields,
    MapText,
    MapView,
)
from landmap.render.maps.styles import style
from landmap.schema import Lang, label

CAMBODIA_CENTRE = (12.6, 104.9)
#: Point layers are clustered by default when they hold more than 50 and at most 20,000
#: points; larger ones are drawn in bulk on a canvas (clustering 100,000 markers takes ~15 s).
CLUSTER_RANGE = (50, 20_000)
_ids = itertools.count(1)


class LandmapMap(folium.Map):
    """A ``folium.Map`` that knows its landmap layers.

    It adds the legend, search, time slider and layer control when rendered, after every layer.
    In a notebook it displays with every asset inlined, so it shows without internet.
    """

    def __init__(
        self, *, lang: Lang | str = Lang.EN, profile: str | PrivacyProfile = "public", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.profile = get_profile(profile)
        self.default_js = [
            ("leaflet", url("leaflet/leaflet.js")),
            ("folium_compat", url("landmap/folium-compat.js")),
        ]
        self.default_css = [("leaflet_css", url("leaflet/leaflet.css"))]
        self.lang = check.check_lang(lang)
        self.landmap_layers: list[DataLayer] = []
        self.legend_sections: list[dict[str, Any]] = []
        self.options_landmap: dict[str, Any] = {}
        self._finishers: list[str] = []

    def finish(self) -> None:
        """(Re)add the controls that must follow every layer.

        Legend, search, time slider, minimap, layer control and the ready signal.
        """
        root = self.get_root()
        for key in self._finishers:
            self._children.pop(key, None)
            # and what an earlier rendering put on the page: a map rendered twice (saved, then
            # shown in a notebook) would otherwise carry two legends, two search boxes...
            for part in ("header", "html", "script"):
                getattr(root, part, self)._children.pop(key, None)
        self._finishers = []
        for element in finishing_elements(self):
            self.add_child(element)
            self._finishers.append(element.get_name())

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's
        self.finish()
        super().render(**kwargs)

    def _repr_html_(self, **kwargs: Any) -> str:
        from landmap.render.maps.save import map_html

        page = html.escape(map_html(self, offline=True), quote=True)
        return (
            '<div style="width:100%"><div style="position:relative;width:100%;height:0;'
            'padding-bottom:60%"><iframe srcdoc="' + page + '" style="position:absolute;'
            'width:100%;height:100%;left:0;top:0;border:none" allowfullscreen '
            'sandbox="allow-scripts allow-popups"></iframe></div></div>'
        )


def _columns_for(spec: Columns, kind: str, gdf: gpd.GeoDataFrame) -> list[str] | None:
    """Return one layer's columns: its entry of a mapping, or the shared list.

    With a shared list the layer's name or id column (which titles its popups) is kept even
    when not listed.
    """
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return None if spec.get(kind) is None else list(spec[kind])
    columns = [spec] if isinstance(spec, str) else list(spec)
    title = TITLE_COLUMN.get(kind)
    if columns and title in gdf.columns and title not in columns:
        columns.insert(0, title)
    return columns


def add_layer(
    m: LandmapMap,
    data: gpd.GeoDataFrame | PublishedLayer,
    *,
    kind: str,
    name: str | None = None,
    look: LayerLook | None = None,
    show: bool = True,
    cluster: bool | None = None,
    precision_zoom: float = 17,
    strict: bool = True,
    interactive: bool = True,
    background: bool = False,
) -> DataLayer:
    """Add a polygon or point layer to a map made by :func:`build_map`.

    Parameters
    ----------
    m
        The map.
    data
        A GeoDataFrame (any CRS; drawn in EPSG:4326) or a
        :class:`~landmap.privacy.PublishedLayer`. On a public map (the default), case data
        must be a ``PublishedLayer`` made by :func:`landmap.privacy.publish`.
    kind
        ``"cases"``, ``"areas"``, ``"concessions"``, ``"overlaps"``, ``"boundaries"`` or any
        other name; it picks the default popup columns and style group.
    name
        Name in the layer control and the legend.
    look
        Popup, tooltip and search columns, colours, marker size and time column
        (:class:`~landmap.render.maps.layers.LayerLook`; the kind's defaults when ``None``).
    show
        Whether the layer is on when the map opens.
    cluster
        Cluster point markers (``None``: for 51 to 20,000 points; larger layers are drawn in
        bulk on a canvas).
    precision_zoom
        Zoom level whose pixel size sets coordinate precision and simplification tolerance.
    strict
        Raise :class:`~landmap.errors.SchemaError` for a named column the layer lacks.
    interactive, background
        Background layers are drawn below the others and take no clicks.

    Returns
    -------
    DataLayer
        The folium element (its ``spec`` holds the payload).

    """
    if isinstance(data, PublishedLayer) or "cases" in (kind, layer_kind(data)):
        data = for_output(
            data,
            m.profile,
            kind="cases" if kind == "cases" else None,
            what="the interactive map",
            name=name,
        ).data
    layer_id = f"layer{next(_ids)}"
    look = look or LayerLook()
    spec, rows = layer_spec(
        data,
        kind,
        layer_id=layer_id,
        look=look,
        lang=m.lang,
        precision_zoom=precision_zoom,
        strict=strict,
        name=name,
    )
    points = "h" not in spec["geom"]
    if points:
        n = spec["geom"]["n"]
        use_cluster = CLUSTER_RANGE[0] < n <= CLUSTER_RANGE[1] if cluster is None else cluster
        spec["cluster"] = {"radius": 45} if use_cluster else None
    if background:
        spec["pane"] = "lmBackground"
    spec["interactive"] = interactive and not background
    if not interactive or background:
        spec["popup"], spec["tooltip"], spec["search"] = [], [], []
    layer = DataLayer(
        spec,
        name=spec["label"],
        show=show,
        kind=LayerGeometry.POINTS if points else LayerGeometry.POLYGONS,
    )
    m.add_child(layer)
    m.landmap_layers.append(layer)
    if rows and not background:
        m.legend_sections.append(
            {
                "title": spec["label"],
                "rows": rows,
                "shape": LegendShape.POINT if points else LegendShape.POLYGON,
            }
        )
    if look.time_column and points:
        m.options_landmap.setdefault("time", (layer, look.time_column))
    return layer


def build_map(
    *,
    cases: gpd.GeoDataFrame | PublishedLayer | None = None,
    areas: gpd.GeoDataFrame | None = None,
    concessions: gpd.GeoDataFrame | None = None,
    overlaps: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    lang: Lang | str = Lang.EN,
    profile: str | PrivacyProfile = "public",
    text: MapText | None = None,
    controls: MapControls | None = None,
    view: MapView | None = None,
    fields: MapFields | None = None,
) -> LandmapMap:
    """Build an interactive advocacy map from canonical landmap layers.

    Parameters
    ----------
    cases, areas, concessions, overlaps, boundaries
        Canonical layers (GeoDataFrames, any CRS); each is optional. ``overlaps`` is the
        geometry table of ``landmap.analysis.overlap``; ``boundaries`` (provinces) is the
        offline background. On a public map ``cases`` must be a
        :class:`~landmap.privacy.PublishedLayer` (:func:`landmap.privacy.publish`), and every
        layer keeps only the columns the profile publishes.
    title
        Shown at the top of the map (and as the page title).
    lang
        Labels in ``"en"``, ``"km"`` or ``"both"`` (:class:`~landmap.schema.Lang`).
    profile
        ``"public"`` (default: a map that may be shared) or ``"internal"`` (exact locations and
        every column; the map says CONFIDENTIAL unless ``text.notice`` says otherwise).
    text
        Subtitle and notice banner (:class:`~landmap.render.maps.options.MapText`).
    controls
        Clustering, heatmap, time slider, legend, minimap, measure tool and full-screen button
        (:class:`~landmap.render.maps.options.MapControls`).
    view
        Web basemap, deepest zoom and coordinate precision
        (:class:`~landmap.render.maps.options.MapView`; no web tiles by default).
    fields
        Columns in popups and tooltips and searched
        (:class:`~landmap.render.maps.options.MapFields`).

    Returns
    -------
    LandmapMap
        A ``folium.Map``; save it with :func:`landmap.render.maps.save_map`.

    Raises
    ------
    OptionError
        For an unknown language or an option object of the wrong type.
    PrivacyError
        Raw case data on a public map, or a popup/tooltip/search column the profile removed.
    SchemaError
        If a named popup/tooltip/search column is in none of the layers.
    CRSError
        If a layer has no CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cases = gpd.GeoDataFrame({"case_id": ["C1"], "type": ["eviction"]},
    ...                          geometry=[shapely.Point(104.9, 11.55)], crs="EPSG:4326")
    >>> m = build_map(cases=cases, title="Demo", text=MapText(notice="Synthetic data"),
    ...               profile="internal")
    >>> [layer.spec["kind"] for layer in m.landmap_layers]
    ['cases']

    """
    lang = check.check_lang(lang)
    text = check.given("text", text, MapText)
    controls = check.given("controls", controls, MapControls)
    view = check.given("view", view, MapView)
    fields = check.given("fields", fields, MapFields)
    prof = get_profile(profile)
    layers = {
        "boundaries": boundaries,
        "areas": areas,
        "concessions": concessions,
        "overlaps": overlaps,
        "cases": cases,
    }
    published = {
        k: for_output(
            v, prof, kind="table" if k == "overlaps" else k, what="the interactive map", name=k
        )
        for k, v in layers.items()
        if v is not None
    }
    present = {k: p.data for k, p in published.items()}
    for what, spec in fields.items():
        _check_columns(what, spec, present, removed_columns(*published.values()), prof)
    notice = text.notice
    if notice is None and prof.confidential and "cases" in present:
        notice = label("heading", "confidential", lang)
    m = LandmapMap(
        lang=lang,
        profile=prof,
        location=CAMBODIA_CENTRE,
        zoom_start=7,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        maxZoom=view.max_zoom,
        minZoom=MIN_ZOOM,
    )
    m.options_landmap.update(legend=controls.legend, minimap=controls.minimap)
    add_basemap(m, view)
    _add_area_layers(m, present, fields, view)
    if "cases" in present:
        _add_cases(
            m,
            published["cases"],
            fields=fields,
            controls=controls,
            precision_zoom=view.coordinate_zoom,
        )
    add_controls(m, title=title, subtitle=text.subtitle, notice=notice, controls=controls)
    return m


def _add_area_layers(
    m: LandmapMap, present: Mapping[str, gpd.GeoDataFrame], fields: MapFields, view: MapView
) -> None:
    """Add the background boundaries, then areas, concessions and overlaps."""
    precision_zoom = view.coordinate_zoom
    if "boundaries" in present:
        entry = style("boundaries", None)
        if view.basemap:
            entry = {**entry, "fill_opacity": 0.0}
        add_layer(
            m,
            present["boundaries"],
            kind="boundaries",
            background=True,
            look=LayerLook(fixed_style=entry, search=[]),
            precision_zoom=min(precision_zoom, 13),
            strict=False,
        )
    for kind in ("areas", "concessions", "overlaps"):
        if present.get(kind) is None:
            continue
        columns = _layer_fields(fields, kind, present[kind])
        for part, name in _split_points(present[kind], kind, m.lang):
            add_layer(
                m,
                part,
                kind=kind,
                name=name,
                look=LayerLook(size_by=None, **columns),
                cluster=False,
                strict=False,
                precision_zoom=precision_zoom,
            )


def _split_points(
    gdf: gpd.GeoDataFrame, kind: str, lang: Lang
) -> list[tuple[gpd.GeoDataFrame, str | None]]:
    """Split polygons from rows known only by a point, each to be drawn as its own layer.

    A concession whose boundary is not published may be known only by a point.
    """
    is_point = gdf.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
    if not is_point.any() or is_point.all():
        return [(gdf, None)]
    from landmap.render.maps.layers import layer_label

    name = layer_label(kind, lang)
    return [(gdf[~is_point], name), (gdf[is_point], f"{name} (location only)")]


def _check_columns(
    what: str,
    spec: Columns,
    layers: Mapping[str, gpd.GeoDataFrame],
    removed: Mapping[str, str],
    profile: PrivacyProfile,
) -> None:
    def missing(col: str, where: str) -> LandmapError:
        if col in removed:
            return PrivacyError(
                f"{what} column {col!r} was removed by the {profile.name!r} privacy profile "
                f"({removed[col]})",
                column=col,
                fix="make an internal map (--profile internal / profile='internal'), or publish "
                "the column: name it in the profile's keep list (allow_free_text = true for "
                "descriptions)",
            )
        return SchemaError(
            f"{what} column {col!r} is {where}",
            column=col,
            fix="check the column name (see gdf.columns)",
        )

    if spec is None or isinstance(spec, Mapping):
        items = [] if spec is None else [(k, c) for k, cols in spec.items() for c in cols]
        for kind, col in items:
            if kind in layers and col not in layers[kind].columns:
                raise missing(col, f"not in the {kind} layer")
        return
    for col in [spec] if isinstance(spec, str) else spec:
        if not any(col in g.columns for g in layers.values()):
            raise missing(col, "in none of the layers")


def _layer_fields(
    fields: MapFields, kind: str, gdf: gpd.GeoDataFrame
) -> dict[str, list[str] | None]:
    """Return one layer's popup, tooltip and search columns."""
    return {what: _columns_for(spec, kind, gdf) for what, spec in fields.items()}


def _add_cases(
    m: LandmapMap,
    published: PublishedLayer,
    *,
    fields: MapFields,
    controls: MapControls,
    precision_zoom: float,
) -> None:
    cases = published.data
    has_dates = (
        "date" in cases.columns
        and pd.to_datetime(cases["date"], errors="coerce").dt.to_period("M").nunique() > 1
    )
    use_time = (
        has_dates
        if controls.time_slider is None
        else (controls.time_slider and "date" in cases.columns)
    )
    look = LayerLook(
        time_column="date" if use_time else None, **_layer_fields(fields, "cases", cases)
    )
    layer = add_layer(
        m,
        published,
        kind="cases",
        look=look,
        cluster=controls.cluster,
        strict=False,
        precision_zoom=precision_zoom,
    )
    if controls.heatmap:
        name = f"{layer.spec['label']} — heatmap"
        js_heat = HeatLayer(layer, name=name, weighted="size" in layer.spec, show=False)
        m.add_child(js_heat)


__all__ = ["BASEMAPS", "LandmapMap", "add_layer", "build_map"]
