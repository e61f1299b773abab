"""Matching place names to gazetteer codes: 100,000 register rows, and the obvious alternative.

python benchmarks/bench_places.py [--rows 100000] [--sample 1000] [--seed 7]

Builds a register of names the way monitors write them (official names of random villages,
communes and districts, in Khmer or Latin, with prefixes, Kompong / Kg., Phnom, Stung, capitals
and stray spaces; about a fifth of the rows give the commune or district only), then:

- landmap: ``landmap.places.match_places`` on all rows, from a cold start (gazetteer built,
  every cache empty; with and without the per-row ``detail`` line the load report quotes),
  and again warm (the gazetteer and the per-name caches kept, as in a session that loads a
  second register);
- plain rapidfuzz: ``rapidfuzz.process.extractOne`` of each row's names joined into one string
  against every unit of the gazetteer written the same way ("village, commune, district,
  province", Khmer and English), with ``fuzz.WRatio``: what one would write first. It is run on
  ``--sample`` rows and its time scaled to all rows.

Prints seconds, microseconds per row, the ratio, and how many rows each got right (the finest
unit named, by its code).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

SWAPS = [
    ("Kampong", ["Kompong", "Kg.", "Kampong"]),
    ("Phnum", ["Phnom", "Phnum"]),
    ("Stueng", ["Stung", "Steung"]),
    ("Preaek", ["Prek", "Preaek"]),
    ("Boeng", ["Boeung", "Boeng"]),
    ("Kaoh", ["Koh", "Kaoh"]),
    ("Tuol", ["Toul", "Tuol"]),
]
PREFIX = {
    "en": {
        "province": ["", "Khet "],
        "district": ["", "Srok "],
        "commune": ["", "Khum "],
        "village": ["", "Phum "],
    },
    "km": {
        "province": ["", "ខេត្ត"],
        "district": ["", "ស្រុក"],
        "commune": ["", "ឃុំ"],
        "village": ["", "ភូមិ"],
    },
}
LEVELS = ("province", "district", "commune", "village")


def spell(name: str, level: str, lang: str, rng: np.random.Generator) -> str:
    """A name as a monitor might type it."""
    if lang == "en":
        for canonical, options in SWAPS:
            if canonical in name:
                name = name.replace(canonical, options[rng.integers(len(options))])
    prefixes = PREFIX[lang][level]
    text = prefixes[rng.integers(len(prefixes))] + name
    roll = rng.random()
    if lang == "en" and roll < 0.1:
        text = text.upper()
    elif roll < 0.2:
        text = f" {text}  "
    return text


def register(rows: int, seed: int):
    """``rows`` rows of names and the code each row names."""
    from landmap.places import gazetteer

    g = gazetteer()
    villages = g.units["village"]
    usable = np.flatnonzero([c is not None for c in villages.codes])
    rng = np.random.default_rng(seed)
    places = rng.choice(usable, size=rows // 4)  # each place written about four ways
    picks = places[rng.integers(0, len(places), size=rows)]
    depth = rng.choice([4, 3, 2], size=rows, p=[0.8, 0.12, 0.08])
    lang = np.where(rng.random(rows) < 0.35, "km", "en")
    table = {lv: [""] * rows for lv in LEVELS}
    truth = []
    for r in range(rows):
        code = villages.codes[picks[r]]
        for k, level in enumerate(LEVELS[: depth[r]]):
            unit = code[: 2 * (k + 1)]
            table[level][r] = spell(g.name(unit, lang[r]), level, lang[r], rng)
        truth.append(code[: 2 * depth[r]])
    return pd.DataFrame(table), np.array(truth, dtype=object)


def landmap_match(frame: pd.DataFrame, *, cold: bool, detail: bool = True):
    from landmap.places import _gazetteer, _match, _normalise, match_places

    if cold:
        _gazetteer.gazetteer.cache_clear()
        _match._matcher.cache_clear()
        _normalise.name_key.cache_clear()
        _match._TEMPLATES.clear()
    start = time.perf_counter()
    out = match_places(frame, detail=detail)
    return time.perf_counter() - start, out["admin_code"].fillna("").to_numpy(dtype=object)


def plain_rapidfuzz(frame: pd.DataFrame):
    from rapidfuzz import fuzz, process

    from landmap.places import gazetteer

    g = gazetteer()
    choices, codes = [], []
    for level in LEVELS:
        for code in g.units[level].codes:
            if code is None:
                continue
            for lang in ("en", "km"):
                parts = [g.name(code[:n], lang) for n in range(len(code), 0, -2)]
                choices.append(", ".join(parts))
                codes.append(code)
    queries = [
        ", ".join(v for v in reversed(row) if v.strip()) for row in frame.itertuples(index=False)
    ]
    start = time.perf_counter()
    got = [codes[process.extractOne(q, choices, scorer=fuzz.WRatio)[2]] for q in queries]
    return time.perf_counter() - start, np.array(got, dtype=object)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    frame, truth = register(args.rows, args.seed)
    distinct = len(frame.drop_duplicates())
    print(f"register: {args.rows:,} rows, {distinct:,} distinct name combinations")

    codes_only, _ = landmap_match(frame, cold=True, detail=False)
    cold, got = landmap_match(frame, cold=True)
    warm, _ = landmap_match(frame, cold=False)
    right = (got == truth).mean()
    coarser = np.mean(
        [g != t and bool(g) and t.startswith(g) for g, t in zip(got, truth, strict=True)]
    )
    print(
        f"landmap.places  codes only, cold {codes_only:5.2f} s  "
        f"{codes_only / args.rows * 1e6:6.1f} us/row (no per-row detail line)"
    )
    print(
        f"landmap.places  cold {cold:6.2f} s  {cold / args.rows * 1e6:7.1f} us/row   "
        f"warm {warm:5.2f} s  {warm / args.rows * 1e6:6.1f} us/row   "
        f"right {right:.2%}, a parent unit {coarser:.2%}, wrong or none "
        f"{1 - right - coarser:.2%}"
    )

    sample = np.random.default_rng(args.seed).choice(args.rows, size=args.sample, replace=False)
    seconds, got_plain = plain_rapidfuzz(frame.iloc[sample])
    per_row = seconds / args.sample
    plain_right = (got_plain == truth[sample]).mean()
    mine_right = (got[sample] == truth[sample]).mean()
    print(
        f"plain extractOne {per_row * args.rows:6.1f} s  {per_row * 1e6:7.1f} us/row "
        f"(timed on {args.sample:,} rows, scaled)   right {plain_right:.2%} "
        f"(landmap on the same rows: {mine_right:.2%})"
    )
    print(f"ratio: plain extractOne / landmap cold = {per_row * args.rows / cold:.0f}x")


if __name__ == "__main__":
    main()
