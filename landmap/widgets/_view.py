"""Pure part of the notebook explorer: prepare the layers once, then filter them fast.

Everything here takes and returns (Geo)DataFrames and is tested without any widget; the
controls in :mod:`landmap.widgets._explorer` only call these functions.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap.errors import SchemaError
from landmap.schema import CAMBODIA_METRIC_CRS, Lang, label, vocabulary

#: Column holding the province key the explorer filters on (added by :func:`prepare`).
PROVINCE_KEY = "_province_key"
_YEAR = "_year"
#: Zoom whose pixel size (about 20 m) sets coordinate precision of the map in the notebook;
#: exported maps keep landmap.render.maps' full precision.
LIVE_PRECISION_ZOOM = 13

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
    lang: Lang = Lang.BOTH

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
    right = gpd.GeoDataFrame(
        {"_k": keys.values}, geometry=provinces.geometry.values, crs=provinces.crs
    )
    joined = gpd.sjoin(left, right, how="left", predicate="intersects")
    lists = joined.groupby(level=0)["_k"].agg(lambda s: sorted(set(s.dropna())))
    return pd.Series(lists.reindex(range(len(layer))).values, index=layer.index)


def _distances(cases_m: gpd.GeoSeries, concessions_m: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Metres from each case to the nearest concession of each kind."""
    out = pd.DataFrame(index=cases_m.index)
    if concessions_m is None or concessions_m.empty:
        return out
    kinds = (
        concessions_m["kind"].astype("string").fillna("other")
        if "kind" in concessions_m
        else pd.Series("other", index=concessions_m.index)
    )
    left = gpd.GeoDataFrame(geometry=cases_m.values, crs=cases_m.crs)
    for kind in pd.unique(kinds):
        right = gpd.GeoDataFrame(
            geometry=concessions_m.geometry[kinds == kind].values, crs=concessions_m.crs
        )
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
    lang: Lang = Lang.BOTH,
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
    stated = (
        cases["province"].map(_key) if "province" in cases else pd.Series("", index=cases.index)
    )
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
    if lang == Lang.EN or not km:
        return en
    if lang == Lang.KM:
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
    >>> import pandas as pd
    >>> from landmap.io.load import load_cases
    >>> cases, _ = load_cases(pd.DataFrame({
    ...     "case_id": ["A1", "A2"], "type": ["eviction", "land grab"],
    ...     "date": ["2021-03-04", "2019-01-02"], "lat": [11.5, 12.0], "lon": [104.9, 105.0]}))
    >>> v = filter_view(prepare(cases), ViewFilter(types=("eviction",), years=(2020, 2022)))
    >>> list(v.cases["case_id"])
    ['A1']

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


def summary_table(cases: pd.DataFrame, *, lang: Lang = Lang.BOTH) -> pd.DataFrame:
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
    households = (
        pd.to_numeric(cases.get("households"), errors="coerce")
        if "households" in cases
        else pd.Series(0, index=cases.index)
    )
    frame = pd.DataFrame(
        {
            "type": cases["type"].astype("string").fillna("other"),
            "households": households.fillna(0).astype("int64"),
        }
    )
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
