"""Registering a party that is not a municipality: what is given, and the party it makes (pure).

A coordinator registers a GP office, a private specialist or a hospital one at
a time (POST /api/parties) or many from a file (import_file.py); both give a
`PartyRegistration`. `party_of` turns it into the `Party` its workflow
starts with, against the region's registered municipalities: a GP office's
municipality must be registered, and its county and (unless given) health
trust are the municipality's; a specialist or hospital names its health
trust, which must serve a registered municipality (whose county it takes).
Municipalities are not registered here: they come from the region file
(POST /api/region/load).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from onboarding.domain.errors import RequestRejected
from onboarding.domain.party import (
    MunicipalityNumber,
    OrgNumber,
    Party,
    PartyKind,
    party_id,
)

REGISTERED_KINDS = (PartyKind.GP_OFFICE, PartyKind.SPECIALIST, PartyKind.HOSPITAL)

# A name as people type it: trimmed, and not blank (as the document says: `\S`).
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True, pattern=r"\S")
]


def _registered_kinds(schema: dict[str, Any]) -> None:
    # The document lists the kinds registered here; a municipality is refused by name.
    schema.clear()
    schema.update(
        {
            "type": "string",
            "enum": [kind.value for kind in REGISTERED_KINDS],
            "description": "gp_office, specialist or hospital (municipalities: the region)",
        }
    )


def _kind_is(kind: PartyKind, then: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
        "then": then,
    }


_TEXT: dict[str, Any] = {"type": "string"}
_NONE: dict[str, Any] = {"type": "null"}

# What each kind needs, as the document says it (the validator below says it to the
# request, naming the field).
_BY_KIND: dict[str, Any] = {
    "allOf": [
        _kind_is(
            PartyKind.GP_OFFICE,
            {
                "required": ["municipality_number"],
                "properties": {"municipality_number": _TEXT, "specialty": _NONE},
            },
        ),
        _kind_is(
            PartyKind.SPECIALIST,
            {
                "required": ["health_trust", "specialty"],
                "properties": {"health_trust": _TEXT, "specialty": _TEXT},
            },
        ),
        _kind_is(
            PartyKind.HOSPITAL,
            {
                "required": ["health_trust"],
                "properties": {
                    "health_trust": _TEXT,
                    "municipality_number": _NONE,
                    "specialty": _NONE,
                },
            },
        ),
    ]
}


def _refuse(field: str, message: str) -> PydanticCustomError:
    # The API's validation answer names `field` from this context (api/errors.py),
    # and import_file.py names it on the file's line.
    return PydanticCustomError("invalid_request", "{message}", {"field": field, "message": message})


class PartyRegistration(BaseModel):
    """A party to register, as a coordinator gives it (a body, or a line of an import file)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_BY_KIND)

    kind: PartyKind = Field(json_schema_extra=_registered_kinds)
    org_number: OrgNumber = Field(description="the id is made from it: gp-<org_number>, ...")
    name: Name
    municipality_number: MunicipalityNumber | None = Field(
        None,
        description="a GP office's (required) or a specialist's municipality; it must be "
        "registered. A hospital has none.",
    )
    health_trust: Name | None = Field(
        None,
        description="required for a specialist and a hospital; a GP office's defaults to "
        "its municipality's",
    )
    specialty: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="a specialist's specialty (required for one, refused for others)"
    )
    staff_count: int | None = Field(None, ge=0, le=100_000)

    @model_validator(mode="after")
    def _fits_kind(self) -> "PartyRegistration":
        kind = self.kind
        if kind is PartyKind.MUNICIPALITY:
            raise _refuse(
                "kind",
                "municipalities come from the region file (POST /api/region/load); "
                f"allowed here: {', '.join(k.value for k in REGISTERED_KINDS)}",
            )
        if kind is PartyKind.GP_OFFICE and self.municipality_number is None:
            raise _refuse("municipality_number", "a gp_office belongs to a municipality")
        if kind is PartyKind.HOSPITAL and self.municipality_number is not None:
            raise _refuse(
                "municipality_number", "a hospital belongs to its health trust, not a municipality"
            )
        if kind in (PartyKind.SPECIALIST, PartyKind.HOSPITAL) and self.health_trust is None:
            raise _refuse("health_trust", f"a {kind.value} names the health trust it works under")
        if kind is PartyKind.SPECIALIST and self.specialty is None:
            raise _refuse("specialty", "a specialist names its specialty, e.g. psychiatry")
        if kind is not PartyKind.SPECIALIST and self.specialty is not None:
            raise _refuse("specialty", f"only a specialist has a specialty, not a {kind.value}")
        return self

    @property
    def party_id(self) -> str:
        """The id the party is registered under (checked: a registration has an org number)."""
        return party_id(self.kind, org_number=self.org_number)


@dataclass(frozen=True)
class Region:
    """The registered municipalities a registration is checked against.

    `municipalities`: number -> (county, health trust), of the municipalities
    the read model has.
    """

    municipalities: Mapping[str, tuple[str, str]]

    @property
    def trusts(self) -> dict[str, str]:
        """Each health trust serving a registered municipality, and that municipality's county."""
        found: dict[str, str] = {}
        for county, trust in sorted(self.municipalities.values()):
            found.setdefault(trust, county)
        return found


def party_of(registration: PartyRegistration, region: Region) -> Party:
    """The party `registration` makes in `region`; RequestRejected naming the field otherwise."""
    trusts = region.trusts
    county: str | None = None
    health_trust = registration.health_trust
    municipality = registration.municipality_number
    if municipality is not None:
        if municipality not in region.municipalities:
            raise RequestRejected(
                "municipality_number", f"no municipality {municipality} is registered"
            )
        county, home_trust = region.municipalities[municipality]
        health_trust = health_trust or home_trust
    if health_trust is not None and health_trust not in trusts:
        allowed = ", ".join(sorted(trusts)) or "none registered"
        raise RequestRejected(
            "health_trust",
            f"{health_trust!r} serves no registered municipality; allowed: {allowed}",
        )
    assert health_trust is not None, "the model requires one where no municipality gives it"
    return Party(
        number=registration.party_id,
        name=registration.name,
        county=county or trusts[health_trust],
        health_trust=health_trust,
        kind=registration.kind,
        org_number=registration.org_number,
        municipality_number=municipality,
        specialty=registration.specialty,
        staff_count=registration.staff_count,
    )


def same_party(registered: Party, wanted: Party) -> bool:
    """True if registering `wanted` again changes nothing of `registered` (an idempotent repeat)."""
    return registered.model_dump() == wanted.model_dump()
