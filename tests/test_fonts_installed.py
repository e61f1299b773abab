"""Khmer with no system fonts: the font installed with landmap draws the PDF and the HTML map.

The operating system's Khmer fonts are hidden twice: from landmap's font finder with
``LANDMAP_NO_SYSTEM_FONTS=1``, and from fontconfig (so from Chromium and ``fc-list``) with a
``FONTCONFIG_FILE`` that lists no system font folder, only matplotlib's own DejaVu fonts (Latin,
no Khmer: with no font at all Chromium refuses every web font, which no real device shows). What
Khmer is drawn then can only come from the Noto Sans Khmer installed with landmap
(``fontpkg-noto-sans-khmer``) and embedded in the outputs.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import CHROMIUM, CHROMIUM_ARGS

from landmap.errors import AssetError
from landmap.render import fonts
from landmap.render.maps import build_map, save_map, webfont

KHMER_WORD = "ខ្មែរ"
KHMER_NAME = "ព្រៃសហគមន៍អូរស្រែ"  # a community forest's name, as a label and in popups


@pytest.fixture(scope="module")
def no_system_fonts(tmp_path_factory) -> dict[str, str]:
    """Environment variables under which no system font is visible to landmap or fontconfig."""
    import matplotlib

    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{latin}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n",
        "utf-8",
    )
    return {
        fonts.NO_SYSTEM_FONTS_ENV: "1",
        "FONTCONFIG_FILE": str(conf),
        "FONTCONFIG_PATH": str(folder),
    }


def _fc_list(*args: str, env: dict[str, str] | None = None) -> list[str]:
    out = subprocess.run(
        ["fc-list", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return out.stdout.split()


def test_the_fontconfig_file_hides_every_system_font(no_system_fonts):
    listed = _fc_list("--format=%{file}\\n", env=no_system_fonts)
    assert listed and all("matplotlib" in path for path in listed)
    assert _fc_list(":charset=1780", env=no_system_fonts) == []  # nothing covers Khmer
    assert any("/usr/share/fonts" in p for p in _fc_list("--format=%{file}\\n"))


# --- the font finder ---------------------------------------------------------------------------


def test_the_finder_prefers_the_font_installed_with_landmap():
    bundled = fonts.bundled_khmer_font()
    assert bundled is not None and "fontpkg_noto_sans_khmer" in bundled.parts
    assert fonts.khmer_font_path() == bundled
    assert fonts.khmer_family() == fonts.BUNDLED_FAMILY


@pytest.fixture
def fresh_finder():
    fonts.khmer_font_path.cache_clear()
    fonts.khmer_family.cache_clear()
    yield
    fonts.khmer_font_path.cache_clear()
    fonts.khmer_family.cache_clear()


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_no_system_fonts_means_none_is_used(monkeypatch, fresh_finder, value):
    monkeypatch.setattr(fonts, "bundled_khmer_font", lambda: None)
    monkeypatch.setenv(fonts.NO_SYSTEM_FONTS_ENV, value)
    assert not fonts.system_fonts_allowed()
    with pytest.raises(
        AssetError,
        match="no font covering Khmer script was installed with "
        "landmap.*pip install fontpkg-noto-sans-khmer",
    ):
        fonts.khmer_font_path()


def test_system_fonts_are_a_fallback_only_when_allowed(monkeypatch, fresh_finder):
    monkeypatch.setattr(fonts, "bundled_khmer_font", lambda: None)
    monkeypatch.delenv(fonts.NO_SYSTEM_FONTS_ENV, raising=False)
    system = fonts._system_khmer_font()
    if system is None:  # a machine without fonts-khmeros: the finder says what to install
        with pytest.raises(AssetError, match="fontpkg-noto-sans-khmer"):
            fonts.khmer_font_path()
    else:
        assert fonts.khmer_font_path() == system


# --- the briefing PDF --------------------------------------------------------------------------

_BRIEFING = """
import sys
import geopandas as gpd, shapely
from landmap.render.briefing.options import Drawing, Paper
from landmap.render.briefing.page import briefing_map
from landmap.render import fonts
c = gpd.GeoDataFrame({"concession_id": ["E1"], "name": ["ក្រុមហ៊ុនរ៉ែ"], "kind": ["ELC"]},
                     geometry=[shapely.box(107.0, 12.3, 107.2, 12.5)], crs=4326)
briefing_map(sys.argv[1], concessions=c, lang="km", paper=Paper(dpi=30),
             drawing=Drawing(labels=True))
print(fonts.khmer_font_path())
"""


def _pdf_fonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[2:]


def test_briefing_pdf_embeds_the_installed_khmer_font_with_system_fonts_hidden(
    tmp_path, no_system_fonts
):
    pdf = tmp_path / "km.pdf"
    env = {**os.environ, **no_system_fonts, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    env.pop(fonts.FONT_ENV, None)
    run = subprocess.run(
        [sys.executable, "-c", _BRIEFING, str(pdf)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "fontpkg_noto_sans_khmer" in run.stdout
    khmer = [line for line in _pdf_fonts(pdf) if "NotoSansKhmer" in line]
    assert khmer, _pdf_fonts(pdf)
    name, kind, emb = khmer[0].split()[0], khmer[0].split()[1:3], khmer[0].split()[-5]
    assert "+" in name and emb == "yes"  # an embedded subset
    assert kind == ["CID", "TrueType"]  # outlines, not a bitmap
    assert not [line for line in _pdf_fonts(pdf) if "KhmerOS" in line]


# --- the interactive map -----------------------------------------------------------------------


def _khmer_map(tmp_path: Path, name: str = "km.html") -> Path:
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["A1"],
            "name": pd.array([KHMER_NAME], dtype="string"),
            "kind": ["community forest"],
        },
        geometry=[shapely.box(104.8, 11.5, 104.9, 11.6)],
        crs="EPSG:4326",
    )
    m = build_map(areas=areas, title=f"{KHMER_WORD} / Khmer", lang="km", profile="internal")
    return save_map(m, tmp_path / name)


def test_a_khmer_page_embeds_the_khmer_letters_as_woff2(tmp_path):
    page = _khmer_map(tmp_path).read_text("utf-8")
    assert page.count("@font-face") == 1 and webfont.FAMILY in page
    assert webfont.FONT_NOTICE in page
    data = page.split("data:font/woff2;base64,", 1)[1].split('"', 1)[0]
    woff2 = base64.b64decode(data)
    assert woff2[:4] == b"wOF2"
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(woff2))
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in KHMER_WORD + KHMER_NAME + "០១២៣៤៥៦៧៨៩")
    assert ord("A") not in cmap  # Latin stays with the reader's fonts
    assert "GSUB" in font and "fvar" not in font  # shaping kept; a static regular instance
    assert "Open Font License" in font["name"].getDebugName(13)


def test_a_page_without_khmer_carries_no_font(tmp_path):
    areas = gpd.GeoDataFrame(
        {"area_id": ["A1"], "name": ["Prey Lang"], "kind": ["community forest"]},
        geometry=[shapely.box(104.8, 11.5, 104.9, 11.6)],
        crs=4326,
    )
    page = save_map(
        build_map(areas=areas, title="English", lang="en"), tmp_path / "en.html"
    ).read_text("utf-8")
    assert "@font-face" not in page


def test_the_embedded_font_is_the_same_on_every_build():
    """The subset keeps the font's own date, so two builds of one map are the same file."""
    first = webfont.khmer_woff2()
    webfont.khmer_woff2.cache_clear()
    time.sleep(1.1)  # the font's 'modified' date counts whole seconds
    assert webfont.khmer_woff2() == first


def test_khmer_in_escaped_json_counts_as_khmer():
    assert webfont.has_khmer_text('{"n":"\\u1781"}')
    assert webfont.has_khmer_text("&#x1781;")
    assert not webfont.has_khmer_text("Kampong Cham &#x41;")


@pytest.fixture(scope="module")
def fontless_browser(browser, no_system_fonts):
    """A second headless Chromium that sees no system font (started by the session's Playwright).

    Same executable and flags as the ``browser`` fixture, with the fontconfig file above.
    """
    fontless = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, **no_system_fonts}
    )
    yield fontless
    fontless.close()


def _fonts_drawing(page, selector: str) -> list[dict]:
    """The fonts Chromium really drew a node's text with (DevTools: getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def _open(browser, path: Path):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    requests: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            requests.append(route.request.url),
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else route.abort(),
        ),
    )
    page = context.new_page()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.landmap && landmap.status.ready === true", timeout=30_000)
    page.evaluate("document.fonts.ready")
    return context, page, [u for u in requests if not u.startswith(("file:", "data:"))]


@pytest.mark.browser
def test_chromium_without_fonts_draws_the_khmer_title_with_the_embedded_font(
    tmp_path, fontless_browser
):
    path = _khmer_map(tmp_path)
    context, page, network = _open(fontless_browser, path)
    try:
        assert network == []
        title = page.text_content(".lm-title")
        assert KHMER_WORD in title
        drawn = _fonts_drawing(page, ".lm-title")
        khmer = [f for f in drawn if f["familyName"] == fonts.BUNDLED_FAMILY]
        assert khmer and khmer[0]["isCustomFont"] and khmer[0]["glyphCount"] >= 4, drawn
        assert page.evaluate(f"document.fonts.check('16px \"{webfont.FAMILY}\"', '{KHMER_WORD}')")
        # Khmer typed into the search box (letters that are nowhere else on the page) shows too
        family = page.evaluate(
            "getComputedStyle(document.querySelector('.lm-search input')).fontFamily"
        )
        assert family.startswith(f'"{webfont.FAMILY}"'), family
        page.evaluate(
            """(w) => { const s = document.createElement('span'); s.id = 'lm-typed';
            s.textContent = w; document.querySelector('.leaflet-container').appendChild(s); }""",
            "ឈ្មោះឆ្នាំ២០២៥",
        )  # no space: a space is Latin
        typed = _fonts_drawing(page, "#lm-typed")
        assert [f["familyName"] for f in typed] == [fonts.BUNDLED_FAMILY], typed
        # shaped: the subscript MO sits under KHA, so the word is narrower than its letters
        widths = page.evaluate(
            """(words) => words.map(w => { const s = document.createElement('span');
            s.textContent = w; document.querySelector('.leaflet-container').appendChild(s);
            const x = s.getBoundingClientRect().width; s.remove(); return x; })""",
            [KHMER_WORD, "ខមែរ"],
        )
        assert 0 < widths[0] < widths[1] * 0.95, widths
    finally:
        context.close()


@pytest.mark.browser
def test_without_the_embedded_font_the_same_page_has_no_khmer_font(tmp_path, fontless_browser):
    """The check above can fail: strip the @font-face and Chromium finds no Khmer font."""
    path = _khmer_map(tmp_path)
    page_text = path.read_text("utf-8")
    start = page_text.index('<style id="landmap-khmer-font">')
    end = page_text.index("</style>", start) + len("</style>")
    bare = tmp_path / "bare.html"
    bare.write_text(page_text[:start] + page_text[end:], "utf-8")
    context, page, _ = _open(fontless_browser, bare)
    try:
        drawn = _fonts_drawing(page, ".lm-title")
        assert not [f for f in drawn if "Khmer" in f["familyName"]], drawn
        assert page.evaluate("[...document.fonts].length") == 0
    finally:
        context.close()
