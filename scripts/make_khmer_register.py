"""Generate a small SYNTHETIC case register written the way a Cambodian monitoring team writes it.

Every row is SYNTHETIC: no case, person, phone number or place record in it is real. The points
are random points inside real communes (``data/cambodia-adm3-simplified.geojson``), with the
real province (Khmer name, from ``data/khm_bnd_admin1_gov_ed2022.json``), district and commune
names of the place they fall in; everything else is invented.

It exercises what registers typed in Khmer look like:

* ``synthetic_khmer_register.csv`` -- Khmer headers (``ល.រ``, ``លេខករណី``, ``កាលបរិច្ឆេទ``,
  ``ប្រភេទករណី``, ``ស្ថានភាព``, ``ចំនួនគ្រួសារ``, ``ខេត្ត``, ``ស្រុក``, ``ឃុំ``, ``ភូមិ``,
  ``ឈ្មោះ``, ``លេខទូរស័ព្ទ``, ``រយៈទទឹង``, ``រយៈបណ្តោយ``), the team's own case numbers, Khmer
  digits in dates, household counts and some coordinates, case types and statuses in Khmer
  (some with a space between the words, some with the other spelling of a subscript);
* ``synthetic_khmer_register.xlsx`` -- the same register as a workbook with a title row above
  the header, headers written differently (``លេខ ករណី``, ``ថ្ងៃខែឆ្នាំ``, ``ចំនួន គ្រួសារ``,
  ``ខេត្ត/រាជធានី``, ``ឈ្មោះភូមិ``...), dates with Khmer month names
  (``ថ្ងៃទី១៥ ខែមីនា ឆ្នាំ២០២៣``), and the coordinates in one ``GPS`` column (``lat, lon``).

Every column of both files is one the loaders recognise, so a test can check that nothing is
left unmatched; the ``synthetic`` column marks each row as invented.

Run from the repository root (deterministic)::

    .venv/bin/python scripts/make_khmer_register.py            # writes data/
    .venv/bin/python scripts/make_khmer_register.py --out DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250315
N = 60
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
MONTHS = (
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
)
#: How the team writes each case type (a few with a space, or with the subscript DA).
TYPES = {
    "eviction": ("ការបណ្តេញចេញ", "ការ បណ្តេញចេញ", "ការបណ្ដេញចេញ"),
    "threat of eviction": ("ការគំរាមបណ្តេញចេញ",),
    "land grab": ("ការរំលោភយកដី", "រំលោភយកដី"),
    "violence": ("អំពើហិង្សា",),
    "arrest or harassment of defenders": ("ការចាប់ខ្លួន ឬយាយីអ្នកការពារសិទ្ធិ", "ការចាប់ខ្លួន"),
}
STATUSES = {
    "reported": "បានរាយការណ៍",
    "ongoing": "កំពុងបន្ត",
    "resolved": "បានដោះស្រាយ",
    "closed": "បានបិទ",
}
MARK = "SYNTHETIC - not a real case"
CSV_HEADERS = {
    "synthetic": "synthetic",
    "no": "ល.រ",
    "id": "លេខករណី",
    "date": "កាលបរិច្ឆេទ",
    "type": "ប្រភេទករណី",
    "status": "ស្ថានភាព",
    "households": "ចំនួនគ្រួសារ",
    "province": "ខេត្ត",
    "district": "ស្រុក",
    "commune": "ឃុំ",
    "village": "ភូមិ",
    "name": "ឈ្មោះ",
    "phone": "លេខទូរស័ព្ទ",
    "lat": "រយៈទទឹង",
    "lon": "រយៈបណ្តោយ",
}
XLSX_HEADERS = {
    "synthetic": "synthetic",
    "no": "ល.រ",
    "id": "លេខ ករណី",
    "date": "ថ្ងៃខែឆ្នាំ",
    "type": "ប្រភេទ ករណី",
    "status": "ស្ថានភាព ករណី",
    "households": "ចំនួន គ្រួសារ",
    "province": "ខេត្ត/រាជធានី",
    "district": "ស្រុក/ខណ្ឌ",
    "commune": "ឃុំ/សង្កាត់",
    "village": "ឈ្មោះភូមិ",
    "name": "ឈ្មោះ",
    "phone": "លេខទូរស័ព្ទ",
    "gps": "GPS",
}
TITLE = "បញ្ជីករណីជម្លោះដីធ្លី ឆ្នាំ២០២១-២០២៤ (សាកល្បង) - SYNTHETIC register, not real cases"


def khmer(value: object) -> str:
    """Arabic digits as Khmer digits."""
    return str(value).translate(KHMER_DIGITS)


def _places(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """N random points inside real communes of eight provinces, with the names of the place."""
    communes = gpd.read_file(ROOT / "data" / "cambodia-adm3-simplified.geojson")
    districts = gpd.read_file(ROOT / "data" / "cambodia-adm2-simplified.geojson")
    provinces = gpd.read_file(ROOT / "data" / "khm_bnd_admin1_gov_ed2022.json").to_crs(4326)
    wanted = (
        "Mondul Kiri",
        "Ratanak Kiri",
        "Kratie",
        "Stung Treng",
        "Preah Vihear",
        "Kampong Thom",
        "Koh Kong",
        "Kampong Speu",
    )
    provinces = provinces[provinces["Adm1_Name"].isin(wanted)]
    centres = gpd.GeoDataFrame(
        communes[["shapeName"]], geometry=communes.representative_point(), crs=communes.crs
    )
    inside = gpd.sjoin(
        centres, provinces[["Adm1_Name", "Adm1_Name_", "geometry"]], predicate="within"
    ).drop(columns="index_right")
    pick = inside.iloc[np.sort(rng.choice(len(inside), N, replace=False))]
    polygons = communes.loc[pick.index, "geometry"].to_numpy()
    points = []
    for poly in polygons:  # a random point inside each commune (rejection sampling)
        x0, y0, x1, y1 = poly.bounds
        while True:
            pt = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if poly.contains(pt):
                points.append(pt)
                break
    out = gpd.GeoDataFrame(
        {"commune": pick["shapeName"].to_numpy(), "province": pick["Adm1_Name_"].to_numpy()},
        geometry=points,
        crs=communes.crs,
    )
    joined = gpd.sjoin(out, districts[["shapeName", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    out["district"] = joined["shapeName"].fillna("").to_numpy()
    return out.reset_index(drop=True)


def register(rng: np.random.Generator) -> pd.DataFrame:
    """Draw the register's values, one row per invented case."""
    places = _places(rng)
    days = pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 4 * 365, N), unit="D")
    types = rng.choice(list(TYPES), N, p=[0.4, 0.2, 0.25, 0.05, 0.1])
    rows = []
    for i in range(N):
        spellings = TYPES[types[i]]
        rows.append(
            {
                "synthetic": MARK,
                "no": khmer(i + 1),
                "id": f"SYN-KH-{i + 1:04d}",
                "day": days[i],
                "type": spellings[rng.integers(len(spellings))],
                "status": rng.choice(list(STATUSES.values())),
                "households": int(rng.choice([2, 3, 5, 8, 12, 15, 24, 40, 65, 120])),
                "province": places["province"][i],
                "district": places["district"][i],
                "commune": places["commune"][i],
                "village": f"ភូមិ{khmer(int(rng.integers(1, 9)))}",
                "name": f"ឈ្មោះសាកល្បង {khmer(f'{i + 1:04d}')}",
                "phone": f"+855 00 000 {i + 1:04d}",
                "lat": round(places.geometry.y[i], 6),
                "lon": round(places.geometry.x[i], 6),
            }
        )
    return pd.DataFrame(rows)


def as_csv(reg: pd.DataFrame) -> pd.DataFrame:
    """Khmer digits in dates, households and every third point."""
    out = pd.DataFrame(
        {
            "synthetic": reg["synthetic"],
            "no": reg["no"],
            "id": reg["id"],
            "date": [khmer(d.strftime("%d/%m/%Y")) for d in reg["day"]],
            "type": reg["type"],
            "status": reg["status"],
            "households": [khmer(h) for h in reg["households"]],
            "province": reg["province"],
            "district": reg["district"],
            "commune": reg["commune"],
            "village": reg["village"],
            "name": reg["name"],
            "phone": reg["phone"],
            "lat": [
                khmer(f"{v:.6f}") if i % 3 == 0 else f"{v:.6f}" for i, v in enumerate(reg["lat"])
            ],
            "lon": [
                khmer(f"{v:.6f}") if i % 3 == 0 else f"{v:.6f}" for i, v in enumerate(reg["lon"])
            ],
        }
    )
    return out.rename(columns=CSV_HEADERS)


def as_xlsx(reg: pd.DataFrame, path: Path) -> None:
    """Write the workbook: a title row, other headers, Khmer month names, one GPS column."""
    wb = Workbook()
    ws = wb.active
    ws.title = "ករណី"
    ws.append([TITLE])
    ws.append(list(XLSX_HEADERS.values()))
    for rec in reg.itertuples(index=False):
        day = rec.day
        date = (
            f"ថ្ងៃទី{khmer(day.day)} ខែ{MONTHS[day.month - 1]} ឆ្នាំ{khmer(day.year)}"
            if day.day % 2
            else khmer(day.strftime("%d/%m/%Y"))
        )
        ws.append(
            [
                rec.synthetic,
                rec.no,
                rec.id,
                date,
                rec.type,
                rec.status,
                khmer(rec.households),
                rec.province,
                rec.district,
                rec.commune,
                rec.village,
                rec.name,
                rec.phone,
                f"{rec.lat:.6f}, {rec.lon:.6f}",
            ]
        )
    wb.properties.title = "SYNTHETIC register (not real cases)"
    wb.save(path)


def make(out: Path) -> dict[str, Path]:
    """Write both files into ``out``; return their paths."""
    rng = np.random.default_rng(SEED)
    reg = register(rng)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out / "synthetic_khmer_register.csv",
        "xlsx": out / "synthetic_khmer_register.xlsx",
    }
    as_csv(reg).to_csv(paths["csv"], index=False, encoding="utf-8")
    as_xlsx(reg, paths["xlsx"])
    return paths


def main() -> None:
    """Write the two files (``--out`` names another folder)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="output folder")
    for kind, path in make(parser.parse_args().out).items():
        print(f"wrote {kind}: {path}")


if __name__ == "__main__":
    main()
