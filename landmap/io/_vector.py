"""Finding what a source is, and reading vector files through pyogrio/GDAL.

Handles Shapefile (plain or zipped), GeoPackage and other multi-layer formats (a layer is
chosen, or the choice is explained), GeoJSON (old-style ``crs`` members, 3-D CRSs), KML/KMZ
(every folder read, its name kept in a ``folder`` column), GPX (waypoints), TopoJSON and
GeoParquet. GDAL's own messages are kept but wrapped in a :class:`DataFileError` that names the
file and says what to do.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
import shapely.errors
from pyproj import CRS

from landmap import limits
from landmap.errors import CRSError, DataFileError
from landmap.io.coords import parse_crs
from landmap.provenance import file_sha256

Format = Literal["vector", "csv", "xlsx", "parquet", "frame"]
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
VECTOR_SUFFIXES = (
    ".shp",
    ".geojson",
    ".json",
    ".gpkg",
    ".kml",
    ".kmz",
    ".gpx",
    ".topojson",
    ".fgb",
    ".gml",
    ".sqlite",
    ".geojsonl",
    ".geojsons",
)
_PLAIN_ZIP_MEMBERS = VECTOR_SUFFIXES + (".csv", ".xlsx", ".parquet")


@dataclass
class Source:
    """A resolved input: what to open, how, and what to call it in messages."""

    display: str
    fmt: Format
    gdal_path: str = ""
    file: Path | None = None
    layer: str | None = None
    details: dict[str, object] = field(default_factory=dict)

    def sha256(self) -> str | None:
        """Hash of the file on disk (the zip for a zipped member)."""
        if self.file is None or not self.file.is_file():
            return None
        return file_sha256(self.file)


#: Files that are zip archives underneath: their members are checked before anything reads them.
ARCHIVE_SUFFIXES = (".zip", ".kmz", ".xlsx", ".xlsm")


def check_archive(path: Path, *, display: str | None = None) -> list[zipfile.ZipInfo]:
    """Refuse an archive whose members would unpack to more than the limits allow.

    Every member is checked from the archive's directory, before a byte is decompressed: its
    uncompressed size against ``archive_member_mb`` and, for members over
    :data:`landmap.limits.RATIO_GRACE_BYTES`, its compression ratio against ``archive_ratio``
    (a zip bomb packs gigabytes of repeated bytes into a few megabytes).

    Returns
    -------
    list of zipfile.ZipInfo
        The archive's members.

    Raises
    ------
    DataFileError
        If the file is not a readable zip archive.
    LimitError
        If a member is over a limit.
    """
    where = display or str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as err:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise DataFileError(
                "is not a readable .xlsx workbook (not a zip archive underneath: truncated, or "
                "another format under an .xlsx name)",
                path=where,
                fix="open it in Excel/LibreOffice and save it again as .xlsx",
            ) from err
        raise DataFileError(
            "is not a readable zip archive (truncated or not a zip)",
            path=where,
            fix="download or copy the file again",
        ) from err
    for info in infos:
        size = info.file_size
        member = f"the archive member {info.filename!r}"
        limits.check(
            "archive_member_mb",
            size / 1e6,
            what=member,
            path=where,
            fix="unpack the archive and convert the file to GeoPackage or GeoParquet",
        )
        if size > limits.RATIO_GRACE_BYTES:
            ratio = size / max(info.compress_size, 1)
            limits.check(
                "archive_ratio",
                ratio,
                what=member,
                path=where,
                fix="unpack the archive yourself and load the file itself",
            )
    return infos


def check_gzip(path: Path) -> None:
    """Refuse a gzip file that unpacks to more than the archive limits allow.

    A gzip file records its size only modulo 4 GiB, so the stream is decompressed and counted
    (the bytes are thrown away) until it ends or passes a limit.
    """
    size_limit = limits.current("archive_member_mb") * 1_000_000
    unpacked = packed = 0
    try:
        with open(path, "rb") as fh:
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while chunk := fh.read(1 << 20):
                packed += len(chunk)
                data = inflate.decompress(chunk, 1 << 24)
                while data:
                    unpacked += len(data)
                    if unpacked > size_limit or (
                        unpacked > limits.RATIO_GRACE_BYTES
                        and unpacked > packed * limits.current("archive_ratio")
                    ):
                        break
                    data = inflate.decompress(inflate.unconsumed_tail, 1 << 24)
                else:
                    continue
                break
    except zlib.error as err:
        raise DataFileError(
            "is not a readable gzip file (truncated or not gzip)",
            path=path,
            fix="download or copy the file again",
        ) from err
    what = f"the compressed file {path.name!r}"
    limits.check(
        "archive_member_mb",
        unpacked / 1e6,
        what=what,
        path=path,
        fix="unpack it and convert the file to GeoPackage or GeoParquet",
    )
    if unpacked > limits.RATIO_GRACE_BYTES:
        limits.check(
            "archive_ratio",
            unpacked / max(packed, 1),
            what=what,
            path=path,
            fix="unpack it yourself and load the file itself",
        )


def _zip_members(path: Path) -> list[str]:
    names = [info.filename for info in check_archive(path)]
    return [
        n
        for n in names
        if not n.startswith("__MACOSX/")
        and not Path(n).name.startswith(".")
        and n.lower().endswith(_PLAIN_ZIP_MEMBERS)
    ]


def resolve(source: object, *, layer: str | None) -> Source:
    """Work out how to read ``source`` (a path, a ``/vsizip/`` string or a DataFrame)."""
    if isinstance(source, pd.DataFrame):
        return Source(display="<DataFrame>", fmt="frame", layer=layer)
    text = os.fspath(source) if isinstance(source, (str, os.PathLike)) else None
    if text is None:
        raise DataFileError(
            f"cannot load {source!r} of type {type(source).__name__}",
            fix="pass a file path or a (Geo)DataFrame",
        )
    if text.startswith("/vsi"):
        match = re.match(r"^/vsi(?:zip|tar|gzip)/(.+?\.(?:zip|kmz|tar|gz|tgz))(?:/|$)", text, re.I)
        file = Path(match.group(1)) if match else None
        if file is not None and not file.exists():
            raise DataFileError("file not found", path=file, fix="check the path")
        if file is not None and file.suffix.lower() in ARCHIVE_SUFFIXES:
            check_archive(file)
        elif file is not None and file.suffix.lower() in (".gz", ".tgz"):
            check_gzip(file)
        if text.lower().endswith(tuple(TABLE_SUFFIXES)):
            raise _zipped_table(text)
        return Source(display=text, fmt="vector", gdal_path=text, file=file, layer=layer)
    path = Path(text)
    if not path.exists():
        raise DataFileError("file not found", path=path, fix="check the path and the file name")
    if path.is_file() and path.stat().st_size == 0:
        raise DataFileError(
            "the file is empty (0 bytes)", path=path, fix="export or copy the file again"
        )
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES[1:] and path.is_file():  # .zip: checked as it is resolved
        check_archive(path)
    if suffix in TABLE_SUFFIXES:
        return Source(
            display=str(path),
            fmt=TABLE_SUFFIXES[suffix],
            gdal_path=str(path),
            file=path,
            layer=layer,
        )  # type: ignore[arg-type]
    if suffix == ".xls":
        raise DataFileError(
            "old Excel 97-2003 (.xls) workbooks are not read",
            path=path,
            fix="open it in Excel or LibreOffice and save as .xlsx",
        )
    if suffix in (".parquet", ".geoparquet"):
        return Source(display=str(path), fmt="parquet", gdal_path=str(path), file=path, layer=layer)
    if suffix == ".shp":
        _check_shapefile(path)
    if suffix == ".zip":
        return _resolve_zip(path, layer)
    return Source(display=str(path), fmt="vector", gdal_path=str(path), file=path, layer=layer)


def _check_shapefile(path: Path) -> None:
    for part, what in ((".shx", "index"), (".dbf", "attribute table")):
        siblings = [path.with_suffix(part), path.with_suffix(part.upper())]
        if not any(p.exists() for p in siblings):
            raise DataFileError(
                f"the shapefile's {what} file {path.with_suffix(part).name} is missing beside it",
                path=path,
                fix="copy every part of the shapefile (.shp, .shx, .dbf, .prj) together, "
                "or send it as one zip",
            )


def _resolve_zip(path: Path, layer: str | None) -> Source:
    members = _zip_members(path)
    if not members:
        raise DataFileError(
            "the zip archive holds no file landmap can read (.shp, .geojson, .gpkg, .kml, .csv...)",
            path=path,
            fix="check what the archive contains",
        )
    shp = [m for m in members if m.lower().endswith(".shp")]
    candidates = shp or [m for m in members if not m.lower().endswith((".dbf",))]
    chosen = None
    if layer is not None:
        named = [
            m for m in candidates if m == layer or Path(m).name == layer or Path(m).stem == layer
        ]
        if named:
            chosen, layer = named[0], None
    elif len(candidates) == 1:
        chosen = candidates[0]
    if chosen is None and layer is None:
        raise DataFileError(
            f"the zip archive holds {len(candidates)} datasets: {', '.join(candidates)}",
            path=path,
            fix="name one with layer= (or --layer)",
        )
    if chosen is None:  # a layer inside a single dataset (e.g. a GeoPackage in a zip)
        if len(candidates) != 1:
            raise DataFileError(
                f"no member {layer!r} in the zip archive; it holds {', '.join(candidates)}",
                path=path,
                fix="name one of these with layer=",
            )
        chosen = candidates[0]
    if chosen.lower().endswith(".shp"):
        with zipfile.ZipFile(path) as zf:
            names = {n.lower() for n in zf.namelist()}
        stem = chosen[:-4].lower()
        for part in (".shx", ".dbf"):
            if stem + part not in names:
                raise DataFileError(
                    f"the zipped shapefile {chosen} has no {part} file beside it",
                    path=path,
                    fix="zip every part of the shapefile (.shp, .shx, .dbf, .prj) together",
                )
    if Path(chosen).suffix.lower() in TABLE_SUFFIXES:
        raise _zipped_table(f"{path}!{chosen}")
    fmt: Format = "vector"
    return Source(
        display=f"{path}!{chosen}",
        fmt=fmt,
        gdal_path=f"/vsizip/{path.resolve()}/{chosen}",
        file=path,
        layer=layer,
        details={"zip_member": chosen},
    )


def _zipped_table(display: str) -> DataFileError:
    return DataFileError(
        "tables (CSV, XLSX) are not read from inside a zip archive",
        path=display,
        fix="unzip the archive and load the table file itself",
    )


def _gdal_error(src: Source, err: Exception) -> DataFileError:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return DataFileError(
        f"GDAL could not read it ({text})",
        path=src.display,
        fix="check that the file is complete and in a vector format (Shapefile, GeoPackage, "
        "GeoJSON, KML/KMZ, GPX, GeoParquet, TopoJSON) or a CSV/XLSX table",
    )


#: GDAL and pyogrio messages that say something about the data, and how the report says it.
_NOTES = (
    (
        re.compile(r"too many members in array", re.I),
        "some coordinates have more than 3 values (M, time or another measure): only x, y and z "
        "were read, and z is dropped",
    ),
    (
        re.compile(r"Could not parse column '(?P<col>.*)' as JSON", re.S),
        "column {col!r} holds JSON objects or lists in some features and plain values in others: "
        "it was kept as text",
    ),
)


def _note(message: str) -> str:
    for pattern, text in _NOTES:
        match = pattern.search(message)
        if match:
            return text.format(**match.groupdict())
    first = message.strip().splitlines()[0] if message.strip() else message
    return f"GDAL: {first[:300]}"


@contextlib.contextmanager
def gdal_notes(src: Source) -> Iterator[None]:
    """Turn the warnings GDAL and pyogrio give while reading into notes on the source.

    pyogrio passes GDAL's warnings on as Python warnings, which would otherwise print raw in
    the middle of a command's output. Each one becomes a line in ``src.details["notes"]``
    (and so in the load report); landmap's own warnings pass through unchanged.
    """
    from landmap.errors import LandmapWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    notes = src.details.setdefault("notes", [])
    for item in caught:
        if issubclass(item.category, LandmapWarning):
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
            continue
        note = _note(str(item.message))
        if note not in notes:
            notes.append(note)
    if not notes:
        del src.details["notes"]


def list_layers(src: Source) -> list[tuple[str, str | None]]:
    """Return ``(name, geometry type)`` for each layer GDAL sees in ``src``."""
    try:
        with gdal_notes(src):
            layers = pyogrio.list_layers(src.gdal_path)
    except Exception as err:  # noqa: BLE001  - every GDAL failure becomes one clear error
        raise _gdal_error(src, err) from err
    return [(str(name), None if gtype is None else str(gtype)) for name, gtype in layers]


def _driver(src: Source, layer: str | int | None) -> str:
    try:
        with gdal_notes(src):
            return str(pyogrio.read_info(src.gdal_path, layer=layer).get("driver", ""))
    except Exception as err:  # noqa: BLE001
        raise _gdal_error(src, err) from err


def _read_layer(src: Source, layer: str | int | None) -> gpd.GeoDataFrame:
    try:
        with gdal_notes(src):
            try:
                return pyogrio.read_dataframe(src.gdal_path, layer=layer, use_arrow=True)
            except shapely.errors.GEOSException:
                return _read_unbuildable(src, layer)
    except Exception as err:  # noqa: BLE001
        raise _gdal_error(src, err) from err


def _read_unbuildable(src: Source, layer: str | int | None) -> gpd.GeoDataFrame:
    """Read a layer some of whose geometries GEOS cannot build (a line of one point...).

    One such feature used to fail the whole file. Now those features get no geometry, and a
    reason (in ``src.details["geometry_reasons"]``, by row position) that the validator
    rejects them with; every other feature is read as usual.
    """
    frame = pyogrio.read_dataframe(src.gdal_path, layer=layer, use_arrow=True, on_invalid="ignore")
    wkb = pyogrio.raw.read(src.gdal_path, layer=layer, columns=[], read_geometry=True)[2]
    built = shapely.from_wkb(wkb, on_invalid="ignore")
    bad = np.flatnonzero(pd.notna(wkb) & pd.isna(built))
    reasons = []
    for i in bad:
        try:
            shapely.from_wkb(wkb[i])
            reasons.append("geometry cannot be built")
        except shapely.errors.GEOSException as err:
            detail = str(err).split(": ", 1)[-1].strip()
            reasons.append(f"geometry cannot be built ({detail})")
    src.details["geometry_reasons"] = pd.Series(reasons, index=bad, dtype="string")
    return frame


def read_vector(src: Source, *, kind: str) -> gpd.GeoDataFrame:
    """Read the chosen layer(s) of a vector source; KML/KMZ folders are stacked."""
    if src.fmt == "parquet":
        return _read_parquet(src)
    layers = list_layers(src)
    if not layers:
        raise DataFileError("holds no layers", path=src.display, fix="check the export")
    driver = _driver(src, layers[0][0])
    names = [n for n, _ in layers]
    src.details["driver"] = driver
    if src.layer is not None and src.layer not in names:
        raise DataFileError(
            f"has no layer {src.layer!r}; its layers are: {', '.join(names)}",
            path=src.display,
            fix="name one of these with layer= (or --layer)",
        )
    if driver in ("LIBKML", "KML"):
        return _read_kml(src, names)
    if driver == "GPX":
        return _read_gpx(src, names, kind)
    if src.layer is None:
        spatial = [n for n, g in layers if g is not None]
        if len(layers) == 1:
            src.layer = layers[0][0]
        elif len(spatial) == 1:
            src.layer = spatial[0]
        else:
            raise DataFileError(
                f"holds {len(layers)} layers: {', '.join(names)}",
                path=src.display,
                fix="choose one with layer= (or --layer)",
            )
    src.details["layer"] = src.layer
    frame = _read_layer(src, src.layer)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise DataFileError(
            f"layer {src.layer!r} has no geometry (an attribute table)",
            path=src.display,
            fix="choose a layer with geometries with layer=, or give a CSV with coordinates",
        )
    return frame


def _read_kml(src: Source, names: list[str]) -> gpd.GeoDataFrame:
    chosen = [src.layer] if src.layer else names
    frames = []
    for name in chosen:
        frame = _read_layer(src, name)
        frame.insert(0, "folder", pd.Series([name] * len(frame), dtype="string", index=frame.index))
        frames.append(frame)
    frames = [f for f in frames if len(f)] or frames[:1]
    crs = next((f.crs for f in frames if f.crs is not None), "EPSG:4326")
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    src.details["layers_read"] = chosen
    return out


def _read_gpx(src: Source, names: list[str], kind: str) -> gpd.GeoDataFrame:
    with gdal_notes(src):
        counts = {
            n: int(pyogrio.read_info(src.gdal_path, layer=n, force_feature_count=True)["features"])
            for n in names
        }
    lines = {n: c for n, c in counts.items() if n in ("tracks", "routes") and c}
    if kind != "cases":
        raise DataFileError(
            f"a GPX file holds waypoints, tracks and routes (points and lines), never polygons, "
            f"so it cannot be loaded as {kind} (it has {counts.get('waypoints', 0)} waypoints, "
            f"{sum(lines.values())} tracks/routes)",
            path=src.display,
            fix="draw the boundary as a polygon (e.g. in Google Earth, saved as KML) or close the "
            "track into a polygon in QGIS",
        )
    if not counts.get("waypoints"):
        raise DataFileError(
            f"the GPX file has no waypoints, only {sum(lines.values())} tracks/routes (lines)",
            path=src.display,
            fix="mark case locations as waypoints in the GPS, or give a table",
        )
    src.layer = "waypoints"
    src.details["layer"] = "waypoints"
    if lines:
        src.details["ignored"] = f"{sum(lines.values())} tracks/routes (lines) not read as cases"
    frame = _read_layer(src, "waypoints")
    empty = [c for c in frame.columns if c != "geometry" and frame[c].isna().all()]
    return frame.drop(columns=empty)


def _read_parquet(src: Source) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(src.gdal_path)
    except ValueError as err:
        if "geo" in str(err).lower():
            raise DataFileError(
                "is a Parquet file without GeoParquet metadata",
                path=src.display,
                fix="write it with GeoDataFrame.to_parquet, or export coordinates to CSV",
            ) from err
        raise _gdal_error(src, err) from err
    except Exception as err:  # noqa: BLE001
        raise _gdal_error(src, err) from err


def to_storage_crs(gdf: gpd.GeoDataFrame, *, crs: object, src: Source) -> gpd.GeoDataFrame:
    """Honour the declared CRS (or the caller's when none is declared); drop Z; go to 4326."""
    declared = gdf.crs
    if declared is None and crs is None and src.details.get("driver") == "TopoJSON":
        minx, miny, maxx, maxy = gdf.total_bounds if len(gdf) else (0, 0, 0, 0)
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            # TopoJSON has no CRS member; like GeoJSON it is longitude/latitude by convention
            declared = CRS.from_epsg(4326)
            gdf = gdf.set_crs(declared)
            src.details["crs_source"] = (
                "assumed EPSG:4326 (TopoJSON has no CRS; values are degrees)"
            )
    if declared is None:
        if crs is None:
            fix = "pass crs= (e.g. crs='EPSG:32648' for UTM 48N, 'EPSG:4326' for degrees)"
            if str(src.display).lower().endswith(".shp") or ".shp" in str(src.display).lower():
                fix = "copy the shapefile's .prj file beside it, or " + fix
            raise CRSError("declares no coordinate reference system", path=src.display, fix=fix)
        declared = parse_crs(crs, path=src.display)
        gdf = gdf.set_crs(declared, allow_override=True)
        src.details["crs_source"] = f"given: {declared.to_string()}"
    elif "crs_source" not in src.details:
        src.details["crs_source"] = f"declared: {declared.to_string()}"
        if crs is not None and parse_crs(crs, path=src.display) != declared:
            src.details["crs_ignored"] = (
                f"crs={crs!r} ignored: the file declares {declared.to_string()}"
            )
    if len(declared.axis_info) > 2:
        gdf = gdf.set_crs(declared.to_2d(), allow_override=True)
        src.details["crs_3d"] = f"{declared.to_string()} is 3-D: heights dropped"
    geoms = gdf.geometry.array
    if shapely.has_z(geoms.to_numpy() if hasattr(geoms, "to_numpy") else geoms).any():
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.values.to_numpy()), crs=gdf.crs)
        src.details["z_dropped"] = True
    if not gdf.crs.equals(CRS.from_user_input("EPSG:4326")):
        gdf = gdf.to_crs("EPSG:4326")
    return gdf


__all__ = ["Source", "list_layers", "read_vector", "resolve", "to_storage_crs"]
