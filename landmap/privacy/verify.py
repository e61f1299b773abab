"""Check a set of public files before anyone sees them: the leak check against the true data.

Every public set (the build's ``public/`` folder, an export, the explorer's export, a public
map) is checked while it is still staged, against the layer each of its
:class:`~landmap.privacy.PublishedLayer` objects was made from and against the registers it came
from (so that values of rows the loader rejected are searched too). A set that cannot be
checked, or that leaks, is not published.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from landmap.privacy.gate import PublishedLayer
from landmap.privacy.profiles import PUBLIC, PrivacyProfile, get_profile


def verify_outputs(
    files: Sequence[str | os.PathLike[str]],
    published: Mapping[str, PublishedLayer] | Iterable[PublishedLayer],
    *,
    profile: str | PrivacyProfile = "public",
    registers: Mapping[str, Any] | None = None,
) -> list[str]:
    """Return one line per leak found in ``files`` (empty when the set may be published).

    Parameters
    ----------
    files
        The files of the set (staged, not yet visible).
    published
        The case layers the set was made from (``{name: PublishedLayer}`` or a list); each is
        checked against the true layer it was published from.
    profile
        The set's profile: its allowed columns and minimum radius are what the check holds the
        files to. A confidential profile is checked as the public profile would be: files that
        reach this function are meant to be shared, whatever profile made them.
    registers
        ``{name: register}`` behind case layers: a loader's ``Loaded`` result (best: its column
        mapping is known and the rows it rejected are read again) or a file path. A layer with a
        register is checked against it instead of its in-memory source.

    """
    prof = get_profile(profile)
    if prof.confidential:
        prof = PUBLIC
    from landmap.leakcheck.check import audit_exports

    items = (
        published.items()
        if isinstance(published, Mapping)
        else ((p.name or f"layer {i + 1}", p) for i, p in enumerate(published))
    )
    targets: list[tuple[str, Any]] = []
    registers = dict(registers or {})
    for name, layer in items:
        if layer.kind != "cases":
            continue
        against = registers.pop(name, None)
        if against is None:
            against = layer.source
        if against is None:
            return [
                f"{name}: the layer it was published from is not known, so the set cannot "
                "be checked"
            ]
        targets.append((name, against))
    targets += list(registers.items())
    paths = [Path(f) for f in files]
    findings: list[str] = []
    if not targets:
        return findings
    # every file is read once for all the registers (same check as one audit_export each)
    names = [name for name, _ in targets]
    if len(set(names)) != len(names):  # a register named twice: check each on its own
        results = [
            (name, audit_exports(paths, {name: a}, profile=prof)[name]) for name, a in targets
        ]
    else:
        results = list(audit_exports(paths, dict(targets), profile=prof).items())
    for name, result in results:
        findings += [f"{name}: {finding.line()}" for finding in result.findings]
    return findings


__all__ = ["verify_outputs"]
