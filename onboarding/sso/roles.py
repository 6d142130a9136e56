"""A verified ID token's claims as a person here: their role, scope and name.

`ONBOARDING_OIDC_ROLES` maps values of one claim (`ONBOARDING_OIDC_ROLE_CLAIM`,
`groups` by default) to a role: viewer, coordinator, admin, or the municipality
role with a scope of party ids, as a token's (`municipality:5001,5006`,
`municipality:gp-923609016`). A person whose values map to
several staff roles gets the highest; municipality scopes add up, and count
only for someone with no staff role. A person whose claims map to nothing gets
no role at all (`person_of` returns None), and is told so.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onboarding.domain.actor import Actor
from onboarding.settings import Settings
from onboarding.store.tokens import STAFF_ROLES, Role

# Where the audit log's name for a person comes from when the configured claim is absent.
NAME_FALLBACKS = ("preferred_username", "email")
MUNICIPALITY_PREFIX = "municipality:"


@dataclass(frozen=True)
class Person:
    """Someone signed in through the identity provider, with what they may do here."""

    subject: str
    name: str
    role: Role
    scope: frozenset[str] = frozenset()

    @property
    def actor(self) -> Actor:
        """How the audit log names them: the provider's subject and their name."""
        return Actor(id=f"person:{self.subject}", name=self.name, role=self.role.value)


def claim_values(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The values of `claim`: a list of strings, or one string (a space-free role name)."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def name_of(claims: Mapping[str, Any], claim: str) -> str:
    """The person's name for the audit log: `claim`, else a username or email, else the subject."""
    for key in (claim, *NAME_FALLBACKS):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return str(claims.get("sub", ""))


def person_of(claims: Mapping[str, Any], settings: Settings) -> Person | None:
    """Who the claims say this is, and their role here; None if no claim value maps to one."""
    mapping = settings.oidc_roles or {}
    staff: list[Role] = []
    scope: set[str] = set()
    for value in claim_values(claims, settings.oidc_role_claim):
        granted = mapping.get(value)
        if granted is None:
            continue
        granted = granted.strip()
        if granted.startswith(MUNICIPALITY_PREFIX):
            numbers = granted.removeprefix(MUNICIPALITY_PREFIX).split(",")
            scope.update(number.strip() for number in numbers if number.strip())
        else:
            staff.append(Role(granted))
    subject, name = str(claims["sub"]), name_of(claims, settings.oidc_name_claim)
    if staff:
        highest = max(staff, key=STAFF_ROLES.index)
        return Person(subject, name, highest)
    if scope:
        return Person(subject, name, Role.MUNICIPALITY, frozenset(scope))
    return None
