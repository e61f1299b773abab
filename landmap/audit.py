r"""The leak check: does an exported file contain anything it must not.

:func:`audit_export` opens every byte stream of an export (ZIP members of KMZ/XLSX/SHP.ZIP, PNG
text chunks, PDF streams and text, GeoPackage tables, base64 payloads inside HTML), decodes the
escapes a value can hide behind (JSON ``\\uXXXX``, HTML entities, percent-encoding, UTF-16) and
looks for

- any sensitive value of the source register: names, ID numbers, photo paths (as whole word
  sequences, case- and Unicode-insensitive; Khmer digits read as ASCII), and phone numbers in any
  spelling (``+855 12 345 678``, ``012-345-678``, ``85512345678``...);
- any point closer than the minimum radius to a true case location: Point features of GeoJSON,
  KML and every GDAL vector layer, coordinate columns of CSV/XLSX tables, GeoJSON embedded in
  HTML, and decimal-degree or UTM number pairs anywhere else in the text.

Polygon and line vertices are not treated as points (boundaries may pass near a home).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landmap.errors import DataFileError, PrivacyError
from landmap.export.privacy_coords import file_points, points_to_metric, stream_points
from landmap.privacy.fields import sensitive_columns
from landmap.privacy.profiles import PUBLIC
from landmap.export.privacy_scan import iter_streams, text_views
from landmap.schema import CAMBODIA_METRIC_CRS, ID_COLUMN, PHONE_PATTERN, LayerKind

log = logging.getLogger(__name__)

#: Reasons whose values are not searched as text (free text is judged by the profile; GPS
#: columns are checked as points).
_NOT_SEARCHED = ("free-text narrative", "exact GPS")
# One character class (fast); "_" is turned into a space before tokenising.
_TOKEN = re.compile(r"[\w\u1780-\u17ff\u19e0-\u19ff]+")
_DIGIT_RUN = re.compile(r"(?<![\d.])\+?\(?\d[\d\s().\-]{5,24}\d(?![\d]|\.\d)")


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing that leaked: where, what, and whose (case id)."""

    kind: str  # "value", "phone" or "point"
    where: str  # file, or file!member
    detail: str
    case_id: str | None = None
    distance_m: float | None = None

    def line(self) -> str:
        """Return the finding as one line (never the full sensitive value)."""
        return f"LEAK {self.kind}: {self.where}: {self.detail}"


@dataclasses.dataclass
class AuditResult:
    """The outcome of a leak check.

    Attributes
    ----------
    findings
        Every leak found (empty when the export is clean).
    scanned
        Every file and member that was read.
    values_checked, cases_checked, points_found
        How many sensitive values were searched for, how many true locations were compared and
        how many points were found in the export.
    min_radius_m
        The distance below which a point counts as the exact location.

    """

    findings: list[Finding]
    scanned: list[str]
    values_checked: int
    cases_checked: int
    points_found: int
    min_radius_m: float

    @property
    def ok(self) -> bool:
        """``True`` when nothing leaked."""
        return not self.findings

    def lines(self) -> list[str]:
        """Return one line per finding, then a summary line."""
        summary = (
            f"{len(self.findings)} leak(s)" if self.findings else "no leak found"
        ) + (
            f" in {len(self.scanned)} stream(s); {self.values_checked} sensitive values and "
            f"{self.cases_checked} true locations checked; {self.points_found} points found, "
            f"minimum radius {self.min_radius_m:g} m"
        )
        return [f.line() for f in self.findings] + [summary]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary (no sensitive values)."""
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data


# --------------------------------------------------------------------------- source values


_NEEDS_TRANSLATE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u17e0-\u17e9]")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_KHMER_DIGIT_RE = re.compile("[\u17e0-\u17e9]")
_NON_DIGIT = re.compile(r"\D")
_KHMER = re.compile("[\u1780-\u17ff]")
_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if _NEEDS_TRANSLATE.search(text):  # str.translate is slow on long texts
        text = _INVISIBLE_RE.sub("", text)
        text = _KHMER_DIGIT_RE.sub(lambda m: chr(ord(m.group()) - 0x17E0 + 48), text)
    return text


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_norm(text).casefold().replace("_", " "))


def _phone_core(digits: str) -> str:
    """Return the national significant number: without +855, or without the trunk 0."""
    if digits.startswith("855"):
        return digits[3:]
    return digits[1:] if digits.startswith("0") else digits


def _phone_cores(digits: str) -> tuple[str, ...]:
    """Cores a number found in an export may stand for ("+855 (0)12..." keeps its 0)."""
    core = _phone_core(digits)
    return (core, core[1:]) if digits.startswith("8550") else (core,)


class SecretIndex:
    """Sensitive values of a source layer, indexed for fast search in large texts."""

    def __init__(self, values: Iterable[tuple[str, str, str]], *, min_chars: int = 4) -> None:
        self.by_length: dict[int, dict[tuple[str, ...], tuple[str, str]]] = {}
        self.first: set[str] = set()
        self.phones: dict[str, tuple[str, str]] = {}
        self.numbers: dict[str, tuple[str, str]] = {}
        self.khmer: dict[str, tuple[str, str, str]] = {}
        self.count = 0
        for column, case_id, value in values:
            value = str(value).strip()
            digits = re.sub(r"\D", "", _norm(value))
            is_phone = bool(PHONE_PATTERN.search(_norm(value))) and len(digits) >= 8
            if is_phone:
                self.phones[_phone_core(digits)] = (column, case_id)
            elif len(digits) >= 8 and len(digits) >= len(re.sub(r"\s", "", value)) - 3:
                self.numbers[digits] = (column, case_id)
            toks = tuple(_tokens(value))
            if toks and sum(map(len, toks)) >= min_chars and not is_phone:
                self.by_length.setdefault(len(toks), {})[toks] = (column, case_id)
                self.first.add(toks[0])
                if _KHMER.search(value):
                    # Khmer runs words together: also look for the value inside longer runs,
                    # keyed by its longest word (a cheap first test).
                    key = max((t for t in toks if _KHMER.search(t)), key=len)
                    self.khmer[" ".join(toks)] = (key, column, case_id)
            self.count += 1
        self.lengths = {len(c) + extra for c in self.phones for extra in (0, 1, 3, 4)}
        self.lengths |= {len(n) for n in self.numbers}

    def search(self, text: str) -> Iterator[tuple[str, str, str, str]]:
        """Yield ``(kind, column, case_id, matched)`` for every sensitive value in ``text``."""
        text = _norm(text)
        toks = _TOKEN.findall(text.casefold().replace("_", " "))
        lengths = sorted(self.by_length)
        first = self.first
        for i in [i for i, tok in enumerate(toks) if tok in first]:
            for n in lengths:
                hit = self.by_length[n].get(tuple(toks[i:i + n]))
                if hit:
                    yield ("value", *hit, " ".join(toks[i:i + n]))
        if self.khmer and _KHMER.search(text):
            runs = "\n".join({t for t in toks if _KHMER.search(t)})
            joined = None
            for value, (key, column, case_id) in self.khmer.items():
                if key in runs:
                    joined = " ".join(toks) if joined is None else joined
                    if value in joined or value.replace(" ", "") in joined:
                        yield ("value", column, case_id, value)
        if not (self.phones or self.numbers):
            return
        for match in _DIGIT_RUN.finditer(text):
            run = match.group()
            # Try the run from each space-separated group: "3 012 345 678" holds a number.
            starts = [0] + [m.end() for m in _SPACES.finditer(run)] if " " in run else [0]
            for start in starts:
                digits = _NON_DIGIT.sub("", run[start:])
                if len(digits) < 8:
                    break
                if len(digits) not in self.lengths:
                    continue
                core = next((c for c in _phone_cores(digits) if c in self.phones), None)
                if core is not None:
                    yield ("phone", *self.phones[core], digits)
                    break
                if digits in self.numbers:
                    yield ("value", *self.numbers[digits], digits)
                    break


def _mask(text: str) -> str:
    return f"{text[:1]}{'*' * min(len(text) - 1, 8)} ({len(text)} characters)"


# --------------------------------------------------------------------------- the check


def load_source(source: Any, *, kind: LayerKind = "cases") -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Load the source register: the located layer, and every raw row (for its values).

    Uses landmap's loaders (rows they reject are still searched for their values), else
    GDAL/pandas with the common latitude/longitude column names. A file is read once per
    modification time.
    """
    if hasattr(source, "data") and hasattr(source, "report"):
        source = source.data
    if isinstance(source, gpd.GeoDataFrame):
        return source, pd.DataFrame(source.drop(columns=source.geometry.name))
    path = Path(source)
    if not path.exists():
        raise DataFileError("the source register does not exist", path=path,
                            fix="give the case file the export was made from (--against)")
    return _load_file(str(path.resolve()), path.stat().st_mtime_ns, kind)


@functools.lru_cache(maxsize=4)
def _load_file(name: str, _mtime: int, kind: LayerKind) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    path = Path(name)
    raw = None
    if path.suffix.lower() in (".csv", ".txt"):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    elif path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=str)
    try:
        from landmap.io.load import load as _load

        layer = _load(path, kind).data
    except ImportError:
        layer = _fallback_layer(path, raw)
    if raw is None:
        raw = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    return layer, raw


def _fallback_layer(path: Path, raw: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if raw is None:
        return gpd.read_file(path)
    lower = {c.lower(): c for c in raw.columns}
    lat = next((lower[c] for c in ("latitude", "lat", "y") if c in lower), None)
    lon = next((lower[c] for c in ("longitude", "lon", "lng", "long", "x") if c in lower), None)
    if lat is None or lon is None:
        raise PrivacyError("the source table has no latitude/longitude columns", path=path,
                           fix="give a GeoPackage/GeoJSON of the cases, or name the columns")
    x = pd.to_numeric(raw[lon], errors="coerce")
    y = pd.to_numeric(raw[lat], errors="coerce")
    return gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def _prepare(
    against: Any, kind: LayerKind, columns: tuple[str, ...] | None
) -> tuple[gpd.GeoDataFrame, SecretIndex]:
    if isinstance(against, (str, os.PathLike)) and Path(against).is_file():
        path = Path(against)
        return _prepared_file(str(path.resolve()), path.stat().st_mtime_ns, kind, columns)
    layer, raw = load_source(against, kind=kind)
    return layer, secret_index(layer, raw, kind=kind, columns=columns)


@functools.lru_cache(maxsize=4)
def _prepared_file(
    name: str, mtime: int, kind: LayerKind, columns: tuple[str, ...] | None
) -> tuple[gpd.GeoDataFrame, SecretIndex]:
    layer, raw = _load_file(name, mtime, kind)
    return layer, secret_index(layer, raw, kind=kind, columns=columns)


def secret_index(
    layer: gpd.GeoDataFrame, raw: pd.DataFrame | None = None, *, kind: LayerKind = "cases",
    columns: Iterable[str] | None = None,
) -> SecretIndex:
    """Index the sensitive values of a source layer (see :class:`SecretIndex`)."""
    table = raw if raw is not None else layer
    if columns is None:
        found = sensitive_columns(table, kind, free_text=False)
        cols = {c: r for c, r in found.items() if not r.startswith(_NOT_SEARCHED)}
    else:
        cols = {c: "declared sensitive" for c in columns if c in table.columns}
    id_col = ID_COLUMN.get(kind)
    ids = (table[id_col].astype(str) if id_col in table.columns
           else pd.Series([f"row {i + 1}" for i in range(len(table))], index=table.index))

    def values() -> Iterator[tuple[str, str, str]]:
        for col in cols:
            series = table[col]
            ok = series.notna()
            for cid, value in zip(ids[ok], series[ok], strict=True):
                if str(value).strip():
                    yield col, cid, str(value)

    return SecretIndex(values())


def _files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise DataFileError("the export to check does not exist", path=p,
                                fix="give a file or a folder of exported files")
    return out


def audit_export(
    path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    against: Any,
    *,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
    columns: Iterable[str] | None = None,
) -> AuditResult:
    """Check exported files for sensitive values and exact locations of the source cases.

    Parameters
    ----------
    path
        An exported file, a folder (every file under it) or a list of them.
    against
        The source register: a path (loaded with landmap's loaders) or a GeoDataFrame with the
        true locations and the sensitive columns.
    min_radius_m
        A point closer than this to a true case location is a leak (default: the public
        profile's minimum displacement, 500 m). ``0`` skips the location check.
    kind
        The source layer kind.
    columns
        The sensitive columns to search for (default: every column recognised as sensitive,
        except free text and coordinate columns).

    Returns
    -------
    AuditResult
        ``result.ok`` is ``False`` when anything leaked; ``result.lines()`` says what and where.

    """
    files = _files([path] if isinstance(path, (str, os.PathLike)) else path)
    layer, index = _prepare(against, kind, None if columns is None else tuple(columns))
    radius = float(PUBLIC.min_radius_m if min_radius_m is None else min_radius_m)
    true_m = np.asarray(layer.geometry.to_crs(CAMBODIA_METRIC_CRS).array)
    located = ~shapely.is_missing(true_m) & ~shapely.is_empty(true_m)
    true_m = true_m[located]
    id_col = ID_COLUMN.get(kind)
    true_ids = (layer[id_col].astype(str).to_numpy()[located] if id_col in layer.columns
                else np.flatnonzero(located).astype(str))
    tree = shapely.STRtree(true_m)
    known = frozenset(true_ids.tolist())
    findings: dict[tuple[str, ...], Finding] = {}
    scanned: list[str] = []
    points_found = 0
    for file in files:
        data = file.read_bytes()
        found, structured = file_points(file, known) if radius > 0 else ([], False)
        for where, body in iter_streams(data, str(file), path=file):
            scanned.append(where)
            for view in text_views(body):
                for kind_, col, cid, matched in index.search(view):
                    key = (where, kind_, col, cid)
                    findings.setdefault(key, Finding(
                        kind_, where, f"{col} of case {cid} found as text: {_mask(matched)}", cid))
            sql_table = re.search(r"!table [^!]*$", where) is not None  # read as tables
            if radius > 0 and not sql_table and not (structured and where == str(file)):
                found += stream_points(body, known)
        if radius > 0 and found and len(true_m):
            found_m, found_ids = points_to_metric(found)
            points_found += len(found_m)
            pts = shapely.points(found_m)
            hit_p, hit_t = tree.query(pts, predicate="dwithin", distance=radius)
            # A point labelled with a case id is judged against that case only: a masked point
            # may land near another household by chance. Unlabelled points against every case.
            own = np.array([i is None or i == true_ids[t]
                            for i, t in zip(found_ids[hit_p], hit_t, strict=True)], dtype=bool)
            hit_p, hit_t = hit_p[own], hit_t[own]
            dist = shapely.distance(pts[hit_p], true_m[hit_t])
            for t, d in zip(hit_t.tolist(), dist.tolist(), strict=True):
                key = (str(file), "point", true_ids[t])
                if key not in findings or d < (findings[key].distance_m or 0.0):
                    findings[key] = Finding(
                        "point", str(file),
                        f"a point {d:.0f} m from the true location of case {true_ids[t]} "
                        f"(minimum {radius:g} m)", true_ids[t], round(d, 1))
    return AuditResult(list(findings.values()), scanned, index.count, len(true_m),
                       points_found, radius)


def require_clean(
    path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    against: Any,
    *,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
) -> AuditResult:
    """Run :func:`audit_export` and raise :class:`~landmap.errors.PrivacyError` on any leak.

    For pipelines and tests: ``require_clean("maps/public", "data/cases.csv")``.

    Raises
    ------
    PrivacyError
        Listing every finding, one per line.

    """
    result = audit_export(path, against, min_radius_m=min_radius_m, kind=kind)
    if not result.ok:
        raise PrivacyError(
            f"{len(result.findings)} leak(s) in the export:\n" + "\n".join(result.lines()),
            fix="export with the public profile (landmap.privacy.apply_profile)",
        )
    return result


__all__ = ["AuditResult", "Finding", "SecretIndex", "audit_export", "iter_streams",
           "load_source", "require_clean", "secret_index"]
