"""Data exports: layers and result tables for QGIS, Google Earth and Excel.

:func:`write_data` picks the format from the file name:

========== ===================================================================================
``.gpkg``   every layer and table in one GeoPackage, plus a ``landmap_export`` table saying
            what was exported, with which profile, and what was left out
``.geojson`` features (EPSG:4326, RFC 7946); several layers are merged with a ``layer`` field
``.kml``    Google Earth: a folder per layer, styles per kind, escaped HTML descriptions
``.kmz``    the same KML, zipped
``.shp.zip`` one Shapefile per layer (and per geometry type) in a zip, field names cut to 10
            characters with ``field_names.csv`` mapping them back; tables as CSV in the zip
``.csv``    one table or layer, UTF-8 with a byte-order mark so Excel shows Khmer correctly
``.xlsx``   a sheet per layer and table, plus an ``about`` sheet
========== ===================================================================================

Every file is written atomically. Under a public profile case layers must come from the privacy
gate (:func:`landmap.privacy.publish`) and other layers keep only the columns the profile
publishes; the public audit of the case layers is written beside as ``<file>.audit.json``, and a
provenance record as ``<file>.provenance.json`` with the list of everything left out. No text
value of a CSV or XLSX can run as a spreadsheet formula.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from landmap.errors import DataValueError, ExportError
from landmap.io.atomic import atomic_path, low_space_note, write_provenance
from landmap.io.cells import text_safe
from landmap.io.load import layer_data
from landmap.privacy import (
    PrivacyProfile,
    PublishedLayer,
    for_output,
    get_profile,
    layer_kind,
    write_audit,
)
from landmap.provenance import make_provenance
from landmap.render.formats.kml import build_kml, write_kml
from landmap.render.formats.sharing import (
    SHARE_DIGITS,
    check_tolerance,
    sharing_note,
    simplify_for_sharing,
    write_geojson_for_sharing,
)
from landmap.schema import LAYER_KINDS, STORAGE_CRS, Lang, label

log = logging.getLogger(__name__)

#: Extensions :func:`write_data` understands.
DATA_FORMATS: tuple[str, ...] = (".gpkg", ".geojson", ".kml", ".kmz", ".shp.zip", ".csv", ".xlsx")
INFO_TABLE = "landmap_export"
#: Formats written in a smaller version for sharing when ``share_m`` is given.
_SHARED = (".geojson", ".kml", ".kmz")


def data_format(path: str | os.PathLike[str]) -> str:
    """Return the export format (``.gpkg``, ``.shp.zip``…) of a file name.

    Examples
    --------
    >>> data_format("out/cases.SHP.zip"), data_format("x.json")
    ('.shp.zip', '.geojson')

    """
    name = Path(path).name.lower()
    if name.endswith(".shp.zip"):
        return ".shp.zip"
    suffix = Path(name).suffix
    if suffix == ".json":
        return ".geojson"
    if suffix not in DATA_FORMATS:
        raise DataValueError(
            f"cannot tell the export format of {Path(path).name!r}.",
            path=path,
            fix="end the file name with one of " + ", ".join(DATA_FORMATS),
        )
    return suffix


def frame_of(layer: Any) -> Any:
    """Return the table of a layer given as a frame, a loader's result or a published layer."""
    return layer.data if isinstance(layer, PublishedLayer) else layer_data(layer)


def _kind_of(name: str, layer: Any, kinds: Mapping[str, str] | None, *, table: bool) -> str | None:
    """Return the kind of an item to export; ``None`` when it cannot be told (refused if public).

    A layer with a ``case_id`` column is taken for cases, never for something less guarded.
    """
    if kinds and name in kinds:
        return kinds[name]
    declared = layer_kind(layer)
    if declared is not None:
        return declared
    if name in LAYER_KINDS:
        return name
    frame = frame_of(layer)
    if "case_id" in getattr(frame, "columns", ()):
        return "cases"
    return "table" if table or not isinstance(frame, gpd.GeoDataFrame) else None


def table_kind(name: str, table: Any) -> str | None:
    """Return the kind :func:`write_data` gives a table passed in ``tables``."""
    return _kind_of(name, table, None, table=True)


def _clean_name(name: str, used: set[str], limit: int = 60) -> str:
    base = re.sub(r"[^0-9A-Za-z_]+", "_", str(name)).strip("_")[:limit] or "layer"
    out, n = base, 1
    while out.lower() in used:
        n += 1
        out = f"{base[: limit - 3]}_{n}"
    used.add(out.lower())
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns every format accepts: tz-naive datetimes, no Python objects."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif series.dtype == object and column != getattr(out, "_geometry_column_name", None):
            out[column] = series.map(
                lambda v: v if v is None or isinstance(v, int | float | str) else str(v)
            ).astype("string")
    return out


def _with_xy(layer: gpd.GeoDataFrame) -> tuple[pd.DataFrame, str | None]:
    """Return a layer as a plain table: longitude/latitude for points, no other geometry."""
    geo = layer.to_crs(STORAGE_CRS) if layer.crs is not None else layer
    table = pd.DataFrame(geo.drop(columns=geo.geometry.name))
    points = geo.geometry.geom_type.eq("Point")
    if points.all() and len(geo):
        table["longitude"] = geo.geometry.x.round(7)
        table["latitude"] = geo.geometry.y.round(7)
        return table, None
    if points.any():
        table["longitude"] = geo.geometry.x.where(points).round(7)
        table["latitude"] = geo.geometry.y.where(points).round(7)
    return table, "polygon geometry (not representable in a table: use .gpkg, .geojson or .kml)"


def write_data(
    path: str | os.PathLike[str],
    layers: Mapping[str, Any] | None = None,
    tables: Mapping[str, Any] | None = None,
    *,
    profile: str | PrivacyProfile = "public",
    kinds: Mapping[str, str] | None = None,
    lang: Lang | str = Lang.EN,
    share_m: float | None = None,
) -> Path:
    """Write layers and tables to one data file, in the format its extension names.

    Parameters
    ----------
    path
        Output file: ``.gpkg``, ``.geojson``, ``.kml``, ``.kmz``, ``.shp.zip``, ``.csv`` or
        ``.xlsx``.
    layers
        ``{name: layer}``: canonical layers or analysis results with geometry. Under a public
        profile, case layers must be :class:`~landmap.privacy.PublishedLayer` objects made by
        :func:`landmap.privacy.publish` (once for every file of a set); other layers keep only
        the columns the profile publishes for their kind.
    tables
        ``{name: DataFrame}``: result tables without geometry (GeoPackage, XLSX, zipped
        Shapefile as CSV, or a single CSV).
    profile
        ``"public"`` (default) or ``"internal"`` (everything, marked confidential).
    kinds
        Layer kind per name when the layers do not carry one (``attrs["landmap"]["kind"]``)
        and their names are not ``cases``/``areas``/``concessions``/``boundaries``.
    lang
        Language of KML names and the XLSX ``about`` sheet.
    share_m
        For ``.geojson``, ``.kml`` and ``.kmz``: write the version for sharing, outlines
        simplified at this many metres (:mod:`landmap.render.formats.sharing`); ``None`` (default)
        writes full resolution. Other formats are always full resolution. The file and its
        provenance say which.

    Returns
    -------
    Path
        The file written; ``<path>.provenance.json`` (with ``omitted``) is beside it, and the
        public audit of the case layers as ``<path>.audit.json``.

    Raises
    ------
    PrivacyError
        A raw case layer (or a layer of unknown kind) in a public export.
    DataValueError
        Unknown extension, nothing to write, several tables for a single CSV, or a
        ``share_m`` that is not a positive number.
    ExportError
        When the writer fails; no partial file is left behind.

    """
    target = Path(path)
    fmt = data_format(target)
    prof = get_profile(profile)
    layers, tables = dict(layers or {}), dict(tables or {})
    if not layers and not tables:
        raise DataValueError(
            "nothing to export: no layers and no tables were given.",
            path=target,
            fix="pass layers={'cases': ...} or tables={...}",
        )
    if share_m is not None:
        share_m = check_tolerance(share_m)
    omitted: list[str] = []
    cases: dict[str, PublishedLayer] = {}
    ready: dict[str, tuple[str, pd.DataFrame]] = {}
    for name, layer in [*layers.items(), *tables.items()]:
        kind = _kind_of(name, layer, kinds, table=name not in layers)
        published = for_output(layer, prof, kind=kind, what=f"the export {target.name}", name=name)
        omitted += [f"{name}: {note.split(': ', 1)[-1]}" for note in published.omitted]
        if published.kind == "cases":
            cases[name] = published
        ready[name] = (published.kind, _plain(published.data))
    writer = _WRITERS[fmt]
    share_m = share_m if fmt in _SHARED else None
    try:
        with atomic_path(target, suffix=".zip" if fmt == ".shp.zip" else None) as tmp:
            omitted += writer(tmp, ready, profile=prof, lang=lang, omitted=omitted, share_m=share_m)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        OSError,
        ValueError,
        TypeError,
    ) as err:
        if isinstance(err, DataValueError | ExportError):
            raise
        raise ExportError(
            f"could not write the {fmt} export: {err}{low_space_note(target)}",
            path=target,
            fix="check the folder is writable and the disk not full",
        ) from err
    record = make_provenance(
        inputs=[
            str(m["source"])
            for _, f in ready.values()
            if (m := f.attrs.get("landmap") or {}).get("source")
        ],
        crs=STORAGE_CRS,
        operation="write_data",
        parameters={
            "format": fmt,
            "profile": prof.name,
            **(
                {"resolution": sharing_note(share_m), "simplified_m": share_m}
                if fmt in _SHARED
                else {}
            ),
            "layers": {n: {"kind": k, "rows": len(f)} for n, (k, f) in ready.items()},
        },
    )
    record["omitted"] = omitted
    write_provenance(record, target, public=not prof.confidential)
    if cases:
        write_audit(next(iter(cases.values())) if len(cases) == 1 else cases, target)
    log.info("wrote %s (%d items, %d notes on what was left out)", target, len(ready), len(omitted))
    return target


def _notes(profile: PrivacyProfile, omitted: list[str]) -> list[str]:
    mark = _mark(profile)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    from landmap import __version__

    return [
        f"{mark}",
        f"profile: {profile.name}",
        f"landmap {__version__}, {created}",
        *[f"left out: {item}" for item in omitted],
    ]


def _mark(profile: PrivacyProfile) -> str:
    return label("heading", "confidential" if profile.confidential else "public", Lang.EN)


def _write_gpkg(tmp: Path, ready, *, profile, lang, omitted, share_m=None) -> list[str]:
    # SQLite waits for the disk after each of the ~28 statements GDAL commits per layer. Turning
    # that off (OGR_SQLITE_SYNCHRONOUS=OFF) is a process-wide GDAL setting, and pyogrio passes no
    # open options when it adds a layer to an existing file (so not PRELUDE_STATEMENTS either):
    # the GeoPackage is written with SQLite's default durability (benchmarks/bench_gpkg.py).
    used: set[str] = set()
    info = []
    meta = {"landmap_profile": profile.name, "landmap_notice": _mark(profile)}
    for i, (name, (kind, frame)) in enumerate(ready.items()):
        layer_name = _clean_name(name, used)
        extra = {"dataset_metadata": meta} if i == 0 else {}
        if isinstance(frame, gpd.GeoDataFrame):
            pyogrio.write_dataframe(
                frame.to_crs(STORAGE_CRS) if frame.crs else frame,
                tmp,
                layer=layer_name,
                driver="GPKG",
                promote_to_multi=None,
                layer_metadata=meta,
                **extra,
            )
        else:
            pyogrio.write_dataframe(
                frame, tmp, layer=layer_name, driver="GPKG", layer_metadata=meta, **extra
            )
        info.append({"item": layer_name, "kind": kind, "rows": len(frame), "note": ""})
    notes = _notes(profile, omitted)
    info += [{"item": INFO_TABLE, "kind": "note", "rows": 0, "note": n} for n in notes]
    pyogrio.write_dataframe(pd.DataFrame(info), tmp, layer=INFO_TABLE, driver="GPKG")
    return []


def _write_geojson(tmp: Path, ready, *, profile, lang, omitted, share_m=None) -> list[str]:
    spatial = {n: f for n, (_, f) in ready.items() if isinstance(f, gpd.GeoDataFrame)}
    left = [
        f"table {n!r} (GeoJSON holds features only: use .gpkg or .xlsx)"
        for n, (_, f) in ready.items()
        if not isinstance(f, gpd.GeoDataFrame)
    ]
    if not spatial:
        raise DataValueError(
            "GeoJSON needs at least one layer with geometry.",
            path=tmp,
            fix="write tables to .csv, .xlsx or .gpkg",
        )
    if len(spatial) == 1:
        frame = next(iter(spatial.values()))
    else:
        frame = pd.concat(
            [f.to_crs(STORAGE_CRS).assign(layer=n) for n, f in spatial.items()], ignore_index=True
        )
        frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=STORAGE_CRS)
    if share_m is not None:
        write_geojson_for_sharing(
            tmp,
            frame,
            tolerance_m=share_m,
            description=f"{_mark(profile)}; {sharing_note(share_m)}",
        )
        return left
    pyogrio.write_dataframe(
        frame.to_crs(STORAGE_CRS),
        tmp,
        driver="GeoJSON",
        layer_options={"RFC7946": "YES", "WRITE_NAME": "NO", "DESCRIPTION": _mark(profile)},
    )
    return left


def _write_kml(tmp: Path, ready, *, profile, lang, omitted, share_m=None) -> list[str]:
    spatial = {n: (k, f) for n, (k, f) in ready.items() if isinstance(f, gpd.GeoDataFrame)}
    left = [
        f"table {n!r} (KML holds placemarks only: use .xlsx)"
        for n, (_, f) in ready.items()
        if not isinstance(f, gpd.GeoDataFrame)
    ]
    if not spatial:
        raise DataValueError(
            "KML needs at least one layer with geometry.",
            path=tmp,
            fix="write tables to .csv or .xlsx",
        )
    title = f"landmap export ({profile.name})"
    notes = _notes(profile, omitted + left) + [sharing_note(share_m)]
    if share_m is not None:
        spatial = {n: (k, simplify_for_sharing(f, share_m)) for n, (k, f) in spatial.items()}
    document = build_kml(
        spatial,
        title=title,
        notes=notes,
        lang=lang,
        digits=SHARE_DIGITS if share_m is not None else 7,
    )
    write_kml(tmp, document)
    return left


def _shp_fields(columns: list[str], used: set[str]) -> dict[str, str]:
    mapping = {}
    for column in columns:
        base = re.sub(r"[^0-9A-Za-z_]", "_", str(column))[:10] or "field"
        short, n = base, 1
        while short.lower() in used:
            n += 1
            short = f"{base[: 10 - len(str(n)) - 1]}_{n}"
        used.add(short.lower())
        mapping[column] = short
    return mapping


def _write_shp_zip(tmp: Path, ready, *, profile, lang, omitted, share_m=None) -> list[str]:
    import tempfile

    mapping_rows = []
    left: list[str] = []
    used_names: set[str] = set()
    with (
        tempfile.TemporaryDirectory(dir=tmp.parent, prefix=".shp-") as work,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, (_, frame) in ready.items():
            if not isinstance(frame, gpd.GeoDataFrame):
                csv = Path(work) / f"{_clean_name(name, used_names)}.csv"
                text_safe(frame).to_csv(csv, index=False, encoding="utf-8-sig")
                archive.write(csv, csv.name)
                continue
            geo = frame.to_crs(STORAGE_CRS)
            families = geo.geometry.geom_type.str.replace("Multi", "", regex=False)
            if families.isna().any():
                left.append(
                    f"{name}: {int(families.isna().sum())} feature(s) without geometry "
                    "(a Shapefile cannot hold them: use .gpkg)"
                )
            if families.notna().sum() == 0:
                left.append(f"{name}: no features with geometry, so no Shapefile")
            for family in sorted(families.dropna().unique()):
                part = geo[families.eq(family).to_numpy()]
                stem = _clean_name(
                    name if families.nunique() == 1 else f"{name}_{family}", used_names
                )
                attrs = [c for c in part.columns if c != part.geometry.name]
                fields = _shp_fields(attrs, set())
                mapping_rows += [
                    {"file": f"{stem}.shp", "field": s, "column": c} for c, s in fields.items()
                ]
                out = _dates_as_text(part).rename(columns=fields)
                shp = Path(work) / f"{stem}.shp"
                pyogrio.write_dataframe(
                    out,
                    shp,
                    driver="ESRI Shapefile",
                    encoding="UTF-8",
                    promote_to_multi=family != "Point",
                )
                for member in sorted(Path(work).glob(f"{stem}.*")):
                    archive.write(member, member.name)
        table = pd.DataFrame(mapping_rows, columns=["file", "field", "column"])
        archive.writestr(
            "field_names.csv", text_safe(table).to_csv(index=False).encode("utf-8-sig")
        )
        archive.writestr("README.txt", "\n".join(_notes(profile, omitted + left)) + "\n")
    return left


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Shapefiles have no date-time field type: write ISO dates (times only where present)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            values = out[column]
            with_time = bool((values.dropna() != values.dropna().dt.normalize()).any())
            out[column] = values.dt.strftime("%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d")
    return out


def _write_csv(tmp: Path, ready, *, profile, lang, omitted, share_m=None) -> list[str]:
    if len(ready) != 1:
        raise DataValueError(
            f"a CSV file holds one table, but {len(ready)} were given ({', '.join(ready)}).",
            path=tmp,
            fix="export to .xlsx or .gpkg, or write one CSV per table",
        )
    _, frame = next(iter(ready.values()))
    left: list[str] = []
    if isinstance(frame, gpd.GeoDataFrame):
        frame, note = _with_xy(frame)
        left += [note] if note else []
    text_safe(frame).to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return left


def _write_xlsx(tmp: Path, ready, *, profile, lang, omitted, share_m=None) -> list[str]:
    from openpyxl import Workbook

    left: list[str] = []
    book = Workbook(write_only=True)  # rows streamed to the file: much faster for big sheets
    about = book.create_sheet("about")
    used: set[str] = {"about"}
    for name, (_, frame) in ready.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frame, note = _with_xy(frame)
            left += [f"{name}: {note}"] if note else []
        sheet = book.create_sheet(_clean_name(name, used, limit=31))
        sheet.freeze_panes = "A2"
        frame = text_safe(frame)  # text that looks like a formula stays text
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
    for line in _notes(profile, omitted + left):
        about.append([line])
    book.properties.title = f"landmap export ({profile.name})"
    book.properties.keywords = "CONFIDENTIAL" if profile.confidential else "public"
    book.save(tmp)
    return left


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


_WRITERS = {
    ".gpkg": _write_gpkg,
    ".geojson": _write_geojson,
    ".kml": _write_kml,
    ".kmz": _write_kml,
    ".shp.zip": _write_shp_zip,
    ".csv": _write_csv,
    ".xlsx": _write_xlsx,
}

__all__ = ["DATA_FORMATS", "INFO_TABLE", "data_format", "table_kind", "write_data"]
