"""Fonts for static maps: find a Khmer font and make matplotlib shape Khmer correctly.

Khmer is a complex script: a consonant after COENG (U+17D2) becomes a subscript form and some
vowel signs are drawn *before* the consonant they follow in memory. A renderer that maps one code
point to one glyph gets both wrong. Matplotlib 3.11 lays text out through libraqm (FriBiDi +
HarfBuzz) in its own FreeType wrapper, so Agg (PNG) and the PDF backend both draw shaped glyph
runs; with ``pdf.fonttype = 42`` the font is embedded as a CID TrueType subset, so the PDF stays
vector and searchable. This module checks that such a matplotlib is present, finds a Khmer font
(Debian's ``fonts-khmeros`` by default), registers it, and exposes the shaped glyph sequence of a
string so tests can check the shaping itself.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from landmap.errors import AssetError

#: Environment variable naming a Khmer .ttf/.otf to use instead of the system one.
FONT_ENV = "LANDMAP_KHMER_FONT"
#: Latin font used for English text (ships with matplotlib, so it is always there).
LATIN_FAMILY = "DejaVu Sans"

_SYSTEM_CANDIDATES = (
    "/usr/share/fonts/truetype/khmeros/KhmerOS.ttf",
    "/usr/share/fonts/truetype/khmeros/KhmerOSsys.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansKhmer-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerifKhmer-Regular.ttf",
)
_FAMILY_CANDIDATES = ("Khmer OS", "Noto Sans Khmer", "Khmer OS System", "Noto Serif Khmer")
_INSTALL_FIX = (
    "install a Khmer font: `apt-get install fonts-khmeros` (Debian/Ubuntu), or set "
    f"{FONT_ENV}=/path/to/KhmerFont.ttf"
)


def require_shaping() -> str:
    """Check that matplotlib lays text out with libraqm; return the libraqm version.

    Raises
    ------
    AssetError
        When matplotlib is older than 3.11 (no complex-script shaping).

    """
    from matplotlib import ft2font

    version = getattr(ft2font, "__libraqm_version__", None)
    if not version:
        import matplotlib

        raise AssetError(
            f"matplotlib {matplotlib.__version__} cannot shape Khmer text (no libraqm layout): "
            "subscript consonants and vowel order would be drawn wrongly.",
            fix="upgrade matplotlib: `pip install 'matplotlib>=3.11'`",
        )
    return str(version)


def _is_khmer_font(path: Path) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(str(path))
    except (OSError, RuntimeError, ValueError):
        return False
    return font.get_char_index(0x1781) != 0 and font.get_char_index(0x17D2) != 0


@cache
def khmer_font_path() -> Path:
    """Return the path of a font that covers Khmer.

    Looked up in order: the ``LANDMAP_KHMER_FONT`` environment variable, a font shipped in
    ``landmap/resources/fonts/``, Debian's ``fonts-khmeros`` / ``fonts-noto`` files, and any font
    matplotlib's font manager knows by a Khmer family name.

    Raises
    ------
    AssetError
        When no Khmer font is found; the message names the package to install.

    """
    env = os.environ.get(FONT_ENV)
    if env:
        path = Path(env)
        if not path.is_file() or not _is_khmer_font(path):
            raise AssetError(
                f"{FONT_ENV} names {env!r}, which is not a readable font covering Khmer.",
                path=env, fix=_INSTALL_FIX,
            )
        return path
    bundled = Path(__file__).resolve().parent.parent / "resources" / "fonts"
    candidates = sorted(bundled.glob("*.[ot]tf")) if bundled.is_dir() else []
    candidates += [Path(p) for p in _SYSTEM_CANDIDATES]
    for path in candidates:
        if path.is_file() and _is_khmer_font(path):
            return path
    from matplotlib import font_manager

    known = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    for family in _FAMILY_CANDIDATES:
        if family in known and _is_khmer_font(Path(known[family])):
            return Path(known[family])
    raise AssetError("no font covering Khmer script was found.", fix=_INSTALL_FIX)


@cache
def khmer_family() -> str:
    """Register the Khmer font with matplotlib and return its family name."""
    from matplotlib import font_manager

    require_shaping()
    path = khmer_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def font_families(text: str | None = None) -> list[str]:
    """Return the matplotlib ``family`` list for a text element.

    Latin text is set in DejaVu Sans; Khmer characters fall back to the Khmer font (matplotlib's
    per-glyph font fallback, shaped by libraqm). When ``text`` is given and holds no Khmer, the
    Khmer font is not required at all, so English-only maps work without it.
    """
    if text is not None and not has_khmer(text):
        return [LATIN_FAMILY]
    return [LATIN_FAMILY, khmer_family()]


def has_khmer(text: str) -> bool:
    """Return whether ``text`` holds any character of the Khmer blocks."""
    return any("\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff" for ch in str(text))


def shaped_glyphs(text: str, *, font: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the glyph names matplotlib draws for ``text``, in visual order.

    This is the output of libraqm/HarfBuzz shaping with the Khmer font, the same sequence the
    PNG and PDF backends draw. For ``"ខ្មែរ"`` it starts with the pre-base vowel sign (``uni17C2``)
    and holds the subscript form of MO (``uni1798.sub`` in Khmer OS), not the bare COENG.

    Parameters
    ----------
    text
        The text to shape.
    font
        A font file; defaults to :func:`khmer_font_path`.

    """
    from matplotlib import _text_helpers
    from matplotlib.ft2font import FT2Font

    require_shaping()
    ft = FT2Font(str(font or khmer_font_path()))
    ft.set_size(12, 72)
    return [
        item.ft_object.get_glyph_name(item.glyph_index)
        for item in _text_helpers.layout(text, ft, language="km")
    ]


__all__ = [
    "FONT_ENV",
    "LATIN_FAMILY",
    "font_families",
    "has_khmer",
    "khmer_family",
    "khmer_font_path",
    "require_shaping",
    "shaped_glyphs",
]
