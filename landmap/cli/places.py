"""``landmap places NAME...``: what written place names match in the official gazetteer.

For users cleaning a register: ``landmap places "Kg. Cham" "Srok Batheay"`` matches the names
top-down (a province, then a district in it...) and prints each unit matched with its NCDD code
and Khmer and English names, or the candidates of an ambiguous name, or the closest names of
one that matches nothing. A name's prefix word says its level (Srok / ស្រុក: district, Khum /
ឃុំ: commune...); otherwise names are taken as province, district, commune, village in turn.
One name with no prefix is looked up at every level of the whole country.

Exit status 0 when every name was matched, 1 when a name is ambiguous or matches nothing.
"""

from __future__ import annotations

import argparse
import sys

from landmap.errors import DataValueError

_LEVELS = ("province", "district", "commune", "village")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``places`` subcommand."""
    parser = subparsers.add_parser(
        "places",
        help="show what place names match in the official gazetteer (codes, Khmer names)",
        description="Match place names (Khmer or Latin, any usual spelling, with or without "
        "prefixes such as Khet, Srok, Khum, Phum, ស្រុក, ឃុំ) against the official list of "
        "provinces, districts, communes and villages (Ministry of Economy and Finance, 2025).",
    )
    parser.add_argument(
        "names",
        metavar="NAME",
        nargs="+",
        help="names from the coarsest to the finest, e.g. 'Kg. Cham' 'Srok Batheay'",
    )
    parser.add_argument(
        "--level", choices=_LEVELS, help="look one NAME up at this level in the whole country"
    )
    parser.add_argument("--code", help="an NCDD code the names below it are matched in")
    parser.set_defaults(func=run)


def _levels(names: list[str], code: str | None) -> dict[str, str]:
    """Give each name its level: its prefix word's, else the next level down."""
    from landmap.places import level_hint, normalise_code

    out: dict[str, str] = {}
    nxt = len(normalise_code(code)) // 2 if code else 0
    for name in names:
        hint = level_hint(name)
        level = hint or (_LEVELS[nxt] if nxt < len(_LEVELS) else None)
        if level is None or level in out:
            raise DataValueError(
                f"cannot tell the level of {name!r}: {', '.join(out)} already given",
                fix="give at most one name per level, coarsest first, or use --level",
            )
        out[level] = name
        nxt = _LEVELS.index(level) + 1
    return out


def _unit_line(code: str) -> str:
    from landmap.places import gazetteer

    g = gazetteer()
    parents = ", ".join(g.name(code[:n]) for n in (6, 4, 2) if n < len(code))
    where = f"  (in {parents})" if parents else ""
    return f"{code:<9} {g.name(code)} / {g.name(code, 'km')}{where}"


def _show(step, write) -> bool:
    """Print one step; return whether it matched."""
    head = f"{step.level:<9} {step.given!r}"
    if step.status in ("matched", "code"):
        how = "" if step.score >= 100 else f"   similarity {step.score:.0f}"
        write(f"{head}\n    -> {_unit_line(step.code)}{how}")
        if step.note:
            write(f"       note: {step.note}")
        return True
    if step.status == "overruled":
        write(f"{head}\n    -> {_unit_line(step.code)}   overruled: {step.note}")
        return False
    what = "ambiguous, could be:" if step.status == "ambiguous" else "not found; closest:"
    write(f"{head}\n    {what}")
    for code, score in step.candidates:
        write(f"       {_unit_line(code)}   similarity {score:.0f}")
    if step.note:
        write(f"    note: {step.note}")
    return False


def run(args: argparse.Namespace) -> int:
    """Match the names and print what they match; return the exit status."""
    from landmap.places._match import _matcher

    matcher = _matcher()
    write = print
    if args.level or (len(args.names) == 1 and not args.code):
        from landmap.places import level_hint

        name = args.names[0]
        if len(args.names) > 1:
            raise DataValueError("--level looks up one name", fix="give a single NAME")
        levels = (
            [args.level or level_hint(name)] if (args.level or level_hint(name)) else list(_LEVELS)
        )
        found = False
        for level in levels:
            step = matcher.level(level, name, "")
            if step.status == "unmatched" and len(levels) > 1:
                continue
            found = _show(step, write) or found
        if not found and len(levels) > 1:
            write(f"{name!r} matches no province, district, commune or village")
        return 0 if found else 1
    match = matcher.match(_levels(args.names, args.code), args.code)
    ok = [_show(step, write) for step in match.steps]
    if match.admin_code:
        write(f"finest unit: {match.admin_code} ({match.level}), status {match.status}")
    else:
        write(f"no unit matched (status {match.status})")
    sys.stdout.flush()
    return 0 if all(ok) and match.admin_code else 1


__all__ = ["register", "run"]
