"""Make the offline background of briefing maps that ships with the package.

Briefing maps draw Cambodia's provinces, its outline and a hillshade under the data. An
installed landmap must find them without the repository's ``data/`` folder, so reduced copies
live in ``landmap/resources/background/`` (package data, credited in its README.md):

- ``provinces.geojson``: the government's 2022 provinces (``data/khm_bnd_admin1_gov_ed2022.json``)
  with their English and Khmer names and codes, coverage-simplified at 250 m in EPSG:32648
  (neighbours keep one shared edge), coordinates rounded to 5 decimals (~1 m);
- ``country.geojson``: geoBoundaries' outline (``data/geoBoundaries-KHM-ADM0.geojson``),
  simplified at 250 m (briefing maps simplify it at 500 m again);
- ``relief.tif``: ``data/kh_relief.tif`` unchanged (already reduced to ~920 m cells, 0.3 MB).

Run from the repository root (deterministic)::

    .venv/bin/python scripts/make_background.py
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = ROOT / "landmap" / "resources" / "background"
METRIC = "EPSG:32648"
TOLERANCE_M = 250.0
PROVINCE_COLUMNS = ["ADM1_CODE", "Adm1_NCDD", "Adm1_Name", "Adm1_Name_"]
_LONG_DECIMALS = re.compile(r"(\d+\.\d{5})\d+")


def _write(frame: gpd.GeoDataFrame, path: Path) -> None:
    text = frame.to_crs("EPSG:4326").to_json(drop_id=True, ensure_ascii=False)
    path.write_text(_LONG_DECIMALS.sub(r"\1", text) + "\n", encoding="utf-8")


def main() -> None:
    """Write the three files and print their sizes."""
    OUT.mkdir(parents=True, exist_ok=True)
    provinces = gpd.read_file(DATA / "khm_bnd_admin1_gov_ed2022.json").to_crs(METRIC)
    simple = shapely.coverage_simplify(provinces.geometry.make_valid().values, TOLERANCE_M)
    _write(
        gpd.GeoDataFrame(provinces[PROVINCE_COLUMNS], geometry=simple, crs=METRIC),
        OUT / "provinces.geojson",
    )
    country = gpd.read_file(DATA / "geoBoundaries-KHM-ADM0.geojson").to_crs(METRIC)
    _write(
        gpd.GeoDataFrame(
            {"shapeName": country["shapeName"]},
            geometry=country.geometry.simplify(TOLERANCE_M),
            crs=METRIC,
        ),
        OUT / "country.geojson",
    )
    shutil.copyfile(DATA / "kh_relief.tif", OUT / "relief.tif")
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
