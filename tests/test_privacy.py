"""Privacy profiles: sensitive fields, geomasking inside communes, suppression, the audit."""

from __future__ import annotations

import json
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box
from test_privacy_data import SENSITIVE, communes, concessions, register

from landmap.errors import PrivacyError, SchemaError
from landmap.places import at_unit_point, supports
from landmap.privacy import (
    INTERNAL,
    PUBLIC,
    PUBLISHED_LOCATION,
    REDACTED,
    PrivacyProfile,
    get_profile,
    load_or_create_key,
    public_summary,
    publish,
    sensitive_columns,
    write_audit,
)

METRIC = "EPSG:32648"


class Result(NamedTuple):
    data: gpd.GeoDataFrame
    audit: dict


def apply_profile(layer, profile="public", *, kind="cases", **kwargs):
    """The gate's result as (data, audit with the internal detail), for compact assertions."""
    published = publish(layer, profile, kind=kind, **kwargs)
    return Result(published.data, published.internal_audit)


SEED = 918273645546372819  # distinctive, so a test can prove it is written nowhere


def _metric(gdf):
    return np.asarray(gdf.geometry.to_crs(METRIC).array)


def _true_commune(points_m, communes_m):
    tree = shapely.STRtree(communes_m)
    p, c = tree.query(points_m, predicate="intersects")
    out = np.full(len(points_m), -1)
    first = np.unique(p, return_index=True)[1]
    out[p[first]] = c[first]
    return out


@pytest.fixture(scope="module")
def cases():
    """The register's cases with a recorded point (those placed from place names stay at their
    unit's point: tests/test_privacy_precision.py)."""
    data = register()
    return data[~at_unit_point(data)].reset_index(drop=True)


@pytest.fixture(scope="module")
def published(cases):
    return apply_profile(cases, "public", communes=communes(), concessions=concessions(), seed=SEED)


# ------------------------------------------------------------------ sensitive fields


def test_register_sensitive_columns_found(cases):
    found = sensitive_columns(cases)
    for col in SENSITIVE:
        assert col in found
    assert found["complainant_phone"] == "phone number"
    assert found["national_id"] == "ID number"
    assert "case_id" not in found and "households" not in found


@pytest.mark.parametrize(
    ("column", "values", "reason"),
    [
        ("ឈ្មោះអ្នកប្តឹង", ["ឈ្មោះសាកល្បង ០០០១"], "person name"),  # Khmer header
        ("លេខទូរស័ព្ទ", ["x"], "phone number"),
        ("អត្តសញ្ញាណប័ណ្ណ", ["x"], "ID number"),
        ("group_a/respondent_name", ["x"], "person name"),  # Kobo group path
        ("_geolocation", ["x"], "exact GPS"),
        ("_attachments", ["x"], "photo or attachment"),
        ("_submitted_by", ["x"], "person name"),
        ("deviceid", ["x"], "device identifier"),
        ("contact", ["call 012 345 678 after 5"], "phone number (found in values)"),
        ("misc", ["+855 00 000 0001"], "phone number (found in values)"),
    ],
)
def test_sensitive_by_name_and_content(column, values, reason):
    frame = pd.DataFrame({"case_id": ["c1"], column: values})
    assert sensitive_columns(frame) == {column: reason}


@pytest.mark.parametrize(
    "column", ["ឈ្មោះភូមិ", "village_name", "province", "households", "company_name"]
)
def test_place_and_count_columns_are_not_sensitive(column):
    frame = pd.DataFrame({"case_id": ["0123456789"], column: ["Prey Ampil"]})
    assert sensitive_columns(frame) == {}


def test_coordinate_copies_found_by_content():
    gdf = gpd.GeoDataFrame(
        {"x_": [104.1, 105.2], "y_": [11.3, 12.4], "n": [3, 4]},
        geometry=[Point(104.1, 11.3), Point(105.2, 12.4)],
        crs=4326,
    )
    assert sensitive_columns(gdf) == {
        "x_": "exact GPS (repeats the coordinates)",
        "y_": "exact GPS (repeats the coordinates)",
    }


def test_user_adds_and_removes_columns():
    frame = pd.DataFrame({"case_id": ["c1"], "complainant_name": ["a"], "ward_code": ["b"]})
    found = sensitive_columns(frame, add=["ward_code"], remove=["complainant_name"])
    assert found == {"ward_code": "declared sensitive"}
    with pytest.raises(SchemaError, match="'nope' named as sensitive/safe is not in the layer"):
        sensitive_columns(frame, add=["nope"])


# ------------------------------------------------------------------ profiles


def test_profiles_come_from_the_resource():
    assert PUBLIC.mode == "displace" and PUBLIC.min_radius_m == 500
    assert PUBLIC.max_radius_m == 2000 and PUBLIC.k == 3 and not PUBLIC.allow_free_text
    assert INTERNAL.confidential and INTERNAL.mode == "exact"
    assert get_profile() is PUBLIC and get_profile("INTERNAL") is INTERNAL
    assert get_profile("public", k=5).k == 5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": "blur"}, "unknown masking mode 'blur'"),
        ({"min_radius_m": 2000, "max_radius_m": 500}, "0 < min_radius_m < max_radius_m"),
        ({"k": 0}, "k, candidates and max_rounds must be at least 1"),
        ({"mode": "exact"}, "publishes exact locations but is not confidential"),
        ({"seed_policy": "fixed"}, "unknown seed policy"),
    ],
)
def test_invalid_profiles_rejected(changes, message):
    with pytest.raises(PrivacyError, match=message):
        PUBLIC.replace(**changes)


def test_unknown_profile_name():
    with pytest.raises(PrivacyError, match="unknown privacy profile 'secret' of type str"):
        get_profile("secret")


# ------------------------------------------------------------------ public displacement


def test_public_drops_sensitive_and_free_text(cases, published):
    data, audit = published
    for col in (*SENSITIVE, "description", "_uuid"):
        assert col not in data.columns
        assert col in audit["columns_removed"]
    assert set(audit["columns_removed"]) == set(cases.columns) - set(data.columns)
    assert data[PUBLISHED_LOCATION].str.contains("not the true location").all()
    assert data.attrs["landmap"]["privacy"] == {"profile": "public", "confidential": False}


def _kept(cases, audit):
    gone = {c["case_id"] for c in audit["detail"]["left_out"]}
    return ~cases["case_id"].isin(gone).to_numpy()


def test_displacement_within_radius_and_commune(cases, published):
    data, audit = published
    kept = _kept(cases, audit)
    assert kept.sum() == len(data) == audit["rows_out"]
    true_m, new_m = _metric(cases)[kept], _metric(data)
    dist = shapely.distance(true_m, new_m)
    communes_m = _metric(communes())
    before = _true_commune(true_m, communes_m)
    assert (before >= 0).all()
    assert shapely.contains(communes_m[before], new_m).all()
    assert audit["consistency"]["crossed_commune_boundary"] == 0
    # the commune's own point is used (rarely) where sampling found no place: it may lie
    # beyond the maximum radius, never nearer than the minimum
    assert dist.min() >= PUBLIC.min_radius_m - 1e-6
    fallback = audit["points"]["commune_point_fallback"]
    assert (dist > PUBLIC.max_radius_m + 1e-6).sum() <= fallback


def test_cases_left_out_only_where_no_safe_position_exists(cases, published):
    _, audit = published
    left = ~_kept(cases, audit)
    communes_m = _metric(communes())
    true_m = _metric(cases)
    unit = communes_m[_true_commune(true_m, communes_m)]
    farthest = shapely.hausdorff_distance(true_m, unit)  # the commune's farthest point
    impossible = farthest < PUBLIC.min_radius_m
    assert (left >= impossible).all()  # every impossible case is left out...
    rep = shapely.distance(true_m, shapely.point_on_surface(unit))
    assert (rep[left] < PUBLIC.min_radius_m).all()  # ...and no case the fallback could place
    assert {c["reason"] for c in audit["detail"]["left_out"]} <= {
        "no safe position in its commune",
        "outside every commune",
    }
    assert audit["points"]["left_out"] == left.sum() < 0.01 * len(cases)


def test_audit_matches_what_was_done(cases, published):
    data, audit = published
    dist = shapely.distance(_metric(cases)[_kept(cases, audit)], _metric(data))
    stats = audit["points"]["distance_m"]
    assert audit["points"]["moved"] == len(data)
    assert stats["min"] == pytest.approx(dist.min(), abs=0.1)
    assert stats["median"] == pytest.approx(np.median(dist), abs=0.1)
    assert stats["max"] == pytest.approx(dist.max(), abs=0.1)
    assert audit["rows_in"] == len(cases) == audit["rows_out"] + audit["points"]["left_out"]
    assert audit["parameters"]["min_radius_m"] == 500
    json.dumps(audit)  # serialisable as it is


def test_consistency_warnings_match_true_and_masked_membership(cases, published):
    data, audit = published
    conc = concessions()
    polys = _metric(conc)
    ids = conc["concession_id"].to_numpy()

    def members(points):
        p, c = shapely.STRtree(polys).query(points, predicate="intersects")
        sets = [set() for _ in points]
        for i, j in zip(p, c, strict=True):
            sets[i].add(ids[j])
        return sets

    kept = _kept(cases, audit)
    before, after = members(_metric(cases)[kept]), members(_metric(data))
    changed = {
        cid for cid, b, a in zip(cases["case_id"][kept], before, after, strict=True) if a != b
    }
    reported = audit["detail"]["consistency_cases"]
    assert {c["case_id"] for c in reported} == changed
    assert len(changed) > 0  # 2,000 cases, 225 ELCs: masking does move some across
    total = sum(
        audit["consistency"][k]
        for k in ("moved_out_of_concession", "moved_into_concession", "moved_between_concessions")
    )
    assert total == len(reported)
    assert any("public_summary" in w for w in audit["warnings"])


def test_annulus_is_uniform_in_area():
    """Without a commune constraint the squared distance is uniform on [min², max²]."""
    n = 4000
    cases = gpd.GeoDataFrame(
        {"case_id": [f"c{i}" for i in range(n)]}, geometry=[Point(104.9, 11.55)] * n, crs=4326
    )
    data, audit = apply_profile(cases, communes=_everywhere(), seed=1)
    d2 = shapely.distance(_metric(cases), _metric(data)) ** 2
    lo, hi = PUBLIC.min_radius_m**2, PUBLIC.max_radius_m**2
    u = (d2 - lo) / (hi - lo)
    assert abs(u.mean() - 0.5) < 0.02 and abs(np.quantile(u, 0.25) - 0.25) < 0.03
    dx, dy = (shapely.get_coordinates(_metric(data)) - shapely.get_coordinates(_metric(cases))).T
    angles = np.arctan2(dy, dx)
    assert np.histogram(angles, bins=8)[0].min() > n / 8 * 0.8
    assert audit["communes"] == "given by the project"


def _everywhere():
    """One commune so large that it never constrains a displacement."""
    return gpd.GeoDataFrame({"name": ["all"]}, geometry=[box(95, 0, 115, 25)], crs=4326)


def test_communes_installed_with_landmap_are_the_default(cases):
    """Regression: the commune layer was looked up in the repository's data/ or ../shared, so an
    installed copy displaced points without keeping them in their commune (issue finding 4)."""
    from landmap.privacy.communes import bundled_communes_path

    assert "site-packages" in str(bundled_communes_path()) or "landmap/resources" in str(
        bundled_communes_path().as_posix()
    )
    data, audit = apply_profile(cases.iloc[:200], seed=3)
    assert audit["communes"] == "installed with landmap (geoBoundaries)"
    assert audit["consistency"]["crossed_commune_boundary"] == 0
    assert not any("commune" in w and "not kept" in w for w in audit["warnings"])


def test_publishing_refuses_without_a_commune_layer(cases, monkeypatch):
    """Fail closed: with no commune layer at all, case points are not published."""
    from landmap.privacy import communes as communes_module

    monkeypatch.setattr(communes_module, "COMMUNES_RESOURCE", "resources/none/missing.geojson")
    with pytest.raises(PrivacyError, match="commune layer installed with landmap is missing"):
        publish(cases.iloc[:5], kind="cases", seed=1)


def test_seed_makes_it_reproducible_and_fresh_by_default(cases):
    small = cases.iloc[:50]
    a = apply_profile(small, communes=communes(), seed=5).data.geometry
    b = apply_profile(small, communes=communes(), seed=5).data.geometry
    c = apply_profile(small, communes=communes()).data.set_index("case_id").geometry
    d = apply_profile(small, communes=communes()).data.set_index("case_id").geometry
    assert a.geom_equals(b).all()
    both = c.index.intersection(d.index)
    assert len(both) > 40 and not c.loc[both].geom_equals(d.loc[both], align=False).any()


def test_seed_is_not_in_the_audit_or_the_data(published):
    data, audit = published
    text = json.dumps(audit) + data.to_json(default=str) + repr(data.attrs)
    for form in (str(SEED), hex(SEED), hex(SEED)[2:]):
        assert form not in text
    assert "not recorded" in audit["seed"]


# ------------------------------------------------------------------ awkward cases


def _square(x, y, half):
    """A square in EPSG:4326 of half-side ``half`` metres around a metric point."""
    poly = box(x - half, y - half, x + half, y + half)
    return gpd.GeoSeries([poly], crs=METRIC).to_crs(4326).iloc[0]


def _case_at(x, y, cid="c1"):
    pt = gpd.GeoSeries([Point(x, y)], crs=METRIC).to_crs(4326)
    return gpd.GeoDataFrame({"case_id": [cid], "households": [2]}, geometry=pt.to_numpy(), crs=4326)


def test_case_outside_every_commune_left_out_and_reported():
    communes_gdf = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=[_square(500_000, 1_300_000, 3000)], crs=4326
    )
    near = _case_at(503_500, 1_300_000, "near")  # 500 m outside: masked in the nearest
    far = _case_at(520_000, 1_300_000, "far")  # 17 km out: left out
    both = pd.concat([near, far], ignore_index=True)
    data, audit = apply_profile(both, communes=communes_gdf, seed=2)
    assert list(data["case_id"]) == ["near"]
    assert audit["points"]["assigned_to_nearest_commune"] == 1
    assert audit["points"]["not_in_any_commune"] == 1
    assert audit["detail"]["left_out"] == [{"case_id": "far", "reason": "outside every commune"}]
    assert shapely.contains(communes_gdf.geometry.iloc[0], data.geometry.iloc[0])


def test_commune_too_small_to_mask_in():
    tiny = gpd.GeoDataFrame({"name": ["T"]}, geometry=[_square(500_000, 1_300_000, 150)], crs=4326)
    data, audit = apply_profile(_case_at(500_000, 1_300_000), communes=tiny, seed=3)
    assert len(data) == 0
    assert audit["detail"]["left_out"][0]["reason"] == "no safe position in its commune"
    assert audit["points"]["left_out"] == 1


def test_fallback_to_commune_point_when_far_enough():
    commune = gpd.GeoDataFrame(
        {"name": ["F"]}, geometry=[_square(505_000, 1_300_000, 100)], crs=4326
    )
    prof = PUBLIC.replace(snap_to_commune_m=10_000)
    data, audit = apply_profile(_case_at(500_000, 1_300_000), prof, communes=commune, seed=4)
    assert audit["points"]["commune_point_fallback"] == 1
    assert shapely.contains(commune.geometry.iloc[0], data.geometry.iloc[0])


def test_case_without_location_kept_without_point():
    gdf = pd.concat(
        [_case_at(500_000, 1_300_000), _case_at(500_000, 1_300_000, "none")], ignore_index=True
    )
    gdf.loc[1, "geometry"] = None
    data, audit = apply_profile(gdf, communes=None, seed=1)
    assert audit["points"]["without_location"] == 1
    assert data.geometry.isna().sum() == 1 and len(data) == 2


def test_layer_without_crs_rejected():
    gdf = gpd.GeoDataFrame({"case_id": ["c"]}, geometry=[Point(104.9, 11.5)])
    with pytest.raises(PrivacyError, match="has no CRS"):
        apply_profile(gdf)


def test_free_text_allowed_is_scrubbed():
    gdf = _case_at(500_000, 1_300_000)
    gdf["complainant_name"] = ["SYNTHETIC Person 0042"]
    gdf["description"] = ["Met synthetic person 0042 (tel +855 00 000 0042) <b>at home</b>"]
    prof = PUBLIC.replace(allow_free_text=True)
    data, audit = apply_profile(gdf, prof, communes=None, seed=1)
    text = data["description"].iloc[0]
    assert "0042" not in text and text.count(REDACTED) == 2
    assert audit["free_text"] == {"kept": ["description"], "values_redacted": 1}


def test_free_text_scrubbed_of_khmer_names_written_without_spaces():
    gdf = _case_at(500_000, 1_300_000)
    gdf["complainant_name"] = ["ឈ្មោះសាកល្បង ០០៤២"]
    gdf["description"] = ["គាត់ឈ្មោះសាកល្បង ០០៤២បានប្តឹង"]
    data, _ = apply_profile(gdf, PUBLIC.replace(allow_free_text=True), communes=None, seed=1)
    assert data["description"].iloc[0] == f"គាត់{REDACTED}បានប្តឹង"


# ------------------------------------------------------------------ other modes


@pytest.fixture
def two_communes():
    return gpd.GeoDataFrame(
        {"boundary_id": ["A", "B"], "name": ["Alpha", "Beta"]},
        geometry=[_square(500_000, 1_300_000, 4000), _square(520_000, 1_300_000, 4000)],
        crs=4326,
    )


@pytest.fixture
def four_cases():
    pts = [(500_500, 1_300_200), (499_000, 1_301_000), (501_000, 1_299_500), (520_300, 1_300_100)]
    return pd.concat([_case_at(x, y, f"c{i}") for i, (x, y) in enumerate(pts)], ignore_index=True)


def test_commune_centroid_with_small_count_suppression(two_communes, four_cases):
    prof = PUBLIC.replace(mode="commune_centroid", k=3)
    data, audit = apply_profile(four_cases, prof, communes=two_communes)
    assert list(data["case_id"]) == ["c0", "c1", "c2"]
    centre = _metric(two_communes)[0].centroid
    assert all(shapely.equals_exact(p, centre, 1e-3) for p in _metric(data))
    assert audit["suppression"] == {"k": 3, "units_suppressed": 1, "cases_suppressed": 1}


def test_aggregate_counts_per_commune(two_communes, four_cases):
    data, audit = apply_profile(
        four_cases, PUBLIC.replace(mode="aggregate", k=2), communes=two_communes
    )
    assert list(data.columns) == ["commune_id", "commune", "cases", "households", "geometry"]
    assert data[["commune_id", "cases", "households"]].values.tolist() == [["A", 3, 6]]
    assert audit["suppression"]["cases_suppressed"] == 1


def test_village_centroid_needs_villages(four_cases, two_communes):
    with pytest.raises(PrivacyError, match="needs a village layer"):
        apply_profile(four_cases, PUBLIC.replace(mode="village_centroid"), communes=two_communes)
    villages = gpd.GeoDataFrame(
        geometry=gpd.GeoSeries(
            [Point(500_000, 1_300_000), Point(520_000, 1_300_000)], crs=METRIC
        ).to_crs(4326)
    )
    data, _ = apply_profile(
        four_cases, PUBLIC.replace(mode="village_centroid", k=1), villages=villages
    )
    assert len(data) == 4 and data.geometry.duplicated().sum() == 2


def test_internal_keeps_everything(cases):
    data, audit = apply_profile(cases, "internal")
    assert list(data.columns) == list(cases.columns)
    assert data.geometry.geom_equals(cases.geometry.reset_index(drop=True)).all()
    assert audit["confidential"] and audit["columns_removed"] == {}
    assert data.attrs["landmap"]["privacy"]["confidential"] is True


def test_other_layer_kinds_lose_sensitive_columns_only():
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["a1"],
            "name": ["Community forest"],
            "contact_person": ["SYNTHETIC Person"],
            "phone": ["012 345 678"],
        },
        geometry=[box(104, 11, 104.1, 11.1)],
        crs=4326,
    )
    data, audit = apply_profile(areas, kind="areas")
    assert list(data.columns) == ["area_id", "name", "geometry"]
    assert data.geometry.iloc[0].equals(areas.geometry.iloc[0])
    assert audit["points"]["published_as"] == "unchanged geometry (not a case layer)"


# ------------------------------------------------------------------ audit file and summaries


def test_write_audit_public_and_detailed(tmp_path, cases):
    layer = publish(cases, kind="cases", communes=communes(), concessions=concessions(), seed=1)
    public = write_audit(layer, tmp_path / "cases.geojson")
    assert public.name == "cases.geojson.audit.json"
    written = json.loads(public.read_text("utf-8"))
    assert "detail" not in written and written["points"] == layer.audit["points"]
    assert written["publication"] == layer.publication
    detailed = write_audit(layer, tmp_path / "internal" / "cases.geojson", internal=True)
    assert "consistency_cases" in json.loads(detailed.read_text("utf-8"))["detail"]


def test_public_summary_counts_true_locations(cases, published):
    conc = concessions()
    tables = public_summary(cases, concessions=conc, communes=communes())
    by_conc = tables["by_concession"]
    pointed = supports(cases["location_precision"], "village")  # may be said to lie inside
    p, c = shapely.STRtree(_metric(conc)).query(_metric(cases)[pointed], predicate="intersects")
    expected = pd.Series(c).map(dict(enumerate(conc["concession_id"]))).value_counts()
    shown = by_conc.set_index("concession_id")
    for cid, n in expected.items():
        if n >= PUBLIC.k:
            assert shown.loc[cid, "cases"] == n
        else:
            assert shown.loc[cid, "suppressed"] and pd.isna(shown.loc[cid, "cases"])
    assert tables["total"]["cases"].iloc[0] == len(cases)
    by_commune = tables["by_commune"]
    assert (by_commune["cases"].dropna() >= PUBLIC.k).all()
    assert by_commune["suppressed"].sum() == by_commune["cases"].isna().sum() > 0
    assert by_conc.attrs["provenance"]["parameters"]["locations"] == "true (before masking)"


def test_custom_profile_object():
    prof = PrivacyProfile(name="wide", min_radius_m=1000, max_radius_m=5000)
    data, audit = apply_profile(_case_at(500_000, 1_300_000), prof, communes=None, seed=9)
    d = shapely.distance(_metric(_case_at(500_000, 1_300_000))[0], _metric(data)[0])
    assert 1000 <= d <= 5000 and audit["profile"] == "wide"


# ------------------------------------------------------------------ popups and tooltips


def test_public_columns_are_an_allow_list(cases):
    allowed = PUBLIC.public_columns("cases")
    assert {"case_id", "type", "date", "province", "commune"} <= allowed
    assert not allowed & {"complainant_name", "complainant_phone", "description", "synthetic"}
    assert INTERNAL.public_columns("cases") is None
    assert "description" in PUBLIC.replace(allow_free_text=True).public_columns("cases")
    assert "ward" in PUBLIC.replace(keep=("ward",)).public_columns("cases")
    assert "type" not in PUBLIC.replace(drop=("type",)).public_columns("cases")


def test_centroid_near_the_case_is_reported(two_communes):
    centre = _case_at(500_100, 1_300_000, "c0")  # 100 m from the commune centre
    data, audit = apply_profile(
        centre, PUBLIC.replace(mode="commune_centroid", k=1), communes=two_communes
    )
    assert audit["points"]["within_min_radius"] == 1
    assert any("less than 500 m" in w for w in audit["warnings"])


# ------------------------------------------------------------------ keyed masking


def test_keyed_masking_is_stable_across_exports_and_private(tmp_path, cases):
    key_file = tmp_path / "internal" / "masking.key"
    key = load_or_create_key(key_file)
    assert len(key) == 32 and load_or_create_key(key_file) == key
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    prof = PUBLIC.replace(seed_policy="keyed")
    small = cases.iloc[:300].drop_duplicates("case_id", keep=False)
    a = apply_profile(small, prof, communes=communes(), key=key)
    b = apply_profile(small.iloc[::-1], prof, communes=communes(), key=key)  # other row order
    other = apply_profile(small, prof, communes=communes(), key=b"another office key")
    pos_a = a.data.sort_values("case_id").geometry.to_numpy()
    pos_b = b.data.sort_values("case_id").geometry.to_numpy()
    assert shapely.equals(pos_a, pos_b).all()
    assert not a.data.geometry.geom_equals(other.data.geometry).any()
    dist = shapely.distance(_metric(small)[_kept(small, a.audit)], _metric(a.data))
    assert dist.min() >= PUBLIC.min_radius_m - 1e-6
    communes_m = _metric(communes())
    before = _true_commune(_metric(small)[_kept(small, a.audit)], communes_m)
    assert shapely.contains(communes_m[before], _metric(a.data)).all()
    text = json.dumps(a.audit)
    assert key.hex() not in text and "secret key" in a.audit["seed"]


def test_keyed_profile_needs_a_key(cases):
    with pytest.raises(PrivacyError, match="no key was given"):
        apply_profile(cases.iloc[:3], PUBLIC.replace(seed_policy="keyed"), communes=communes())


def test_keyed_draws_are_uniform_in_the_annulus():
    n = 4000
    cases = gpd.GeoDataFrame(
        {"case_id": [f"k{i}" for i in range(n)]}, geometry=[Point(104.9, 11.55)] * n, crs=4326
    )
    data, _ = apply_profile(
        cases, PUBLIC.replace(seed_policy="keyed"), key=b"k", communes=_everywhere()
    )
    d2 = shapely.distance(_metric(cases), _metric(data)) ** 2
    u = (d2 - 500**2) / (2000**2 - 500**2)
    assert abs(u.mean() - 0.5) < 0.02 and u.min() >= -1e-9 and u.max() <= 1 + 1e-9


def test_bad_key_file(tmp_path):
    (tmp_path / "k").write_text("not hex")
    with pytest.raises(PrivacyError, match="not a hex key"):
        load_or_create_key(tmp_path / "k")


# ------------------------------------------------------------------ awkward inputs


def test_empty_layer_z_coordinates_and_metric_crs():
    empty = gpd.GeoDataFrame({"case_id": []}, geometry=[], crs=4326)
    data, audit = apply_profile(empty, communes=communes())
    assert len(data) == 0 and audit["points"]["published_as"] == "no case locations in the layer"
    z = gpd.GeoDataFrame({"case_id": ["z"]}, geometry=[Point(104.9, 11.55, 12.0)], crs=4326)
    data, _ = apply_profile(z, communes=communes(), seed=1)
    assert not data.geometry.iloc[0].has_z  # the altitude is not published either
    metric, _ = apply_profile(z.to_crs(METRIC), communes=communes(), seed=1)
    assert metric.crs == METRIC
    assert metric.to_crs(4326).geometry.iloc[0].equals_exact(data.geometry.iloc[0], 1e-9)


@settings(max_examples=25, deadline=None)
@given(rmin=st.floats(10, 3000), extra=st.floats(1, 5000), seed=st.integers(0, 2**32))
def test_any_radius_range_respected_inside_commune(rmin, extra, seed):
    rmax = rmin + extra
    commune = gpd.GeoDataFrame(
        {"name": ["C"]}, geometry=[_square(500_000, 1_300_000, 9000)], crs=4326
    )
    pts = [
        _case_at(500_000 + dx, 1_300_000 + dy, f"c{i}")
        for i, (dx, dy) in enumerate([(0, 0), (5000, -3000), (-8500, 8500)])
    ]
    cases = pd.concat(pts, ignore_index=True)
    prof = PUBLIC.replace(min_radius_m=rmin, max_radius_m=rmax)
    data, audit = apply_profile(cases, prof, communes=commune, seed=seed)
    kept = _kept(cases, audit)
    dist = shapely.distance(_metric(cases)[kept], _metric(data))
    assert (dist >= rmin - 1e-6).all()
    inside = shapely.contains(_metric(commune)[0], _metric(data))
    assert inside.all()
    fallback = audit["points"]["commune_point_fallback"]
    assert (dist > rmax + 1e-6).sum() <= fallback
