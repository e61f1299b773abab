"""A national parcel fabric built from real cadastral parcels, over the real ELC concessions.

No public Cambodian cadastre exists, so the 6,821 real parcels of Paris 18e (Etalab cadastre,
``../shared/data/parcels/``, Licence Ouverte 2.0) stand in for one: projected to Lambert-93,
scaled 3x about their corner (mean parcel 0.6 ha instead of 0.07 ha, closer to rural
Cambodia; shapes, shared edges and vertex counts stay those of a real cadastre) and tiled
over Cambodia's extent in EPSG:32648 on a regular grid of copies, in row-major order, until the
fabric holds the number of parcels asked for. The concessions are the 225 real ELCs of
``data/cam-elc-complete.geojson`` (EPSG:32648; the two invalid ones repaired with
``make_valid``). Written as GeoParquet 1.1 (WKB, ``bbox`` covering column, row groups of 65,536
rows) to ``benchmarks/_work/``, with 1M case points scattered uniformly over the same
extent.

This fabric differs from the synthetic one (``_synthetic.py``) in every way that matters to an
overlay engine: parcel shapes and vertex counts, the concessions (real outlines of up to
thousands of vertices, overlapping each other), and where parcels fall relative to them.

Run ``python benchmarks/_realfabric.py [N ...]`` to (re)generate the files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
CRS = "EPSG:32648"
PARCELS = Path("/work/shared/data/parcels/cadastre-75118-parcelles.json")
if not PARCELS.exists():  # a checkout beside the shared data folder
    PARCELS = ROOT.parent / "shared" / "data" / "parcels" / "cadastre-75118-parcelles.json"
CONCESSIONS = ROOT / "data" / "cam-elc-complete.geojson"
SCALE = 3.0
X0, Y0, X1, Y1 = 230_000.0, 1_155_000.0, 780_000.0, 1_625_000.0  # the ELCs' extent
MAX_PARCELS = 1_000_000


def _tile() -> np.ndarray:
    """The real parcels, metric, scaled and moved so their extent starts at (0, 0)."""
    import geopandas as gpd
    import shapely

    frame = gpd.read_file(PARCELS).to_crs("EPSG:2154")
    geoms = shapely.make_valid(frame.geometry.values)
    x0, y0, _, _ = shapely.total_bounds(geoms)
    return shapely.transform(geoms, lambda xy: (xy - [x0, y0]) * SCALE)


def parcel_geoms(n_parcels: int) -> np.ndarray:
    """Return ``n_parcels`` parcel geometries: copies of the real tile on a national grid."""
    import shapely

    tile = _tile()
    _, _, w, h = shapely.total_bounds(tile)
    copies = -(-MAX_PARCELS // len(tile))
    # a grid of ``copies`` slots with the extent's aspect ratio; every copy fits in its slot
    cols = int(np.ceil(np.sqrt(copies * (X1 - X0) / (Y1 - Y0))))
    rows = -(-copies // cols)
    sx, sy = (X1 - X0) / cols, (Y1 - Y0) / rows
    assert sx > w and sy > h, "tiles would overlap"
    need = -(-n_parcels // len(tile))
    # smaller fabrics take every k-th slot so that they still span the country
    slots = np.linspace(0, copies - 1, need).round().astype(int)
    out = []
    for slot in slots:
        r, c = divmod(int(slot), cols)
        dx, dy = X0 + c * sx + (sx - w) / 2, Y0 + r * sy + (sy - h) / 2
        out.append(shapely.transform(tile, lambda xy, dx=dx, dy=dy: xy + [dx, dy]))
    return np.concatenate(out)[:n_parcels]


def write_all(n_parcels: int, *, work: Path = WORK) -> dict[str, Path]:
    """Write the real-parcel fabric and the ELC concessions; return their paths."""
    import geopandas as gpd
    import shapely

    work.mkdir(parents=True, exist_ok=True)
    out = {
        "parcels": work / f"real_parcels_{n_parcels}.parquet",
        "concessions": work / "real_concessions.parquet",
        "cases": work / "real_cases_1000000.parquet",
    }
    if not out["concessions"].exists():
        elc = gpd.read_file(CONCESSIONS).to_crs(CRS)
        geoms = shapely.make_valid(elc.geometry.values)
        gdf = gpd.GeoDataFrame(
            {
                "concession_id": [f"ELC{i:03d}" for i in range(len(elc))],
                "name": elc["Name"].astype(str).to_numpy(),
            },
            geometry=geoms,
            crs=CRS,
        )
        gdf.to_parquet(out["concessions"], write_covering_bbox=True, index=False)
    if not out["parcels"].exists():
        geoms = parcel_geoms(n_parcels)
        gdf = gpd.GeoDataFrame(
            {"parcel_id": np.arange(1, len(geoms) + 1, dtype=np.int64)}, geometry=geoms, crs=CRS
        )
        gdf.to_parquet(out["parcels"], write_covering_bbox=True, index=False, row_group_size=65_536)
    if not out["cases"].exists():
        rng = np.random.default_rng(20261206)
        xy = np.column_stack([rng.uniform(X0, X1, 1_000_000), rng.uniform(Y0, Y1, 1_000_000)])
        gdf = gpd.GeoDataFrame(
            {"case_id": np.arange(1, len(xy) + 1, dtype=np.int64)},
            geometry=shapely.points(xy),
            crs=CRS,
        )
        gdf.to_parquet(out["cases"], write_covering_bbox=True, index=False, row_group_size=65_536)
    return out


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]:
        print(write_all(size))
