"""Result tables for readers (``landmap.analysis.pretty``) on the real layers."""

from __future__ import annotations

import pandas as pd
import pytest

from landmap.analysis import (
    cases_by_concession,
    cases_in_areas,
    coverage_by_area,
    overlap,
    pretty,
    summarise_by_year,
)
from landmap.io.load import load_areas, load_cases, load_concessions


@pytest.fixture(scope="module")
def layers(data_dir):
    return {
        "forests": load_areas(data_dir / "community_forests.geojson", kind="community forest").data,
        "elc": load_concessions(data_dir / "cam-elc-complete.geojson", kind="ELC").data,
        "cases": load_cases(data_dir / "synthetic_cases.csv", fix_swapped=True).data,
    }


def test_pairs_show_names_whole_hectares_and_no_slivers(layers):
    pairs = overlap(layers["forests"], layers["elc"])
    styled = pretty(pairs.sort_values("overlap_ha", ascending=False), lang="en")
    shown = styled.data
    assert "area_id" not in shown and "concession_id" not in shown and "crs" not in shown
    assert {"area_name", "concession_name", "overlap_ha"} <= set(shown.columns)
    slivers = int((pairs["overlap_ha"] < 0.5).sum())
    assert slivers > 0 and len(shown) == len(pairs) - slivers
    assert f"{slivers} overlaps under 0.5 ha not shown" in styled.caption
    # one kind on every row: said once in the caption, not repeated on every row
    assert "area_kind" not in shown
    assert "Every row: Community forest × Economic land concession" in styled.caption
    html = styled.to_html()
    top = shown.iloc[0]
    assert f"{top['overlap_ha']:,.0f}" in html
    assert f"{top['overlap_ha']:.6f}" not in html
    assert "&lt;NA&gt;" not in html and ">nan<" not in html
    assert "Overlap (ha)" in html


def test_khmer_headers_and_terms(layers):
    near = cases_in_areas(layers["cases"], layers["elc"], within_m=2000)
    styled = pretty(near["concession_relation"].value_counts(), lang="km")
    html = styled.to_html()
    assert "នៅក្នុងសម្បទាន" in html and "ករណី" in html
    assert "dtype" not in html and "int64" not in html


def test_coverage_counts_once_and_says_where_it_measured(layers):
    cover = coverage_by_area(layers["forests"], layers["elc"])
    styled = pretty(cover.sort_values("covered_ha", ascending=False), top=5)
    assert len(styled.data) == 5
    assert "concession_ids" not in styled.data  # ids, when the count is beside them
    assert "Areas measured in EPSG:32648" in styled.caption


def test_counts_and_dates(layers):
    per = cases_by_concession(layers["cases"], layers["elc"], within_m=2000)
    styled = pretty(per, top=3)
    assert "source_records" not in styled.data  # one record per case: nothing to say
    html = styled.to_html()
    assert per["first_date"].iloc[0].strftime("%Y-%m-%d") in html
    by_year = pretty(summarise_by_year(cases=layers["cases"]))
    assert by_year.caption is None  # no areas: no CRS note
    assert "2010" in by_year.to_html() and "2,010" not in by_year.to_html()


def test_a_plain_frame_and_kept_columns():
    frame = pd.DataFrame(
        {"area_id": ["A"], "name": ["X"], "distance_m": [1500.0], "crs": ["EPSG:32648"]}
    )
    styled = pretty(frame, keep=("area_id",))
    assert list(styled.data.columns) == ["area_id", "name", "distance_m"]
    assert "1.5 km" in styled.to_html()
