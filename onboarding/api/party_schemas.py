"""The bodies of /api/parties: a party in a list, a registration, and an import's answer."""

from pydantic import BaseModel, ConfigDict, Field

from onboarding.domain.parties.models import TransitionRecord
from onboarding.domain.parties.registration import PartyRegistration
from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage
from onboarding.store.tables.parties import MunicipalityRow


class PartySummary(BaseModel):
    """One party in a list: who it is, and the read model's current state."""

    number: str = Field(description="the party's id, which never changes")
    kind: PartyKind
    name: str
    org_number: str | None = Field(description="9 digits; a municipality's may be unknown")
    home_municipality: str | None = Field(
        description="the municipality it is or belongs to (none for a hospital)"
    )
    county: str
    health_trust: str
    specialty: str | None
    staff_count: int | None
    stage: Stage
    paused_from: Stage | None
    last_transition: TransitionRecord | None
    current_number: str | None = Field(
        None, description="a renumbered municipality's number now (none: its number is its id)"
    )

    @classmethod
    def from_row(cls, row: MunicipalityRow, last: TransitionRecord | None) -> "PartySummary":
        """The summary of a read-model row and its latest transition."""
        return cls(
            number=row.number,
            kind=PartyKind(row.kind),
            name=row.name,
            org_number=row.org_number,
            home_municipality=row.home_municipality,
            county=row.county,
            health_trust=row.health_trust,
            specialty=row.specialty,
            staff_count=row.staff_count,
            stage=Stage(row.stage),
            paused_from=Stage(row.paused_from) if row.paused_from else None,
            last_transition=last,
            current_number=row.current_number,
        )


class PartyRegistrationRequest(PartyRegistration):
    """A GP office, private specialist or hospital to register (municipalities: the region)."""

    model_config = ConfigDict(extra="forbid")

    # Strict: JSON's `true` is not the version 1 (pydantic would take it as 1).
    process_version: int | None = Field(
        None,
        ge=1,
        le=10_000,
        strict=True,
        description="the version of its kind's process it starts on (default: the newest)",
    )


class PartiesImported(BaseModel):
    """What an import did: the parties registered now, and those registered already."""

    registered: int
    present: int = Field(description="registered already with the same facts: left as they are")
    numbers: list[str] = Field(description="every party of the file, by id, in file order")
