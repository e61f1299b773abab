"""Khmer text in briefing maps: shaping (glyph order, subscripts), rendering, font lookup."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from landmap.errors import AssetError
from landmap.render import fonts
from landmap.render.briefing.options import Drawing, Paper

REFERENCE = Path(__file__).parent / "reference" / "khmer_word.png"
WORD = "ខ្មែរ"  # "Khmer": KHA, COENG, MO, vowel sign AE (drawn before KHA), RO


def render_word(text: str) -> np.ndarray:
    """Render ``text`` in the Khmer font, 36 pt at 100 dpi, as a grey-level array (0..1)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(2.0, 0.9))
    FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, text, family=fonts.font_families(text), fontsize=36)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return np.asarray(Image.open(buf).convert("L"), dtype="float64") / 255.0


def test_shaping_reorders_the_vowel_and_uses_the_subscript_form():
    glyphs = [name.lower() for name in fonts.shaped_glyphs(WORD)]
    cmap = [f"uni{ord(ch):04x}" for ch in WORD]  # one glyph per code point: what unshaped text is
    assert glyphs != cmap
    assert any(_subscript(name) for name in glyphs), glyphs  # subscript MO
    assert "uni17d2" not in glyphs  # the bare COENG sign is never drawn
    # the vowel sign AE (U+17C2) is drawn first, before KHA (U+1781), though typed after it
    assert glyphs.index("uni17c2") < glyphs.index("uni1781")


def _subscript(name: str) -> bool:
    """A subscript consonant: ``uni1798.sub`` (Khmer OS) or ``uni17D21798`` (Noto Sans Khmer)."""
    return name.endswith(".sub") or (name.startswith("uni17d2") and len(name) > 7)


def test_shaping_of_a_coeng_ro_cluster():
    glyphs = [name.lower() for name in fonts.shaped_glyphs("ស្ត្រី")]  # SA + sub TA + sub RO + II
    assert sum(_subscript(name) for name in glyphs) >= 1
    assert glyphs[0] != "uni179f"  # COENG RO is a pre-base form: SA is not first


@pytest.mark.parametrize(
    ("word", "vowel", "base"),
    [
        ("ភ្នំពេញ", "uni17c1", "uni1796"),  # Phnom Penh: vowel E before PO
        ("សៀមរាប", "uni17c1", "uni179f"),  # Siem Reap: the split vowel IE puts its E before SA
        ("ខេត្ត", "uni17c1", "uni1781"),  # province: E before KHA, then a subscript TA
    ],
)
def test_pre_base_vowels_are_drawn_before_their_consonant(word, vowel, base):
    glyphs = [name.lower() for name in fonts.shaped_glyphs(word)]
    assert glyphs.index(vowel) < glyphs.index(base), glyphs
    assert "uni17d2" not in glyphs


def test_shaping_matches_the_font_matplotlib_draws_with():
    # the same text in the Khmer font and in a Latin-only font: the shaping uses the font given
    latin = fonts.shaped_glyphs("ខ្មែរ", font=_dejavu())
    assert latin != fonts.shaped_glyphs("ខ្មែរ")
    assert fonts.shaped_glyphs("Map", font=_dejavu()) == ["M", "a", "p"]


def _dejavu() -> str:
    from matplotlib import font_manager

    return font_manager.findfont(fonts.LATIN_FAMILY, fallback_to_default=False)


def test_rendering_matches_the_reference_and_a_wrong_word_does_not():
    reference = (
        np.asarray(
            __import__("PIL.Image", fromlist=["Image"]).open(REFERENCE).convert("L"),
            dtype="float64",
        )
        / 255.0
    )
    shaped = render_word(WORD)
    assert shaped.shape == reference.shape
    assert np.abs(shaped - reference).mean() < 0.01
    # the same letters without COENG (no subscript) must look clearly different: the comparison
    # can fail
    unshaped = render_word("ខមែរ")
    assert np.abs(unshaped - reference).mean() > 3 * np.abs(shaped - reference).mean() + 0.01


def test_has_khmer():
    assert fonts.has_khmer("Eviction / ការបណ្តេញចេញ")
    assert not fonts.has_khmer("Eviction")


def test_english_text_needs_no_khmer_font():
    assert fonts.font_families("Scale") == [fonts.LATIN_FAMILY]
    assert fonts.font_families("មាត្រដ្ឋាន")[-1] == fonts.khmer_family()


def test_a_font_without_khmer_gives_an_error_naming_the_fix(monkeypatch):
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv(fonts.FONT_ENV, str(dejavu))
    fonts.khmer_font_path.cache_clear()
    try:
        with pytest.raises(AssetError, match="pip install fontpkg-noto-sans-khmer"):
            fonts.khmer_font_path()
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.khmer_font_path.cache_clear()
    assert fonts.khmer_font_path().is_file()


def test_a_khmer_map_without_a_khmer_font_fails_clearly_an_english_one_does_not(
    tmp_path, monkeypatch
):
    import json

    import geopandas as gpd
    import matplotlib
    import shapely

    from landmap.render.briefing.page import briefing_map

    concessions = gpd.GeoDataFrame(
        {"concession_id": ["E1"], "name": ["Rubber"], "kind": ["ELC"]},
        geometry=[shapely.box(107.0, 12.3, 107.2, 12.5)],
        crs=4326,
    )
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv(fonts.FONT_ENV, str(dejavu))
    fonts.khmer_font_path.cache_clear()
    fonts.khmer_family.cache_clear()
    try:
        with pytest.raises(AssetError, match="pip install fontpkg-noto-sans-khmer"):
            briefing_map(
                tmp_path / "km.png",
                concessions=concessions,
                lang="km",
                paper=Paper(dpi=20),
                drawing=Drawing(relief=False, labels=False),
            )
        assert not (tmp_path / "km.png").exists()
        out = briefing_map(
            tmp_path / "en.png",
            concessions=concessions,
            lang="en",
            paper=Paper(dpi=20),
            drawing=Drawing(relief=False, labels=False),
        )
        omitted = json.loads(Path(f"{out}.provenance.json").read_text("utf-8"))["omitted"]
        assert any("Khmer script" in item for item in omitted)
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.khmer_font_path.cache_clear()
        fonts.khmer_family.cache_clear()


def test_the_installed_matplotlib_shapes_text():
    assert fonts.require_shaping()
