"""Fonts for static maps: find a Khmer font and make matplotlib shape Khmer correctly.

Khmer is a complex script: a consonant after COENG (U+17D2) becomes a subscript form and some
vowel signs are drawn *before* the consonant they follow in memory. A renderer that maps one code
point to one glyph gets both wrong. Matplotlib 3.11 lays text out through libraqm (FriBiDi +
HarfBuzz) in its own FreeType wrapper, so Agg (PNG) and the PDF backend both draw shaped glyph
runs; with ``pdf.fonttype = 42`` the font is embedded as a CID TrueType subset, so the PDF stays
vector and searchable. This module checks that such a matplotlib is present, finds a Khmer font
(Noto Sans Khmer, installed with landmap by the ``fontpkg-noto-sans-khmer`` package, so a map
looks the same on every machine), registers it, and exposes the shaped glyph sequence of a
string so tests can check the shaping itself.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from landmap.errors import AssetError

#: Environment variable naming a Khmer .ttf/.otf to use instead of the installed one.
FONT_ENV = "LANDMAP_KHMER_FONT"
#: Environment variable that, set to ``1``, stops the finder from looking at system fonts.
NO_SYSTEM_FONTS_ENV = "LANDMAP_NO_SYSTEM_FONTS"
#: The Khmer font installed with landmap (SIL Open Font License 1.1).
BUNDLED_FAMILY = "Noto Sans Khmer"
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
    "install landmap's Khmer font: `pip install fontpkg-noto-sans-khmer` (it comes with "
    f"`pip install landmap`), or set {FONT_ENV}=/path/to/KhmerFont.ttf"
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


def system_fonts_allowed() -> bool:
    """Return whether the font finder may use the operating system's fonts.

    ``LANDMAP_NO_SYSTEM_FONTS=1`` (or ``true``/``yes``) turns them off, so a map is drawn with the
    fonts installed with landmap only, as on a machine with no Khmer font of its own.
    """
    return os.environ.get(NO_SYSTEM_FONTS_ENV, "").strip().lower() not in {"1", "true", "yes"}


def bundled_khmer_font() -> Path | None:
    """Return the Noto Sans Khmer file installed with landmap, or ``None`` when it is absent.

    The font comes from the ``fontpkg-noto-sans-khmer`` package (a dependency of landmap): the
    upstream Noto file, unmodified, with its SIL Open Font License.

    Examples
    --------
    >>> bundled_khmer_font().suffix
    '.ttf'

    """
    import fontpkg

    try:
        path = Path(fontpkg.path(BUNDLED_FAMILY))
    except fontpkg.FontpkgError:
        return None
    return path if path.is_file() else None


def _system_khmer_font() -> Path | None:
    for candidate in _SYSTEM_CANDIDATES:
        path = Path(candidate)
        if path.is_file() and _is_khmer_font(path):
            return path
    from matplotlib import font_manager

    known = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    for family in _FAMILY_CANDIDATES:
        if family in known and _is_khmer_font(Path(known[family])):
            return Path(known[family])
    return None


@cache
def khmer_font_path() -> Path:
    """Return the path of a font that covers Khmer.

    Looked up in order: the ``LANDMAP_KHMER_FONT`` environment variable, the Noto Sans Khmer
    installed with landmap (:func:`bundled_khmer_font`), then, unless
    ``LANDMAP_NO_SYSTEM_FONTS=1``, Debian's ``fonts-khmeros`` / ``fonts-noto`` files and any font
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
                path=env,
                fix=_INSTALL_FIX,
            )
        return path
    bundled = bundled_khmer_font()
    if bundled is not None and _is_khmer_font(bundled):
        return bundled
    found = _system_khmer_font() if system_fonts_allowed() else None
    if found is not None:
        return found
    where = "installed with landmap" if not system_fonts_allowed() else "installed"
    raise AssetError(f"no font covering Khmer script was {where}.", fix=_INSTALL_FIX)


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
    """Return the glyph names of ``text`` shaped with the Khmer font, in visual order.

    The text is shaped by HarfBuzz (through ``uharfbuzz``), the engine libraqm runs inside
    matplotlib, with the same font file, so this is the glyph sequence the PNG and PDF backends
    draw. For ``"ខ្មែរ"`` it starts with the pre-base vowel sign (``uni17C2``) and holds the
    subscript form of MO (``uni17D21798`` in Noto Sans Khmer, ``uni1798.sub`` in Khmer OS), not
    the bare COENG.

    Parameters
    ----------
    text
        The text to shape.
    font
        A font file; defaults to :func:`khmer_font_path`.

    Examples
    --------
    >>> shaped_glyphs("ខ្មែរ")[0]
    'uni17C2'

    """
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(font or khmer_font_path())))
    shaper = hb.Font(face)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.language = "km"
    hb.shape(shaper, buf)
    return [shaper.get_glyph_name(info.codepoint) for info in buf.glyph_infos]


__all__ = [
    "BUNDLED_FAMILY",
    "FONT_ENV",
    "LATIN_FAMILY",
    "NO_SYSTEM_FONTS_ENV",
    "bundled_khmer_font",
    "font_families",
    "has_khmer",
    "khmer_family",
    "khmer_font_path",
    "require_shaping",
    "shaped_glyphs",
    "system_fonts_allowed",
]
