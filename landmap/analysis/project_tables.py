"""The tables the main job (``landmap build``) writes for a project, each marked public or not.

Public tables are counts and hectares computed on the true locations (overlaps, coverage,
concession conflicts, cases per year); case-level tables (which case lies in or near which area
or concession, counts per administrative unit) stay internal. :func:`analysis_tables` in
:mod:`landmap.analysis.tables` is the library's own set for notebooks, with other names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from landmap.analysis.conflicts import concession_conflicts, hectares_check
from landmap.analysis.overlap import coverage_by_area, coverage_by_concession, overlap
from landmap.analysis.proximity import cases_by_concession, cases_in_areas
from landmap.analysis.summary import summarise_by_admin, summarise_by_year


def project_tables(
    concessions: gpd.GeoDataFrame,
    areas: Mapping[str, gpd.GeoDataFrame],
    *,
    cases: gpd.GeoDataFrame | None,
    boundaries: Mapping[str, gpd.GeoDataFrame | None],
    within_m: float,
    crs: Any,
    say: Callable[[str], None],
) -> Iterator[tuple[str, pd.DataFrame, bool]]:
    """Compute the build's tables one by one, so that each is written as soon as it is made.

    Parameters
    ----------
    concessions
        Every concession layer, combined.
    areas
        ``{layer name: area layer}``.
    cases
        Every case layer, combined (true locations), or ``None``: no case tables then.
    boundaries
        ``{level: boundary layer or None}``; a ``summary_by_<level>`` table for each layer.
    within_m
        Distance for "near" (metres).
    crs
        The metric CRS every hectare and metre is measured in.
    say
        Called with one line per finding worth telling the user.

    Yields
    ------
    tuple
        ``(name, table, public)``: the table's file-name stem, the table, and whether it may go
        into the public outputs.

    """
    for name, layer in areas.items():
        pairs = overlap(layer, concessions, crs=crs)
        yield f"overlap_{name}", pairs, True
        yield f"coverage_{name}", coverage_by_area(layer, concessions, crs=crs), True
        say(
            f"  {name} x concessions: {len(pairs)} overlapping pairs, "
            f"{pairs['overlap_ha'].sum():,.0f} ha"
        )
    yield "concession_coverage", coverage_by_concession(concessions, dict(areas), crs=crs), True
    conflicts = concession_conflicts(concessions, crs=crs)
    yield "concession_self_overlaps", conflicts, True
    yield "concession_hectares_check", hectares_check(concessions, crs=crs), True
    say(f"  concessions overlapping each other: {len(conflicts)} pairs")
    if cases is None:
        return
    links = cases_in_areas(cases, concessions, *areas.values(), within_m=within_m, crs=crs)
    yield "cases_in_areas", links, False
    yield (
        "cases_by_concession",
        cases_by_concession(cases, concessions, within_m=within_m, crs=crs),
        False,
    )
    for level, units in boundaries.items():
        if units is not None:
            yield (
                f"summary_by_{level}",
                summarise_by_admin(units, cases=cases, concessions=concessions, crs=crs),
                False,
            )
    yield "summary_by_year", summarise_by_year(cases=cases, crs=crs), True
