"""The project's ``metric_crs`` is the CRS the main job measures every hectare and metre in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from landmap.pipeline import _Run
from landmap.project import Project


def _square(x0: float, y0: float, size: float) -> list[list[list[float]]]:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def _write(path: Path, rows: list[dict]) -> None:
    features = [
        {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Polygon", "coordinates": coords},
        }
        for coords, props in ((r.pop("coords"), r) for r in rows)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def _project(tmp_path: Path, metric_crs: str | None) -> Project:
    _write(
        tmp_path / "forests.geojson",
        [{"coords": _square(104.90, 12.00, 0.02), "map_id": "F1", "name": "Forest one"}],
    )
    _write(
        tmp_path / "elc.geojson",
        [{"coords": _square(104.91, 12.01, 0.02), "id": "E1", "name": "Company one"}],
    )
    setting = f'metric_crs = "{metric_crs}"\n' if metric_crs else ""
    (tmp_path / "p.toml").write_text(
        f'[project]\nname = "crs"\n{setting}'
        '[[layers]]\nname = "forests"\nkind = "areas"\npath = "forests.geojson"\n'
        'area_kind = "community forest"\ncolumns = { area_id = "map_id", name = "name" }\n'
        '[[layers]]\nname = "elc"\nkind = "concessions"\npath = "elc.geojson"\n'
        'concession_kind = "ELC"\ncolumns = { concession_id = "id", name = "name" }\n',
        "utf-8",
    )
    return Project.from_toml(tmp_path / "p.toml")


def _analyse(project: Project, out: Path) -> dict:
    run = _Run(project, out, lambda _line: None, seed=1, share_m=None)
    run.load()
    run.analyse()
    return run.result.tables


@pytest.mark.parametrize("stated", ["EPSG:32647", "EPSG:3148"])
def test_every_table_is_measured_in_the_stated_metric_crs(tmp_path, stated):
    tables = _analyse(_project(tmp_path, stated), tmp_path / "out")
    measured = {name: t for name, t in tables.items() if "crs" in t.columns}
    assert {"overlap_forests", "coverage_forests", "concession_coverage"} <= set(measured)
    for name, table in measured.items():
        assert set(table["crs"]) <= {stated}, name


def test_the_stated_crs_changes_the_hectares(tmp_path):
    """Measured in another UTM zone the same overlap has a (slightly) different area."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    own = _analyse(_project(tmp_path / "a", None), tmp_path / "a" / "out")
    other = _analyse(_project(tmp_path / "b", "EPSG:32647"), tmp_path / "b" / "out")
    assert set(own["overlap_forests"]["crs"]) == {"EPSG:32648"}
    here, there = (
        own["overlap_forests"]["overlap_ha"].iloc[0],
        other["overlap_forests"]["overlap_ha"].iloc[0],
    )
    assert here == pytest.approx(there, rel=0.02) and here != there
