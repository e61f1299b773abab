"""Turning a file's columns into the canonical columns of a layer kind.

Order of precedence for each canonical column: the caller's ``columns=`` mapping, a known
dataset profile (ODC concessions, STT eviction sites, geoBoundaries...), then the common
spellings in ``resources/column_aliases.json``. Columns used are consumed; every other column is
kept unchanged after the canonical ones.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from landmap.errors import SchemaError
from landmap.io._aliases import aliases, find_column, fold_khmer, level_term, match_profile
from landmap.io._coordinate_columns import CoordinateColumns, coordinate_columns
from landmap.io._dates import parse_dates
from landmap.io._numbers import to_numbers
from landmap.io._understood import fates, likely_misses
from landmap.io._vector import Source
from landmap.schema import COLUMNS, ID_COLUMN, normalise_term, vocabulary

_GPX_COLUMNS = {"case_id": "name", "date": "time", "description": "desc"}

_VOCAB_FIELD = {
    ("cases", "type"): "case_type",
    ("cases", "status"): "case_status",
    ("cases", "location_precision"): "location_precision",
    ("areas", "kind"): "area_kind",
    ("concessions", "kind"): "concession_kind",
}
_ID_PREFIX = {"cases": "CASE", "areas": "AREA", "concessions": "CON", "boundaries": "ADM"}


def _term(field: str, value: object) -> str | None:
    """Look a term up, tolerating hyphens and plurals ("Multiple-use Area", "Protected Forests").

    Khmer spellings are compared folded (:func:`fold_khmer`) and without the spaces people put
    between Khmer words ("ការ បណ្តេញចេញ").
    """
    text = str(value)
    for candidate in (
        text,
        text.replace("-", " "),
        text.rstrip("sS"),
        text.replace("-", " ").rstrip("sS"),
    ):
        term = normalise_term(field, candidate)
        if term is not None:
            return term
    return _khmer_terms(field).get(_spaceless(text))


def _spaceless(text: str) -> str:
    return "".join(fold_khmer(text).lower().split())


@cache
def _khmer_terms(field: str) -> dict[str, str]:
    """``{spelling without spaces: term}`` of a vocabulary (English, Khmer and aliases)."""
    out: dict[str, str] = {}
    for term, entry in vocabulary()[field].items():
        for word in (term, entry["en"], entry["km"], *entry.get("aliases", [])):
            key = _spaceless(str(word))
            if key:
                out.setdefault(key, term)
    return out


def _strings_from_codes(codes: np.ndarray, uniques: list[object], index: pd.Index) -> pd.Series:
    """Build a string Series ``uniques[codes]`` (code -1 = missing), built by one Arrow take."""
    table = pa.array(
        [None if u is None else str(u) for u in uniques] + [None], type=pa.large_string()
    )
    taken = table.take(pa.array(np.where(codes < 0, len(uniques), codes)))
    return pd.Series(pd.array(taken, dtype="string"), index=index)


def _factorize(raw: pd.Series) -> tuple[np.ndarray, list[object]]:
    try:
        encoded = pa.chunked_array(pa.array(raw.array)).combine_chunks().dictionary_encode()
        if pa.types.is_string(encoded.dictionary.type) or pa.types.is_large_string(
            encoded.dictionary.type
        ):
            codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            return codes, encoded.dictionary.to_pylist()
    except (pa.ArrowException, TypeError, ValueError):
        pass
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    return np.asarray(codes), list(uniques)


def _sparse(mask: np.ndarray, text: object) -> pd.Series:
    idx = np.flatnonzero(mask)
    if isinstance(text, str):
        return pd.Series(text, index=idx, dtype="string")
    return pd.Series(list(text), index=idx, dtype="string")


def resolve_columns(
    frame: pd.DataFrame, kind: str, columns: dict[str, str], *, exclude: set[str]
) -> tuple[dict[str, list[str]], dict[str, object] | None]:
    """Return ``{canonical: [source columns, first present wins]}`` and the profile used.

    A column mapped to ``""`` is one the file does not have: it is left empty, never guessed.
    """
    names = [str(c) for c in frame.columns if c != "geometry" and c not in exclude]
    canon = COLUMNS[kind]  # type: ignore[index]
    absent = {k for k, v in columns.items() if v == ""}
    columns = {k: v for k, v in columns.items() if v != ""}
    for key, col in columns.items():
        if key in canon and col not in frame.columns:
            raise SchemaError(
                f"columns={{{key!r}: {col!r}}} names a column that is not in the file "
                f"(columns: {', '.join(names)})",
                column=col,
                fix="use one of the file's column names",
            )
    mapping: dict[str, list[str]] = {k: [v] for k, v in columns.items() if k in canon}
    profile = match_profile(names, kind)
    if profile is not None:
        for key, src in profile["columns"].items():  # type: ignore[union-attr]
            options = [src] if isinstance(src, str) else list(src)
            options = [o for o in options if o in frame.columns]
            if key not in mapping and key not in absent and options:
                mapping[key] = options
    taken = {c for cols in mapping.values() for c in cols}
    table = aliases()[kind]
    for key in canon:
        if key in mapping or key in absent:
            continue
        col = find_column(names, table.get(key, []), taken=taken)  # type: ignore[union-attr]
        if col is not None:
            mapping[key] = [col]
            taken.add(col)
    return mapping, profile


class Columns(NamedTuple):
    """A table's columns settled: the canonical frame and what was found on the way."""

    frame: pd.DataFrame
    #: sparse reasons per row (values that could not be read, vocabulary misses...)
    flags: list[pd.Series]
    #: the columns used, the fate of every input column, the profile
    details: dict[str, object]
    #: where the ids came from (the file's, or made by input order)
    id_note: str
    #: where a table's points come from (``None`` for a vector source)
    coordinates: CoordinateColumns | None


def settle_columns(
    table: pd.DataFrame,
    src: Source,
    kind: str,
    *,
    is_table: bool,
    rows: np.ndarray,
    columns: dict[str, str],
    crs: object = None,
    utm_zone: object = None,
    kind_default: str | None = None,
    level: str | None = None,
) -> Columns:
    """Settle what every column of a read source is: coordinates, canonical columns, ids.

    A table's coordinate columns come first (:func:`coordinate_columns`), so that no canonical
    column is taken from them; then every canonical column, and the ids (from the file, or
    made from the input order and ``rows``).
    """
    coordinates = None
    if is_table:
        coordinates = coordinate_columns(
            table, src, columns=columns, crs=crs, utm_zone=utm_zone, places_ok=kind == "cases"
        )
    if src.details.get("driver") == "GPX":
        columns = {**{k: v for k, v in _GPX_COLUMNS.items() if v in table.columns}, **columns}
    frame, flags, details = canonicalise(
        table,
        kind,
        columns=columns,
        exclude=set(coordinates.used if coordinates else []),
        kind_default=kind_default,
        level=level,
        display=src.display,
    )
    profile = match_profile([c for c in table.columns if c != "geometry"], kind)
    prefix = profile.get("id_prefix") if profile else None  # type: ignore[union-attr]
    id_flags, id_note = assign_ids(frame, kind, profile_prefix=prefix, rows=rows)
    return Columns(frame, [*flags, *id_flags], details, id_note, coordinates)


def canonicalise(
    frame: pd.DataFrame,
    kind: str,
    *,
    columns: dict[str, str],
    exclude: set[str],
    kind_default: str | None = None,
    level: str | None = None,
    display: str = "",
) -> tuple[pd.DataFrame, list[pd.Series], dict[str, object]]:
    """Build the canonical columns; return (frame, sparse flag Series, details)."""
    mapping, profile = resolve_columns(frame, kind, columns, exclude=exclude)
    canon = COLUMNS[kind]  # type: ignore[index]
    n = len(frame)
    flags: list[pd.Series] = []
    details: dict[str, object] = {}
    if profile is not None:
        details["profile"] = profile["name"]
    defaults = dict(profile["defaults"]) if profile else {}  # type: ignore[arg-type]
    out: dict[str, pd.Series] = {}
    index = frame.index
    for key, dtype in canon.items():
        sources = mapping.get(key, [])
        raw = None
        for col in sources:
            raw = frame[col] if raw is None else raw.where(raw.notna(), frame[col])
        if raw is None:
            raw = pd.Series(pd.array(pa.nulls(n, pa.large_string()), dtype="string"), index=index)
        if dtype.startswith("datetime"):
            values, bad = parse_dates(raw)
            if len(bad):
                flags.append(bad.rename(None))
            out[key] = values.astype("datetime64[ns]")
        elif dtype in ("Int64", "float64"):
            num = to_numbers(raw)
            if pd.api.types.is_integer_dtype(num.dtype) and dtype == "Int64":
                value = num.where(num >= 0)
            elif dtype == "Int64":  # whole, not negative, and exact as a float (1e30 is not)
                value = num.where((num == num.round()) & (num >= 0) & (num <= 2**53))
            else:
                value = num
            bad = _unusable(raw, value)
            if bad.any():
                what = "not a whole number" if dtype == "Int64" else "not a number"
                large = (num > 2**53).fillna(False).to_numpy()[bad] & (dtype == "Int64")
                texts = [
                    f"{key} {v!r} is {'too large' if big else what}; left empty"
                    for v, big in zip(raw[bad], large, strict=True)
                ]
                flags.append(_sparse(bad, texts))
            out[key] = value.astype(dtype)
        else:
            out[key] = _as_string(raw)
    details["columns"] = {k: (v[0] if len(v) == 1 else v) for k, v in mapping.items()}
    _understood(frame, kind, mapping, columns, profile, exclude, details)
    _vocabularies(out, kind, defaults, kind_default, flags, n)
    if kind == "boundaries":
        _levels(out, level, defaults, display, n, details)
    for key, value in defaults.items():
        if key in out and key not in ("kind",):
            out[key] = out[key].fillna(value)
    used = {c for cols in mapping.values() for c in cols} | exclude
    # the file's other columns, in their order, all at once: adding them one by one costs
    # time in the square of the number of columns (20,000 columns took minutes)
    rest = [i for i, c in enumerate(frame.columns) if c not in used and c != "geometry"]
    others = frame.iloc[:, rest]
    others.columns = _unique_names(list(others.columns), taken=set(out))
    result = pd.concat([pd.DataFrame(out, index=index), others], axis=1)
    return result, flags, details


def _unique_names(names: list[object], *, taken: set[str]) -> list[object]:
    """Rename columns that clash with a canonical one (``date`` -> ``date_original``).

    A name already used further on gets a number (``date_original_2``): no column of the
    file is dropped or overwritten.
    """
    seen = set(taken)
    given = set(names)
    out = []
    for name in names:
        new = name
        if new in seen:
            new = base = f"{name}_original"
            n = 1
            while new in seen or new in given:
                n += 1
                new = f"{base}_{n}"
        seen.add(new)
        out.append(new)
    return out


def _understood(frame, kind, mapping, columns, profile, exclude, details) -> None:
    """Record the fate of every input column and warn about likely misses (see _understood)."""
    names = [str(c) for c in frame.columns if c != "geometry"]
    records = fates(
        names,
        mapping,
        explicit=columns,
        profile=profile["name"] if profile else None,
        coordinates={str(c) for c in exclude},
        kind=kind,
    )
    details["input_columns"] = records
    warnings = [m.message() for m in likely_misses(frame, kind, mapping, records)]
    others = [r for r in records if r["became"] != "coordinates"]
    if others and not mapping:
        warnings.insert(
            0,
            "no column was recognised apart from the coordinates: every "
            f"canonical {kind} column is empty; map yours with columns={{...}}",
        )
    if warnings:
        details["warnings"] = warnings


def _unusable(raw: pd.Series, value: pd.Series) -> np.ndarray:
    """Rows holding something (not blank) that did not become a number."""
    lost = value.isna().to_numpy() & raw.notna().to_numpy()
    if lost.any():
        blank = raw[lost].astype("string").str.strip().eq("").fillna(True).to_numpy()
        lost[np.flatnonzero(lost)[blank]] = False
    return lost


def _as_string(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(raw.dtype):
        whole = raw.notna() & (raw == raw.round())
        text = raw.astype("string")
        text[whole] = raw[whole].astype("int64").astype("string")
        return text
    if pd.api.types.is_integer_dtype(raw.dtype):
        return raw.astype("string")
    return raw.astype("string")


def _already_terms(raw: pd.Series, field: str) -> bool:
    """Tell whether every distinct value of a string column is already its vocabulary term.

    The usual case for a register kept with a fixed list of terms: the column can be kept as
    it is, without mapping every row.
    """
    if raw.dtype != "string":
        return False
    try:
        arr = pa.array(raw.array)
        uniques = pc.unique(arr).drop_null().to_pylist()
    except (pa.ArrowException, TypeError, ValueError):
        return False
    return all(_term(field, u) == u for u in uniques)


def _vocabularies(out, kind, defaults, kind_default, flags, n) -> None:
    for (k, key), field in _VOCAB_FIELD.items():
        if k != kind:
            continue
        raw = out[key]
        default = kind_default if key == "kind" and kind_default else defaults.get(key)
        if _already_terms(raw, field):
            out[key] = raw if default is None else raw.fillna(default)
            continue
        codes, uniques = _factorize(raw)
        terms = [_term(field, u) for u in uniques]
        known_u = np.array([t is not None for t in terms] + [True])
        unknown = ~known_u[np.where(codes < 0, len(uniques), codes)]
        series = _strings_from_codes(
            codes,
            [t if t is not None else u for t, u in zip(terms, uniques, strict=True)],
            raw.index,
        )
        if default is not None:
            series = series.fillna(default)
        if unknown.any():
            flags.append(
                _sparse(
                    unknown,
                    [f"{key} {v!r} is not a known term; kept as given" for v in raw[unknown]],
                )
            )
        out[key] = series


def _levels(out, level, defaults, display, n, details) -> None:
    col = out["level"]
    mapped = col.map(level_term, na_action="ignore").astype("string")
    if level is not None:
        mapped = mapped.fillna(level)
    elif "level" in defaults:
        mapped = mapped.fillna(defaults["level"])
    elif mapped.isna().all():
        guess = _guess_level(display, n)
        if guess:
            mapped = mapped.fillna(guess)
            details["level"] = f"{guess} (inferred from the file name or feature count)"
    out["level"] = mapped.where(mapped.notna(), col)


def _guess_level(display: str, n: int) -> str | None:
    name = display.lower().replace("-", "").replace("_", "")
    for lvl, digit in (
        ("country", "0"),
        ("province", "1"),
        ("district", "2"),
        ("commune", "3"),
        ("village", "4"),
    ):
        if f"adm{digit}" in name or f"admin{digit}" in name or lvl in name:
            return lvl
    return {1: "country", 24: "province", 25: "province"}.get(n)


def _packed_keys(ids: pd.Series) -> np.ndarray | None:
    """One integer per id, equal exactly when the ids are equal; ``None`` when not cheap.

    Ids written by software usually have one width and differ in a few bytes
    (``SYN-0000001``...): those bytes, packed into a ``uint64``, are a key that hashes much
    faster than the strings. Other ids (several widths, nulls, more than 8 varying bytes)
    return ``None`` and are compared as strings.
    """
    if len(ids) < 2 or not isinstance(ids.dtype, pd.StringDtype):
        return None
    try:
        arr = pa.array(ids.array)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    _, offsets_buf, data_buf = arr.buffers()
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=kind)[arr.offset : arr.offset + len(arr) + 1]
    width = int(offsets[1] - offsets[0])
    if width == 0 or int(offsets[-1] - offsets[0]) != width * len(arr):
        return None
    if not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, width)
    varying: list[int] = []
    for col in range(width):  # column by column: stops early for ids such as UUIDs
        if (data[:, col] != data[0, col]).any():
            varying.append(col)
            if len(varying) > 8:
                return None
    # the varying bytes, first one most significant: ids that count up give increasing keys
    keys = np.zeros(len(arr), dtype=np.uint64)
    for col in varying:
        keys <<= np.uint64(8)
        keys |= data[:, col]
    return keys


def _all_unique(ids: pd.Series) -> bool:
    """``ids.is_unique``, through :func:`_packed_keys` when the ids allow it."""
    keys = _packed_keys(ids)
    if keys is None:
        return bool(ids.is_unique)
    if (keys[1:] > keys[:-1]).all():  # ids in increasing order: unique without hashing
        return True
    return bool(pd.Series(keys, copy=False).is_unique)


def assign_ids(
    frame: pd.DataFrame,
    kind: str,
    *,
    profile_prefix: str | None,
    rows: np.ndarray | None = None,
) -> tuple[list[pd.Series], str]:
    """Keep the file's ids when usable, else generate stable ones by input order.

    ``rows`` are the row numbers messages name (a spreadsheet's own; 1, 2, 3... by default).
    """
    col = ID_COLUMN[kind]  # type: ignore[index]
    ids = frame[col]
    n = len(frame)
    width = max(4, len(str(n)))
    prefix = profile_prefix or _ID_PREFIX[kind]
    if kind == "concessions" and not profile_prefix:
        kinds = frame["kind"].dropna().unique()
        prefix = str(kinds[0]).upper() if len(kinds) == 1 else prefix

    def generated(mask: np.ndarray | None = None) -> pd.Series:
        pos = np.arange(n) if mask is None else np.flatnonzero(mask)
        return pd.Series(
            [f"{prefix}-{i + 1:0{width}d}" for i in pos], index=frame.index[pos], dtype="string"
        )

    present = ids.notna() & ids.ne("")
    flags: list[pd.Series] = []
    if present.all() and _all_unique(ids):
        return flags, "from the file"
    if not present.any():
        frame[col] = generated()
        return (
            flags,
            f"generated ({prefix}-{1:0{width}d}... by input order): the file has no id column",
        )
    dup = ids.duplicated(keep=False) & present
    if kind != "cases" and (dup.any() or not present.all()):
        frame[col] = generated()
        return flags, (
            f"generated ({prefix}-{1:0{width}d}... by input order): the file's ids are "
            f"{'not unique' if dup.any() else 'incomplete'}"
        )
    if dup.any():
        pos = np.flatnonzero(dup.to_numpy())
        shown = pd.Series((pos + 1) if rows is None else np.asarray(rows)[pos], index=pos)
        key = ids.iloc[pos].to_numpy()
        groups = shown.groupby(key).agg(lambda r: ", ".join(map(str, r)))
        flags.append(
            pd.Series(
                [f"duplicate {col} {k!r} (rows {groups[k]})" for k in key],
                index=pos,
                dtype="string",
            )
        )
    missing = ~present.to_numpy()
    if missing.any():
        made = generated(missing)
        frame.loc[missing, col] = made.to_numpy()
        flags.append(_sparse(missing, [f"no {col}; generated {g}" for g in made]))
    return flags, "from the file" + (" (duplicates flagged)" if dup.any() else "")


__all__ = ["Columns", "assign_ids", "canonicalise", "resolve_columns", "settle_columns"]
