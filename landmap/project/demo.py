"""Where the bundled demo project, ``data/demo.toml``, is when no project file is given."""

from __future__ import annotations

from pathlib import Path

from landmap.errors import ProjectError


def default_project() -> Path:
    """Return the demo project, ``data/demo.toml``, when it is at hand.

    It is looked for in the current folder (``make demo`` and ``python -m landmap build`` run
    from a source folder) and beside the package (an editable install). An installed wheel does
    not carry the demo: it lives in the source folder only.

    Raises
    ------
    ProjectError
        When neither holds it; the message names the source folder landmap was installed from
        (when pip recorded one) and how to point at a project with ``--project``.

    """
    candidates = [
        Path.cwd() / "data" / "demo.toml",
        Path(__file__).resolve().parents[2] / "data" / "demo.toml",
    ]
    for path in candidates:
        if path.is_file():
            return path
    source = _installed_from()
    demo = source / "data" / "demo.toml" if source is not None else None
    if demo is not None and demo.is_file():
        where = f"the demo project is {demo}"
        point = f"landmap build --project {demo}"
    else:
        where = "the demo project is data/demo.toml in the landmap source folder"
        point = "landmap build --project <landmap source folder>/data/demo.toml"
    raise ProjectError(
        f"no project file was given and there is no data/demo.toml in {Path.cwd()}; {where}.",
        fix=f"point to it or to your own project file: {point}",
    )


def _installed_from() -> Path | None:
    """Return the local folder pip installed landmap from (PEP 610 ``direct_url.json``)."""
    import json
    from importlib import metadata
    from urllib.parse import unquote, urlparse
    from urllib.request import url2pathname

    try:
        text = metadata.distribution("landmap").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    try:
        record = json.loads(text or "{}")
    except json.JSONDecodeError:
        return None
    url = urlparse(str(record.get("url", "")))
    if url.scheme != "file" or "dir_info" not in record:
        return None
    return Path(url2pathname(unquote(url.path)))
