"""The notebook explorer: filter cases by province, year, type, status and nearness to a concession.

Two layers, kept apart on purpose:

* **Pure functions** (:func:`prepare`, :func:`filter_view`, :func:`summary_table`,
  :func:`cases_per_year`) hold all the filtering logic. They take and return GeoDataFrames and
  are tested without any widget.
* :class:`Explorer` wires ipywidgets controls to those functions and redraws a map, a summary
  table and a small chart together; :func:`explore` builds one in a single call.

Maps are shown inside an ``<iframe srcdoc=...>`` in an :class:`ipywidgets.HTML` widget, with
Leaflet inlined (no internet needed). JupyterLab strips ``<iframe>`` from the HTML output of an
*untrusted* notebook (folium's own output then shows "Make this Notebook Trusted to load map"),
but an HTML widget sets its value without that sanitiser, so the map shows whether or not the
notebook is trusted. Offline, folium's own output fails even in a trusted notebook: its page
loads Leaflet from CDNs, the iframe stays blank and the "Make this Notebook Trusted" hint shows
through it (checked in JupyterLab 4.6 with headless Chromium). :func:`map_widget` shows any
folium map the explorer's way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import json
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap.errors import ExportError, SchemaError
from landmap.io.atomic import atomic_path
from landmap.schema import CAMBODIA_METRIC_CRS, label, vocabulary

Lang = Literal["en", "km", "both"]

#: Column holding the province key the explorer filters on (added by :func:`prepare`).
PROVINCE_KEY = "_province_key"
_YEAR = "_year"
#: Zoom whose pixel size (about 20 m) sets coordinate precision of the map in the notebook;
#: exported maps keep landmap.maps' full precision.
LIVE_PRECISION_ZOOM = 13

__all__ = [
    "Explorer",
    "ExplorerData",
    "View",
    "ViewFilter",
    "cases_per_year",
    "explore",
    "filter_view",
    "map_widget",
    "prepare",
    "summary_table",
]


# --------------------------------------------------------------------------------------------
# Pure part: data preparation and filtering
# --------------------------------------------------------------------------------------------


def _key(name: object) -> str:
    """Normalise a place name for matching ("Kratié " -> "kratie")."""
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.lower() if c.isalnum())


@dataclass(frozen=True)
class ViewFilter:
    """What the explorer's controls currently ask for. Empty selections mean "all".

    Attributes
    ----------
    provinces
        Province keys (see :attr:`ExplorerData.provinces`); empty: every province.
    years
        Inclusive ``(first, last)`` year of the case date; ``None``: every year (and cases
        without a date).
    types, statuses
        Canonical case types / statuses; empty: all.
    concession_kinds
        Concession kinds shown on the map and used by the distance filter; empty: all.
    within_km
        Keep only cases within this many kilometres of a (shown) concession; ``0`` keeps cases
        inside one; ``None`` switches the distance filter off.

    """

    provinces: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    concession_kinds: tuple[str, ...] = ()
    within_km: float | None = None


@dataclass
class ExplorerData:
    """Layers prepared once for fast filtering (see :func:`prepare`).

    Attributes
    ----------
    cases
        The case layer with two helper columns: the province key and the year.
    concessions, areas, boundaries
        The other layers (``None`` when not given); concessions and areas carry a list of the
        province keys they touch when province boundaries were given.
    distances
        Metres from each case to the nearest concession of each kind (one column per kind),
        measured in ``crs``.
    provinces
        ``{key: display label}`` of the provinces offered, in display order.
    crs
        The metric CRS distances were measured in.

    """

    cases: gpd.GeoDataFrame
    concessions: gpd.GeoDataFrame | None
    areas: gpd.GeoDataFrame | None
    boundaries: gpd.GeoDataFrame | None
    distances: pd.DataFrame
    provinces: dict[str, str]
    crs: str
    lang: Lang = "both"

    @property
    def year_range(self) -> tuple[int, int]:
        """First and last year of the case dates (today's year when there are none)."""
        years = self.cases[_YEAR].dropna()
        if years.empty:
            this = dt.date.today().year
            return this, this
        return int(years.min()), int(years.max())

    @property
    def concession_kinds(self) -> list[str]:
        """Concession kinds present, in vocabulary order."""
        if self.concessions is None or "kind" not in self.concessions:
            return []
        return _ordered(self.concessions["kind"], "concession_kind")

    @property
    def case_types(self) -> list[str]:
        """Case types present, in vocabulary order."""
        return _ordered(self.cases["type"], "case_type") if "type" in self.cases else []

    @property
    def case_statuses(self) -> list[str]:
        """Case statuses present, in vocabulary order."""
        return _ordered(self.cases["status"], "case_status") if "status" in self.cases else []


@dataclass
class View:
    """The layers of one filtered view, ready for a map, a table or an export."""

    cases: gpd.GeoDataFrame
    concessions: gpd.GeoDataFrame | None
    areas: gpd.GeoDataFrame | None
    boundaries: gpd.GeoDataFrame | None
    filter: ViewFilter = field(default_factory=ViewFilter)


def _ordered(values: pd.Series, field_name: str) -> list[str]:
    present = set(values.dropna().astype(str))
    known = [t for t in vocabulary().get(field_name, {}) if t in present]
    return known + sorted(present.difference(known))


def _province_layer(boundaries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if boundaries is None or boundaries.empty:
        return None
    if "level" in boundaries:
        provinces = boundaries[boundaries["level"].astype("string").str.lower() == "province"]
        if not provinces.empty:
            return provinces
    return boundaries


#: Tolerance (degrees, about 110 m) of the simplified province outlines drawn as background.
BACKGROUND_TOLERANCE = 0.001


def _background(provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Province outlines simplified once for display, shared edges kept shared."""
    import shapely

    geoms = provinces.geometry.values
    try:
        simple = shapely.coverage_simplify(geoms, BACKGROUND_TOLERANCE)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify each outline
        simple = shapely.simplify(geoms, BACKGROUND_TOLERANCE, preserve_topology=True)
    out = provinces.copy()
    out["geometry"] = simple
    return out


def _provinces_touched(
    layer: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame, keys: pd.Series
) -> pd.Series:
    """For each feature of ``layer``, the list of province keys it intersects."""
    left = gpd.GeoDataFrame(geometry=layer.geometry.values, crs=layer.crs)
    right = gpd.GeoDataFrame({"_k": keys.values}, geometry=provinces.geometry.values,
                             crs=provinces.crs)
    joined = gpd.sjoin(left, right, how="left", predicate="intersects")
    lists = joined.groupby(level=0)["_k"].agg(lambda s: sorted(set(s.dropna())))
    return pd.Series(lists.reindex(range(len(layer))).values, index=layer.index)


def _distances(cases_m: gpd.GeoSeries, concessions_m: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Metres from each case to the nearest concession of each kind."""
    out = pd.DataFrame(index=cases_m.index)
    if concessions_m is None or concessions_m.empty:
        return out
    kinds = concessions_m["kind"].astype("string").fillna("other") if "kind" in concessions_m \
        else pd.Series("other", index=concessions_m.index)
    left = gpd.GeoDataFrame(geometry=cases_m.values, crs=cases_m.crs)
    for kind in pd.unique(kinds):
        right = gpd.GeoDataFrame(geometry=concessions_m.geometry[kinds == kind].values,
                                 crs=concessions_m.crs)
        right = right[~right.geometry.is_empty & right.geometry.notna()]
        if right.empty or left.empty:
            out[str(kind)] = np.inf
            continue
        joined = gpd.sjoin_nearest(left, right, how="left", distance_col="_d")
        nearest = joined.groupby(level=0)["_d"].min().reindex(range(len(left)))
        out[str(kind)] = nearest.fillna(np.inf).to_numpy()
    return out


def prepare(
    cases: gpd.GeoDataFrame,
    *,
    concessions: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    crs: str = CAMBODIA_METRIC_CRS,
    lang: Lang = "both",
) -> ExplorerData:
    """Prepare canonical layers for the explorer: every costly step is done here, once.

    Distances from each case to the nearest concession of each kind are measured in ``crs``;
    each case gets a province key (its ``province`` value when it names a province in
    ``boundaries``, otherwise the province polygon it lies in); concessions and areas get the
    provinces they touch.

    Parameters
    ----------
    cases
        A canonical case layer (points, EPSG:4326).
    concessions, areas, boundaries
        Canonical layers; ``boundaries`` may hold several levels (provinces are used, with
        their Khmer names from ``name_km``).
    crs
        Metric CRS for distances (UTM 48N for Cambodia).
    lang
        Language of the province labels: ``"en"``, ``"km"`` or ``"both"``.

    Returns
    -------
    ExplorerData

    Raises
    ------
    SchemaError
        If ``cases`` has no geometry or no ``date``/``type``/``status`` column.

    """
    missing = [c for c in ("date", "type", "status") if c not in cases.columns]
    if missing or not isinstance(cases, gpd.GeoDataFrame):
        raise SchemaError(
            f"the case layer lacks {', '.join(missing) or 'a geometry'}",
            column=missing[0] if missing else None,
            fix="load it with landmap.load_cases(...) so it has the canonical case columns",
        )
    cases = cases.reset_index(drop=True).copy()
    cases[_YEAR] = pd.to_datetime(cases["date"], errors="coerce").dt.year.astype("Int64")

    provinces = _province_layer(boundaries)
    labels: dict[str, str] = {}
    stated = (cases["province"].map(_key) if "province" in cases
              else pd.Series("", index=cases.index))
    if provinces is not None:
        names = provinces["name"] if "name" in provinces else pd.Series("", index=provinces.index)
        keys = names.map(_key)
        km = provinces["name_km"] if "name_km" in provinces else pd.Series(pd.NA, index=names.index)
        for key, en, kh in sorted(zip(keys, names, km, strict=True), key=lambda t: str(t[1])):
            if key and key not in labels:
                labels[key] = _bilingual(str(en), None if pd.isna(kh) else str(kh), lang)
        # Cases whose stated province is not a known name: take the province they lie in.
        unknown = ~stated.isin(labels.keys())
        if unknown.any():
            located = _provinces_touched(cases[unknown], provinces, keys)
            stated = stated.copy()
            stated[unknown] = located.map(lambda ks: ks[0] if ks else "")
        for layer_name in ("concessions", "areas"):
            layer = {"concessions": concessions, "areas": areas}[layer_name]
            if layer is not None:
                layer = layer.copy()
                layer[PROVINCE_KEY] = _provinces_touched(layer, provinces, keys)
                if layer_name == "concessions":
                    concessions = layer
                else:
                    areas = layer
    else:
        for key, name in zip(stated, cases.get("province", stated), strict=True):
            if key and key not in labels:
                labels[key] = str(name)
        labels = dict(sorted(labels.items(), key=lambda kv: kv[1]))
    cases[PROVINCE_KEY] = stated.astype("string")

    cases_m = cases.geometry.to_crs(crs)
    concessions_m = None if concessions is None else concessions.to_crs(crs)
    return ExplorerData(
        cases=cases,
        concessions=concessions,
        areas=areas,
        boundaries=None if provinces is None else _background(provinces),
        distances=_distances(cases_m, concessions_m),
        provinces=labels,
        crs=crs,
        lang=lang,
    )


def _bilingual(en: str, km: str | None, lang: Lang) -> str:
    if lang == "en" or not km:
        return en
    if lang == "km":
        return km
    return f"{en} / {km}"


def _touches(column: pd.Series, wanted: set[str]) -> np.ndarray:
    return column.map(lambda ks: bool(wanted.intersection(ks))).to_numpy(dtype=bool)


def filter_view(data: ExplorerData, view: ViewFilter | None = None) -> View:
    """Apply a :class:`ViewFilter` to prepared layers.

    Parameters
    ----------
    data
        The output of :func:`prepare`.
    view
        The filter; ``None`` keeps everything.

    Returns
    -------
    View
        The cases, concessions, areas and province boundaries to show. Helper columns added by
        :func:`prepare` are removed.

    Examples
    --------
    >>> v = filter_view(data, ViewFilter(types=("eviction",), years=(2020, 2022)))  # doctest: +SKIP

    """
    view = view or ViewFilter()
    cases = data.cases
    keep = np.ones(len(cases), dtype=bool)
    if view.provinces:
        keep &= cases[PROVINCE_KEY].isin(view.provinces).fillna(False).to_numpy(dtype=bool)
    if view.years is not None:
        first, last = view.years
        if (first, last) != data.year_range:
            year = cases[_YEAR]
            keep &= ((year >= first) & (year <= last)).fillna(False).to_numpy(dtype=bool)
    if view.types:
        keep &= cases["type"].isin(view.types).fillna(False).to_numpy(dtype=bool)
    if view.statuses:
        keep &= cases["status"].isin(view.statuses).fillna(False).to_numpy(dtype=bool)

    concessions = data.concessions
    kinds = list(view.concession_kinds) or data.concession_kinds
    if concessions is not None:
        mask = np.ones(len(concessions), dtype=bool)
        if view.concession_kinds and "kind" in concessions:
            mask &= concessions["kind"].isin(view.concession_kinds).fillna(False).to_numpy(bool)
        if view.provinces and PROVINCE_KEY in concessions:
            mask &= _touches(concessions[PROVINCE_KEY], set(view.provinces))
        concessions = concessions[mask].drop(columns=[PROVINCE_KEY], errors="ignore")
    if view.within_km is not None:
        cols = [k for k in kinds if k in data.distances]
        if cols:
            nearest = data.distances[cols].min(axis=1).to_numpy()
            keep &= nearest <= float(view.within_km) * 1000.0
        else:
            keep &= False

    areas = data.areas
    if areas is not None:
        if view.provinces and PROVINCE_KEY in areas:
            areas = areas[_touches(areas[PROVINCE_KEY], set(view.provinces))]
        areas = areas.drop(columns=[PROVINCE_KEY], errors="ignore")
    boundaries = data.boundaries
    if boundaries is not None and view.provinces:
        boundaries = boundaries[boundaries["name"].map(_key).isin(view.provinces)]
    return View(
        cases=cases[keep].drop(columns=[PROVINCE_KEY, _YEAR]),
        concessions=concessions,
        areas=areas,
        boundaries=boundaries,
        filter=view,
    )


def summary_table(cases: pd.DataFrame, *, lang: Lang = "both") -> pd.DataFrame:
    """Cases and households per case type, with a total row.

    Parameters
    ----------
    cases
        A (filtered) canonical case layer.
    lang
        Language of the row labels.

    Returns
    -------
    pandas.DataFrame
        Index: case type label (and ``"Total"``); columns ``cases`` and ``households``.

    """
    households = pd.to_numeric(cases.get("households"), errors="coerce") if "households" in cases \
        else pd.Series(0, index=cases.index)
    frame = pd.DataFrame({"type": cases["type"].astype("string").fillna("other"),
                          "households": households.fillna(0).astype("int64")})
    grouped = frame.groupby("type", sort=False).agg(
        cases=("type", "size"), households=("households", "sum")
    )
    order = [t for t in vocabulary()["case_type"] if t in grouped.index]
    order += sorted(set(grouped.index).difference(order))
    grouped = grouped.reindex(order)
    grouped.index = [label("case_type", t, lang) for t in grouped.index]
    total_label = _bilingual("Total", "សរុប", lang)
    grouped.loc[total_label] = [len(frame), int(frame["households"].sum())]
    grouped.index.name = label("heading", "case_type", lang)
    return grouped.astype("int64")


def cases_per_year(cases: pd.DataFrame, *, years: tuple[int, int] | None = None) -> pd.Series:
    """Count cases per year of their date (every year of ``years`` present, zeros included)."""
    year = pd.to_datetime(cases["date"], errors="coerce").dt.year.dropna().astype("int64")
    counts = year.value_counts().sort_index()
    if years is not None:
        counts = counts.reindex(range(years[0], years[1] + 1), fill_value=0)
    counts.index.name = "year"
    counts.name = "cases"
    return counts.astype("int64")


# --------------------------------------------------------------------------------------------
# Maps: build and show
# --------------------------------------------------------------------------------------------


def _build_map(
    view: View, *, lang: Lang, title: str | None, notice: str | None = None,
    precision_zoom: float = 17,
) -> Any:
    from landmap.maps import build_map

    return build_map(
        cases=view.cases, concessions=view.concessions, areas=view.areas,
        boundaries=view.boundaries, title=title, notice=notice, lang=lang, minimap=False,
        precision_zoom=precision_zoom,
    )


def _page_html(m: Any) -> str:
    """Return a folium map as one self-contained HTML document (Leaflet inlined, offline)."""
    from landmap.maps import map_html as _page

    return _page(m, offline=True)


#: Injected before ``</head>`` of a page shown in a notebook: a frame that starts hidden (a
#: JupyterLab cell outside the visible window) has no size, and fitting the map then zooms to the
#: maximum; wait until the frame is shown, then fit.
_FIT_WHEN_SHOWN = """<script>
(function () {
  if (!window.landmap || !landmap.ready) { return; }
  var ready = landmap.ready;
  function shown() { return window.innerWidth > 0 && window.innerHeight > 0; }
  landmap.ready = function (map, options) {
    if (shown()) { return ready(map, options); }
    function once() {
      if (!shown()) { return; }
      window.removeEventListener('resize', once);
      map.invalidateSize();
      ready(map, options);
    }
    window.addEventListener('resize', once);
  };
})();
</script>
"""


def _iframe(doc: str, height: int) -> str:
    head_end = doc.find("</head>")
    if head_end >= 0:
        doc = doc[:head_end] + _FIT_WHEN_SHOWN + doc[head_end:]
    return (
        f'<iframe srcdoc="{html.escape(doc, quote=True)}" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        'sandbox="allow-scripts allow-popups"></iframe>'
    )


def map_widget(m: Any, *, height: int = 480) -> Any:
    """Show a folium map in a notebook, offline, whether or not the notebook is trusted.

    The map is rendered as a standalone document (Leaflet inlined) inside an ``<iframe
    srcdoc>`` held by an :class:`ipywidgets.HTML` widget.

    Parameters
    ----------
    m
        A folium map.
    height
        Height in pixels.

    Returns
    -------
    ipywidgets.HTML

    """
    import ipywidgets as w

    return w.HTML(value=_iframe(_page_html(m), height))


# --------------------------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------------------------


#: Shown on the explorer and its maps when every case is marked synthetic.
SYNTHETIC_NOTICE = "SYNTHETIC cases: invented for training, not real"


def _is_synthetic(cases: pd.DataFrame) -> bool:
    """Whether every case carries the synthetic register's marker column."""
    if "synthetic" not in cases.columns or cases.empty:
        return False
    marker = cases["synthetic"].astype("string").str.upper()
    return bool(marker.str.contains("SYNTHETIC", regex=False).fillna(False).all())


def _privacy() -> Any | None:
    try:
        from landmap.export import privacy
    except ImportError:
        return None
    return privacy if hasattr(privacy, "apply_profile") else None


class Explorer:
    """Interactive explorer: controls that filter cases and redraw a map, a table and a chart.

    Parameters
    ----------
    cases
        A canonical case layer. Workshops use the synthetic register only.
    concessions, areas, boundaries
        Canonical layers shown with the cases; provinces in ``boundaries`` give the province
        list (English and Khmer names).
    lang
        Labels: ``"en"``, ``"km"`` or ``"both"``.
    output_dir
        Folder the export button writes into (a temporary folder when ``None``).
    height
        Map height in pixels.
    title
        Map title.
    profile
        Privacy profile for exports; ``"public"`` (default) drops personal fields and displaces
        case locations when :mod:`landmap.export.privacy` is installed.
    communes
        Commune boundaries that keep displaced case locations inside their commune on a public
        export (taken from ``boundaries`` when it has a ``commune`` level).

    Attributes
    ----------
    province, years, case_type, status, concession_kind, near, within_km
        The controls (ipywidgets); set their ``value`` to drive the explorer from code.
    export_button, reset_button
        "Export view" (see :meth:`export`) and "Show all" (see :meth:`reset`).
    view
        The current :class:`View`; ``map``, ``table``, ``chart_data`` and ``figure`` show it.
    widget
        The whole explorer as one ipywidgets box (displayed by the notebook).

    """

    def __init__(
        self,
        cases: gpd.GeoDataFrame,
        *,
        concessions: gpd.GeoDataFrame | None = None,
        areas: gpd.GeoDataFrame | None = None,
        boundaries: gpd.GeoDataFrame | None = None,
        lang: Lang = "both",
        output_dir: str | Path | None = None,
        height: int = 560,
        title: str | None = None,
        profile: str = "public",
        communes: gpd.GeoDataFrame | None = None,
    ) -> None:
        import ipywidgets as w

        self.data = prepare(cases, concessions=concessions, areas=areas, boundaries=boundaries,
                            lang=lang)
        self.lang: Lang = lang
        self.height = height
        self.title = title
        self.profile = profile
        if communes is None and boundaries is not None and "level" in boundaries:
            level = boundaries["level"].astype("string").str.lower()
            communes = boundaries[level == "commune"] if (level == "commune").any() else None
        self.communes = communes
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.last_update_seconds = 0.0
        self.last_export_note = ""
        self.figure: Any = None
        self._hold = False
        first, last = self.data.year_range
        layout = w.Layout(width="98%")

        def head(field_name: str) -> str:
            return label("heading", field_name, lang)

        self.province = w.SelectMultiple(
            options=[(v, k) for k, v in self.data.provinces.items()], rows=6,
            layout=layout,
        )
        self.years = w.IntRangeSlider(value=(first, last), min=first, max=last, step=1,
                                      layout=layout,
                                      continuous_update=False)
        self.case_type = w.SelectMultiple(
            options=[(label("case_type", t, lang), t) for t in self.data.case_types],
            rows=min(6, max(2, len(self.data.case_types))),
            layout=layout,
        )
        self.status = w.SelectMultiple(
            options=[(label("case_status", t, lang), t) for t in self.data.case_statuses],
            rows=min(5, max(2, len(self.data.case_statuses))),
            layout=layout,
        )
        self.concession_kind = w.SelectMultiple(
            options=[(label("concession_kind", k, lang), k) for k in self.data.concession_kinds],
            rows=min(4, max(2, len(self.data.concession_kinds))),
            layout=layout,
        )
        self.near = w.Checkbox(value=False, description=_bilingual(
            "Only cases near a concession", "តែករណីជិតសម្បទាន", lang), indent=False)
        self.within_km = w.FloatSlider(value=2.0, min=0.0, max=50.0, step=0.5,
                                       description="km", layout=layout,
                                       continuous_update=False, readout_format=".1f")
        self.export_button = w.Button(description=_bilingual("Export view", "នាំចេញ", lang),
                                      icon="download", button_style="primary")
        self.reset_button = w.Button(description=_bilingual("Show all", "បង្ហាញទាំងអស់", lang),
                                     icon="undo")
        self.status_line = w.HTML()
        self.map_view = w.HTML()
        self.table_view = w.HTML()
        self.chart_view = w.Image(format="png")
        self.synthetic = _is_synthetic(self.data.cases)
        notes = [_bilingual("Nothing selected in a list means all.", "មិនជ្រើសរើស = ទាំងអស់។",
                            lang), self._privacy_note()]
        if self.synthetic:
            notes.insert(0, _bilingual(SYNTHETIC_NOTICE, "ករណីសាកល្បង មិនមែនករណីពិត", lang))
        self.hint = hint = w.HTML("<br>".join(f"<small>{html.escape(n)}</small>" for n in notes))

        def titled(field_name: str, control: Any) -> Any:
            # A heading above the control: Khmer labels are too long for a description column.
            return w.VBox([w.HTML(f"<b>{html.escape(head(field_name))}</b>"), control])

        controls = w.VBox(
            [titled("province", self.province), titled("year", self.years),
             titled("case_type", self.case_type), titled("status", self.status),
             titled("concessions", self.concession_kind), self.near, self.within_km, hint,
             w.HBox([self.reset_button, self.export_button]), self.status_line],
            layout=w.Layout(width="34%", min_width="280px"),
        )
        right = w.VBox([self.map_view, w.HBox([self.table_view, self.chart_view])],
                       layout=w.Layout(width="66%"))
        self.widget = w.HBox([controls, right], layout=w.Layout(width="100%"))
        for control in (self.province, self.years, self.case_type, self.status,
                        self.concession_kind, self.near, self.within_km):
            control.observe(self._on_change, names="value")
        self.export_button.on_click(lambda _b: self._on_export())
        self.reset_button.on_click(lambda _b: self.reset())
        self.update()

    # -- state -----------------------------------------------------------------------------
    @property
    def filter(self) -> ViewFilter:
        """The :class:`ViewFilter` the controls currently describe."""
        return ViewFilter(
            provinces=tuple(self.province.value),
            years=tuple(self.years.value),  # type: ignore[arg-type]
            types=tuple(self.case_type.value),
            statuses=tuple(self.status.value),
            concession_kinds=tuple(self.concession_kind.value),
            within_km=float(self.within_km.value) if self.near.value else None,
        )

    def _privacy_note(self) -> str:
        if self.profile != "public":
            return _bilingual(f"Exports use the {self.profile} profile: do not share them.",
                              "កុំចែករំលែកឯកសារនាំចេញនេះ។", self.lang)
        if _privacy() is None:
            return "Exports are NOT anonymised (privacy module missing): do not share them."
        return _bilingual(
            "Exports use the public profile: personal fields removed, locations displaced.",
            label("heading", "public", "km"), self.lang,
        )

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls and redraw once at the end."""
        self._hold = True
        try:
            yield
        finally:
            self._hold = False
            self.update()

    def reset(self) -> None:
        """Clear every selection, widen the years to the full range and redraw once."""
        with self.hold():
            for control in (self.province, self.case_type, self.status, self.concession_kind):
                control.value = ()
            self.years.value = self.data.year_range
            self.near.value = False

    def _on_change(self, _change: object) -> None:
        if not self._hold:
            self.update()

    # -- redraw ----------------------------------------------------------------------------
    def update(self, *, force: bool = False) -> None:
        """Filter with the controls' values and redraw the map, table and chart.

        Parameters
        ----------
        force
            Redraw even when the controls describe the view already shown.

        """
        start = time.perf_counter()
        self.within_km.disabled = not self.near.value
        current = self.filter
        previous = getattr(self, "view", None)
        if previous is not None and previous.filter == current and not force:
            return  # e.g. the distance slider moved while the distance filter is off
        self.view = filter_view(self.data, current)
        self.map = _build_map(self.view, lang=self.lang, title=self.title,
                              notice=SYNTHETIC_NOTICE if self.synthetic else None,
                              precision_zoom=LIVE_PRECISION_ZOOM)
        self.map_view.value = _iframe(_page_html(self.map), self.height)
        self.table = summary_table(self.view.cases, lang=self.lang)
        self.table_view.value = self.table.to_html(escape=True, border=0)
        counts = cases_per_year(self.view.cases, years=tuple(self.years.value))
        if not counts.equals(getattr(self, "chart_data", None)):  # redraw only when it changed
            self.chart_data = counts
            self.figure = self._chart(counts)
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png", dpi=80)
            self.chart_view.value = buf.getvalue()
        self.last_update_seconds = time.perf_counter() - start

    def _chart(self, counts: pd.Series) -> Any:
        from matplotlib.figure import Figure

        if getattr(self, "figure", None) is None:
            self.figure = Figure(figsize=(3.6, 2.4))
            self.figure.add_subplot()
            self.figure.subplots_adjust(left=0.14, bottom=0.24, right=0.97, top=0.88)
        ax = self.figure.axes[0]
        ax.clear()
        ax.bar(counts.index.astype(str), counts.to_numpy(), color="#b2182b")
        ax.set_title(f"{label('heading', 'cases', 'en')} / {label('heading', 'year', 'en')}",
                     fontsize=9)
        ax.tick_params(labelsize=7)
        if len(counts) > 8:
            for tick in ax.get_xticklabels():
                tick.set_rotation(90)
        return self.figure

    # -- export ----------------------------------------------------------------------------
    def export(self, folder: str | Path | None = None) -> dict[str, Path]:
        """Write the current view: an offline HTML map and the filtered table (CSV).

        With the public profile (default) the cases go through
        :func:`landmap.export.privacy.apply_profile` first and its audit is written beside.

        Parameters
        ----------
        folder
            Output folder; defaults to ``output_dir`` or a new temporary folder.

        Returns
        -------
        dict
            ``{"map": path, "table": path[, "audit": path]}``.

        Raises
        ------
        ExportError
            If the public profile was asked for and cannot be applied.

        """
        from landmap.maps import save_map

        out = Path(folder) if folder is not None else (
            self.output_dir or Path(tempfile.mkdtemp(prefix="landmap-explorer-")))
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        if (out / f"explorer-{stamp}.html").exists():  # two exports within one second
            stamp += "-" + str(len(list(out.glob(f"explorer-{stamp}*.html"))) + 1)
        view = self.view
        written: dict[str, Path] = {}
        audit: dict[str, Any] | None = None
        if self.profile == "public" and (privacy := _privacy()) is not None:
            published = privacy.apply_profile(view.cases, "public", kind="cases",
                                              communes=self.communes,
                                              concessions=view.concessions)
            view = replace(view, cases=published.data)
            audit = published.audit
        elif self.profile == "public":
            raise ExportError(
                "cannot make a public export: landmap.export.privacy is not available",
                fix="install landmap completely, or pass profile='internal' for an internal copy",
            )
        notice = label("heading", "public" if audit is not None else "confidential",
                       self.lang)
        if self.synthetic:
            notice = f"{SYNTHETIC_NOTICE} · {notice}"
        m = _build_map(view, lang=self.lang, title=self.title, notice=notice)
        written["map"] = Path(save_map(m, out / f"explorer-{stamp}.html", offline=True))
        table = pd.DataFrame(view.cases.drop(columns="geometry"))
        with atomic_path(out / f"explorer-{stamp}.csv") as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        written["table"] = out / f"explorer-{stamp}.csv"
        self.last_export_note = _export_note(len(self.view.cases), audit)
        if audit is not None:
            with atomic_path(out / f"explorer-{stamp}.audit.json") as tmp:
                tmp.write_text(json.dumps(audit, indent=2, default=str, ensure_ascii=False),
                               encoding="utf-8")
            written["audit"] = out / f"explorer-{stamp}.audit.json"
        return written

    def _on_export(self) -> None:
        try:
            written = self.export()
        except Exception as err:  # noqa: BLE001 - shown to the user in the widget, not lost
            self.status_line.value = f"<b>Export failed:</b> {html.escape(str(err))}"
            return
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in written.values())
        self.status_line.value = f"Written:<ul>{items}</ul>{html.escape(self.last_export_note)}"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _export_note(shown: int, audit: dict[str, Any] | None) -> str:
    """One sentence on what the privacy profile did to the exported cases."""
    if audit is None:
        return f"{shown} cases exported with exact locations and all fields: do not share."
    points = audit.get("points") or {}
    left_out = int(points.get("left_out") or 0)
    dist = points.get("distance_m") or {}
    moved = int(points.get("moved") or 0)
    note = f"{shown - left_out} of {shown} cases exported; {moved} moved"
    if dist.get("min") is not None:
        note += f" {dist['min'] / 1000:.1f}-{dist['max'] / 1000:.1f} km"
    if left_out:
        note += f"; {left_out} left out (no safe place in their commune)"
    return note + ". Personal fields removed."


def explore(
    cases: gpd.GeoDataFrame,
    *,
    concessions: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    lang: Lang = "both",
    output_dir: str | Path | None = None,
    **options: Any,
) -> Explorer:
    """Build an :class:`Explorer` (displayed when it is the last value of a notebook cell).

    Parameters
    ----------
    cases, concessions, areas, boundaries, lang, output_dir
        As for :class:`Explorer`.
    **options
        Further options of :class:`Explorer` (``height``, ``title``, ``profile``,
        ``communes``).

    Returns
    -------
    Explorer

    Examples
    --------
    >>> ex = explore(cases, concessions=elc, boundaries=provinces)  # doctest: +SKIP
    >>> ex.case_type.value = ("eviction",)  # doctest: +SKIP

    """
    return Explorer(cases, concessions=concessions, areas=areas, boundaries=boundaries,
                    lang=lang, output_dir=output_dir, **options)

