"""Small project files for tests that run whole builds: the public eviction sites and communes."""

from __future__ import annotations

import json
from pathlib import Path

DATA = (Path(__file__).resolve().parent.parent / "data").as_posix()


def eviction_project(folder: Path, *, formats: list[str], more: str = "") -> Path:
    """Write ``small.toml``: the eviction sites, the communes, ``more`` TOML, the export formats."""
    project = folder / "small.toml"
    project.write_text(
        f"""
[project]
name = "small"
title = "Eviction sites (test)"
output = "maps"

[[layers]]
name = "eviction_sites"
kind = "cases"
path = "{DATA}/eviction_hotspots_geojson.zip"
member = "eviction_sites.geojson"
columns = {{ case_id = "ID", village = "Name", households = "TT_Family", source = "Reference" }}
defaults = {{ type = "eviction", province = "Phnom Penh", location_precision = "village" }}

[[layers]]
name = "communes"
kind = "boundaries"
path = "{DATA}/cambodia-adm3-simplified.geojson"
level = "commune"
columns = {{ boundary_id = "shapeID", name = "shapeName" }}

[privacy]
profile = "public"
communes = "communes"
{more}
[export]
formats = {json.dumps(formats)}
""",
        "utf-8",
    )
    return project


def cases_and_concessions(name: str, *, formats: list[str], title: str | None = None) -> str:
    """The text of a project of ``cases.csv`` and ``concessions.geojson`` beside it."""
    heading = f"\ntitle = {json.dumps(title, ensure_ascii=False)}" if title else ""
    return f"""[project]
name = "{name}"{heading}
output = "out"

[[layers]]
name = "cases"
kind = "cases"
path = "cases.csv"

[[layers]]
name = "concessions"
kind = "concessions"
path = "concessions.geojson"

[export]
formats = {json.dumps(formats)}
"""


#: Headers a register may use for people, none of which a name pattern would recognise.
HOSTILE_HEADERS = [
    "household_head",
    "land_owner",
    "owner",
    "spouse",
    "witness_1",
    "reported_by",
    "village_chief",
    "perpetrator",
    "lawyer",
    "nom",
    "ម្ចាស់ដី",
    "អ្នកផ្តល់ព័ត៌មាន",
]
