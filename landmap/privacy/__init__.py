"""The privacy gate: the one way case data becomes a public product.

:func:`publish` takes a canonical layer and a profile and returns a :class:`PublishedLayer`:
the data a public output may contain (an allow-list of columns, case points displaced inside
their own commune, small counts suppressed), the audit that may travel with it, and, kept
apart, the internal detail (which case moved where). Every writer of a public product accepts
case data only as a ``PublishedLayer``; handed a raw case layer it raises
:class:`~landmap.errors.PrivacyError`.
"""

from __future__ import annotations

from landmap.privacy.gate import (
    PUBLISHED_LOCATION,
    REDACTED,
    Published,
    allowed_columns,
    apply_profile,
    check_columns,
    load_or_create_key,
    public_audit,
    public_summary,
    write_audit,
)
from landmap.privacy.fields import FREE_TEXT_REASON, sensitive_columns
from landmap.privacy.profiles import INTERNAL, PROFILES, PUBLIC, PrivacyProfile, get_profile

__all__ = [
    "PUBLISHED_LOCATION",
    "REDACTED",
    "Published",
    "allowed_columns",
    "apply_profile",
    "check_columns",
    "load_or_create_key",
    "public_audit",
    "public_summary",
    "write_audit",
    "FREE_TEXT_REASON",
    "INTERNAL",
    "PROFILES",
    "PUBLIC",
    "PrivacyProfile",
    "get_profile",
    "sensitive_columns",
]
