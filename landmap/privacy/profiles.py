"""Export profiles: the rules a published layer follows (defaults live in a TOML resource).

A :class:`PrivacyProfile` says which columns may leave, whether free text may stay, how case
points are masked and when small counts are suppressed. ``PUBLIC`` is the default for every
export; ``INTERNAL`` keeps everything and marks the output confidential.

What a public layer may carry is an allow-list: the canonical columns of its kind that the
profile publishes (``[public_columns]`` in the resource) plus the columns the user names in
``keep``. Every other column is dropped, whatever its name: a column is never published because
its name does not look personal.
"""

from __future__ import annotations

import dataclasses
import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from landmap.errors import PrivacyError

MaskMode = Literal["exact", "displace", "commune_centroid", "village_centroid", "aggregate"]
MASK_MODES: tuple[str, ...] = (
    "exact",
    "displace",
    "commune_centroid",
    "village_centroid",
    "aggregate",
)
SEED_POLICIES: tuple[str, ...] = ("fresh", "keyed")


@dataclasses.dataclass(frozen=True)
class PrivacyProfile:
    """What a published layer may contain and how case locations are masked.

    Parameters
    ----------
    name
        Short name written in the audit (``"public"``, ``"internal"`` or the user's own).
    mode
        ``"exact"`` (internal only), ``"displace"``, ``"commune_centroid"``,
        ``"village_centroid"`` or ``"aggregate"``.
    drop
        Columns always removed, even canonical ones the profile would publish.
    keep
        Extra columns the user publishes by name, beyond the canonical columns the profile
        allows. A kept column that looks personal (by name or content) is still published, and
        the audit and a warning say so.
    allow_free_text
        Publish free-text columns (``description``); phone numbers and the values of dropped
        sensitive columns are still blanked out of the text.
    drop_sensitive
        Drop every column that is not allowed (``False`` only for internal outputs, which keep
        every column).
    confidential
        Mark outputs as confidential (internal outputs).
    min_radius_m, max_radius_m
        Displacement distance range in metres (``displace`` mode).
    k
        Units (communes, villages) with fewer than ``k`` cases are suppressed in the centroid
        and aggregate modes and in public summaries.
    seed_policy
        ``"fresh"``: a new seed from :mod:`secrets` for every export, never written out.
        ``"keyed"``: each case's displacement derived from a secret key kept in the office
        (``apply_profile(..., key=...)``), so every export shows the same masked point.
    candidates, max_rounds
        Rejection sampling: candidate points drawn per case per round, and rounds tried.
    snap_to_commune_m
        A case at most this far outside every commune is masked in the nearest commune.
    description
        One sentence for people: what the profile is for.

    """

    name: str
    mode: MaskMode = "displace"
    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    allow_free_text: bool = False
    drop_sensitive: bool = True
    confidential: bool = False
    min_radius_m: float = 500.0
    max_radius_m: float = 2000.0
    k: int = 3
    seed_policy: str = "fresh"
    candidates: int = 16
    max_rounds: int = 12
    snap_to_commune_m: float = 1000.0
    description: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MASK_MODES:
            raise PrivacyError(
                f"unknown masking mode {self.mode!r} in profile {self.name!r}",
                fix=f"use one of {', '.join(MASK_MODES)}",
            )
        if self.seed_policy not in SEED_POLICIES:
            raise PrivacyError(
                f"unknown seed policy {self.seed_policy!r} in profile {self.name!r}",
                fix=f"use one of {', '.join(SEED_POLICIES)}",
            )
        if self.mode == "displace" and not 0 < self.min_radius_m < self.max_radius_m:
            raise PrivacyError(
                f"profile {self.name!r}: displacement needs 0 < min_radius_m < max_radius_m, "
                f"got {self.min_radius_m!r} and {self.max_radius_m!r}",
                fix="set for example min_radius_m=500, max_radius_m=2000",
            )
        if int(self.k) < 1 or self.candidates < 1 or self.max_rounds < 1:
            raise PrivacyError(
                f"profile {self.name!r}: k, candidates and max_rounds must be at least 1",
                fix="set k=3 (or more) to suppress communes with one or two cases",
            )
        if self.mode == "exact" and not self.confidential:
            raise PrivacyError(
                f"profile {self.name!r} publishes exact locations but is not confidential",
                fix="use mode='displace' (or a centroid/aggregate mode), or confidential=True",
            )
        object.__setattr__(self, "drop", tuple(self.drop))
        object.__setattr__(self, "keep", tuple(self.keep))

    @property
    def is_public(self) -> bool:
        """``True`` when outputs made with this profile may leave the office."""
        return not self.confidential

    def public_columns(self, kind: str | None = "cases") -> frozenset[str] | None:
        """Return the columns a layer of ``kind`` may carry under this profile.

        ``None`` means every column (a confidential profile that keeps sensitive columns).
        Otherwise: the canonical columns the profile publishes for the kind, ``description``
        when free text is allowed, and the columns named in ``keep``, without those in
        ``drop``. The geometry and the ``published_location`` note the gate adds are not
        listed.

        Examples
        --------
        >>> sorted(PUBLIC.public_columns("cases"))[:4]
        ['admin_code', 'case_id', 'commune', 'date']
        >>> "description" in PUBLIC.replace(allow_free_text=True).public_columns("cases")
        True
        >>> INTERNAL.public_columns("cases") is None
        True

        """
        if not self.drop_sensitive:
            return None
        table = _resource()["public_columns"]
        allowed = set(table.get(str(kind), ()))
        if self.allow_free_text:
            allowed.update(_resource()["free_text_columns"].get(str(kind), []))
        allowed.update(self.keep)
        allowed.difference_update(self.drop)
        return frozenset(allowed)

    def replace(self, **changes: Any) -> PrivacyProfile:
        """Return a copy with some settings changed (validated again).

        Examples
        --------
        >>> PUBLIC.replace(min_radius_m=1000, max_radius_m=5000).max_radius_m
        5000

        """
        return dataclasses.replace(self, **changes)

    def parameters(self) -> dict[str, Any]:
        """Return the settings as a JSON-serialisable dict (written into every audit)."""
        data = dataclasses.asdict(self)
        data["drop"] = list(self.drop)
        data["keep"] = list(self.keep)
        return data


@cache
def _resource() -> dict[str, Any]:
    text = resources.files("landmap").joinpath("resources/privacy_profiles.toml").read_text("utf-8")
    return tomllib.loads(text)


def _profile_from_table(name: str, table: dict[str, Any]) -> PrivacyProfile:
    fields = {f.name for f in dataclasses.fields(PrivacyProfile)}
    unknown = sorted(set(table) - fields)
    if unknown:
        raise PrivacyError(
            f"profile {name!r} has unknown settings {unknown}",
            fix=f"use only {', '.join(sorted(fields - {'name'}))}",
        )
    return PrivacyProfile(name=name, **table)


def khmer_column_words() -> dict[str, Any]:
    """Return the Khmer header words of sensitive fields (from the profiles resource)."""
    return dict(_resource()["khmer_column_words"])


def extra_name_patterns() -> dict[str, str]:
    """Return more sensitive column-name patterns (plurals, Kobo/ODK metadata columns)."""
    return dict(_resource()["extra_name_patterns"])


def latin_place_names() -> frozenset[str]:
    """Return Latin column names that contain "name" but name a place or a company."""
    return frozenset(_resource()["latin_place_names"]["exempt"])


INTERNAL: PrivacyProfile = _profile_from_table("internal", _resource()["internal"])
PUBLIC: PrivacyProfile = _profile_from_table("public", _resource()["public"])
PROFILES: dict[str, PrivacyProfile] = {"internal": INTERNAL, "public": PUBLIC}


def get_profile(profile: str | PrivacyProfile | None = None, **changes: Any) -> PrivacyProfile:
    """Return a profile by name (``"public"``, ``"internal"``) or pass one through.

    Parameters
    ----------
    profile
        A name, a :class:`PrivacyProfile` or ``None`` (the public profile).
    **changes
        Settings to override, e.g. ``min_radius_m=1000``.

    Raises
    ------
    PrivacyError
        For an unknown name or an invalid setting.

    Examples
    --------
    >>> get_profile().name
    'public'
    >>> get_profile("public", mode="aggregate", k=5).k
    5

    """
    if profile is None:
        found = PUBLIC
    elif isinstance(profile, PrivacyProfile):
        found = profile
    elif isinstance(profile, str) and profile.lower() in PROFILES:
        found = PROFILES[profile.lower()]
    else:
        raise PrivacyError(
            f"unknown privacy profile {profile!r} of type {type(profile).__name__}",
            fix="use 'public' (the default), 'internal' or a PrivacyProfile",
        )
    return found.replace(**changes) if changes else found


__all__ = [
    "INTERNAL",
    "MASK_MODES",
    "PROFILES",
    "PUBLIC",
    "MaskMode",
    "PrivacyProfile",
    "get_profile",
    "extra_name_patterns",
    "khmer_column_words",
    "latin_place_names",
]
