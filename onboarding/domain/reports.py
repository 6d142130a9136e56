"""Report models: what the funnel and the other point-in-time reports answer.

Every report is asked about two times: `as_of`, the valid time (what had
taken effect by that day), and `known_on`, the transaction time (only what had
been recorded by the end of that day in Europe/Oslo, corrections included):
"what would the report have said on that day". No `known_on` means everything
recorded so far.

The headline counts follow the wording of the program's own status reports
("per 11 October 2022, 18 had signed and 45 were preparing"):

- `signed`: municipalities that had signed the service agreement (the binding
  step), whatever came after: ready, live, even paused. It is the milestone
  count `reached["service_agreement_signed"]`.
- `preparing`: municipalities that had exercised the option and were working
  towards the service agreement, i.e. in stage `option_exercised` or
  `preparing`. Paused, declined and withdrawn ones are not preparing.
- `live`: in stage `live`.

Every report takes a kind of party (`kind`; None: every kind together). The
stages of every kind are counted under their own names; milestones are each
kind's own road (onboarding/domain/report_milestones.py), so together a
milestone counts the parties whose road has it. For other kinds the headline
counts mean: `signed`, had signed the standard agreement (a GP office or a
specialist; a hospital signs none); `preparing`, in stage `preparing`.

`total` and the coverage report's `parties` count the parties the read model
holds: a party's registration is not dated, so a party registered later is
counted (as prospective) on any earlier date too.
"""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from onboarding.domain.party import PartyKind
from onboarding.domain.vocabulary import Stage

KIND_FIELD_DESCRIPTION = "the kind of party counted (None: every kind together)"


class FunnelReport(BaseModel):
    """Where the region stood on a date: parties per stage and milestones reached."""

    as_of: date
    known_on: date | None = Field(
        None, description="only records recorded by the end of this day (None: all)"
    )
    kind: PartyKind | None = Field(None, description=KIND_FIELD_DESCRIPTION)
    total: int = Field(description="parties (of the kind) in the read model")
    stages: dict[str, int] = Field(description="parties per stage on as_of")
    reached: dict[str, int] = Field(
        description="parties that had reached each milestone of their own road by as_of"
    )
    signed: int = Field(
        0,
        description="had signed the binding agreement of their road: the service agreement "
        "(municipality) or the standard agreement (GP office, specialist)",
    )
    preparing: int = Field(0, description="in option_exercised or preparing")
    live: int = Field(0, description="in stage live")


class StageRow(BaseModel):
    """One party in the stages report."""

    number: str = Field(description="the party's id (a municipality's number)")
    municipality_number: str | None = Field(
        None,
        description="a municipality's number on `as_of` (its id unless a reform renumbered "
        "it); None for other kinds",
    )
    name: str
    county: str
    health_trust: str
    kind: PartyKind = PartyKind.MUNICIPALITY
    stage: Stage
    since: date | None = Field(description="effective date of the transition into the stage")
    milestone: Stage | None = Field(
        description="the furthest milestone of its own road reached, if any"
    )


class StagesReport(BaseModel):
    """Every party's stage on a date, by id (the field keeps its first name)."""

    as_of: date
    known_on: date | None
    kind: PartyKind | None = Field(None, description=KIND_FIELD_DESCRIPTION)
    municipalities: list[StageRow] = Field(
        description="every party of the kind in the region on `as_of`, by id"
    )


class Interval(StrEnum):
    """Spacing of the points of a time series."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class MilestonePoint(BaseModel):
    """Milestones reached by the end of one interval (or by `to`, for the last)."""

    on: date
    reached: dict[str, int]
    total: int | None = Field(
        None, description="parties (of the kind) in the region on this day (reforms change it)"
    )


class MilestoneSeries(BaseModel):
    """Milestones reached over time, one point per interval: data for a chart."""

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    interval: Interval
    known_on: date | None
    kind: PartyKind | None = Field(None, description=KIND_FIELD_DESCRIPTION)
    total: int
    points: list[MilestonePoint]

    model_config = {"populate_by_name": True}


class StaffCount(BaseModel):
    """Staff of a set of parties, where their staff count is recorded."""

    staff: int = Field(0, description="sum of staff_count over the parties that have one")
    unrecorded: int = Field(0, description="parties with no staff_count recorded")


class KindCoverage(BaseModel):
    """One kind of party on a date: how many, how many live, and their staff."""

    kind: PartyKind | None = Field(description="None: every kind together")
    parties: int = Field(description="parties of the kind in the read model")
    live: int = Field(description="in stage live on as_of")
    staff: StaffCount = Field(description="staff of every party of the kind")
    staff_live: StaffCount = Field(description="staff of the parties live on as_of")


class CoverageReport(BaseModel):
    """How far the platform reached on a date: each kind of party, and every kind together.

    Staff counts are the ones recorded now with each party (the read model
    keeps no history of them); whether a party was live is as of `as_of`,
    as known on `known_on`.
    """

    as_of: date
    known_on: date | None
    kinds: list[KindCoverage] = Field(description="one row per kind, in PartyKind's order")
    together: KindCoverage
