"""The Khmer web font an interactive map carries, so Khmer shows on a device without one.

A phone or a Windows PC with no Khmer font draws Khmer labels as empty boxes. A page holding
Khmer text therefore embeds the Khmer letters of Noto Sans Khmer (the font installed with
landmap, SIL Open Font License 1.1) as a WOFF2 ``data:`` URL in an ``@font-face`` rule: no
network, one file. The font is the regular instance of the variable font, cut to the Khmer and
Khmer Symbols blocks with their shaping tables (subscript consonants, vowel reordering), about
17 KB; Latin text keeps the reader's own fonts (``unicode-range``). The whole Khmer block, not
just the letters on the page, is kept so that Khmer typed into the map's search box shows too.
"""

from __future__ import annotations

import base64
import io
import re
from functools import cache

from landmap.errors import AssetError

#: The family name the page's CSS asks for first (``landmap.css``).
FAMILY = "Landmap Khmer"
#: Code points the embedded font covers: Khmer, Khmer Symbols, the zero-width (non-)joiners and
#: space Khmer text uses between words, and the dotted circle shapers draw under a lone mark.
KHMER_RANGES: tuple[tuple[int, int], ...] = (
    (0x1780, 0x17FF),
    (0x19E0, 0x19FF),
    (0x200B, 0x200D),
    (0x25CC, 0x25CC),
)
_KHMER_TEXT = re.compile(
    r"[\u1780-\u17ff\u19e0-\u19ff]|\\u17[0-9a-fA-F]{2}|&#x17[0-9a-fA-F]{2};"
    r"|&#6[0-1]\d{2};"
)
#: The notice the page carries beside the font (the font's own name table holds the full licence).
FONT_NOTICE = (
    "Khmer letters of Noto Sans Khmer, Copyright 2022 The Noto Project Authors; "
    "SIL Open Font License 1.1"
)
_FIX = "reinstall landmap so that its Khmer font is installed: pip install fontpkg-noto-sans-khmer"


def has_khmer_text(page: str) -> bool:
    r"""Return whether an HTML page holds Khmer, as characters or as JSON/HTML escapes.

    Examples
    --------
    >>> has_khmer_text('{"name":"\\u1780"}'), has_khmer_text("<b>Kampot</b>")
    (True, False)

    """
    return _KHMER_TEXT.search(page) is not None


def unicode_range() -> str:
    """Return the CSS ``unicode-range`` of the embedded font."""
    return ", ".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in KHMER_RANGES)


@cache
def khmer_woff2() -> bytes:
    """Return the embedded font: Noto Sans Khmer Regular, Khmer blocks only, as WOFF2.

    Raises
    ------
    AssetError
        When the font installed with landmap is missing.

    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from landmap.render.fonts import bundled_khmer_font

    path = bundled_khmer_font()
    if path is None:
        raise AssetError(
            "the Khmer font installed with landmap (Noto Sans Khmer) is missing, "
            "so the map's Khmer text would show as boxes",
            fix=_FIX,
        )
    font = TTFont(str(path))
    if "fvar" in font:
        from fontTools.varLib import instancer

        font = instancer.instantiateVariableFont(font, {"wght": 400, "wdth": 100})
    # keep the font's own date: a map built twice from the same data is the same file
    font.recalcTimestamp = False
    options = subset.Options()
    options.layout_features = ["*"]  # every shaping feature: Khmer needs pref, blwf, abvs...
    options.name_IDs = ["*"]  # keeps the copyright and licence records with the glyphs
    options.notdef_outline = True
    options.hinting = False  # browsers on phones and PCs do not use TrueType hinting
    options.flavor = "woff2"
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for a, b in KHMER_RANGES for c in range(a, b + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)  # WOFF2 through brotli, a dependency of landmap
    return out.getvalue()


@cache
def font_face_css() -> str:
    """Return the ``@font-face`` rule of the embedded Khmer font, with the font as a data URL."""
    data = base64.b64encode(khmer_woff2()).decode("ascii")
    # One regular face: the browser draws bold headings by emboldening it.
    return (
        f"/* {FONT_NOTICE} */\n"
        f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:400;'
        f"font-display:block;unicode-range:{unicode_range()};"
        f'src:url("data:font/woff2;base64,{data}") format("woff2")}}'
    )


def embed_khmer_font(page: str) -> str:
    """Return ``page`` with the Khmer font embedded before ``</head>`` when it holds Khmer.

    A page without Khmer is returned unchanged (no bytes spent on a font it does not use).

    Raises
    ------
    AssetError
        As :func:`khmer_woff2`.

    """
    if not has_khmer_text(page) or "</head>" not in page:
        return page
    style = f'<style id="landmap-khmer-font">{font_face_css()}</style>\n'
    return page.replace("</head>", style + "</head>", 1)


__all__ = [
    "FAMILY",
    "FONT_NOTICE",
    "KHMER_RANGES",
    "embed_khmer_font",
    "font_face_css",
    "has_khmer_text",
    "khmer_woff2",
    "unicode_range",
]
