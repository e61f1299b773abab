"""Shared inputs of the privacy and leak-check tests (no tests here).

The register is ``data/synthetic_cases.csv`` (SYNTHETIC: no real person) loaded with the
loaders; when either is missing, an equally fake register is built in code. Communes are the
simplified commune boundaries bundled in ``data/`` (or the reference copy beside the repository).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "data" / "synthetic_cases.csv"
SENSITIVE = ("complainant_name", "complainant_phone", "national_id", "photo_path")
_COMMUNE_FILES = (
    ROOT / "data" / "cambodia-adm3-simplified.geojson",
    ROOT / "data" / "boundaries" / "cambodia-adm3-simplified.geojson",
    ROOT.parent / "shared" / "data" / "boundaries" / "cambodia-adm3-simplified.geojson",
)
_ELC_FILES = (
    ROOT / "data" / "cam-elc-complete.geojson",
    ROOT.parent / "shared" / "data" / "cambodia" / "cam-elc-complete.geojson",
)


def _first(paths: tuple[Path, ...]) -> Path:
    for path in paths:
        if path.is_file():
            return path
    pytest.skip(f"none of {[str(p) for p in paths]} exists")
    raise AssertionError  # pragma: no cover


@cache
def communes() -> gpd.GeoDataFrame:
    """The 1,633 commune polygons (EPSG:4326)."""
    return gpd.read_file(_first(_COMMUNE_FILES))


@cache
def concessions() -> gpd.GeoDataFrame:
    """The ELC polygons with valid geometry and a canonical ``concession_id``."""
    gdf = gpd.read_file(_first(_ELC_FILES)).to_crs(4326)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.array)
    gdf["concession_id"] = [f"ELC-{i:03d}" for i in range(len(gdf))]
    return gdf


def _fake_register(n: int = 400) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    pts = communes().sample_points(1, rng=rng).sample(n, random_state=3)
    ids = [f"SYN-{i:05d}" for i in range(1, n + 1)]
    return gpd.GeoDataFrame(
        {
            "case_id": ids,
            "type": ["eviction"] * n,
            "households": np.arange(n) % 9 + 1,
            "description": [f"SYNTHETIC narrative {i}" for i in range(n)],
            "complainant_name": [f"SYNTHETIC Person {i:04d}" for i in range(n)],
            "complainant_phone": [f"+855 00 000 {i:04d}" for i in range(n)],
            "national_id": [f"SYN-ID-{i:06d}" for i in range(n)],
            "photo_path": [f"synthetic/photos/{c}_1.jpg" for c in ids],
        },
        geometry=pts.to_numpy(),
        crs="EPSG:4326",
    )


@cache
def register() -> gpd.GeoDataFrame:
    """The synthetic register with true locations (EPSG:4326, canonical columns first)."""
    try:
        from landmap.io.load import load_cases
    except ImportError:
        return _fake_register()
    if not REGISTER.is_file():
        return _fake_register()
    return load_cases(REGISTER).data


def register_source() -> Path | gpd.GeoDataFrame:
    """What a leak check is run against: the register file when it exists, else the layer."""
    return REGISTER if REGISTER.is_file() else register()
