"""Refresh the JavaScript/CSS assets that offline maps inline (a maintainer's script).

Users install landmap from PyPI and never need npm: the few distribution files an offline map
needs are committed under ``landmap/resources/web/`` together with each package's licence and a
``manifest.json`` recording package, version, source path, SHA-256 and the CDN address folium
would otherwise reference. This script is how those files were obtained and how they are
updated; it runs ``npm pack`` (the npm registry) for the pinned versions below::

    python -m landmap.render.maps._vendor

Nothing here runs when a map is built or saved: :mod:`landmap.render.maps.assets` only reads the
committed files and checks their SHA-256 against the manifest.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from landmap.provenance import file_sha256

WEB = Path(__file__).resolve().parents[2] / "resources" / "web"

#: package -> (version, licence SPDX id, licence file in the tarball, {asset key: dist path}).
PACKAGES: dict[str, tuple[str, str, str, dict[str, str]]] = {
    "leaflet": (
        "1.9.4",
        "BSD-2-Clause",
        "LICENSE",
        {
            "leaflet.js": "dist/leaflet.js",
            "leaflet.css": "dist/leaflet.css",
            "images/layers.png": "dist/images/layers.png",
            "images/layers-2x.png": "dist/images/layers-2x.png",
            "images/marker-icon.png": "dist/images/marker-icon.png",
            "images/marker-icon-2x.png": "dist/images/marker-icon-2x.png",
            "images/marker-shadow.png": "dist/images/marker-shadow.png",
        },
    ),
    "leaflet.markercluster": (
        "1.5.3",
        "MIT",
        "MIT-LICENCE.txt",
        {
            "leaflet.markercluster.js": "dist/leaflet.markercluster.js",
            "MarkerCluster.css": "dist/MarkerCluster.css",
            "MarkerCluster.Default.css": "dist/MarkerCluster.Default.css",
        },
    ),
    "leaflet.heat": (
        "0.2.0",
        "BSD-2-Clause",
        "LICENSE",
        {
            "leaflet-heat.js": "dist/leaflet-heat.js",
        },
    ),
    "leaflet.fullscreen": (
        "3.0.2",
        "MIT",
        "LICENSE",
        {
            "Control.FullScreen.js": "Control.FullScreen.js",
            "Control.FullScreen.css": "Control.FullScreen.css",
            "icon-fullscreen.svg": "icon-fullscreen.svg",
        },
    ),
    "leaflet-minimap": (
        "3.6.1",
        "BSD-2-Clause",
        "LICENSE.txt",
        {
            "Control.MiniMap.min.js": "dist/Control.MiniMap.min.js",
            "Control.MiniMap.min.css": "dist/Control.MiniMap.min.css",
            "images/toggle.png": "dist/images/toggle.png",
            "images/toggle.svg": "dist/images/toggle.svg",
        },
    ),
    "leaflet.polylinemeasure": (
        "3.0.0",
        "BSD-2-Clause",
        "LICENSE.txt",
        {
            "Leaflet.PolylineMeasure.js": "Leaflet.PolylineMeasure.js",
            "Leaflet.PolylineMeasure.css": "Leaflet.PolylineMeasure.css",
        },
    ),
}


def vendor(dest: Path = WEB) -> dict:
    """Download the pinned packages with ``npm pack`` and copy their dist files into ``dest``."""
    manifest: dict = {
        "_comment": "Written by python -m landmap.render.maps._vendor; do not edit by hand.",
        "packages": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for package, (version, spdx, licence, files) in PACKAGES.items():
            out = subprocess.run(  # noqa: S603 - pinned names, run by maintainers only
                ["npm", "pack", f"{package}@{version}", "--json"],  # noqa: S607
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            )  # npm from PATH, as a maintainer runs it
            info = json.loads(out.stdout)[0]
            unpacked = Path(tmp) / package
            with tarfile.open(Path(tmp) / info["filename"]) as tar:
                tar.extractall(unpacked, filter="data")
            root = unpacked / "package"
            target = dest / package
            if target.exists():
                shutil.rmtree(target)
            entry = {
                "version": version,
                "license": spdx,
                "license_file": f"{package}/LICENSE",
                "tarball_sha512": info["integrity"],
                "files": {},
            }
            target.mkdir(parents=True)
            shutil.copyfile(root / licence, target / "LICENSE")
            for key, src in files.items():
                (target / key).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / src, target / key)
                entry["files"][key] = {
                    "source": src,
                    "sha256": file_sha256(target / key, cache=False),
                }
            manifest["packages"][package] = entry
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
    write_licences(dest, manifest)
    return manifest


def write_licences(dest: Path = WEB, manifest: dict | None = None) -> Path:
    """Write ``LICENSES``: every bundled package's licence text, one after the other."""
    if manifest is None:
        manifest = json.loads((dest / "manifest.json").read_text("utf-8"))
    parts = [
        "Licences of the third-party files in this folder (copied from their npm packages",
        "by landmap/render/maps/_vendor.py; versions and SHA-256 in manifest.json).",
        "landmap's own runtime in landmap/ is MIT-licensed with landmap.",
        "",
    ]
    for package, entry in manifest["packages"].items():
        text = (dest / entry["license_file"]).read_text("utf-8").strip()
        parts += [
            "=" * 78,
            f"{package} {entry['version']} ({entry['license']})",
            f"files: {', '.join(entry['files'])}",
            "=" * 78,
            text,
            "",
        ]
    out = dest / "LICENSES"
    out.write_text("\n".join(parts), "utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover
    result = vendor()
    for name, entry in result["packages"].items():
        files = len(entry["files"])
        sys.stdout.write(f"{name} {entry['version']} ({entry['license']}): {files} files\n")
