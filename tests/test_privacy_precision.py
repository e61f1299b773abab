"""Location precision through the privacy gate, the public counts and the leak check.

A case placed from its place names sits on its commune's (district's, province's) official point:
it is published there, never displaced further, and the leak check does not take that point for
anyone's home. A recorded point is always displaced, whatever its precision column says. Public
counts count a case only where its precision supports it.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landmap.io.load import load_cases
from landmap.leakcheck import audit_export
from landmap.places import at_unit_point
from landmap.privacy import bundled_communes, public_summary, publish

METRIC = "EPSG:32648"


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """Three SYNTHETIC cases placed from names (commune, district, province) and one GPS point
    that claims commune precision."""
    frame = pd.DataFrame(
        {
            "case_id": ["P1", "P2", "P3", "G1"],
            "province": ["Kampong Cham", "Kampong Cham", "Kratie", "Kratie"],
            "district": ["Batheay", "Batheay", None, "Kracheh"],
            "commune": ["Chealea", None, None, None],
            "type": ["eviction"] * 4,
            "households": [4, 5, 6, 7],
            "latitude": [None, None, None, 12.49],
            "longitude": [None, None, None, 106.02],
            "location_precision": [None, None, None, "commune"],
            "informant": [f"SYNTHETIC informant {i}" for i in range(4)],
        }
    )
    path = tmp_path_factory.mktemp("places") / "register.csv"
    frame.to_csv(path, index=False)
    return path, load_cases(path).data


def test_only_points_placed_from_names_count_as_unit_points(cases):
    _, layer = cases
    assert at_unit_point(layer).tolist() == [True, True, True, False]
    moved = layer.copy()
    moved.loc[0, "geometry"] = shapely.Point(
        layer.geometry.iloc[0].x + 0.001, layer.geometry.iloc[0].y
    )
    assert not at_unit_point(moved)[0]  # 100 m off the commune's point: a recorded point


def test_generalised_cases_are_published_where_they_are_and_gps_points_move(cases):
    _, layer = cases
    published = publish(layer, kind="cases", seed=4)
    out = published.data.set_index("case_id").to_crs(METRIC).geometry
    true = layer.set_index("case_id").to_crs(METRIC).geometry.loc[out.index]
    moved = out.distance(true, align=False)
    assert moved[["P1", "P2", "P3"]].max() < 1 and moved["G1"] >= 500
    notes = published.data.set_index("case_id")["published_location"]
    assert notes["P1"].startswith("central point of its commune, district or province")
    assert published.audit["points"]["commune_level"] == 3
    assert published.audit["points"]["moved"] == 1


def test_the_leak_check_does_not_take_a_unit_point_for_a_home(cases, tmp_path):
    path, layer = cases
    published = publish(layer, kind="cases", seed=4)
    out = tmp_path / "cases.geojson"
    published.data.to_file(out)
    result = audit_export(out, path)
    assert result.ok, result.lines()
    exact = tmp_path / "exact.geojson"  # the GPS point itself is still a leak
    layer.iloc[[3]].to_file(exact)
    found = audit_export(exact, path).findings
    assert [f.case_id for f in found if f.kind == "point"] == ["G1"]


def test_public_counts_respect_precision(cases):
    _, layer = cases
    communes = bundled_communes()
    p1 = layer.geometry.iloc[0]
    concession = gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["SYNTHETIC ELC"]},
        geometry=[p1.buffer(0.01)],
        crs="EPSG:4326",
    )
    tables = public_summary(layer, concessions=concession, communes=communes, profile="internal")
    by_commune = tables["by_commune"]
    unknown = by_commune[by_commune["commune"].str.startswith("commune unknown")]
    assert int(unknown["cases"].iloc[0]) == 2  # the district and province cases
    assert int(by_commune["cases"].sum()) == len(layer)  # every case counted once
    by_concession = tables["by_concession"].set_index("concession_id")
    assert int(by_concession.loc["E1", "cases"]) == 0  # P1's point is only its commune's
    assert int(by_concession.loc["E1", "cases_in_overlapping_units"]) >= 1
