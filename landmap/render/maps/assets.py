"""Offline assets: the JavaScript, CSS and icons an interactive map inlines.

The files are committed under ``landmap/resources/web/`` (third-party files copied from their npm
packages by ``python -m landmap.render.maps._vendor``, with their licences and a
``manifest.json`` of versions and SHA-256; landmap's own small runtime in ``web/landmap/``).
Map elements reference each file by its CDN address, so a map saved with ``offline=False`` stays
light; an offline save swaps every such reference for the file's content, with CSS images as
``data:`` URIs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from landmap.errors import AssetError

#: Pseudo-address of landmap's own runtime files (always inlined: they are on no CDN).
OWN_PREFIX = "landmap-asset:"
CDN = "https://cdn.jsdelivr.net/npm/"
_FIX = (
    "reinstall landmap (pip install --force-reinstall landmap); a source checkout can "
    "restore the files with python -m landmap.render.maps._vendor"
)

#: Other addresses folium's own elements use, mapped onto the bundled equivalent.
# fmt: off
FOLIUM_ALIASES: dict[str, str] = {
    r"/leaflet@[\d.]+/dist/leaflet\.js$": "leaflet/leaflet.js",
    r"/leaflet@[\d.]+/dist/leaflet\.css$": "leaflet/leaflet.css",
    r"leaflet\.markercluster/[\d.]+/leaflet\.markercluster\.js$":
        "leaflet.markercluster/leaflet.markercluster.js",
    r"leaflet\.markercluster/[\d.]+/MarkerCluster\.css$": "leaflet.markercluster/MarkerCluster.css",
    r"leaflet\.markercluster/[\d.]+/MarkerCluster\.Default\.css$":
        "leaflet.markercluster/MarkerCluster.Default.css",
    r"leaflet\.fullscreen@[\d.]+/Control\.FullScreen\.min\.js$":
        "leaflet.fullscreen/Control.FullScreen.js",
    r"leaflet\.fullscreen@[\d.]+/Control\.FullScreen\.css$":
        "leaflet.fullscreen/Control.FullScreen.css",
    r"leaflet-minimap/[\d.]+/Control\.MiniMap(\.min)?\.js$":
        "leaflet-minimap/Control.MiniMap.min.js",
    r"leaflet-minimap/[\d.]+/Control\.MiniMap(\.min)?\.css$":
        "leaflet-minimap/Control.MiniMap.min.css",
    r"folium.*/leaflet_heat\.min\.js$": "leaflet.heat/leaflet-heat.js",
}
# fmt: on

#: folium.Map defaults that none of folium's core templates (map, layers, popups, layer control)
#: use; dropped from offline output unless a folium.Icon (awesome markers) needs them.
FOLIUM_UNUSED = (
    "jquery",
    "bootstrap",
    "glyphicons",
    "fontawesome",
    "awesome-markers",
    "awesome.rotate",
)


def _web() -> Traversable:
    return resources.files("landmap").joinpath("resources/web")


@cache
def manifest() -> dict[str, Any]:
    """Return ``resources/web/manifest.json`` (bundled packages, versions, files, SHA-256)."""
    ref = _web().joinpath("manifest.json")
    try:
        return json.loads(ref.read_text("utf-8"))
    except FileNotFoundError as err:
        raise AssetError("the offline asset manifest is missing", path=str(ref), fix=_FIX) from err


def url(key: str) -> str:
    """Return the address a map element uses for a bundled asset key.

    A key such as ``"leaflet/leaflet.js"`` gets its CDN address; landmap's own files get a
    pseudo-address that is always inlined.
    """
    package, _, name = key.partition("/")
    if package == "landmap":
        return OWN_PREFIX + key
    entry = manifest()["packages"].get(package)
    if entry is None or name not in entry["files"]:
        raise AssetError(f"no bundled asset {key!r}", fix=_FIX)
    return f"{CDN}{package}@{entry['version']}/{entry['files'][name]['source']}"


@cache
def _index() -> dict[str, str]:
    return {
        url(f"{p}/{n}"): f"{p}/{n}" for p, e in manifest()["packages"].items() for n in e["files"]
    }


def key_for(address: str) -> str | None:
    """Return the bundled asset key an element's address refers to, or ``None``."""
    if address.startswith(OWN_PREFIX):
        return address[len(OWN_PREFIX) :]
    hit = _index().get(address)
    if hit:
        return hit
    for pattern, key in FOLIUM_ALIASES.items():
        if re.search(pattern, address):
            return key
    return None


@cache
def read_bytes(key: str) -> bytes:
    """Return a bundled asset's bytes, checked against the manifest's SHA-256.

    Raises
    ------
    AssetError
        If the file is missing or its content differs from the manifest (a damaged install).

    """
    ref = _web().joinpath(key)
    try:
        data = ref.read_bytes()
    except (FileNotFoundError, IsADirectoryError) as err:
        raise AssetError(
            "an offline map asset is missing from the installation", path=str(ref), fix=_FIX
        ) from err
    package, _, name = key.partition("/")
    if package != "landmap":
        expected = manifest()["packages"][package]["files"][name]["sha256"]
        if hashlib.sha256(data).hexdigest() != expected:
            raise AssetError(
                "an offline map asset does not match its recorded SHA-256", path=str(ref), fix=_FIX
            )
    return data


def data_uri(key: str) -> str:
    """Return a bundled image as a ``data:`` URI."""
    mime = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if key.endswith(".svg"):
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(read_bytes(key)).decode('ascii')}"


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


@cache
def css_text(key: str) -> str:
    """Return a bundled stylesheet with every relative ``url(...)`` inlined as a data URI."""
    text = read_bytes(key).decode("utf-8")
    folder = key.rsplit("/", 1)[0]

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if "://" in ref or ref.startswith("//"):
            raise AssetError(f"stylesheet {key} refers to a network address {ref!r}", fix=_FIX)
        return f'url("{data_uri(folder + "/" + ref.lstrip("./"))}")'

    return _CSS_URL.sub(repl, text).replace("</style", "<\\/style")


@cache
def js_text(key: str) -> str:
    """Return a bundled script, safe to place between ``<script>`` tags."""
    text = read_bytes(key).decode("utf-8")
    text = re.sub(r"//# sourceMappingURL=\S+", "", text)
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')


def inline_assets(html: str, *, offline: bool = True, icons_used: bool = False) -> str:
    """Replace ``<script src>`` / ``<link rel=stylesheet>`` references by the bundled files.

    Parameters
    ----------
    html
        A page rendered by folium.
    offline
        Inline every asset (``True``) or only landmap's own runtime, leaving third-party
        libraries on their CDN (``False``).
    icons_used
        Whether the map holds a folium ``Icon`` (awesome markers), whose assets are not bundled.

    Raises
    ------
    AssetError
        If ``offline`` and the page needs a file landmap does not bundle.

    """
    used: set[str] = set()

    def sub(match: re.Match[str], kind: str) -> str:
        address = match.group(1)
        key = key_for(address)
        if key is not None and (offline or key.startswith("landmap/")):
            used.add(key.partition("/")[0])
        if key is None:
            if not offline:
                return match.group(0)
            lowered = address.lower()
            if "jquery" in lowered and not icons_used:
                key = "landmap/folium-compat.js"  # what folium's popups ask of jQuery
            elif not icons_used and any(u in lowered for u in FOLIUM_UNUSED):
                return ""
            else:
                raise AssetError(
                    f"the map needs {address}, which landmap does not bundle for offline use",
                    fix="remove the folium element that needs it (use landmap's own layers), "
                    "or save with offline=False to let the page load it from the internet",
                )
        if not offline and not key.startswith("landmap/"):
            return match.group(0)
        if kind == "js":
            extra = _default_icon_js() if key == "leaflet/leaflet.js" and offline else ""
            return f"<script>/* {key} */\n{js_text(key)}\n{extra}</script>"
        return f"<style>/* {key} */\n{css_text(key)}\n</style>"

    html = _SCRIPT.sub(lambda m: sub(m, "js"), html)
    html = _LINK.sub(lambda m: sub(m, "css"), html)
    notice = licence_notice(sorted(used - {"landmap"}))
    # Before </head>: the charset declaration must stay within the first 1024 bytes.
    return html.replace("</head>", notice + "</head>", 1) if notice else html


@cache
def _default_icon_js() -> str:
    """Point Leaflet's default marker icon at inlined images (it looks for files otherwise)."""
    urls = {
        "iconUrl": "marker-icon.png",
        "iconRetinaUrl": "marker-icon-2x.png",
        "shadowUrl": "marker-shadow.png",
    }
    options = ", ".join(f'{k}: "{data_uri("leaflet/images/" + v)}"' for k, v in urls.items())
    return f"L.Icon.Default.imagePath = ''; L.Icon.Default.mergeOptions({{{options}}});\n"


def licence_notice(packages: list[str]) -> str:
    """Return an HTML comment reproducing the licences of the inlined third-party packages."""
    if not packages:
        return ""
    parts = ["Third-party software inlined in this page (see THIRD_PARTY_LICENSES.md of landmap):"]
    for package in packages:
        entry = manifest()["packages"][package]
        text = read_bytes_plain(entry["license_file"]).decode("utf-8").strip()
        parts.append(f"== {package} {entry['version']} ({entry['license']}) ==\n{text}")
    body = "\n\n".join(parts).replace("--", "- -")
    return f"<!--\n{body}\n-->\n"


@cache
def read_bytes_plain(key: str) -> bytes:
    """Return a bundled file that the manifest does not hash (licence texts)."""
    ref = _web().joinpath(key)
    try:
        return ref.read_bytes()
    except FileNotFoundError as err:
        raise AssetError("a bundled licence file is missing", path=str(ref), fix=_FIX) from err


__all__ = [
    "css_text",
    "data_uri",
    "inline_assets",
    "js_text",
    "key_for",
    "manifest",
    "read_bytes",
    "url",
]
