"""Deterministic synthetic parcel fabric, concessions and case points for the overlap benchmarks.

The fabric imitates a national cadastre in EPSG:32648 (UTM 48N) over a Cambodia-sized extent:
settled blocks of contiguous irregular parcels (0.1-5 ha, eight vertices each, shared edges
jittered identically on both sides, so the fabric has no gaps and no overlaps) scattered over
600 km x 480 km, and about 300 irregular concessions of 100-10,000 ha with holes, multipart
concessions and concessions overlapping each other. Everything is written as GeoParquet 1.1
(WKB geometry plus a ``bbox`` covering column), parcels in Z-order of their blocks so that row
groups are spatially compact.

Run ``python benchmarks/_synthetic.py`` to (re)generate the files in ``benchmarks/_work/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

WORK = Path(__file__).resolve().parent / "_work"
CRS = "EPSG:32648"
X0, Y0, X1, Y1 = 200_000.0, 1_150_000.0, 800_000.0, 1_630_000.0  # about Cambodia's extent
SIDE = 20  # parcels per block side: 400 parcels per block
SLOT = 4_500.0  # block slot size in metres (a block is at most 20 * 220 m = 4.4 km wide)
SEED = 20260527
N_CONCESSIONS = 300
MAX_PARCELS = 1_000_000


def _morton(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64) & np.uint64(0xFFFF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    return spread(ix) | (spread(iy) << np.uint64(1))


def block_origins(n_parcels: int, seed: int = SEED) -> np.ndarray:
    """Return the lower-left corners of the settled blocks, in Z-order."""
    rng = np.random.default_rng(seed)
    nx, ny = int((X1 - X0) // SLOT), int((Y1 - Y0) // SLOT)
    n_blocks = -(-n_parcels // (SIDE * SIDE))
    # settlement is denser towards the centre band, like the lowlands around the Tonle Sap
    slots = np.arange(nx * ny)
    sx, sy = slots % nx, slots // nx
    weight = np.exp(-(((sy - ny * 0.55) / (ny * 0.07)) ** 2)) + 0.01
    full = rng.choice(
        slots, size=-(-MAX_PARCELS // (SIDE * SIDE)), replace=False, p=weight / weight.sum()
    )
    # smaller fabrics are a random subset of the largest one's blocks: same density pattern
    chosen = full[np.sort(rng.permutation(len(full))[:n_blocks])]
    chosen = chosen[np.argsort(_morton(sx[chosen], sy[chosen]), kind="stable")]
    return np.column_stack([X0 + sx[chosen] * SLOT, Y0 + sy[chosen] * SLOT])


def parcel_coords(n_parcels: int, seed: int = SEED) -> np.ndarray:
    """Return an ``(n_parcels, 9, 2)`` array of closed 8-vertex parcel rings (counter-clockwise)."""
    rng = np.random.default_rng(seed + 1)
    origins = block_origins(n_parcels, seed)
    nb = len(origins)
    # column widths and row heights (35-220 m) per block -> parcels of about 0.12-4.8 ha
    widths = rng.uniform(38.0, 216.0, size=(nb, SIDE))
    heights = rng.uniform(38.0, 216.0, size=(nb, SIDE))
    xs = origins[:, :1] + np.concatenate([np.zeros((nb, 1)), np.cumsum(widths, 1)], 1)
    ys = origins[:, 1:] + np.concatenate([np.zeros((nb, 1)), np.cumsum(heights, 1)], 1)
    # node grid (nb, SIDE+1, SIDE+1): interior nodes jittered by up to +-10 m
    gx = np.broadcast_to(xs[:, None, :], (nb, SIDE + 1, SIDE + 1)).copy()
    gy = np.broadcast_to(ys[:, :, None], (nb, SIDE + 1, SIDE + 1)).copy()
    gx[:, 1:-1, 1:-1] += rng.uniform(-10, 10, size=(nb, SIDE - 1, SIDE - 1))
    gy[:, 1:-1, 1:-1] += rng.uniform(-10, 10, size=(nb, SIDE - 1, SIDE - 1))
    # edge midpoints, shared by both neighbours, pushed sideways by up to +-8 m
    hx = (gx[:, :, :-1] + gx[:, :, 1:]) / 2  # horizontal edges (nb, SIDE+1, SIDE)
    hy = (gy[:, :, :-1] + gy[:, :, 1:]) / 2 + rng.uniform(-8, 8, size=(nb, SIDE + 1, SIDE))
    vx = (gx[:, :-1, :] + gx[:, 1:, :]) / 2 + rng.uniform(-8, 8, size=(nb, SIDE, SIDE + 1))
    vy = (gy[:, :-1, :] + gy[:, 1:, :]) / 2  # vertical edges (nb, SIDE, SIDE+1)
    hy[:, 0, :] = gy[:, 0, :-1]  # keep block outlines straight
    hy[:, -1, :] = gy[:, -1, :-1]
    vx[:, :, 0] = gx[:, :-1, 0]
    vx[:, :, -1] = gx[:, :-1, -1]
    r, c = np.meshgrid(np.arange(SIDE), np.arange(SIDE), indexing="ij")
    ring_x = np.stack(
        [
            gx[:, r, c],
            hx[:, r, c],
            gx[:, r, c + 1],
            vx[:, r, c + 1],
            gx[:, r + 1, c + 1],
            hx[:, r + 1, c],
            gx[:, r + 1, c],
            vx[:, r, c],
            gx[:, r, c],
        ],
        axis=-1,
    )
    ring_y = np.stack(
        [
            gy[:, r, c],
            hy[:, r, c],
            gy[:, r, c + 1],
            vy[:, r, c + 1],
            gy[:, r + 1, c + 1],
            hy[:, r + 1, c],
            gy[:, r + 1, c],
            vy[:, r, c],
            gy[:, r, c],
        ],
        axis=-1,
    )
    coords = np.stack([ring_x, ring_y], axis=-1).reshape(-1, 9, 2)
    return coords[:n_parcels]


def _star(rng: np.random.Generator, cx: float, cy: float, radius: float, n: int) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wobble = np.zeros(n)
    for k in range(2, 7):
        wobble += rng.uniform(-0.09, 0.09) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    wobble += rng.uniform(-0.03, 0.03, n)
    rr = radius * (1 + wobble)
    ring = np.column_stack([cx + rr * np.cos(t), cy + rr * np.sin(t)])
    return np.vstack([ring, ring[:1]])


def concessions(n_parcels: int, seed: int = SEED, n: int = N_CONCESSIONS):
    """Return ``(ids, shapely geometries, hectares_stated)`` of the synthetic concessions."""
    import shapely

    rng = np.random.default_rng(seed + 2)
    origins = block_origins(MAX_PARCELS, seed)  # same concessions at every fabric size
    geoms = []
    centres: list[tuple[float, float, float]] = []
    for _ in range(n):
        ha = float(np.exp(rng.uniform(np.log(100), np.log(10_000))))
        radius = float(np.sqrt(ha * 1e4 / np.pi))
        if centres and rng.random() < 0.15:  # overlap an earlier concession
            px, py, pr = centres[rng.integers(len(centres))]
            ang = rng.uniform(0, 2 * np.pi)
            cx, cy = px + np.cos(ang) * (pr + radius) * 0.7, py + np.sin(ang) * (pr + radius) * 0.7
        elif rng.random() < 0.93:  # near settled land
            ox, oy = origins[rng.integers(len(origins))]
            cx, cy = ox + rng.uniform(0, SLOT), oy + rng.uniform(0, SLOT)
        else:
            cx, cy = rng.uniform(X0, X1), rng.uniform(Y0, Y1)
        centres.append((cx, cy, radius))
        nv = int(rng.integers(60, 240))
        shell = _star(rng, cx, cy, radius, nv)
        holes = [_star(rng, cx, cy, radius * 0.25, 24)[::-1]] if rng.random() < 0.2 else []
        parts = [shapely.polygons(shell, holes=holes or None)]
        if rng.random() < 0.15:  # multipart
            for _ in range(int(rng.integers(1, 3))):
                ang = rng.uniform(0, 2 * np.pi)
                sr = radius * rng.uniform(0.2, 0.5)
                px, py = cx + np.cos(ang) * radius * 2.2, cy + np.sin(ang) * radius * 2.2
                parts.append(shapely.polygons(_star(rng, px, py, sr, 40)))
        geom = shapely.multipolygons(parts) if len(parts) > 1 else parts[0]
        geoms.append(shapely.make_valid(geom) if not shapely.is_valid(geom) else geom)
    geoms_arr = np.array(geoms, dtype=object)
    stated = np.round(shapely.area(geoms_arr) / 1e4 * rng.uniform(0.8, 1.1, n))
    ids = np.array([f"C{i:03d}" for i in range(n)], dtype=object)
    return ids, geoms_arr, stated


def case_points(n: int, seed: int = SEED) -> np.ndarray:
    """Return an ``(n, 2)`` array of synthetic case locations (a third near concessions)."""
    rng = np.random.default_rng(seed + 3)
    _, geoms, _ = concessions(0, seed)
    import shapely

    pts = np.column_stack([rng.uniform(X0, X1, n), rng.uniform(Y0, Y1, n)])
    near = rng.random(n) < 0.33
    cent = shapely.get_coordinates(shapely.centroid(geoms))
    pick = rng.integers(len(cent), size=int(near.sum()))
    pts[near] = cent[pick] + rng.normal(0, 3_000, size=(int(near.sum()), 2))
    return pts


def write_all(n_parcels: int, *, work: Path = WORK, seed: int = SEED) -> dict[str, Path]:
    """Write parcels, concessions and (for the largest size) case points; return their paths."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    work.mkdir(parents=True, exist_ok=True)
    out = {
        "parcels": work / f"parcels_{n_parcels}.parquet",
        "concessions": work / "concessions.parquet",
        "cases": work / "cases_1000000.parquet",
    }
    if not out["concessions"].exists():
        ids, geoms, stated = concessions(n_parcels, seed)
        gdf = gpd.GeoDataFrame(
            {
                "concession_id": ids,
                "name": [f"Concession {i}" for i in ids],
                "hectares_stated": stated,
            },
            geometry=geoms,
            crs=CRS,
        )
        gdf.to_parquet(out["concessions"], write_covering_bbox=True, index=False)
    if not out["parcels"].exists():
        coords = parcel_coords(n_parcels, seed)
        geoms = shapely.polygons(coords)
        del coords
        gdf = gpd.GeoDataFrame(
            {"parcel_id": np.arange(1, n_parcels + 1, dtype=np.int64)}, geometry=geoms, crs=CRS
        )
        gdf.to_parquet(out["parcels"], write_covering_bbox=True, index=False, row_group_size=65_536)
    if not out["cases"].exists():
        pts = case_points(1_000_000, seed)
        gdf = gpd.GeoDataFrame(
            {"case_id": np.arange(1, len(pts) + 1, dtype=np.int64)},
            geometry=shapely.points(pts),
            crs=CRS,
        )
        gdf.to_parquet(out["cases"], write_covering_bbox=True, index=False, row_group_size=65_536)
    del pd
    return out


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    for size in sizes:
        print(write_all(size))
