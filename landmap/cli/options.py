"""Options several subcommands share: how a file is read, and ``NAME=VALUE`` pairs.

``landmap check`` and ``landmap register import`` read a file with the same loader options, and
``check``, ``audit`` and ``register`` take ``--column NAME=COLUMN`` (``register edit`` also
``--set FIELD=VALUE``); each is declared and parsed here once, so the commands agree.
"""

from __future__ import annotations

import argparse
from typing import Any

from landmap.errors import DataValueError


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """Add the loader's reading options (read them back with :func:`reading_options`).

    They are ``--crs``, ``--layer``, ``--utm-zone``, ``--encoding`` and ``--fix-swapped``.
    """
    parser.add_argument("--crs", help="CRS when the file declares none, e.g. EPSG:32648")
    parser.add_argument("--layer", help="layer, sheet or zip member to read")
    parser.add_argument("--utm-zone", help="UTM zone of easting/northing columns, e.g. 48N")
    parser.add_argument("--encoding", help="text encoding of a CSV (detected when omitted)")
    parser.add_argument(
        "--fix-swapped",
        action="store_true",
        help="swap back points whose latitude and longitude were exchanged",
    )


def reading_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the options :func:`add_reading_options` added, as the loaders' keyword arguments."""
    return {
        "crs": args.crs,
        "layer": args.layer,
        "utm_zone": args.utm_zone,
        "encoding": args.encoding,
        "fix_swapped": args.fix_swapped,
    }


def pairs(
    items: list[str] | None,
    *,
    option: str = "--column",
    form: str = "NAME=COLUMN",
    example: str = "lat=Y_coord",
    empty_value: bool = True,
) -> dict[str, str] | None:
    """Turn ``["lat=Y_coord", ...]`` into ``{"lat": "Y_coord", ...}`` (``None`` when no items).

    Parameters
    ----------
    items
        The option's values, as argparse collected them.
    option, form, example
        The option, its form and an example, for the message of a malformed item.
    empty_value
        Whether ``NAME=`` (an empty value) is allowed: for a column mapping it says the file has
        no such column.

    Raises
    ------
    DataValueError
        An item has no ``=``, no name, or (unless ``empty_value``) no value.

    Examples
    --------
    >>> pairs(["lat=Y_coord", " village = "])
    {'lat': 'Y_coord', 'village': ''}
    >>> pairs(["lat"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    landmap.errors.DataValueError: --column 'lat' is not NAME=COLUMN Fix: write it as --column ...

    """
    if not items:
        return None
    mapping: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not (empty_value or value.strip()):
            raise DataValueError(
                f"{option} {item!r} is not {form}", fix=f"write it as {option} {example}"
            )
        mapping[name.strip()] = value.strip()
    return mapping


__all__ = ["add_reading_options", "pairs", "reading_options"]
