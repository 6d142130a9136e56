"""A party of the region: who it is, of which kind, and the id that never changes.

Every kind of party (a municipality, a GP office, a private specialist, a
hospital) walks its own process on the same engine, and every model that
crosses a workflow's boundary carries a `Party`. Its `number` is the party's
id, fixed at registration and never changed:

- a municipality's id is its 4-digit number at registration (`5001`): the
  ids municipalities had before other kinds existed, so running workflows,
  recorded histories, wave members, tokens and links keep working;
- any other party's id is its kind's prefix and its organisation number at
  registration (`gp-923609016`).

Identifiers that can change (a municipality renumbered by a reform, an
organisation number) resolve to the id through the read model's identifier
table (store/identifiers.py); the id itself is never reused or rewritten.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)


class PartyKind(StrEnum):
    """The kinds of party. The values are the contract (API, read model, search attribute)."""

    MUNICIPALITY = "municipality"
    GP_OFFICE = "gp_office"
    SPECIALIST = "specialist"
    HOSPITAL = "hospital"


KIND_LABELS: dict[PartyKind, dict[str, str]] = {
    PartyKind.MUNICIPALITY: {"nb": "Kommune", "en": "Municipality"},
    PartyKind.GP_OFFICE: {"nb": "Fastlegekontor", "en": "GP office"},
    PartyKind.SPECIALIST: {"nb": "Avtalespesialist", "en": "Private specialist"},
    PartyKind.HOSPITAL: {"nb": "Sykehus", "en": "Hospital"},
}

# The prefix of a party id, by kind; a municipality's id is its number alone.
ID_PREFIX: dict[PartyKind, str] = {
    PartyKind.GP_OFFICE: "gp",
    PartyKind.SPECIALIST: "specialist",
    PartyKind.HOSPITAL: "hospital",
}

MunicipalityNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}$"),
    Field(description="4-digit municipality number (kommunenummer)", examples=["5001"]),
]

PARTY_ID_PATTERN = r"^([0-9]{4}|(gp|specialist|hospital)-[0-9]{9})$"

PartyId = Annotated[
    str,
    StringConstraints(pattern=PARTY_ID_PATTERN),
    Field(
        description="the party's id, which never changes: a municipality's 4-digit number "
        "at registration, or gp-, specialist- or hospital- and the organisation number "
        "at registration",
        examples=["5001", "gp-923609016"],
    ),
]

# The Brønnøysund register's check digit: weights over the first eight digits,
# remainder modulo 11; 11 - remainder is the ninth digit (0 when it is 11, and a
# remainder of 1 makes the number impossible).
_ORG_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_number_check_digit(first_eight: str) -> int | None:
    """The ninth digit the first eight call for; None if no number can have them."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, _ORG_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def _check_org_number(value: str) -> str:
    if org_number_check_digit(value[:8]) != int(value[8]):
        raise ValueError("not a valid organisation number: its check digit (mod 11) does not match")
    return value


OrgNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{9}$"),
    AfterValidator(_check_org_number),
    Field(
        description="9-digit organisation number (organisasjonsnummer), mod-11 check digit",
        examples=["923609016"],
    ),
]


def party_id(kind: PartyKind, *, number: str | None = None, org_number: str | None = None) -> str:
    """The id a party of `kind` is registered with."""
    if kind is PartyKind.MUNICIPALITY:
        if number is None:
            raise ValueError("a municipality's id is its number")
        return number
    if org_number is None:
        raise ValueError(f"a {kind.value}'s id is made from its organisation number")
    return f"{ID_PREFIX[kind]}-{org_number}"


def kind_of(party: str) -> PartyKind:
    """The kind a party id names (ids carry their kind; see the module docstring)."""
    if "-" not in party:
        return PartyKind.MUNICIPALITY
    prefix = party.split("-", 1)[0]
    for kind, known in ID_PREFIX.items():
        if known == prefix:
            return kind
    raise ValueError(f"{party!r} is not a party id")


Text = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class Party(BaseModel):
    """A party as its workflow and the read model know it.

    `number` is the party's id (see the module docstring): the name is the one
    the payloads of running workflows have carried since there were only
    municipalities, and payload names never change.
    """

    model_config = ConfigDict(frozen=True)

    number: PartyId
    name: Text
    county: Text
    health_trust: Text
    kind: PartyKind = PartyKind.MUNICIPALITY
    org_number: OrgNumber | None = None
    # The municipality a GP office or specialist practises in (its own number for
    # a municipality): whose page lists it, and whose readiness a GP office's waits for.
    municipality_number: MunicipalityNumber | None = None
    specialty: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)] | None = (
        None
    )
    staff_count: int | None = Field(None, ge=0, le=100_000)

    @property
    def home_municipality(self) -> str | None:
        """The municipality it is, or lies in (None for a hospital)."""
        if self.kind is PartyKind.MUNICIPALITY:
            return self.number
        return self.municipality_number

    @model_validator(mode="after")
    def _id_fits_kind(self) -> "Party":
        # The id names the kind, and a non-municipality's id is made from the
        # organisation number it registered with: one party, one id, always.
        if kind_of(self.number) is not self.kind:
            raise ValueError(f"{self.number} is not the id of a {self.kind.value}")
        if self.kind is PartyKind.MUNICIPALITY:
            return self
        if self.org_number is None:
            raise ValueError(f"a {self.kind.value} needs its organisation number (org_number)")
        if self.kind is PartyKind.GP_OFFICE and self.municipality_number is None:
            raise ValueError("a gp_office belongs to a municipality (municipality_number)")
        return self
