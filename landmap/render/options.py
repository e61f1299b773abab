"""Checks shared by the option objects of the interactive map and the briefing page.

Each option object (:mod:`landmap.render.maps.options`, :mod:`landmap.render.briefing.options`)
checks its values when it is made, so a mistake is reported where it was typed, with the value,
its type and what is allowed, before any layer is read or drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TypeVar

from landmap.errors import OptionError
from landmap.schema import Lang

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _shown(value: object) -> str:
    return f"{value!r} of type {type(value).__name__}"


def choice(option: str, value: object, allowed: type[E], *, fold_case: bool = False) -> E:
    """Return ``value`` as a member of the enum ``allowed``, or raise :class:`OptionError`.

    Parameters
    ----------
    option
        The option's name, for the message.
    value
        What was given (a member or its string).
    allowed
        The ``StrEnum`` of allowed values.
    fold_case
        Accept any case (``"a4"`` for ``"A4"``).

    Raises
    ------
    OptionError
        Naming the option, the value and every allowed value.

    Examples
    --------
    >>> choice("lang", "km", Lang)
    <Lang.KM: 'km'>

    """
    if isinstance(value, str):
        for member in allowed:
            if value == member or (fold_case and value.lower() == member.lower()):
                return member
    raise OptionError(
        f"unknown {option} {_shown(value)}.",
        fix=f"use one of {', '.join(repr(str(m)) for m in allowed)}",
    )


def settle(obj: object, name: str, value: object) -> None:
    """Set a field of a frozen dataclass from its own ``__post_init__`` (a normalised value)."""
    object.__setattr__(obj, name, value)


def given(option: str, value: T | None, kind: type[T]) -> T:
    """Return ``value``, or the defaults of ``kind`` when it is ``None``.

    Raises
    ------
    OptionError
        When ``value`` is something else than a ``kind`` (a dict, say): the message shows how
        to make one.

    """
    if value is None:
        return kind()
    if isinstance(value, kind):
        return value
    raise OptionError(
        f"{option} must be a {kind.__name__}, not {_shown(value)}.",
        fix=f"write {option}={kind.__name__}(...) (from landmap import {kind.__name__})",
    )


def check_lang(lang: object) -> Lang:
    """Return ``lang`` as a :class:`~landmap.schema.Lang`, or raise :class:`OptionError`."""
    return choice("language", lang, Lang)


def flag(option: str, value: object, *, automatic: bool = False) -> bool | None:
    """Return ``value`` if it is ``True`` or ``False`` (or ``None`` when ``automatic``).

    A string such as ``"no"`` is refused rather than read as true.

    Raises
    ------
    OptionError
        For any other value.

    """
    if isinstance(value, bool) or (automatic and value is None):
        return value
    allowed = "True, False or None (automatic)" if automatic else "True or False"
    fix = f"write {option}=True or {option}=False"
    raise OptionError(
        f"{option} must be {allowed}, not {_shown(value)}.",
        fix=fix + (f" (or {option}=None to decide from the data)" if automatic else ""),
    )


def text(option: str, value: object) -> str | None:
    """Return ``value`` if it is a string or ``None``, or raise :class:`OptionError`."""
    if value is None or isinstance(value, str):
        return value
    raise OptionError(
        f"{option} must be text, not {_shown(value)}.",
        fix=f'write {option}="..." (or leave it out)',
    )


def number(
    option: str,
    value: object,
    *,
    low: float,
    high: float | None = None,
    whole: bool = False,
    example: float,
) -> Any:
    """Return ``value`` if it is a number from ``low`` to ``high`` (a whole one if ``whole``).

    Raises
    ------
    OptionError
        Naming the option, the value and the range, with ``example`` as the fix.

    """
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and whole:
        ok = float(value).is_integer()  # type: ignore[arg-type]
    if ok and low <= value and (high is None or value <= high):  # type: ignore[operator]
        return int(value) if whole else value  # type: ignore[arg-type]
    kind = "a whole number" if whole else "a number"
    span = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
    raise OptionError(
        f"{option} must be {kind} {span}, not {_shown(value)}.", fix=f"e.g. {option}={example:g}"
    )


def names(option: str, value: Iterable[object], *, what: str = "columns") -> tuple[str, ...]:
    """Return names (or lines) as a tuple (one string is one), refusing anything but text."""
    if not isinstance(value, Iterable):
        raise OptionError(
            f"{option} must be a list of {what}, not {_shown(value)}.",
            fix=f"write {option}=[...] (or leave it out)",
        )
    items = [value] if isinstance(value, str) else list(value)
    bad = [item for item in items if not isinstance(item, str)]
    if bad:
        example = '["case_id", "type"]' if what == "columns" else '["..."]'
        raise OptionError(
            f"{option} gives {what} as text, not {_shown(bad[0])}.", fix=f"write {option}={example}"
        )
    return tuple(items)  # type: ignore[arg-type]


__all__ = ["check_lang", "choice", "flag", "given", "names", "number", "settle", "text"]
