"""The privacy gate: :func:`publish` makes the only thing a public product accepts.

A :class:`PublishedLayer` can be made by :func:`publish` alone. It holds the data an output made
with its profile may contain, the audit that may travel with it, and, kept apart, the internal
detail (which case was left out or moved across a concession boundary). Writers of public
products ask :func:`data_for_output` for what to write: handed a raw case layer under a public
profile, it raises :class:`~landmap.errors.PrivacyError`; nothing is decided from a column name.

One ``PublishedLayer`` is one random draw of the masked points. Write every file of a set from
the same ``PublishedLayer`` (several independent draws of one case average out towards its
true location); :func:`publish` given a ``PublishedLayer`` returns it unchanged.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> cases = gpd.GeoDataFrame({"case_id": ["c1"], "ward": ["W-7"]},
...                          geometry=[Point(104.92, 11.56)], crs="EPSG:4326")
>>> published = publish(cases, kind="cases", seed=1)
>>> list(published.data.columns)
['case_id', 'published_location', 'geometry']
>>> published.audit["columns_removed"]
{'ward': 'not among the columns the profile publishes'}
>>> 500 <= published.audit["points"]["distance_m"]["min"] <= 2000
True

"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.errors import PrivacyError
from landmap.io.load import layer_data
from landmap.privacy.columns import choose_columns
from landmap.privacy.fields import sensitive_columns
from landmap.privacy.points import PUBLISHED_LOCATION
from landmap.privacy.profiles import PrivacyProfile, get_profile
from landmap.privacy.publication import mask_layer, new_audit, omission_notes, published_attrs
from landmap.schema import ID_COLUMN, LAYER_KINDS

_GATE = object()  # only this module holds it: the one way to make a PublishedLayer
#: Kinds :func:`publish` knows: the canonical layers, and ``"table"`` for result tables.
PUBLISH_KINDS: tuple[str, ...] = (*LAYER_KINDS, "table")


class PublishedLayer:
    """A layer as a product made with one privacy profile may show it. Made by :func:`publish`.

    Attributes
    ----------
    name
        The layer's name in the outputs (or ``None``).
    kind
        ``"cases"``, ``"areas"``, ``"concessions"``, ``"boundaries"`` or ``"table"``.
    profile
        The :class:`~landmap.privacy.PrivacyProfile` it was made with.
    publication
        A random identifier of this draw: every file of one set carries the same one.
    omitted
        One line per thing left out (columns, cases, exact locations), for provenance files.

    """

    __slots__ = (
        "_audit",
        "_data",
        "_detail",
        "_source",
        "kind",
        "name",
        "omitted",
        "profile",
        "publication",
    )

    def __init__(
        self,
        token: object,
        *,
        data: pd.DataFrame,
        kind: str,
        name: str | None,
        profile: PrivacyProfile,
        audit: dict[str, Any],
        detail: dict[str, Any],
        omitted: list[str],
        source: pd.DataFrame | None,
    ) -> None:
        if token is not _GATE:
            raise PrivacyError(
                "a PublishedLayer is made only by landmap.privacy.publish()",
                fix="call landmap.publish(layer, profile) instead of building one",
            )
        values = {
            "_data": data,
            "kind": kind,
            "name": name,
            "profile": profile,
            "_audit": audit,
            "_detail": detail,
            "omitted": tuple(omitted),
            "publication": audit.get("publication", ""),
            "_source": source,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"a PublishedLayer cannot be changed ({key!r})")

    @property
    def data(self) -> pd.DataFrame:
        """A copy of the published rows (change it freely: the layer itself stays as made)."""
        out = self._data.copy()
        out.attrs = copy.deepcopy(self._data.attrs)
        return out

    @property
    def audit(self) -> dict[str, Any]:
        """The audit that may go beside a public output (no case ids, no seed)."""
        return copy.deepcopy(self._audit)

    @property
    def internal_audit(self) -> dict[str, Any]:
        """The audit with its per-case detail: keep it in the internal folder only."""
        return {**copy.deepcopy(self._audit), "detail": copy.deepcopy(self._detail)}

    @property
    def source(self) -> pd.DataFrame | None:
        """The layer it was made from (true locations, every column): for the leak check only.

        Never write it to an output; it is what the outputs are checked against.
        """
        return self._source

    @property
    def confidential(self) -> bool:
        """Whether outputs made from it must be marked confidential."""
        return self.profile.confidential

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return (
            f"PublishedLayer(name={self.name!r}, kind={self.kind!r}, "
            f"profile={self.profile.name!r}, rows={len(self._data)})"
        )


def layer_kind(obj: Any, kind: str | None = None) -> str | None:
    """Return the kind of a layer: the one given, else the one the loader recorded."""
    if kind is not None:
        return kind
    if isinstance(obj, PublishedLayer):
        return obj.kind
    report = getattr(obj, "report", None)
    if report is not None and getattr(report, "kind", None):
        return str(report.kind)
    frame = layer_data(obj)
    meta = getattr(frame, "attrs", {}).get("landmap") or {}
    return meta.get("kind")


def publish(
    layer: Any,
    profile: str | PrivacyProfile | None = "public",
    *,
    kind: str | None = None,
    name: str | None = None,
    communes: Any = None,
    concessions: Any = None,
    villages: Any = None,
    seed: int | None = None,
    key: bytes | str | None = None,
) -> PublishedLayer:
    """Make a layer safe for its profile, once; say exactly what was changed.

    Parameters
    ----------
    layer
        A canonical layer (GeoDataFrame, ``Loaded``), a result table (DataFrame), or a
        ``PublishedLayer`` (returned as it is when its profile is the one asked for).
    profile
        ``"public"`` (default), ``"internal"`` or a :class:`PrivacyProfile`.
    kind
        ``"cases"``, ``"areas"``, ``"concessions"``, ``"boundaries"`` or ``"table"``; by
        default the kind the loader recorded. Only ``cases`` are masked; every kind keeps only
        the columns the profile publishes for it.
    name
        The layer's name in the outputs (written in the audit).
    communes
        Commune polygons (a layer or a path) keeping displaced points inside their commune.
        Default: the commune layer installed with landmap.
    concessions
        Concession polygons: cases that masking moves into, out of or between concessions are
        counted in the audit and listed in the internal detail.
    villages
        Village polygons or points, for the ``village_centroid`` mode.
    seed
        Only for tests and demonstrations; by default a fresh seed from :mod:`secrets`, never
        returned or written.
    key
        The office's secret masking key (:func:`~landmap.privacy.load_or_create_key`),
        required by profiles with ``seed_policy="keyed"``: each case is then masked the same
        way in every publication.

    Returns
    -------
    PublishedLayer

    Raises
    ------
    PrivacyError
        For an unknown profile or kind, a layer published before with another profile, a mode
        that needs a village layer that was not given, a keyed profile without its key, or a
        missing commune layer.

    """
    prof = get_profile(profile)
    if isinstance(layer, PublishedLayer):
        if layer.profile == prof and (kind is None or kind == layer.kind):
            return layer
        raise PrivacyError(
            f"this layer was already published with the {layer.profile.name!r} profile",
            fix="publish the original (loaded) layer with the profile you want",
        )
    kind = layer_kind(layer, kind)
    if kind not in PUBLISH_KINDS:
        raise PrivacyError(
            f"cannot tell what kind of layer this is ({kind!r})",
            fix=f"say it: publish(layer, kind=...) with one of {', '.join(PUBLISH_KINDS)}",
        )
    frame = layer_data(layer)
    if not isinstance(frame, pd.DataFrame):
        raise PrivacyError(
            f"expected a GeoDataFrame or DataFrame, got {type(frame).__name__}",
            fix="pass the layer itself (Loaded.data)",
        )
    if kind == "table":
        return _publish_table(frame, prof, name)
    audit = new_audit(frame, prof, kind, name, seed, concessions)
    choice = choose_columns(frame, prof, kind)
    audit["columns_removed"] = choice.removed
    audit["free_text"] = choice.free_text
    audit["warnings"] += choice.warnings
    data = choice.data.reset_index(drop=True)
    detail: dict[str, Any] = {}
    masks = (
        kind == "cases"
        and not prof.confidential
        and isinstance(data, gpd.GeoDataFrame)
        and prof.mode != "exact"
        and bool(data.geometry.notna().any())
    )
    if not masks:
        audit["points"]["published_as"] = (
            "unchanged geometry (not a case layer)"
            if kind != "cases"
            else "exact locations (confidential)"
            if prof.confidential or prof.mode == "exact"
            else "no case locations in the layer"
        )
    else:
        data = mask_layer(
            data,
            prof,
            audit,
            detail,
            communes=communes,
            concessions=concessions,
            villages=villages,
            seed=seed,
            key=key,
        )
    audit["rows_out"] = len(data)
    data.attrs = published_attrs(frame, prof, kind)
    return PublishedLayer(
        _GATE,
        data=data,
        kind=kind,
        name=name,
        profile=prof,
        audit=audit,
        detail=detail,
        omitted=omission_notes(kind, audit),
        source=frame,
    )


def merge(layers: list[PublishedLayer], *, name: str | None = None) -> PublishedLayer:
    """Return one ``PublishedLayer`` holding the rows of several (no new masking draw).

    For drawing several case layers as one on a map. They must share their profile and kind.

    Raises
    ------
    PrivacyError
        When the layers were published with different profiles or are of different kinds.

    """
    if not layers:
        raise PrivacyError("nothing to merge", fix="pass at least one PublishedLayer")
    if len(layers) == 1:
        return layers[0]
    first = layers[0]
    if any(not isinstance(p, PublishedLayer) for p in layers) or any(
        p.profile != first.profile or p.kind != first.kind for p in layers
    ):
        raise PrivacyError(
            "only PublishedLayers of one kind and one profile can be merged",
            fix="publish every layer with the same profile first",
        )
    frames = [p._data for p in layers]  # noqa: SLF001 - the gate's own objects
    data = pd.concat(frames, ignore_index=True)
    if isinstance(frames[0], gpd.GeoDataFrame):
        data = gpd.GeoDataFrame(data, geometry=frames[0].geometry.name, crs=frames[0].crs)
    data.attrs = copy.deepcopy(frames[0].attrs)
    sources = [p._source for p in layers if p._source is not None]  # noqa: SLF001
    source = pd.concat(sources, ignore_index=True) if len(sources) == len(layers) else None
    if isinstance(source, pd.DataFrame) and isinstance(sources[0], gpd.GeoDataFrame):
        source = gpd.GeoDataFrame(source, geometry=sources[0].geometry.name, crs=sources[0].crs)
    audit = {
        "layers": {p.name or str(i): p.audit for i, p in enumerate(layers)},
        "publication": "+".join(p.publication for p in layers),
    }
    detail = {p.name or str(i): p._detail for i, p in enumerate(layers)}  # noqa: SLF001
    omitted = [note for p in layers for note in p.omitted]
    return PublishedLayer(
        _GATE,
        data=data,
        kind=first.kind,
        name=name,
        profile=first.profile,
        audit=audit,
        detail=detail,
        omitted=omitted,
        source=source,
    )


def _publish_table(frame: pd.DataFrame, prof: PrivacyProfile, name: str | None) -> PublishedLayer:
    """Publish a result table: no per-case rows in public, no column that looks personal."""
    audit = new_audit(frame, prof, "table", name, None, None)
    id_col = ID_COLUMN["cases"]
    if not prof.confidential and id_col in frame.columns:
        raise PrivacyError(
            f"table {name or ''!r} has one row per case ({id_col!r}), which a "
            f"{prof.name!r} output may not carry",
            fix="publish counts (landmap.public_summary) or make an internal output",
        )
    removed = {} if prof.confidential else sensitive_columns(frame, None)
    data = frame.drop(columns=list(removed)) if removed else frame.copy()
    audit["columns_removed"] = removed
    audit["points"]["published_as"] = "a table (no case locations)"
    audit["rows_out"] = len(data)
    data.attrs = published_attrs(frame, prof, "table")
    return PublishedLayer(
        _GATE,
        data=data,
        kind="table",
        name=name,
        profile=prof,
        audit=audit,
        detail={},
        omitted=omission_notes("table", audit),
        source=None,
    )


def for_output(
    obj: Any,
    profile: str | PrivacyProfile | None,
    *,
    kind: str | None = None,
    what: str = "this output",
    name: str | None = None,
) -> PublishedLayer:
    """Return the :class:`PublishedLayer` a writer may put in an output made with ``profile``.

    A ``PublishedLayer`` is returned as it is (a confidential one is refused in a public
    output). Under a public profile a raw case layer is refused; any other raw layer goes
    through :func:`publish` here (columns only: nothing random happens outside cases). Under a
    confidential profile a raw layer is kept whole.

    Raises
    ------
    PrivacyError
        Naming the writer and the fix.

    """
    prof = get_profile(profile)
    if isinstance(obj, PublishedLayer):
        if obj.profile.confidential and not prof.confidential:
            raise PrivacyError(
                f"{what} is {prof.name!r} but was given a layer published with the "
                f"confidential {obj.profile.name!r} profile",
                fix=f"publish the original layer with the {prof.name!r} profile",
            )
        return obj
    kind = layer_kind(obj, kind)
    if prof.confidential:
        return publish(obj, prof, kind=kind if kind in PUBLISH_KINDS else "table", name=name)
    if kind == "cases":
        raise PrivacyError(
            f"{what} is made with the {prof.name!r} profile and was given raw case data",
            fix="publish the cases first: landmap.publish(cases, profile) (once, for every file "
            "of the set), or make an internal output (profile='internal')",
        )
    if kind is None:
        raise PrivacyError(
            f"{what} is made with the {prof.name!r} profile and cannot tell what kind of "
            f"layer {name or ''!r} is",
            fix=f"give its kind ({', '.join(PUBLISH_KINDS)}) or publish it first",
        )
    return publish(obj, prof, kind=kind, name=name)


def data_for_output(
    obj: Any,
    profile: str | PrivacyProfile | None,
    *,
    kind: str | None = None,
    what: str = "this output",
    name: str | None = None,
) -> pd.DataFrame:
    """Return the rows :func:`for_output` allows (a copy the writer may change)."""
    return for_output(obj, profile, kind=kind, what=what, name=name).data


def removed_columns(*layers: Any) -> dict[str, str]:
    """Return ``{column: reason}`` for the columns the gate removed from these layers."""
    out: dict[str, str] = {}
    for layer in layers:
        if isinstance(layer, PublishedLayer):
            audit = layer._audit  # noqa: SLF001 - the gate's own objects
            for one in [audit, *dict(audit.get("layers") or {}).values()]:
                out.update(one.get("columns_removed") or {})
    return out


def write_audit(
    published: PublishedLayer | Mapping[str, PublishedLayer],
    target: str | os.PathLike[str],
    *,
    internal: bool = False,
) -> Path:
    """Write ``<target>.audit.json`` for one published layer or several; return its path.

    ``internal=False`` (beside public outputs) writes the public audit only; the per-case
    detail goes only into an internal audit (``internal=True``), kept in the internal folder.
    """
    from landmap.io.atomic import write_json

    def record(item: PublishedLayer) -> dict[str, Any]:
        return item.internal_audit if internal else item.audit

    if isinstance(published, PublishedLayer):
        body: dict[str, Any] = record(published)
    else:
        body = {"layers": {n: record(p) for n, p in published.items()}}
    return write_json(str(target) + ".audit.json", body)


__all__ = [
    "PUBLISHED_LOCATION",
    "PUBLISH_KINDS",
    "PublishedLayer",
    "data_for_output",
    "for_output",
    "layer_kind",
    "merge",
    "publish",
    "removed_columns",
    "write_audit",
]
