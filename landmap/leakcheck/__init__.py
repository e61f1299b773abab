"""The leak check: the independent scan of everything that leaves the office.

``audit_export(paths, against)`` reads the register an export was made from with landmap's own
loaders, and searches every file of the export (and every archive member, compressed stream,
PDF page text, PNG text chunk, GeoPackage table and base64 blob inside it) for every value of
every column the privacy profile does not publish, and for any point closer than the minimum
radius to a true case location, in any common notation. Whatever it cannot open is a finding:
the check fails closed.

The modules: :mod:`~landmap.leakcheck.register` (what must not leave),
:mod:`~landmap.leakcheck.index` (the values, searched at once),
:mod:`~landmap.leakcheck.text` (decoding and the normal form),
:mod:`~landmap.leakcheck.streams` (containers and their limits),
:mod:`~landmap.leakcheck.points` and :mod:`~landmap.leakcheck.notation` (locations),
:mod:`~landmap.leakcheck.check` (the check itself).
"""

from __future__ import annotations

from landmap.leakcheck.check import AuditResult, Finding, audit_export, require_clean

__all__ = ["AuditResult", "Finding", "audit_export", "require_clean"]
