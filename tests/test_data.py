"""The bundled data: size budget, documentation, privacy of the real layers, synthetic register."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from landmap.schema import PHONE_PATTERN, normalise_term

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SCRIPTS = ROOT / "scripts"
N_GPS = 2000  # the register as collected with GPS
N_PLACES = 120  # then rows of an older list with place names only
N_ROWS = N_GPS + N_PLACES
SYNTHETIC_LABEL = "SYNTHETIC - not a real case"
FAKE_NAME = re.compile(r"^(SYNTHETIC Person \d{4}|ឈ្មោះសាកល្បង [០-៩]{4})$")
# +855 then "00": no Cambodian number has an area/mobile code starting with 0; "000..." dialled
# locally is the international prefix followed by a country code 0, which does not exist.
FAKE_PHONE = re.compile(r"^(\+855 00 0\d{2} \d{4}|000 \d{3} \d{3})$")
KHMER_CLUSTER = (
    r"[\u1780-\u17B3](?:\u17D2[\u1780-\u17A2])*[\u17C9\u17CA\u17CC]?"
    r"(?:[\u17B6-\u17C5])?[\u17C6-\u17D1\u17D3\u17DD]*"
)
KHMER_RUN = re.compile(rf"(?:{KHMER_CLUSTER}|[\u17D4-\u17DA\u17E0-\u17E9])+")


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"_landmap_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return pd.read_csv(
        DATA / "synthetic_cases.csv", dtype=str, keep_default_na=False, encoding="utf-8"
    )


@pytest.fixture(scope="module")
def faults() -> pd.DataFrame:
    return pd.read_csv(
        DATA / "synthetic_cases_faults.csv", dtype={"row": int}, keep_default_na=False
    )


# --- the folder ---------------------------------------------------------------------------------
def test_data_folder_is_under_its_size_budget():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 20_000_000, f"data/ holds {total:,} bytes; the budget is 20 MB"


def test_readme_lists_exactly_the_files_present():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))
    present = {p.name for p in DATA.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert listed == present, (
        f"in README only: {sorted(listed - present)}; on disk only: {sorted(present - listed)}"
    )


def test_readme_fault_table_matches_the_fault_list(faults):
    text = (DATA / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| (SYN-\d{5}) \| (\w+) \|", text, flags=re.MULTILINE)
    assert [(int(r), c, f) for r, c, f in rows] == list(
        faults[["row", "case_id", "fault"]].itertuples(index=False, name=None)
    )


# --- the real layers --------------------------------------------------------------------------
def test_elc_keeps_its_flaws_but_not_the_owners():
    elc = gpd.read_file(DATA / "cam-elc-complete.geojson")
    assert len(elc) == 225
    assert elc.crs.to_epsg() == 32648
    assert int((~elc.is_valid).sum()) == 2
    assert "Owner_Name" not in elc.columns and "Address" not in elc.columns
    raw = json.loads((DATA / "cam-elc-complete.geojson").read_text(encoding="utf-8"))
    assert raw["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::32648"


def _strings(value) -> list[str]:
    """Every string in a parsed JSON value (keys and values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v)) if k != "coordinates"]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_no_owner_name_or_address_from_the_source_anywhere_in_data(shared_data):
    source = json.loads((shared_data / "cambodia/cam-elc-complete.geojson").read_text("utf-8"))
    secrets = {
        f["properties"][k]
        for f in source["features"]
        for k in ("Owner_Name", "Address")
        if f["properties"][k]
    }
    # A registered company name may contain its owner's name (one ELC's does):
    # the concession's own public name stays; no name may appear anywhere else.
    company_names = {f["properties"]["Name"] for f in source["features"]}
    texts: list[str] = []
    for path in DATA.iterdir():
        if path.suffix in (".geojson", ".json"):
            texts += [
                t for t in _strings(json.loads(path.read_text("utf-8"))) if t not in company_names
            ]
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                texts += [
                    t for n in archive.namelist() for t in _strings(json.loads(archive.read(n)))
                ]
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(n).decode("utf-8") for n in archive.namelist()]
        elif path.suffix != ".tif":
            texts.append(path.read_text("utf-8"))
    text = "\n".join(texts)
    assert len(secrets) > 100 and "Kampong Thom" in text
    assert sorted(s for s in secrets if s in text) == []


def test_eviction_sites_names_removed_and_nothing_else_changed(shared_data):
    src = zipfile.ZipFile(shared_data / "cambodia/eviction_hotspots_geojson.zip")
    ours = zipfile.ZipFile(DATA / "eviction_hotspots_geojson.zip")
    assert ours.namelist() == src.namelist()
    assert ours.read("relocation_sites.geojson") == src.read("relocation_sites.geojson")
    before = json.loads(src.read("eviction_sites.geojson"))
    after = json.loads(ours.read("eviction_sites.geojson"))
    changed = []
    for a, b in zip(before["features"], after["features"], strict=True):
        assert a["geometry"] == b["geometry"]
        for key in a["properties"]:
            if a["properties"][key] != b["properties"][key]:
                changed.append(int(a["properties"]["ID"]))
                assert "[name removed]" in b["properties"][key]
    assert sorted(changed) == [37, 40, 45, 46, 55, 57, 58]
    prepare = _script("prepare_data")
    words = set(re.findall(r"[A-Za-z]+", ours.read("eviction_sites.geojson").decode("utf-8")))
    assert not {prepare.name_hash(w) for w in words} & prepare.EVICTION_NAME_HASHES
    source_words = set(re.findall(r"[A-Za-z]+", src.read("eviction_sites.geojson").decode()))
    assert len({prepare.name_hash(w) for w in source_words} & prepare.EVICTION_NAME_HASHES) == 3
    zipped = DATA / "eviction_hotspots_geojson.zip"
    sites = gpd.read_file(f"/vsizip/{zipped}/eviction_sites.geojson")
    assert len(sites) == 92


@pytest.mark.parametrize(
    "name, source",
    [
        ("cambodia-adm2-simplified.geojson", "boundaries/cambodia-adm2-simplified.geojson"),
        ("cambodia-adm3-simplified.geojson", "boundaries/cambodia-adm3-simplified.geojson"),
        ("khm_bnd_admin1_gov_ed2022.json", "boundaries/khm_bnd_admin1_gov_ed2022.json"),
        ("protected_areas_and_forests.geojson", "cambodia/protected_areas_and_forests.geojson"),
        ("community_forests.geojson", "cambodia/community_forests.geojson"),
    ],
)
def test_compacted_files_parse_to_the_source_json(shared_data, name, source):
    ours = (DATA / name).read_text(encoding="utf-8")
    theirs = (shared_data / source).read_text(encoding="utf-8")
    assert json.loads(ours) == json.loads(theirs)
    # only whitespace went: the non-whitespace characters are the same, in order
    assert re.sub(r"\s", "", ours) == re.sub(r"\s", "", theirs)


@pytest.mark.parametrize(
    "name, source",
    [
        ("geoBoundaries-KHM-ADM0.geojson", "boundaries/geoBoundaries-KHM-ADM0.geojson"),
        ("geoBoundaries-KHM-ADM1.geojson", "boundaries/geoBoundaries-KHM-ADM1.geojson"),
        ("FNF_mask_exercise.tif", "rasters/FNF_mask_exercise.tif"),
    ],
)
def test_byte_for_byte_copies(shared_data, name, source):
    assert (
        hashlib.sha256((DATA / name).read_bytes()).digest()
        == hashlib.sha256((shared_data / source).read_bytes()).digest()
    )


def test_invalid_community_forests_are_kept():
    forests = gpd.read_file(DATA / "community_forests.geojson")
    assert len(forests) == 316 and int((~forests.is_valid).sum()) == 4


def test_khmer_province_names_are_intact():
    provinces = gpd.read_file(DATA / "khm_bnd_admin1_gov_ed2022.json")
    names = dict(zip(provinces["Adm1_Name"], provinces["Adm1_Name_"], strict=True))
    assert len(names) == 25
    assert names["Phnom Penh"] == "ភ្នំពេញ"
    assert names["Kampong Chhnang"] == "កំពង់ឆ្នាំង"


def test_relief_raster_is_reduced_and_covers_cambodia():
    outline = gpd.read_file(DATA / "geoBoundaries-KHM-ADM0.geojson").total_bounds
    with rasterio.open(DATA / "kh_relief.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.dtypes[0] == "int16" and src.nodata == -32768
        assert src.compression.name.lower() == "deflate" and src.profile["tiled"]
        b = src.bounds
        assert b.left < outline[0] and b.bottom < outline[1]
        assert b.right > outline[2] and b.top > outline[3]
        elevation = src.read(1, masked=True)
        # Phnom Aural, Cambodia's highest peak, is 1,813 m; averaging 2x2 cells lowers peaks
        assert 1000 < elevation.max() < 1900 and elevation.min() > -50
    assert (DATA / "kh_relief.tif").stat().st_size < 1_000_000


def test_prepare_data_reproduces_the_bundled_files(shared_data, tmp_path):
    prepare = _script("prepare_data")
    assert prepare.main(["--source", str(shared_data), "--dest", str(tmp_path)]) == 0
    made = sorted(p.name for p in tmp_path.iterdir())
    assert len(made) == 11
    for name in made:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


# --- the synthetic register -------------------------------------------------------------------
def test_register_size_and_label(register):
    assert len(register) == N_ROWS
    assert (register["synthetic"] == SYNTHETIC_LABEL).all()
    assert register.columns[0] == "synthetic"


def test_names_phones_and_ids_cannot_be_real(register):
    assert register["complainant_name"].str.fullmatch(FAKE_NAME.pattern).all()
    assert register["complainant_phone"].str.fullmatch(FAKE_PHONE.pattern).all()
    # ... yet they look like phone numbers to the privacy checks
    assert register["complainant_phone"].map(lambda v: bool(PHONE_PATTERN.search(v))).all()
    assert register["national_id"].str.fullmatch(r"SYN-ID-\d{6}").all()
    photos = register["photo_path"][register["photo_path"] != ""]
    assert len(photos) > 500 and photos.str.startswith("synthetic/photos/SYN-").all()
    assert register["complainant_name"].str.startswith("ឈ្មោះសាកល្បង").sum() > 300


def test_dates_in_range_except_the_impossible_ones(register, faults):
    parsed = pd.to_datetime(register["date_of_incident"], format="%d/%m/%Y", errors="coerce")
    bad = set(np.flatnonzero(parsed.isna()) + 1)
    assert bad == set(faults.loc[faults["fault"] == "impossible_date", "row"])
    assert parsed.min() >= pd.Timestamp(2010, 1, 1) and parsed.max() <= pd.Timestamp(2024, 12, 31)
    assert parsed.dt.year.nunique() == 15


def test_vocabulary_terms_are_recognised(register):
    types = register["case_type"].map(lambda v: normalise_term("case_type", v))
    statuses = register["status"].map(lambda v: normalise_term("case_status", v))
    gps = register.iloc[:N_GPS]
    precision = gps["location_precision"].map(lambda v: normalise_term("location_precision", v))
    assert types.notna().all() and statuses.notna().all() and precision.notna().all()
    assert (register.iloc[N_GPS:]["location_precision"] == "").all()  # the loader sets it
    assert types.nunique() == 6
    assert (register["case_type"] != types).sum() > 100  # typed variants exist


def test_households_plausible_and_skewed(register):
    h = pd.to_numeric(register["households"].replace("", np.nan))
    assert h.dropna().between(1, 400).all()
    assert h.median() < h.mean() < 60
    assert 0 < h.isna().sum() < 60


def test_faults_are_where_the_list_says(register, faults):
    assert len(faults) == 33 and faults["row"].is_unique
    assert (faults.loc[faults["fault"] == "impossible_place_name", "row"] > N_GPS).all()
    rows = {f: faults.loc[faults["fault"] == f, "row"].to_list() for f in faults["fault"].unique()}
    at = lambda r: register.iloc[r - 1]  # noqa: E731
    for r in rows["swapped_latlon"]:
        assert 100 < float(at(r)["latitude"]) < 108 and 9 < float(at(r)["longitude"]) < 15
    outline = gpd.read_file(DATA / "geoBoundaries-KHM-ADM0.geojson").geometry.union_all()
    for r in rows["outside_cambodia"]:
        point = shapely.Point(float(at(r)["longitude"]), float(at(r)["latitude"]))
        assert not outline.contains(point) and outline.distance(point) > 0.3
    for r in rows["blank_coordinates"]:
        assert at(r)["latitude"] == ""
    for r in rows["non_numeric_coordinate"]:
        with pytest.raises(ValueError):
            float(at(r)["latitude"])
    duplicated = register["case_id"][register["case_id"].duplicated()]
    assert sorted(register.index[register["case_id"].duplicated()] + 1) == rows["duplicate_case_id"]
    assert len(duplicated) == 4 and register["case_id"].nunique() == N_ROWS - 4


def _clean_points(register: pd.DataFrame, faults: pd.DataFrame) -> gpd.GeoDataFrame:
    clean = register.iloc[:N_GPS].drop(index=faults.loc[faults["row"] <= N_GPS, "row"] - 1)
    decimal = clean[~clean["latitude"].str.contains("°")]
    return gpd.GeoDataFrame(
        decimal,
        geometry=gpd.points_from_xy(
            decimal["longitude"].astype(float), decimal["latitude"].astype(float)
        ),
        crs=4326,
    )


def test_clean_points_lie_in_their_commune(register, faults):
    points = _clean_points(register, faults)
    assert len(points) > 1850
    communes = gpd.read_file(DATA / "cambodia-adm3-simplified.geojson")
    joined = gpd.sjoin(points, communes[["shapeName", "geometry"]], predicate="within")
    joined = joined[~joined.index.duplicated()]
    assert len(joined) == len(points)
    assert (joined["commune"] == joined["shapeName"]).all()
    outline = gpd.read_file(DATA / "geoBoundaries-KHM-ADM0.geojson").geometry.union_all()
    assert shapely.contains(outline, points.geometry.values).all()


def test_cases_cluster_near_concessions_and_forests(register, faults):
    points = _clean_points(register, faults).to_crs(32648)
    elc = gpd.read_file(DATA / "cam-elc-complete.geojson").make_valid().union_all()
    forests = gpd.read_file(DATA / "community_forests.geojson").to_crs(32648)
    near = shapely.dwithin(elc, points.geometry.values, 3001) | shapely.dwithin(
        forests.make_valid().union_all(), points.geometry.values, 3001
    )
    assert 0.6 < near.mean() < 0.9  # most near ELCs / forests, some far away
    assert register.iloc[:N_GPS]["province"].nunique() == 25


def test_dms_coordinates_parse_to_points_in_their_commune(register, faults):
    dms = register.iloc[:N_GPS].drop(index=faults.loc[faults["row"] <= N_GPS, "row"] - 1)
    dms = dms[dms["latitude"].str.contains("°")]
    assert len(dms) > 20
    pattern = re.compile(r"(\d+)°(\d{2})'(\d{2}\.\d)\"([NE])")

    def parse(value: str) -> float:
        d, m, s, _ = pattern.fullmatch(value).groups()
        return int(d) + int(m) / 60 + float(s) / 3600

    points = gpd.GeoDataFrame(
        dms,
        geometry=gpd.points_from_xy(dms["longitude"].map(parse), dms["latitude"].map(parse)),
        crs=4326,
    )
    communes = gpd.read_file(DATA / "cambodia-adm3-simplified.geojson")
    joined = gpd.sjoin_nearest(points.to_crs(32648), communes.to_crs(32648), distance_col="d")
    joined = joined[~joined.index.duplicated()]
    # DMS to 0.1" is ~3 m: a point may land just over a commune line, never far from it
    assert (joined["d"] < 10).all()


def test_khmer_text_is_well_formed_and_exact(register):
    gen = _script("make_synthetic_cases")
    templates = {km for entries in gen.DESCRIPTIONS.values() for _, km in entries}
    khmer = register["description"].str.extract(r"([\u1780-\u17FF][^/]*)$")[0].dropna()
    assert len(khmer) > 900
    numbered = re.compile(r"[០-៩]+")
    allowed = {numbered.sub("{n_km}", t) for t in templates}
    assert set(khmer.map(lambda t: numbered.sub("{n_km}", t.strip()))) <= allowed
    for value in set(register.to_numpy().ravel()):
        for run in re.findall(r"[\u1780-\u17FF]+", value):
            assert KHMER_RUN.fullmatch(run), f"malformed Khmer: {run!r}"
    assert "ការបណ្តេញចេញដោយបង្ខំ" in " ".join(khmer)


def test_place_name_rows_have_no_coordinates_and_a_truth_table(register):
    places = register.iloc[N_GPS:]
    assert (places["latitude"] == "").all() and (places["longitude"] == "").all()
    truth = pd.read_csv(DATA / "synthetic_cases_places.csv", dtype=str, keep_default_na=False)
    assert truth["case_id"].tolist() == places["case_id"].tolist()
    khmer = places["province"].str.contains("[\u1780-\u17ff]") | places["district"].str.contains(
        "[\u1780-\u17ff]"
    )
    assert 20 < khmer.sum() < 100
    assert set(truth["expected_precision"]) == {"", "commune", "district", "province"}
    assert (truth["expected_admin_code"] == "").sum() == 6


def test_xlsx_has_the_same_rows_with_typed_cells(register, faults):
    book = pd.read_excel(DATA / "synthetic_cases.xlsx", sheet_name="cases", dtype=object)
    assert list(book.columns) == list(register.columns)
    assert len(book) == N_ROWS
    assert (book["case_id"] == register["case_id"]).all()
    impossible = faults.loc[faults["fault"] == "impossible_date", "row"] - 1
    dates = book["date_of_incident"]
    assert all(isinstance(dates[i], str) for i in impossible)
    real = dates.drop(index=impossible)
    assert real.map(lambda v: isinstance(v, datetime)).all()
    expected = pd.to_datetime(
        register["date_of_incident"].drop(index=impossible), format="%d/%m/%Y"
    )
    assert (pd.to_datetime(real) == expected).all()
    assert book["description"].tolist() == register["description"].tolist()
    assert (DATA / "synthetic_cases.xlsx").stat().st_size < 1_000_000


@pytest.mark.slow
def test_generator_is_deterministic(tmp_path):
    gen = _script("make_synthetic_cases")
    assert gen.main(["--data", str(DATA), "--out", str(tmp_path)]) == 0
    for name in (
        "synthetic_cases.csv",
        "synthetic_cases_faults.csv",
        "synthetic_cases.xlsx",
        "synthetic_cases_places.csv",
    ):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_dms_formatting():
    gen = _script("make_synthetic_cases")
    assert gen.to_dms(12.553472, lat=True) == "12°33'12.5\"N"
    assert gen.to_dms(104.999999, lat=False) == "105°00'00.0\"E"
    assert date(2010, 1, 1) == gen.FIRST_DAY
