"""Generate two SYNTHETIC partner registers that share a known set of events.

Every row is SYNTHETIC: the events are drawn from landmap's synthetic case register
(``data/synthetic_cases.csv``, itself made by ``make_synthetic_cases.py``), and no name, phone
number or company belongs to a real person or firm. Two imaginary monitoring groups recorded
some of the same events, each in its own way:

* ``partner_a_cases.csv`` -- "SYNTHETIC Partner A": English headers of its own (``Ref No``,
  ``Incident date``, ``Families affected``, ``GPS latitude``...), dates ``dd/mm/yyyy``, exact
  household counts, a complainant name and phone (fake by construction);
* ``partner_b_cases.csv`` -- "SYNTHETIC Partner B": Khmer headers (``លេខករណី``,
  ``កាលបរិច្ឆេទ``, ``ចំនួនគ្រួសារ``, ``រយៈទទឹង``...), ISO dates, case types and statuses in
  Khmer, households rounded to the nearest 5 or 10, place and company names spelt differently.

For the events both recorded (``partner_shared_events.csv``: ``id_a``, ``id_b``), Partner B's
date is shifted by up to a week (a tenth by up to three weeks), its point moved 50 m to 1.5 km,
its households rounded, and one in eight has a neighbouring case type. Events only one partner
recorded include near neighbours of the shared ones (same commune, other dates), so a duplicate
finder has real work to do.

Run from the repository root (deterministic)::

    .venv/bin/python scripts/make_partner_registers.py            # writes data/
    .venv/bin/python scripts/make_partner_registers.py --out DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SEED = 20241117
N_SHARED, N_ONLY_A, N_ONLY_B = 180, 420, 270
KHMER_TYPE = {
    "eviction": "ការបណ្តេញចេញ",
    "threat of eviction": "ការគំរាមបណ្តេញចេញ",
    "land grab": "ការរំលោភយកដី",
    "violence": "អំពើហិង្សា",
    "arrest or harassment of defenders": "ការចាប់ខ្លួន ឬយាយីអ្នកការពារសិទ្ធិ",
    "other": "ផ្សេងៗ",
}
KHMER_STATUS = {
    "reported": "បានរាយការណ៍",
    "ongoing": "កំពុងបន្ត",
    "resolved": "បានដោះស្រាយ",
    "closed": "បានបិទ",
    "unknown": "មិនដឹង",
}
NEIGHBOUR_TYPE = {
    "eviction": "threat of eviction",
    "threat of eviction": "eviction",
    "land grab": "eviction",
    "violence": "arrest or harassment of defenders",
    "arrest or harassment of defenders": "violence",
    "other": "land grab",
}
SPELLING = (
    ("Kampong", "Kompong"),
    ("Kaoh", "Koh"),
    ("Prey", "Prei"),
    ("Chong", "Chung"),
    ("Phnum", "Phnom"),
    ("Ou ", "O "),
    ("Tuol", "Toul"),
    ("Srae", "Sre"),
)
COMPANY_WORDS = ("Agro", "Rubber", "Sugar", "Timber", "Development", "Mining", "Plantation")
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
B_HEADERS = {
    "id": "លេខករណី",
    "date": "កាលបរិច្ឆេទ",
    "type": "ប្រភេទករណី",
    "status": "ស្ថានភាព",
    "households": "ចំនួនគ្រួសារ",
    "province": "ខេត្ត",
    "district": "ស្រុក",
    "commune": "ឃុំ",
    "village": "ភូមិ",
    "lat": "រយៈទទឹង",
    "lon": "រយៈបណ្តោយ",
    "company": "ក្រុមហ៊ុន",
    "name": "ឈ្មោះអ្នកដាក់ពាក្យ",
    "note": "កំណត់សម្គាល់",
}


def _base(rng: np.random.Generator) -> pd.DataFrame:
    """Clean events from the synthetic register (no faulty row), with a synthetic company."""
    cases = pd.read_csv(ROOT / "data" / "synthetic_cases.csv", dtype=str)
    faults = pd.read_csv(ROOT / "data" / "synthetic_cases_faults.csv", dtype=str)
    cases = cases[~cases["case_id"].isin(faults["case_id"])].copy()
    cases["lat"] = pd.to_numeric(cases["latitude"], errors="coerce")
    cases["lon"] = pd.to_numeric(cases["longitude"], errors="coerce")
    cases["when"] = pd.to_datetime(cases["date_of_incident"], format="%d/%m/%Y", errors="coerce")
    cases = cases.dropna(subset=["lat", "lon", "when"]).drop_duplicates("case_id")
    n = len(cases)
    names = [f"SYNTHETIC {w} Co {i:02d}" for i in range(1, 21) for w in COMPANY_WORDS[i % 7 :][:1]]
    has = rng.random(n) < 0.55
    cases["company"] = np.where(has, rng.choice(names, n), None)
    cases["households"] = pd.to_numeric(cases["households"], errors="coerce")
    return cases.reset_index(drop=True)


def _respell(text: object, rng: np.random.Generator) -> object:
    if not isinstance(text, str) or rng.random() < 0.4:
        return text
    for a, b in SPELLING:
        text = text.replace(a, b)
    return text


def _round(hh: float, rng: np.random.Generator) -> object:
    if pd.isna(hh) or rng.random() < 0.08:
        return None
    step = 10 if hh >= 30 else 5
    return int(max(step, round(hh / step) * step)) if hh >= 5 else int(hh)


def partner_a(events: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Partner A's export: its own English headers, exact values."""
    n = len(events)
    return pd.DataFrame(
        {
            "SYNTHETIC": "SYNTHETIC - not a real case",
            "Ref No": [f"PA-{i:04d}" for i in range(1, n + 1)],
            "Incident date": events["when"].dt.strftime("%d/%m/%Y").to_numpy(),
            "Incident type": events["case_type"].to_numpy(),
            "Status": events["status"].to_numpy(),
            "Families affected": events["households"].astype("Int64").to_numpy(),
            "Province": events["province"].to_numpy(),
            "District": events["district"].to_numpy(),
            "Commune": events["commune"].to_numpy(),
            "Village": events["village"].to_numpy(),
            "GPS latitude": events["lat"].round(6).to_numpy(),
            "GPS longitude": events["lon"].round(6).to_numpy(),
            "Company": events["company"].to_numpy(),
            "Complainant": [f"SYNTHETIC Person A{i:04d}" for i in range(1, n + 1)],
            "Phone": [f"+855 00 {i // 10000:03d} {i % 10000:04d}" for i in range(1, n + 1)],
        }
    )


def partner_b(events: pd.DataFrame, shared: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Partner B's export: Khmer headers, shifted dates, moved points, rounded households."""
    n = len(events)
    days = np.where(rng.random(n) < 0.9, rng.integers(-7, 8, n), rng.integers(-21, 22, n))
    days = np.where(shared, days, 0)
    move = np.where(shared, rng.uniform(50, 1500, n), rng.uniform(0, 30, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    lat = events["lat"].to_numpy() + move * np.sin(angle) / 110_574
    lon = events["lon"].to_numpy() + move * np.cos(angle) / (
        111_320 * np.cos(np.radians(events["lat"].to_numpy()))
    )
    types = events["case_type"].to_numpy().copy()
    swap = shared & (rng.random(n) < 0.125)
    types[swap] = [NEIGHBOUR_TYPE.get(t, "other") for t in types[swap]]
    company = [
        None if not isinstance(c, str) else (c.upper().replace(" CO ", " COMPANY ") + " LTD")
        for c in events["company"]
    ]
    return pd.DataFrame(
        {
            "SYNTHETIC": "SYNTHETIC - not a real case",
            B_HEADERS["id"]: [f"B{i:05d}" for i in range(1, n + 1)],
            B_HEADERS["date"]: (events["when"] + pd.to_timedelta(days, unit="D"))
            .dt.strftime("%Y-%m-%d")
            .to_numpy(),
            B_HEADERS["type"]: [KHMER_TYPE.get(t, t) for t in types],
            B_HEADERS["status"]: [KHMER_STATUS.get(s, s) for s in events["status"]],
            B_HEADERS["households"]: pd.array(
                [_round(h, rng) for h in events["households"]], dtype="Int64"
            ),
            B_HEADERS["province"]: events["province"].to_numpy(),
            B_HEADERS["district"]: [_respell(v, rng) for v in events["district"]],
            B_HEADERS["commune"]: [_respell(v, rng) for v in events["commune"]],
            B_HEADERS["village"]: [_respell(v, rng) for v in events["village"]],
            B_HEADERS["lat"]: lat.round(6),
            B_HEADERS["lon"]: lon.round(6),
            B_HEADERS["company"]: company,
            B_HEADERS["name"]: [
                f"ឈ្មោះសាកល្បង {i:04d}".translate(KHMER_DIGITS) for i in range(1, n + 1)
            ],
            B_HEADERS["note"]: "SYNTHETIC",
        }
    )


def make(out: Path) -> dict[str, Path]:
    """Write both partners' files and the truth table into ``out``."""
    rng = np.random.default_rng(SEED)
    base = _base(rng)
    pick = rng.permutation(len(base))[: N_SHARED + N_ONLY_A + N_ONLY_B]
    shared = base.iloc[pick[:N_SHARED]]
    only_a = base.iloc[pick[N_SHARED : N_SHARED + N_ONLY_A]]
    only_b = base.iloc[pick[N_SHARED + N_ONLY_A :]]
    a_events = pd.concat([shared, only_a]).sample(frac=1, random_state=1)
    b_events = pd.concat([shared, only_b]).sample(frac=1, random_state=2)
    a = partner_a(a_events, rng)
    b_shared = b_events["case_id"].isin(shared["case_id"]).to_numpy()
    b = partner_b(b_events, b_shared, rng)
    a_id = dict(zip(a_events["case_id"], a["Ref No"], strict=True))
    b_id = dict(zip(b_events["case_id"], b[B_HEADERS["id"]], strict=True))
    truth = (
        pd.DataFrame(
            {
                "id_a": [a_id[c] for c in shared["case_id"]],
                "id_b": [b_id[c] for c in shared["case_id"]],
            }
        )
        .sort_values("id_a")
        .reset_index(drop=True)
    )
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "a": out / "partner_a_cases.csv",
        "b": out / "partner_b_cases.csv",
        "truth": out / "partner_shared_events.csv",
    }
    a.to_csv(files["a"], index=False)
    b.to_csv(files["b"], index=False)
    truth.to_csv(files["truth"], index=False)
    return files


def main() -> None:
    """Command line: write the two partner registers and the list of shared events."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    args = parser.parse_args()
    for name, path in make(args.out).items():
        print(f"{name}: {path} ({sum(1 for _ in path.open(encoding='utf-8')) - 1} rows)")


if __name__ == "__main__":
    main()
