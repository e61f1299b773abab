"""Save a map as one self-contained HTML file that opens with no internet."""

from __future__ import annotations

import os
import re
from pathlib import Path

import folium

from landmap.errors import ExportError
from landmap.io.atomic import atomic_path
from landmap.render.maps.assets import inline_assets
from landmap.render.maps.webfont import embed_khmer_font

#: Markup that makes a browser fetch something: an element with a network ``src``/``href``.
_NETWORK_TAG = re.compile(
    r"""<(?:script|img|iframe|source|embed)\b[^>]*\ssrc\s*=\s*["']?(?:https?:)?//|"""
    r"""<link\b[^>]*\shref\s*=\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
#: CSS that fetches something, looked for only where CSS is: style blocks and attributes.
_NETWORK_CSS = re.compile(r"""url\(\s*["']?(?:https?:)?//|@import""", re.IGNORECASE)
_STYLE = re.compile(
    r"<style\b[^>]*>(.*?)</style\s*>|\sstyle\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE | re.DOTALL
)
#: The data of the map: JSON that the runtime reads, never markup, CSS or a URL to fetch.
_DATA_BLOCK = re.compile(
    r"""<script\s+type=["']application/json["'][^>]*>.*?</script\s*>""", re.IGNORECASE | re.DOTALL
)


def _uses_icons(m: folium.Map) -> bool:
    stack = [m]
    while stack:
        element = stack.pop()
        if isinstance(element, folium.Icon):
            return True
        stack.extend(element._children.values())
    return False


def map_html(m: folium.Map, *, offline: bool = True) -> str:
    """Return the map as one HTML page.

    Parameters
    ----------
    m
        A map from :func:`~landmap.render.maps.build_map` (or any ``folium.Map``).
    offline
        Inline Leaflet, its plugins, their CSS and icons (default). With ``False`` third-party
        libraries are loaded from their CDN when the page opens; landmap's own runtime and, on a
        page with Khmer text, the Khmer web font (:mod:`landmap.render.maps.webfont`) are always
        inlined.

    Raises
    ------
    AssetError
        If ``offline`` and the map needs a file landmap does not bundle, or a bundled file is
        missing or damaged.

    """
    page = m.get_root().render()
    page = inline_assets(page, offline=offline, icons_used=_uses_icons(m))
    page = embed_khmer_font(page)  # Khmer shows on a device without a Khmer font, offline too
    if offline:
        _assert_offline(page, m)
    return page


def network_reference(page: str) -> str | None:
    """Return the text around the first thing in ``page`` that would fetch from the network.

    Only the page's own markup is searched: elements with a network ``src`` or ``href``, and
    ``url(//...)`` or ``@import`` inside CSS (``<style>`` blocks and ``style`` attributes).
    The map's data travels in JSON blocks, escaped so that no value can end the block; a
    value that happens to read ``@import`` or ``url(//...)`` is text there, not a fetch, and
    so are such words in escaped text of the page (a title, a legend label).

    Examples
    --------
    >>> network_reference('<script type="application/json">{"d":"@import url(//x.org)"}</script>')
    >>> network_reference('<style>@import url(https://fonts.example/a.css);</style>')
    '<style>@import url(https://fonts.example/a.css);</style>'

    """
    markup = _DATA_BLOCK.sub("", page)
    found = [(m.start(), m.end()) for m in [_NETWORK_TAG.search(markup)] if m]
    for block in _STYLE.finditer(markup):
        css = _NETWORK_CSS.search(block.group(0))
        if css:
            found.append((block.start() + css.start(), block.start() + css.end()))
            break
    if not found:
        return None
    start, end = min(found)
    return markup[max(0, start - 40) : end + 60]


def _assert_offline(page: str, m: folium.Map) -> None:
    """Refuse a page that would still fetch something (web tiles asked for are the exception)."""
    tiles = any(isinstance(c, folium.TileLayer) for c in m._children.values())
    near = None if tiles else network_reference(page)
    if near is not None:
        from landmap.errors import AssetError

        raise AssetError(
            f"the offline page still refers to a network address near {near!r}",
            fix="remove the element that needs it, or save with offline=False",
        )


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> Path:
    """Write the map to ``path`` as one self-contained HTML file.

    Parameters
    ----------
    m
        The map.
    path
        The ``.html`` file to write (atomically: an interrupted save leaves no partial file).
    offline
        Inline every asset so the file opens from a USB stick with no network (default).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    AssetError
        If an asset needed offline is missing (see :func:`map_html`).
    ExportError
        If the file cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from landmap.render.maps import build_map
    >>> out = save_map(build_map(title="Empty"), pathlib.Path(tempfile.mkdtemp()) / "m.html")
    >>> out.read_text("utf-8").count("cdn.jsdelivr")
    0

    """
    page = map_html(m, offline=offline)
    target = Path(path)
    try:
        with atomic_path(target) as tmp:
            tmp.write_text(page, encoding="utf-8")
    except OSError as err:
        raise ExportError(
            f"cannot write the map: {err.strerror or err}",
            path=target,
            fix="check the folder exists and is writable",
        ) from err
    return target


__all__ = ["map_html", "save_map"]
