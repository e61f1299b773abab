"""The package's rooms and who may import whom, read from the source (every import, also the
ones inside functions and under ``TYPE_CHECKING``).

The rules (see the README's tour): the core imports nothing else of landmap; ``places`` only the
core; ``io`` only the core and ``places``; ``analysis``, ``raster`` and ``register`` never import
``render``, ``widgets``, ``cli`` or ``pipeline``; ``render`` takes case data only through the
public ``landmap.privacy`` (never its internals) and never imports ``cli`` or ``widgets``; the
leak check reads only the profile definitions of ``privacy``, so it stays independent of the
gate it checks; nothing imports ``pipeline`` but ``cli`` and ``widgets``.

Not read: ``landmap/__init__.py`` names the public API as "module:attribute" strings imported
on first use; that facade may name every room, as the package's front door.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "landmap"

CORE = {
    "errors",
    "schema",
    "provenance",
    "geometry",
    "limits",
    "versions",
    "terminal",
    "lazy",
    "progress",
    "bundled",
    "__init__",
}
ROOMS = {
    "places",
    "io",
    "analysis",
    "raster",
    "privacy",
    "leakcheck",
    "register",
    "project",
    "render",
    "pipeline",
    "widgets",
    "cli",
}

#: room -> the rooms it may import (its own room is always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "places": {"core"},
    "io": {"core", "places"},
    "analysis": {"core", "places", "io"},
    "raster": {"core", "io"},
    "register": {"core", "io"},
    "leakcheck": {"core", "places", "io", "privacy"},
    "privacy": {"core", "places", "io", "analysis", "leakcheck"},
    "project": {"core", "io", "privacy", "register"},
    "render": {"core", "io", "privacy"},
    # the main job may use every room but the two front ends; the explorer also the main job
    "pipeline": (ROOMS | {"core"}) - {"pipeline", "widgets", "cli"},
    "widgets": (ROOMS | {"core"}) - {"widgets", "cli"},
    "cli": ROOMS | {"core"},
}
#: Rooms that may reach into another room only through named modules.
ONLY_THROUGH: dict[tuple[str, str], set[str]] = {
    ("render", "privacy"): {"landmap.privacy"},  # the public API: publish, PublishedLayer
    ("leakcheck", "privacy"): {"landmap.privacy.profiles"},  # what each profile allows
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    head = parts[1]
    if head == "__main__":
        return "cli"
    if head in ROOMS:
        return head
    if head in CORE:
        return "core"
    raise AssertionError(f"{module} is in no room: add it to a room or to the core")


def imports_of(path: Path) -> set[str]:
    """Every landmap module ``path`` imports (``from a import b`` also counts ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "landmap")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "landmap":
                continue
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if _is_module(candidate):
                    found.add(candidate)
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_no_relative_imports_hide_from_the_rules():
    relative = [
        str(p.relative_to(PACKAGE))
        for p in SOURCES
        if any(
            isinstance(n, ast.ImportFrom) and n.level
            for n in ast.walk(ast.parse(p.read_text("utf-8")))
        )
    ]
    assert relative == []


def test_every_module_is_in_a_room():
    for path in SOURCES:
        room_of(module_name(path))


def broken_imports(path: Path, here: str) -> list[str]:
    """What module ``here`` (its source at ``path``) imports against the rules."""
    room = room_of(here)
    broken = []
    for target in sorted(imports_of(path)):
        other = room_of(target)
        if other == room:
            continue
        if other not in ALLOWED[room]:
            broken.append(f"{here} ({room}) imports {target} ({other})")
        elif (room, other) in ONLY_THROUGH and target not in ONLY_THROUGH[(room, other)]:
            allowed = ", ".join(sorted(ONLY_THROUGH[(room, other)]))
            broken.append(f"{here} ({room}) imports {target}: only {allowed} is open to it")
    return broken


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_rules(path):
    assert broken_imports(path, module_name(path)) == []


def test_the_rules_catch_a_broken_import(tmp_path):
    # the checker itself: an analysis module that draws, and a render module that opens the gate
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f():\n    from landmap.render.maps import build_map\n"
        "    from landmap.privacy.gate import publish\n",
        "utf-8",
    )
    assert broken_imports(bad, "landmap.analysis.bad") == [
        "landmap.analysis.bad (analysis) imports landmap.privacy.gate (privacy)",
        "landmap.analysis.bad (analysis) imports landmap.render.maps (render)",
    ]
    assert broken_imports(bad, "landmap.render.bad") == [
        "landmap.render.bad (render) imports landmap.privacy.gate: "
        "only landmap.privacy is open to it"
    ]


def test_only_the_command_line_and_widgets_import_the_pipeline():
    users = {
        module_name(p)
        for p in SOURCES
        if any(t == "landmap.pipeline" or t.startswith("landmap.pipeline.") for t in imports_of(p))
    }
    assert {room_of(m) for m in users} <= {"cli", "widgets"}
