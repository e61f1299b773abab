"""Duplicates across sources: probabilistic record linkage with splink on DuckDB.

Each current record is compared with the records of *other* sources that share a block (the
same ~5 km grid cell, on two grids offset by half a cell; the same commune and year; the same
date and province). splink scores each pair on date, distance, administrative unit, case type,
households and the names of the village and the company, with the Fellegi-Sunter model: the
starting m and u probabilities are in ``landmap/resources/linkage_model.json``; u is
re-estimated from the register by random sampling once it holds enough records. The same
settings run on splink's Spark back end for national-scale work.

Pairs already in one event, or marked distinct by a reviewer, are not proposed again.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from landmap.bundled import resource_json
from landmap.register import _db, _events
from landmap.register._read import records

_KHMER = re.compile(r"[\u1780-\u17FF]")
_ADMIN_WORDS = re.compile(
    r"\b(khett?|khaet|province|srok|khan|district|khum|sangkat|commune|phum|phoum|village|"
    r"krong|city|municipality)\b"
)
_CELL = 0.05  # degrees (~5.5 km)
#: Output columns before the evidence.
PAIR_COLUMNS = ("source_a", "id_a", "source_b", "id_b", "score")
_EVIDENCE = ("date", "location", "admin", "type", "households", "village", "company")


@cache
def model() -> dict[str, Any]:
    """Return the duplicate finder's starting parameters (``linkage_model.json``)."""
    return resource_json("linkage_model.json")


def name_key(values: pd.Series) -> pd.Series:
    """Make place or company names comparable: case, prefixes and punctuation removed.

    Examples
    --------
    >>> name_key(pd.Series(["Khum Prey  Ampil", "PREY-AMPIL", None])).tolist()
    ['prey ampil', 'prey ampil', None]
    """
    text = values.astype("string").str.normalize("NFKC").str.lower()
    text = text.str.replace(_ADMIN_WORDS, " ", regex=True)
    text = text.str.replace(r"[^\w\u1780-\u17FF]+", " ", regex=True)
    text = text.str.split().str.join(" ")
    text = text.where(text.fillna("").ne(""))
    return text.astype(object).where(text.notna(), None)


def linkage_input(recs: pd.DataFrame) -> pd.DataFrame:
    """Return the columns splink compares, one row per current record."""
    geom = recs.geometry
    lat, lon = geom.y.to_numpy(), geom.x.to_numpy()
    out = pd.DataFrame(
        {
            "unique_id": recs["record_key"].astype(str).to_numpy(),
            "source_dataset": recs["source"].astype(str).to_numpy(),
            "date": pd.to_datetime(recs["date"]).to_numpy(),
            "lat": lat,
            "lon": lon,
            "type": recs["type"].astype(object).where(recs["type"].notna(), None).to_numpy(),
            "households": pd.to_numeric(recs["households"]).astype("float64").to_numpy(),
        }
    )
    for col in ("province", "district", "commune", "village", "company"):
        out[f"{col}_key"] = name_key(recs[col].reset_index(drop=True)).to_numpy()
    khmer = recs["province"].fillna("").astype(str).str.contains(_KHMER).to_numpy()
    out["script"] = np.where(khmer, "km", "latin")
    out["cell"] = _cells(lat, lon, 0.0)
    out["cell2"] = _cells(lat, lon, _CELL / 2)
    out["year"] = pd.to_datetime(recs["date"]).dt.year.astype("Int64").to_numpy()
    return out


def _cells(lat: np.ndarray, lon: np.ndarray, shift: float) -> np.ndarray:
    i = np.floor((lat + shift) / _CELL).astype(np.int64)
    j = np.floor((lon + shift) / _CELL).astype(np.int64)
    return np.char.add(np.char.add(i.astype(str), "_"), j.astype(str))


def _comparisons(with_company: bool) -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    p = model()["comparisons"]

    def fitted(comp: Any, name: str) -> Any:
        return comp.configure(m_probabilities=p[name]["m"], u_probabilities=p[name]["u"])

    days = p["date"]["thresholds_days"]
    out = [
        fitted(
            cl.AbsoluteDateDifferenceAtThresholds(
                "date", input_is_string=False, metrics=["day"] * len(days), thresholds=days
            ),
            "date",
        ),
        fitted(
            cl.DistanceInKMAtThresholds("lat", "lon", p["location"]["thresholds_km"]), "location"
        ),
        fitted(
            cl.CustomComparison(
                output_column_name="admin",
                comparison_levels=[
                    cll.CustomLevel(
                        "province_key_l IS NULL OR province_key_r IS NULL OR script_l <> script_r",
                        "no comparable province",
                    ).configure(is_null_level=True),
                    cll.And(
                        cll.JaroWinklerLevel("commune_key", 0.92),
                        cll.JaroWinklerLevel("province_key", 0.9),
                    ).configure(label_for_charts="same commune"),
                    cll.And(
                        cll.JaroWinklerLevel("district_key", 0.92),
                        cll.JaroWinklerLevel("province_key", 0.9),
                    ).configure(label_for_charts="same district"),
                    cll.JaroWinklerLevel("province_key", 0.9).configure(
                        label_for_charts="same province"
                    ),
                    cll.ElseLevel().configure(label_for_charts="different province"),
                ],
            ),
            "admin",
        ),
        fitted(cl.ExactMatch("type"), "type"),
        fitted(
            cl.CustomComparison(
                output_column_name="households",
                comparison_levels=[
                    cll.NullLevel("households"),
                    cll.ExactMatchLevel("households"),
                    *(
                        cll.PercentageDifferenceLevel("households", w)
                        for w in p["households"]["within"]
                    ),
                    cll.ElseLevel(),
                ],
            ),
            "households",
        ),
        fitted(cl.JaroWinklerAtThresholds("village_key", p["village"]["jaro_winkler"]), "village"),
    ]
    if with_company:
        out.append(
            fitted(
                cl.JaroWinklerAtThresholds("company_key", p["company"]["jaro_winkler"]), "company"
            )
        )
    return out


def _blocking() -> list[Any]:
    from splink import block_on

    return [
        block_on("cell"),
        block_on("cell2"),
        block_on("commune_key", "year"),
        block_on("date", "province_key"),
    ]


def find_duplicates(
    store: _db.Store,
    *,
    threshold: float = 0.5,
    sources: list[str] | None = None,
    seed: int = 1,
) -> pd.DataFrame:
    """Find pairs of records from different sources that may be the same event.

    Returns
    -------
    pandas.DataFrame
        ``source_a, id_a, source_b, id_b, score`` (the match probability, 0-1), then the
        evidence per field: the two values, the level splink put the pair in and that level's
        weight (``*_weight``, in bits: positive for the same event), and ``distance_km``;
        sorted by score, highest first. ``attrs["model"]`` holds the parameters used.
    """
    recs = records(store)
    if sources:
        recs = recs[recs["source"].isin(sources)]
    data = linkage_input(recs.reset_index(drop=True))
    if data["source_dataset"].nunique() < 2:
        return _empty_pairs()
    linker, note = _linker(data, seed=seed)
    predicted = linker.inference.predict(threshold_match_probability=threshold)
    pairs = predicted.as_pandas_dataframe()
    labels = _level_labels(linker)
    out = _evidence(pairs, labels, recs)
    out = _not_decided(store, out)
    out = out.sort_values(
        ["score", "source_a", "id_a", "id_b"], ascending=[False, True, True, True]
    ).reset_index(drop=True)
    out.attrs["model"] = note
    return out


def _linker(data: pd.DataFrame, *, seed: int) -> tuple[Any, dict[str, Any]]:
    from splink import DuckDBAPI, Linker, SettingsCreator

    logging.getLogger("splink").addHandler(logging.NullHandler())
    sizes = data.groupby("source_dataset").size()
    cross = (sizes.sum() ** 2 - (sizes**2).sum()) / 2
    prior = float(min(0.5, model()["expected_share"] * sizes.min() / max(cross, 1)))
    with_company = bool(data["company_key"].notna().any())
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(with_company),
        blocking_rules_to_generate_predictions=_blocking(),
        probability_two_random_records_match=prior,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
    db = DuckDBAPI()
    tables = [
        db.register(frame.reset_index(drop=True), dataset_display_name=f"source_{i}")
        for i, (_, frame) in enumerate(data.groupby("source_dataset", sort=True))
    ]
    linker = Linker(tables, settings, log_level=None)
    note = {"prior": prior, "u": "model file", "records": len(data), "sources": len(sizes)}
    if len(data) >= model()["estimate_u_min_records"]:
        linker.training.estimate_u_using_random_sampling(
            max_pairs=model()["estimate_u_max_pairs"], seed=seed
        )
        note["u"] = "estimated from the register by random sampling"
    return linker, note


def _level_labels(linker: Any) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for comp in linker._settings_obj.comparisons:  # noqa: SLF001 - labels of the levels
        out[comp.output_column_name] = {
            lvl.comparison_vector_value: lvl.label_for_charts for lvl in comp.comparison_levels
        }
    return out


def _evidence(
    pairs: pd.DataFrame, labels: dict[str, dict[int, str]], recs: pd.DataFrame
) -> pd.DataFrame:
    first = pairs["source_dataset_l"] <= pairs["source_dataset_r"]
    a = np.where(first, pairs["unique_id_l"], pairs["unique_id_r"])
    b = np.where(first, pairs["unique_id_r"], pairs["unique_id_l"])
    sa, ia = _split(a)
    sb, ib = _split(b)
    out = pd.DataFrame(
        {
            "source_a": sa,
            "id_a": ia,
            "source_b": sb,
            "id_b": ib,
            "score": pairs["match_probability"].round(6).to_numpy(),
        }
    )
    info = recs.set_index("record_key")
    for side, keys in (("a", a), ("b", b)):
        sub = info.reindex(keys)
        for col in ("date", "type", "households", "commune", "village"):
            out[f"{col}_{side}"] = sub[col].to_numpy()
    pa = info.reindex(a).geometry
    pb = info.reindex(b).geometry
    out["distance_km"] = _haversine(
        pa.y.to_numpy(), pa.x.to_numpy(), pb.y.to_numpy(), pb.x.to_numpy()
    ).round(3)
    names = {
        "date": "date",
        "lat_lon": "location",
        "admin": "admin",
        "type": "type",
        "households": "households",
        "village_key": "village",
        "company_key": "company",
    }
    for col, name in names.items():
        if f"gamma_{col}" not in pairs.columns:
            continue
        out[f"{name}_level"] = pairs[f"gamma_{col}"].map(labels[col]).to_numpy()
        out[f"{name}_weight"] = pairs[f"mw_{col}"].round(3).to_numpy()
    return out


def _split(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    parts = pd.Series(keys, dtype=str).str.split(":", n=1, expand=True)
    return parts[0].to_numpy(), parts[1].to_numpy()


def _haversine(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


def _not_decided(store: _db.Store, out: pd.DataFrame) -> pd.DataFrame:
    """Drop pairs already in one event and pairs a reviewer marked distinct."""
    import sqlalchemy as sa

    if out.empty:
        return out
    d = store.tables["decisions"]
    with _db.read(store) as conn:
        events = _events.grouping(conn, store.tables)
        dec = pd.DataFrame(
            conn.execute(sa.select(d.c.decision_id, d.c.op, d.c.record_a, d.c.record_b)).all(),
            columns=["decision_id", "op", "record_a", "record_b"],
        )
    ka = out["source_a"] + ":" + out["id_a"]
    kb = out["source_b"] + ":" + out["id_b"]
    same = events.reindex(ka).to_numpy() == events.reindex(kb).to_numpy()
    latest = dec.sort_values("decision_id").drop_duplicates(["record_a", "record_b"], keep="last")
    distinct = latest[latest["op"] == "distinct"]
    apart = set(zip(distinct["record_a"], distinct["record_b"], strict=True))
    low, high = np.minimum(ka, kb), np.maximum(ka, kb)
    marked = np.array([(x, y) in apart for x, y in zip(low, high, strict=True)], dtype=bool)
    return out[~(same | marked)]


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c == "score" else object) for c in PAIR_COLUMNS}
    )


__all__ = ["PAIR_COLUMNS", "find_duplicates", "linkage_input", "model", "name_key"]
