"""The privacy gate: the one way case data becomes a public product.

:func:`publish` takes a canonical layer and a profile and returns a :class:`PublishedLayer`:
the data a public output may contain (an allow-list of columns, case points displaced inside
their own commune, small counts suppressed), the audit that may travel with it, and, kept
apart, the internal detail (which case moved where). Every writer of a public product accepts
case data only as a ``PublishedLayer``; handed a raw case layer it raises
:class:`~landmap.errors.PrivacyError`.
"""

from __future__ import annotations

from landmap.privacy.columns import REDACTED
from landmap.privacy.communes import bundled_communes
from landmap.privacy.fields import FREE_TEXT_REASON, sensitive_columns
from landmap.privacy.gate import (
    PUBLISH_KINDS,
    PUBLISHED_LOCATION,
    PublishedLayer,
    data_for_output,
    for_output,
    layer_kind,
    merge,
    publish,
    removed_columns,
    write_audit,
)
from landmap.privacy.points import load_or_create_key
from landmap.privacy.profiles import INTERNAL, PROFILES, PUBLIC, PrivacyProfile, get_profile
from landmap.privacy.summary import public_summary
from landmap.privacy.verify import verify_outputs

__all__ = [
    "FREE_TEXT_REASON",
    "INTERNAL",
    "PROFILES",
    "PUBLIC",
    "PUBLISHED_LOCATION",
    "PUBLISH_KINDS",
    "REDACTED",
    "PrivacyProfile",
    "PublishedLayer",
    "bundled_communes",
    "data_for_output",
    "for_output",
    "get_profile",
    "layer_kind",
    "load_or_create_key",
    "merge",
    "public_summary",
    "publish",
    "removed_columns",
    "sensitive_columns",
    "verify_outputs",
    "write_audit",
]
