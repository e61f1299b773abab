"""Prepare landmap's bundled ``data/`` folder from the reference copy of the public sources.

Run from the repository root::

    .venv/bin/python scripts/prepare_data.py [--source ../shared/data] [--dest data]

What it does, file by file (``data/README.md`` says the same for readers):

* **Copied byte for byte**: ``geoBoundaries-KHM-ADM0.geojson``, ``geoBoundaries-KHM-ADM1.geojson``
  (already compact) and ``FNF_mask_exercise.tif``.
* **Whitespace-compacted** GeoJSON (district and commune boundaries, the 2022 Khmer-named
  provinces, protected areas, community forests): every byte outside JSON whitespace is kept as
  it is, so every number keeps its original digits, every string (Khmer included) its bytes, the
  old-style ``crs`` member stays and invalid geometries stay invalid. One feature per line, so a
  change shows up in a readable diff. This only keeps ``data/`` under its size budget.
* **ELC polygons** (``cam-elc-complete.geojson``): compacted as above, and the two properties
  ``Owner_Name`` and ``Address`` (private individuals' names and home addresses) removed from
  every feature. Nothing else changes: the EPSG:32648 ``crs`` member and the two invalid
  geometries are real flaws the loaders must handle.
* **Phnom Penh eviction sites** (``eviction_hotspots_geojson.zip``): the free-text ``Descript``
  and ``Reference`` values of ``eviction_sites.geojson`` name three people by first name (the
  compilers' colleagues, not evicted people); each is replaced by ``[name removed]``. The rest
  of the member and the ``relocation_sites.geojson`` member are unchanged bytes; the zip keeps its
  member names and timestamps.
* **Relief raster**: ``CamGeorel.tif`` (16 MB, int16, ~460 m) read from inside its zip, clipped to
  Cambodia's outline bounds plus a 0.25 degree margin, averaged 2 x 2 (nodata honoured) to ~920 m
  cells, written as a tiled DEFLATE GeoTIFF ``kh_relief.tif``.

The script is deterministic: running it twice gives identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Files copied byte for byte: source path (relative to the source folder) -> name in data/.
COPY = {
    "boundaries/geoBoundaries-KHM-ADM0.geojson": "geoBoundaries-KHM-ADM0.geojson",
    "boundaries/geoBoundaries-KHM-ADM1.geojson": "geoBoundaries-KHM-ADM1.geojson",
    "rasters/FNF_mask_exercise.tif": "FNF_mask_exercise.tif",
}
#: GeoJSON files whose insignificant whitespace is removed (nothing else changes).
COMPACT = {
    "boundaries/cambodia-adm2-simplified.geojson": "cambodia-adm2-simplified.geojson",
    "boundaries/cambodia-adm3-simplified.geojson": "cambodia-adm3-simplified.geojson",
    "boundaries/khm_bnd_admin1_gov_ed2022.json": "khm_bnd_admin1_gov_ed2022.json",
    "cambodia/protected_areas_and_forests.geojson": "protected_areas_and_forests.geojson",
    "cambodia/community_forests.geojson": "community_forests.geojson",
}
ELC = ("cambodia/cam-elc-complete.geojson", "cam-elc-complete.geojson")
#: Properties of the ELC layer that name or locate private individuals.
ELC_DROPPED = ("Owner_Name", "Address")
EVICTIONS = ("cambodia/eviction_hotspots_geojson.zip", "eviction_hotspots_geojson.zip")
#: The personal names found in the eviction sites' free text (checked by hand, all 92
#: features), kept only as the first 16 hex digits of the SHA-256 of the lower-cased word, so
#: that the repository does not hold the names themselves.
EVICTION_NAME_HASHES = frozenset({"cb9b5a0f4a8b09ba", "b21ec07effd3fe30", "fb9f1a36e8f9377d"})
NAME_PLACEHOLDER = "[name removed]"
RELIEF = ("rasters/kh_geographical_relief_tif.zip", "CamGeorel.tif", "kh_relief.tif")
RELIEF_MARGIN_DEG = 0.25
RELIEF_FACTOR = 2

_TOKEN = re.compile(r'("(?:[^"\\]|\\.)*")|\s+', re.DOTALL)


def compact_json_text(text: str) -> str:
    """Remove JSON whitespace outside strings; put each GeoJSON feature on its own line.

    Every other character is kept, so numbers keep their digits and strings their bytes.
    """
    out = _TOKEN.sub(lambda m: m.group(1) or "", text)
    # `{"type":"Feature"` cannot occur inside a JSON string (its quotes would be escaped).
    out = out.replace('"features":[{"type":"Feature"', '"features":[\n{"type":"Feature"')
    out = out.replace('},{"type":"Feature"', '},\n{"type":"Feature"')
    return out + "\n"


def drop_properties(text: str, names: tuple[str, ...]) -> str:
    """Remove ``"name": value,`` members (string, number or null values) from compact JSON."""
    for name in names:
        value = r'(?:null|true|false|-?[0-9.eE+-]+|"(?:[^"\\]|\\.)*")'
        pattern = re.compile(rf'"{re.escape(name)}":{value},?')
        text, n = pattern.subn("", text)
        if n == 0:
            raise SystemExit(f"property {name!r} not found: has the source changed?")
    return text.replace(",}", "}")


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def prepare_vectors(source: Path, dest: Path) -> None:
    """Copy, compact and clean the vector files."""
    for src, name in COPY.items():
        shutil.copyfile(source / src, dest / name)
    for src, name in COMPACT.items():
        _write_text(dest / name, compact_json_text((source / src).read_text(encoding="utf-8")))
    text = compact_json_text((source / ELC[0]).read_text(encoding="utf-8"))
    text = drop_properties(text, ELC_DROPPED)
    _write_text(dest / ELC[1], text)
    _check_elc(source / ELC[0], dest / ELC[1])


def _check_elc(original: Path, cleaned: Path) -> None:
    """Fail loudly unless the cleaned ELC file equals the original minus the dropped columns."""
    a = json.loads(original.read_text(encoding="utf-8"))
    b = json.loads(cleaned.read_text(encoding="utf-8"))
    for feature in a["features"]:
        for name in ELC_DROPPED:
            feature["properties"].pop(name)
    if a != b:
        raise SystemExit(f"{cleaned}: differs from {original} beyond the dropped columns")


def name_hash(word: str) -> str:
    """Return the short hash a personal name is recognised by."""
    return hashlib.sha256(word.lower().encode("utf-8")).hexdigest()[:16]


def clean_eviction_text(text: str) -> str:
    """Replace the personal names in the eviction sites' free text."""
    return re.sub(
        r"[A-Za-z]+",
        lambda m: NAME_PLACEHOLDER if name_hash(m.group()) in EVICTION_NAME_HASHES else m.group(),
        text,
    )


def prepare_evictions(source: Path, dest: Path) -> None:
    """Write the eviction-sites zip with personal names removed from its free text."""
    out = dest / EVICTIONS[1]
    with zipfile.ZipFile(source / EVICTIONS[0]) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "eviction_sites.geojson":
                data = clean_eviction_text(data.decode("utf-8")).encode("utf-8")
            new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            new.create_system = info.create_system
            zout.writestr(new, data, compresslevel=9)


def prepare_relief(source: Path, dest: Path) -> None:
    """Clip the relief raster to Cambodia (+ margin), average 2 x 2, write a DEFLATE GeoTIFF."""
    import geopandas as gpd
    import rasterio
    from rasterio import Affine
    from rasterio.enums import Resampling
    from rasterio.windows import Window, from_bounds

    outline = gpd.read_file(source / "boundaries/geoBoundaries-KHM-ADM0.geojson")
    west, south, east, north = outline.to_crs("EPSG:4326").total_bounds
    m = RELIEF_MARGIN_DEG
    src_path = f"/vsizip/{(source / RELIEF[0]).resolve()}/{RELIEF[1]}"
    with rasterio.open(src_path) as src:
        window = from_bounds(west - m, south - m, east + m, north + m, src.transform)
        window = window.round_offsets().round_lengths()
        height = window.height // RELIEF_FACTOR
        width = window.width // RELIEF_FACTOR
        window = Window(
            window.col_off, window.row_off, width * RELIEF_FACTOR, height * RELIEF_FACTOR
        )
        data = src.read(
            1, window=window, out_shape=(height, width), resampling=Resampling.average, masked=True
        )
        transform = (
            src.transform
            @ Affine.translation(window.col_off, window.row_off)
            @ Affine.scale(RELIEF_FACTOR, RELIEF_FACTOR)
        )
        profile = {
            "driver": "GTiff",
            "dtype": "int16",
            "count": 1,
            "width": width,
            "height": height,
            "crs": src.crs,
            "transform": transform,
            "nodata": src.nodata,
            "compress": "deflate",
            "predictor": 2,
            "zlevel": 9,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
        }
        with rasterio.open(dest / RELIEF[2], "w", **profile) as out:
            out.write(data.filled(src.nodata).astype("int16"), 1)
            out.update_tags(
                SOURCE="USGS via Save Cambodia's Wildlife Atlas / Open Development Cambodia "
                "(kh_geographical_relief_tif.zip, CamGeorel.tif)",
                PROCESSING=f"clipped to Cambodia + {m} deg, {RELIEF_FACTOR}x{RELIEF_FACTOR} "
                "average (nodata excluded) by scripts/prepare_data.py",
            )


def main(argv: list[str] | None = None) -> int:
    """Rebuild ``data/`` from the reference sources; print sizes and hashes; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--dest", type=Path, default=ROOT / "data")
    args = parser.parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    prepare_vectors(args.source, args.dest)
    prepare_evictions(args.source, args.dest)
    prepare_relief(args.source, args.dest)
    names = [*COPY.values(), *COMPACT.values(), ELC[1], EVICTIONS[1], RELIEF[2]]
    total = 0
    for name in sorted(names):
        path = args.dest / name
        total += path.stat().st_size
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        print(f"{path.stat().st_size:>10,}  {digest}  {name}")
    print(f"{total:>10,}  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
