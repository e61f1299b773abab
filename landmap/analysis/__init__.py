"""Analysis: overlaps, concession conflicts, cases near areas, summaries by unit and year.

Every function takes canonical layers (GeoDataFrames from :mod:`landmap.io.load`) or file
paths, measures in a metric CRS chosen for the data (:func:`metric_crs`; EPSG:32648 in
Cambodia), states that CRS in a ``crs`` column and ``attrs["crs"]``, and attaches a provenance
record (``attrs["provenance"]``) that :func:`write_table` writes beside the table.
"""

from landmap.analysis.conflicts import concession_conflicts, hectares_check
from landmap.analysis.crs import EQUAL_AREA_CRS, metric_crs
from landmap.analysis.overlap import (
    PAIR_COLUMNS,
    coverage_by_area,
    coverage_by_concession,
    overlap,
)
from landmap.analysis.present import pretty
from landmap.analysis.proximity import case_links, cases_by_concession, cases_in_areas
from landmap.analysis.summary import summarise_by_admin, summarise_by_year
from landmap.analysis.tables import analysis_tables, write_table, write_tables

__all__ = [
    "EQUAL_AREA_CRS",
    "PAIR_COLUMNS",
    "analysis_tables",
    "case_links",
    "cases_by_concession",
    "cases_in_areas",
    "concession_conflicts",
    "coverage_by_area",
    "coverage_by_concession",
    "hectares_check",
    "metric_crs",
    "overlap",
    "pretty",
    "summarise_by_admin",
    "summarise_by_year",
    "write_table",
    "write_tables",
]
