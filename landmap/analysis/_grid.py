"""A coarse raster of polygon coverage, used to settle most candidates without geometry.

Each cell of a regular grid over the polygons (concessions) is labelled:

* ``-1``: no polygon reaches the cell;
* ``k >= 0``: the cell lies wholly inside polygon ``k`` and no other polygon reaches it;
* ``-2``: anything else (a boundary crosses the cell, or several polygons cover it).

A cell is labelled ``k`` only when its centre is inside polygon ``k`` and no polygon boundary
touches it; boundary cells are found conservatively from the bounding boxes of boundary segments
no longer than a cell (segmentised first), widened by a small tolerance. A feature whose bounding
box falls only in cells labelled ``k`` therefore lies within polygon ``k`` (its overlap is the
feature itself), and a feature whose bounding box falls only in ``-1`` cells overlaps nothing. Only
the remaining features need exact geometry; the grid is an index, never an approximation of the
answer.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Cells a grid may hold at most (an int16/int32 label per cell).
MAX_CELLS = 20_000_000
#: Default number of cells (and the most :class:`CoverGrid` aims for unless given a cell size).
DEFAULT_CELLS = 4_000_000
#: Fewest cells aimed for.
MIN_CELLS = 250_000
#: Features spanning more than this many cells per axis go to the exact path unclassified.
MAX_SPAN = 4


class CoverGrid:
    """Label grid over polygon geometries (see module docstring).

    Parameters
    ----------
    geoms
        Polygonal shapely geometries in a metric CRS (prepared or not).
    cell
        Cell size in CRS units; by default the extent is cut into about ``cells`` cells.
    cells
        Number of cells to aim for when ``cell`` is not given: about four per feature to be
        classified (:data:`MIN_CELLS` to :data:`DEFAULT_CELLS`) balances the cost of building the
        grid against the share of features it settles.

    """

    def __init__(self, geoms: np.ndarray, *, cell: float | None = None,
                 cells: float | None = None) -> None:
        geoms = np.asarray(geoms, dtype=object)
        bounds = shapely.bounds(geoms)
        ok = np.isfinite(bounds).all(axis=1)
        if not ok.any():
            self.x0 = self.y0 = 0.0
            self.cell = 1.0
            self.label = np.full((1, 1), -1, dtype=np.int32)
            self._near = np.zeros((1, 1), dtype=bool)
            self._windows = []
            self._csr = None
            return
        x0, y0 = bounds[ok, 0].min(), bounds[ok, 1].min()
        x1, y1 = bounds[ok, 2].max(), bounds[ok, 3].max()
        width, height = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        if cell is None:
            target = DEFAULT_CELLS if cells is None else min(max(cells, MIN_CELLS), DEFAULT_CELLS)
            cell = float(np.sqrt(width * height / target))
        cell = max(cell, float(np.sqrt(width * height / MAX_CELLS)), 1e-6)
        self.cell = cell
        self.x0, self.y0 = x0 - cell, y0 - cell
        nx = int(np.ceil(width / cell)) + 3
        ny = int(np.ceil(height / cell)) + 3
        dtype = np.int16 if len(geoms) < 32_000 else np.int32
        label = np.full((ny, nx), -1, dtype=dtype)
        shapely.prepare(geoms)
        self._windows: list[tuple[int, int, int, int, int]] = []
        self._csr: tuple[np.ndarray, np.ndarray] | None = None
        for k in np.flatnonzero(ok):
            bx0, by0, bx1, by1 = bounds[k]
            i0, i1 = self._col(bx0), self._col(bx1)
            j0, j1 = self._row(by0), self._row(by1)
            self._windows.append((int(k), i0, i1, j0, j1))
            cx = self.x0 + (np.arange(i0, i1 + 1) + 0.5) * cell
            cy = self.y0 + (np.arange(j0, j1 + 1) + 0.5) * cell
            xx, yy = np.meshgrid(cx, cy)
            inside = shapely.contains_xy(geoms[k], xx, yy)
            if not inside.any():
                continue
            window = label[j0:j1 + 1, i0:i1 + 1]
            window[inside] = np.where(window[inside] == -1, k, -2)
        self._mark_boundaries(label, geoms[ok])
        self.label = label
        self._near = self._dilate(label != -1)

    @staticmethod
    def _dilate(mask: np.ndarray) -> np.ndarray:
        """``out[r, c]`` is True if any of ``mask[r:r+2, c:c+2]`` is."""
        out = mask.copy()
        out[:, :-1] |= mask[:, 1:]
        out[:-1, :] |= out[1:, :].copy()
        return out

    def _col(self, x: float) -> int:
        return int(np.floor((x - self.x0) / self.cell))

    def _row(self, y: float) -> int:
        return int(np.floor((y - self.y0) / self.cell))

    def _mark_boundaries(self, label: np.ndarray, geoms: np.ndarray) -> None:
        parts = shapely.get_parts(geoms)
        parts = parts[shapely.get_type_id(parts) == 3]
        if len(parts) == 0:
            return
        dense = shapely.segmentize(parts, self.cell * 0.5)
        rings = shapely.get_rings(dense)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]
        a, b = xy[:-1][same], xy[1:][same]
        tol = self.cell * 1e-6
        lo = np.minimum(a, b) - tol
        hi = np.maximum(a, b) + tol
        ny, nx = label.shape
        cols = np.clip(np.floor((np.stack([lo[:, 0], hi[:, 0]]) - self.x0) / self.cell), 0, nx - 1)
        rows = np.clip(np.floor((np.stack([lo[:, 1], hi[:, 1]]) - self.y0) / self.cell), 0, ny - 1)
        cols, rows = cols.astype(np.intp), rows.astype(np.intp)
        for ci in (0, 1):
            for ri in (0, 1):
                label[rows[ri], cols[ci]] = -2

    def classify(
        self, xmin: np.ndarray, ymin: np.ndarray, xmax: np.ndarray, ymax: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Classify features by their bounding boxes.

        Returns
        -------
        covered : numpy.ndarray of bool
            False where the feature certainly overlaps no polygon.
        inside : numpy.ndarray of int
            ``k`` where the feature certainly lies within polygon ``k`` alone, else ``-1``.

        """
        ny, nx = self.label.shape
        tol = self.cell * 1e-6
        c0 = np.floor((np.asarray(xmin) - tol - self.x0) / self.cell).astype(np.int64)
        c1 = np.floor((np.asarray(xmax) + tol - self.x0) / self.cell).astype(np.int64)
        r0 = np.floor((np.asarray(ymin) - tol - self.y0) / self.cell).astype(np.int64)
        r1 = np.floor((np.asarray(ymax) + tol - self.y0) / self.cell).astype(np.int64)
        finite = np.isfinite(xmin) & np.isfinite(ymin) & np.isfinite(xmax) & np.isfinite(ymax)
        # entirely off the grid: nothing there
        off = (c1 < 0) | (r1 < 0) | (c0 >= nx) | (r0 >= ny) | ~finite
        wide = ((c1 - c0) >= MAX_SPAN) | ((r1 - r0) >= MAX_SPAN)
        c0, c1 = np.clip(c0, 0, nx - 1), np.clip(c1, 0, nx - 1)
        r0, r1 = np.clip(r0, 0, ny - 1), np.clip(r1, 0, ny - 1)
        # quick reject: most features lie where no polygon reaches; one lookup in a mask
        # dilated by one cell towards +x/+y settles every feature spanning at most 2x2 cells
        small = ((c1 - c0) <= 1) & ((r1 - r0) <= 1)
        maybe = ~small | self._near[r0, c0]
        if not maybe.all():
            covered = np.zeros(len(c0), dtype=bool)
            inside = np.full(len(c0), -1, dtype=np.int64)
            sel = np.flatnonzero(maybe & ~off)
            if len(sel):
                cov_s, ins_s = self._classify_cells(c0[sel], c1[sel], r0[sel], r1[sel],
                                                    wide[sel])
                covered[sel] = cov_s
                inside[sel] = ins_s
            return covered, inside
        covered, inside = self._classify_cells(c0, c1, r0, r1, wide)
        covered &= ~off
        inside[off] = -1
        return covered, inside

    def _classify_cells(self, c0: np.ndarray, c1: np.ndarray, r0: np.ndarray, r1: np.ndarray,
                        wide: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first = self.label[r0, c0].astype(np.int64)
        covered = first != -1
        uniform = np.ones(len(first), dtype=bool)
        span = int(max((c1 - c0).max(initial=0), (r1 - r0).max(initial=0)))
        span = min(span, MAX_SPAN - 1)
        for dc in range(span + 1):
            for dr in range(span + 1):
                if dc == 0 and dr == 0:
                    continue
                use = (c0 + dc <= c1) & (r0 + dr <= r1)
                if not use.any():
                    continue
                lab = self.label[np.minimum(r0 + dr, r1), np.minimum(c0 + dc, c1)]
                covered |= use & (lab != -1)
                uniform &= ~use | (lab == first)
        covered = covered | wide
        inside = np.where(uniform & ~wide & (first >= 0), first, -1)
        return covered, inside

    def _mixed_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted ``(cell id, polygon)`` for every mixed cell inside a polygon's bounding box."""
        if self._csr is None:
            nx = self.label.shape[1]
            cells, polys = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
            for k, i0, i1, j0, j1 in self._windows:
                jj, ii = np.nonzero(self.label[j0:j1 + 1, i0:i1 + 1] == -2)
                cells.append((jj + j0).astype(np.int64) * nx + (ii + i0))
                polys.append(np.full(len(jj), k, dtype=np.int64))
            c, p = np.concatenate(cells), np.concatenate(polys)
            order = np.argsort(c, kind="stable")
            self._csr = (c[order], p[order])
        return self._csr

    def point_candidates(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions ``(point, polygon)`` of every polygon a point may lie in or on.

        Returns ``(points, polygons, sure)``: a superset of the true pairs, where ``sure`` marks
        pairs settled by the grid (the point's cell lies wholly inside that polygon alone); the
        caller tests the others exactly. Points in a mixed cell get every polygon whose bounding
        box covers the cell; points in an empty cell get none. A cell is closed: boundaries
        within the tolerance of its edges marked it mixed, so no edge case is lost.
        """
        ny, nx = self.label.shape
        col = np.floor((np.asarray(x) - self.x0) / self.cell)
        row = np.floor((np.asarray(y) - self.y0) / self.cell)
        on = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
        idx = np.flatnonzero(on)
        col, row = col[idx].astype(np.int64), row[idx].astype(np.int64)
        lab = self.label[row, col]
        one = lab >= 0
        mixed = np.flatnonzero(lab == -2)
        cells, polys = self._mixed_cells()
        cell_id = row[mixed] * nx + col[mixed]
        lo = np.searchsorted(cells, cell_id, side="left")
        hi = np.searchsorted(cells, cell_id, side="right")
        counts = hi - lo
        total = int(counts.sum())
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        which = polys[starts + np.arange(total)] if total else np.empty(0, np.int64)
        n_one = int(one.sum())
        sure = np.zeros(n_one + total, dtype=bool)
        sure[:n_one] = True
        return (np.concatenate([idx[one], np.repeat(idx[mixed], counts)]),
                np.concatenate([lab[one].astype(np.int64), which]), sure)
