"""Briefing maps: page sizes, dpi, fonts embedded, languages, extents, privacy, labels."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from landmap.errors import DataValueError, ExportError, PrivacyError
from landmap.privacy import publish
from landmap.render.briefing import layout as layout
from landmap.render.briefing.background import default_provinces, hillshade
from landmap.render.briefing.extent import resolve_extent
from landmap.render.briefing.options import Drawing, Paper
from landmap.render.briefing.page import briefing_map, briefing_maps
from landmap.schema import CAMBODIA_METRIC_CRS

MM_PT = 72 / 25.4
SECRET_NAME = "SYNTHETIC Person 0042"


@pytest.fixture(scope="module")
def layers():
    """A few concessions, a community forest and cases in Mondulkiri (all synthetic)."""
    concessions = gpd.GeoDataFrame(
        {
            "concession_id": pd.array(["E1", "E2"], dtype="string"),
            "name": pd.array(["Rubber <b>&</b> Co", "ក្រុមហ៊ុនរ៉ែ"], dtype="string"),
            "kind": pd.array(["ELC", "mining"], dtype="string"),
        },
        geometry=[
            shapely.box(107.05, 12.2, 107.25, 12.38),
            shapely.box(107.3, 12.45, 107.45, 12.6),
        ],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {"area_id": ["A1"], "name": ["Prey Lang CF"], "kind": ["community forest"]},
        geometry=[shapely.box(107.2, 12.3, 107.35, 12.5)],
        crs="EPSG:4326",
    )
    rng = np.random.default_rng(7)
    n = 8
    cases = gpd.GeoDataFrame(
        {
            "case_id": pd.array([f"C{i}" for i in range(n)], dtype="string"),
            "type": pd.array(rng.choice(["eviction", "land grab", "violence"], n), dtype="string"),
            "households": pd.array(rng.integers(1, 120, n), dtype="Int64"),
            "complainant_name": [SECRET_NAME] * n,
            "phone": ["+855 00 012 3456"] * n,
        },
        geometry=gpd.points_from_xy(rng.uniform(107.1, 107.4, n), rng.uniform(12.25, 12.55, n)),
        crs="EPSG:4326",
    )
    cases.attrs["landmap"] = {"kind": "cases", "source": "synthetic_cases.csv"}
    return {"cases": cases, "areas": areas, "concessions": concessions}


def _pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def _pdf_fonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[2:]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "paper", "orientation"),
    [
        ("en", "A4", "landscape"),
        ("km", "A3", "portrait"),
        ("both", "A4", "portrait"),
    ],
)
def test_png_and_pdf_pages(tmp_path, layers, lang, paper, orientation):
    png, pdf = briefing_maps(
        [tmp_path / "map.png", tmp_path / "map.pdf"],
        **layers,
        extent="Mondulkiri",
        lang=lang,
        profile="internal",
        paper=Paper(size=paper, orientation=orientation, dpi=40),
        drawing=Drawing(relief=lang == "en"),
    )
    w_mm, h_mm = layout.PAPER_MM[paper]
    if orientation == "landscape":
        w_mm, h_mm = h_mm, w_mm
    with Image.open(png) as image:
        assert abs(image.width - w_mm / 25.4 * 40) <= 1
        assert abs(image.height - h_mm / 25.4 * 40) <= 1
        assert image.info["dpi"] == pytest.approx((40, 40), abs=0.01)
        assert image.info["Description"].startswith("CONFIDENTIAL")
    size = re.findall(r"[\d.]+", _pdf_info(pdf)["Page size"])
    assert float(size[0]) == pytest.approx(w_mm * MM_PT, abs=0.5)
    assert float(size[1]) == pytest.approx(h_mm * MM_PT, abs=0.5)
    fonts = _pdf_fonts(pdf)
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded
    khmer = [line for line in fonts if "NotoSansKhmer" in line]  # the font installed with landmap
    if lang == "en":
        assert not khmer  # the Khmer font is only needed for Khmer text
    else:
        assert khmer and "TrueType" in khmer[0]  # embedded as outlines, not a bitmap
    provenance = json.loads((tmp_path / "map.pdf.provenance.json").read_text("utf-8"))
    assert provenance["parameters"]["lang"] == lang
    assert isinstance(provenance["omitted"], list)
    # an internal map says so on the page, in the PDF metadata and in its audit
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    if lang != "km":
        assert "CONFIDENTIAL" in text
    assert "CONFIDENTIAL" in _pdf_info(pdf)["Subject"]
    audit = json.loads((tmp_path / "map.pdf.audit.json").read_text("utf-8"))
    assert audit["confidential"] is True and audit["columns_removed"] == {}


def test_full_resolution_png_has_300_dpi(tmp_path, layers):
    out = briefing_map(
        tmp_path / "brief.png",
        **layers,
        extent="Mondulkiri",
        lang="both",
        profile="internal",
        drawing=Drawing(labels=False),
    )
    with Image.open(out) as image:
        assert image.size == (3508, 2480)  # A4 landscape at 300 dpi
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        # not a blank page: the map, legend and text cover a good part of it
        grey = np.asarray(image.convert("L").reduce(8))
        assert (grey < 250).mean() > 0.3


def test_public_map_refuses_raw_cases(tmp_path, layers):
    """A public briefing map takes case points only from the privacy gate."""
    with pytest.raises(PrivacyError, match="was given raw case data.*landmap.publish"):
        briefing_map(tmp_path / "public.pdf", **layers, extent="Mondulkiri", paper=Paper(dpi=40))
    assert not list(tmp_path.iterdir())


def test_public_map_masks_cases_and_writes_the_audit(tmp_path, layers):
    published = publish(layers["cases"], kind="cases", seed=3)
    out = briefing_map(
        tmp_path / "public.pdf",
        **{**layers, "cases": published},
        extent="Mondulkiri",
        paper=Paper(dpi=40),
    )
    audit = json.loads(Path(str(out) + ".audit.json").read_text("utf-8"))
    assert audit["profile"] == "public"
    assert "complainant_name" in audit["columns_removed"]
    provenance = json.loads(Path(str(out) + ".provenance.json").read_text("utf-8"))
    assert any("complainant_name" in item for item in provenance["omitted"])
    assert any("displaced" in item for item in provenance["omitted"])
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Public version" in text
    assert SECRET_NAME not in text and SECRET_NAME.encode() not in out.read_bytes()


def test_extent_by_province_in_english_or_khmer_and_spelling_variants():
    provinces = default_provinces().to_crs(CAMBODIA_METRIC_CRS)
    en, text = resolve_extent("Mondulkiri", boundaries=provinces)
    km, _ = resolve_extent("មណ្ឌលគិរី", boundaries=provinces)
    spaced, _ = resolve_extent("mondul kiri province", boundaries=provinces)
    assert en == km == spaced
    assert text == {"en": "Mondul Kiri", "km": "មណ្ឌលគិរី"}
    assert resolve_extent("Tbong Khmum", boundaries=provinces)[1]["en"] == "Tboung Khmum"
    kampot, _ = resolve_extent("Kampot", boundaries=provinces)
    assert kampot[0] < en[0]  # Kampot lies west of Mondulkiri


def test_extent_by_concession_case_ids_and_box(layers):
    metric = {k: v.to_crs(CAMBODIA_METRIC_CRS) for k, v in layers.items()}
    by_id, name = resolve_extent("E2", **metric)
    by_name, _ = resolve_extent("ក្រុមហ៊ុនរ៉ែ", **metric)
    assert by_id == by_name and name == "ក្រុមហ៊ុនរ៉ែ"
    e2 = metric["concessions"].geometry.iloc[1]
    assert shapely.box(*by_id).contains(e2)
    assert shapely.box(*by_id).area < 4 * e2.area
    ids, _ = resolve_extent(["C1", "C2"], **metric)
    assert shapely.box(*ids).contains(metric["cases"].geometry.iloc[1])
    box, _ = resolve_extent((107.0, 12.0, 107.5, 12.6))
    assert box[2] - box[0] == pytest.approx(54_500, rel=0.02)  # 0.5° of longitude at 12.3°N


@pytest.mark.parametrize("bad", ["Atlantis", ["no-such-id"], (108, 12, 107, 13), 42])
def test_unknown_extent_is_a_clear_error(layers, bad):
    metric = {k: v.to_crs(CAMBODIA_METRIC_CRS) for k, v in layers.items()}
    provinces = default_provinces().to_crs(CAMBODIA_METRIC_CRS)
    with pytest.raises(DataValueError, match="province|ids|box|extent"):
        resolve_extent(bad, boundaries=provinces, **metric)


def test_unknown_language_paper_and_format(tmp_path, layers):
    with pytest.raises(DataValueError, match="language"):
        briefing_map(tmp_path / "x.png", **layers, lang="fr", profile="internal")
    with pytest.raises(DataValueError, match="paper size"):
        layout.paper_inches("Letter", "portrait")
    with pytest.raises(DataValueError, match=r"\.png or \.pdf"):
        briefing_map(tmp_path / "x.svg", **layers, profile="internal")
    assert list(tmp_path.iterdir()) == []


def test_web_basemap_is_never_silently_skipped(tmp_path, layers):
    # contextily is an optional extra and the tests run offline: either way, a clear error
    with pytest.raises(ExportError, match="basemap"):
        briefing_map(
            tmp_path / "web.png",
            **layers,
            profile="internal",
            drawing=Drawing(basemap="osm", relief=False, labels=False),
            paper=Paper(dpi=30),
        )
    assert not (tmp_path / "web.png").exists()


def test_sources_name_the_data_and_the_background(tmp_path, layers):
    out = briefing_map(
        tmp_path / "s.png",
        **layers,
        profile="internal",
        paper=Paper(dpi=30),
        drawing=Drawing(labels=False),
    )
    sources = json.loads(Path(f"{out}.provenance.json").read_text("utf-8"))["sources"]
    assert any("SYNTHETIC" in line for line in sources)  # from the cases' provenance
    assert any("Royal Government of Cambodia" in line for line in sources)  # provinces
    assert any("geoBoundaries" in line for line in sources)  # the inset's outline
    assert any("USGS" in line for line in sources)  # hillshade


def test_scale_bar_is_true_at_the_map_latitude():
    k, convergence = layout.local_factors(700_000, 1_370_000)  # near Sen Monorom
    assert 0.9996 < k < 1.001
    assert 0 < convergence < 1.5  # east of the central meridian 105°E: grid north leans west
    assert layout.nice_length_km(100.0) == 20.0
    assert layout.nice_length_km(7.0) == 1.0


def test_labels_do_not_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    crowd = [
        layout.Label(50 + i * 0.1, 50, f"Concession number {i}", priority=i) for i in range(30)
    ]
    placed, dropped = layout.place_labels(fig, ax, crowd, family=["DejaVu Sans"])
    assert 1 <= len(placed) <= 6 and dropped == 30 - len(placed)
    assert placed[0].get_text() == "Concession number 29"  # highest priority first
    boxes = [t.get_window_extent() for t in placed]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_hillshade_lights_north_west_slopes():
    y, x = np.mgrid[0:50, 0:50].astype(float)
    facing_nw = (x + y) * 10.0  # rises to the south-east: its slope faces north-west
    facing_se = -facing_nw
    lit = hillshade(facing_nw, cellsize=(100.0, 100.0)).mean()
    shaded = hillshade(facing_se, cellsize=(100.0, 100.0)).mean()
    assert lit > shaded + 0.3


def test_an_interrupted_render_leaves_no_file(tmp_path, layers, monkeypatch):
    from matplotlib.figure import Figure

    def broken(self, fname, **kwargs):
        Path(fname).write_bytes(b"%PDF-1.4 half a page")
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(Exception, match="disk full"):
        briefing_map(
            tmp_path / "half.pdf",
            **layers,
            profile="internal",
            paper=Paper(dpi=40),
            drawing=Drawing(relief=False, labels=False),
        )
    assert [p.name for p in tmp_path.iterdir()] == []
