"""The leak check: whether anything in an export comes from the register and must not leave.

:func:`audit_export` reads the register (:mod:`~landmap.leakcheck.register`), opens every byte
stream of every exported file (:mod:`~landmap.leakcheck.streams`), searches the decoded text of
each for every non-public value at once (:mod:`~landmap.leakcheck.index`), and compares every
point it finds (:mod:`~landmap.leakcheck.points`, :mod:`~landmap.leakcheck.notation`) with the
true case locations through an STRtree. Whatever it cannot open is a finding too.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from landmap.errors import DataFileError, PrivacyError
from landmap.leakcheck.notation import text_points
from landmap.leakcheck.points import cached_reads, file_points, points_to_metric, stream_points
from landmap.leakcheck.register import Register, read_register
from landmap.leakcheck.streams import Budget, Stream, Unchecked, walk
from landmap.leakcheck.text import digit_view, normal_form
from landmap.privacy.profiles import PrivacyProfile, get_profile
from landmap.schema import LayerKind

PathArg = str | os.PathLike[str]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing that leaked, or could not be checked.

    Attributes
    ----------
    kind
        ``"value"`` (a value of a non-public column), ``"phone"``, ``"point"`` (closer than the
        minimum radius to a true location) or ``"unchecked"`` (could not be opened).
    where
        The file, or ``file!member!...``.
    detail
        What was found, never the value itself.
    case_id
        The case the value or location belongs to (the first, when several share a value).
    distance_m
        For a point: its distance to the true location.
    column
        For a value: the register's column it comes from.
    case_ids
        For a value: every case whose value of the column was found in the stream.

    """

    kind: str
    where: str
    detail: str
    case_id: str | None = None
    distance_m: float | None = None
    column: str | None = None
    case_ids: tuple[str, ...] = ()

    def line(self) -> str:
        """Return the finding as one line (never the sensitive value)."""
        label = "UNCHECKED" if self.kind == "unchecked" else f"LEAK {self.kind}"
        return f"{label}: {self.where}: {self.detail}"


@dataclasses.dataclass
class AuditResult:
    """The outcome of a leak check.

    Attributes
    ----------
    findings
        Every leak found and everything that could not be opened (empty when clean).
    scanned
        Every file, member and decoded stream that was read.
    values_checked, cases_checked, points_found
        Values searched for, true locations compared, points found in the export.
    min_radius_m
        The distance below which a point counts as the exact location.
    profile
        The name of the profile the export was judged by.
    columns_searched
        The register's columns whose values were searched.
    notes
        What was not checked and why (values too short, a confidential profile...).

    """

    findings: list[Finding]
    scanned: list[str]
    values_checked: int
    cases_checked: int
    points_found: int
    min_radius_m: float
    profile: str = "public"
    columns_searched: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """``True`` when nothing leaked and everything could be opened."""
        return not self.findings

    def lines(self) -> list[str]:
        """Return one line per finding, one per note, then a summary line."""
        leaks = sum(f.kind != "unchecked" for f in self.findings)
        unchecked = len(self.findings) - leaks
        head = (f"{leaks} leak(s)" if leaks else "no leak found") + (
            f", {unchecked} thing(s) that could not be checked" if unchecked else ""
        )
        summary = (
            f"{head} in {len(self.scanned)} stream(s) (profile {self.profile}); "
            f"{self.values_checked} values of {len(self.columns_searched)} column(s) and "
            f"{self.cases_checked} true locations checked; {self.points_found} points "
            f"found, minimum radius {self.min_radius_m:g} m"
        )
        return [f.line() for f in self.findings] + [f"note: {n}" for n in self.notes] + [summary]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary (no sensitive values)."""
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data


def _files(paths: Iterable[PathArg]) -> list[tuple[Path, str]]:
    """Every file to check, with the name to search (relative to the folder given)."""
    out: list[tuple[Path, str]] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            out += [(f, f.relative_to(p).as_posix()) for f in sorted(p.rglob("*")) if f.is_file()]
        elif p.is_file():
            out.append((p, p.name))
        else:
            raise DataFileError(
                "the export to check does not exist",
                path=p,
                fix="give a file or a folder of exported files",
            )
    return out


class _Check:
    """The state of one check: findings keyed so that each leak is reported once per stream."""

    def __init__(self, register: Register, radius: float) -> None:
        self.register = register
        self.radius = radius
        self.tree = shapely.STRtree(register.points_m)
        self.known = frozenset(register.ids.tolist())
        self.findings: dict[tuple[str, ...], Finding] = {}
        self.values_found: dict[tuple[str, str, str], dict[str, int]] = {}
        self.scanned: list[str] = []
        self.points_found = 0

    def values(
        self, stream: Stream, views: list[bytes], forms: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Search the views for the register's values.

        ``forms``: the normal and digit forms of the views, when already computed.
        """
        index = self.register.index
        if not len(index):
            return
        if forms is None:
            forms = [(normal_form(view), digit_view(view)) for view in views]
        for view, (normal, digits) in zip(views, forms, strict=True):
            for hit in index.search(normal, digits, view):
                found = self.values_found.setdefault((stream.where, hit.kind, hit.column), {})
                for cid in hit.case_ids:
                    found.setdefault(cid, hit.length)

    def value_findings(self) -> list[Finding]:
        out = []
        for (where, kind, column), found in self.values_found.items():
            ids = tuple(found)
            shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            what = "phone number" if kind == "phone" else "value"
            out.append(
                Finding(
                    kind,
                    where,
                    f"{column}: the {what} of {len(ids)} case(s) ({shown}) found as text",
                    ids[0],
                    column=column,
                    case_ids=ids,
                )
            )
        return out

    def stream_points(self, stream: Stream, views: list[bytes], structured_file: bool) -> list:
        if stream.kind == "pdf-content" or b"\0" in stream.data[:8192]:
            return []  # drawing operators, or binary data
        found: list = []
        structured = structured_file or stream.kind == "table"
        if not structured:
            found, structured = stream_points(stream.data, self.known, stream.parsed)
        for view in views:
            found += text_points(view, bare=not structured)
        return found

    def points(self, where: str, found: list) -> None:
        if not found or not len(self.register.points_m):
            return
        found_m, found_ids = points_to_metric(found)
        self.points_found += len(found_m)
        pts = shapely.points(found_m)
        hit_p, hit_t = self.tree.query(pts, predicate="dwithin", distance=self.radius)
        ids = self.register.ids
        # A point labelled with a case id is judged against that case only: a masked point may
        # land near another household by chance. Unlabelled points against every case.
        own = np.array(
            [i is None or i == ids[t] for i, t in zip(found_ids[hit_p], hit_t, strict=True)],
            dtype=bool,
        )
        hit_p, hit_t = hit_p[own], hit_t[own]
        dist = shapely.distance(pts[hit_p], self.register.points_m[hit_t])
        for t, d in zip(hit_t.tolist(), dist.tolist(), strict=True):
            key = (where, "point", ids[t])
            if key not in self.findings or d < (self.findings[key].distance_m or 0.0):
                self.findings[key] = Finding(
                    "point",
                    where,
                    f"a point {d:.0f} m from the true location of case "
                    f"{ids[t]} (minimum {self.radius:g} m)",
                    ids[t],
                    round(d, 1),
                )

    def unchecked(self, item: Unchecked) -> None:
        self.findings[(item.where, "unchecked", item.why)] = Finding(
            "unchecked", item.where, f"{item.why}; check it by hand or leave it out"
        )


def audit_export(
    paths: PathArg | Iterable[PathArg],
    against: Any,
    *,
    profile: str | PrivacyProfile | None = None,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
    columns: Mapping[str, str] | None = None,
) -> AuditResult:
    """Check exported files for the register's non-public values and exact case locations.

    Parameters
    ----------
    paths
        An exported file, a folder (every file under it) or a list of them.
    against
        The register the export was made from: its path (read with landmap's loaders), the
        loader's result (``Loaded``: data and report), or a loaded GeoDataFrame.
    profile
        The privacy profile the export was made with (``"public"``, the default, ``"internal"``
        or a :class:`~landmap.privacy.PrivacyProfile`): every column it does not publish is
        searched. A confidential profile publishes everything: nothing is searched.
    min_radius_m
        A point closer than this to a true case location is a leak (default: the profile's
        ``min_radius_m``). ``0`` skips the location check.
    kind
        The register's layer kind.
    columns
        The loader's column mapping (canonical name -> the register's column) when ``against``
        is a path or a GeoDataFrame, as given to ``load_cases(columns=...)``.

    Returns
    -------
    AuditResult
        ``result.ok`` is ``False`` when anything leaked or could not be opened;
        ``result.lines()`` says what and where.

    Raises
    ------
    DataFileError
        When an export or the register does not exist.

    """
    prof = get_profile(profile)
    return audit_exports(
        paths,
        {"register": against},
        profile=prof,
        min_radius_m=min_radius_m,
        kind=kind,
        columns=columns,
    )["register"]


def audit_exports(
    paths: PathArg | Iterable[PathArg],
    registers: Mapping[str, Any],
    *,
    profile: str | PrivacyProfile | None = None,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
    columns: Mapping[str, str] | None = None,
) -> dict[str, AuditResult]:
    """Check exported files against several registers, reading every file once.

    The same check as :func:`audit_export` for each register: every stream of every file is
    opened and decoded once, its text put in normal form once, and its tables read once; each
    register's values and true locations are then searched in it.

    Parameters
    ----------
    paths
        An exported file, a folder (every file under it) or a list of them.
    registers
        ``{name: register}``, each as ``against`` of :func:`audit_export`.
    profile, min_radius_m, kind, columns
        As for :func:`audit_export`.

    Returns
    -------
    dict of str to AuditResult
        The result for each register, by name.

    Raises
    ------
    DataFileError
        When an export or a register does not exist.

    """
    from landmap.progress import current

    prof = get_profile(profile)
    files = _files([paths] if isinstance(paths, (str, os.PathLike)) else paths)
    radius = float(prof.min_radius_m if min_radius_m is None else min_radius_m)
    checks = {
        name: _Check(read_register(against, kind=kind, columns=columns, profile=prof), radius)
        for name, against in registers.items()
    }
    budget = Budget()
    for one in current().bar(files, desc="leak check", unit="file"):
        with cached_reads():
            for item in walk([one], budget=budget):
                _check_stream(item, checks.values(), radius)
    out = {}
    for name, check in checks.items():
        notes = list(check.register.notes)
        if radius <= 0:
            notes.append("the location check was skipped (minimum radius 0)")
        out[name] = AuditResult(
            check.value_findings() + list(check.findings.values()),
            check.scanned,
            len(check.register.index),
            len(check.register.points_m),
            check.points_found,
            radius,
            prof.name,
            list(check.register.searched),
            notes,
        )
    return out


def _check_stream(item: Stream | Unchecked, checks: Iterable[_Check], radius: float) -> None:
    """Check one stream against every register (its text forms computed once)."""
    checks = list(checks)
    if isinstance(item, Unchecked):
        for check in checks:
            check.unchecked(item)
        return
    views = list(item.text)
    forms = (
        [(normal_form(view), digit_view(view)) for view in views]
        if any(len(c.register.index) for c in checks)
        else None
    )
    for check in checks:
        check.scanned.append(item.where)
        check.values(item, views, forms)
        if radius <= 0:
            continue
        if item.kind == "file" and item.path is not None:
            found, structured, problems = file_points(item.path, check.known)
            for problem in problems:
                check.unchecked(Unchecked(item.where, problem))
            check.points(item.where, found + check.stream_points(item, views, structured))
        else:
            target = item.where.split("!", 1)[0] if item.kind != "name" else item.where
            check.points(target, check.stream_points(item, views, False))


def require_clean(
    paths: PathArg | Iterable[PathArg],
    against: Any,
    *,
    profile: str | PrivacyProfile | None = None,
    min_radius_m: float | None = None,
    kind: LayerKind = "cases",
    columns: Mapping[str, str] | None = None,
) -> AuditResult:
    """Run :func:`audit_export` and raise :class:`~landmap.errors.PrivacyError` on any finding.

    For pipelines and tests: ``require_clean("maps/public", "data/cases.csv")``.

    Raises
    ------
    PrivacyError
        Listing every finding, one per line.

    """
    result = audit_export(
        paths, against, profile=profile, min_radius_m=min_radius_m, kind=kind, columns=columns
    )
    if not result.ok:
        raise PrivacyError(
            f"{len(result.findings)} finding(s) in the export:\n" + "\n".join(result.lines()),
            fix="publish case data only through the public profile "
            "(landmap.privacy.apply_profile), and leave out what cannot be checked",
        )
    return result


__all__ = ["AuditResult", "Finding", "audit_export", "audit_exports", "require_clean"]
