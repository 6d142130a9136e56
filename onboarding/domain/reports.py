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
"""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from onboarding.domain.vocabulary import Stage


class FunnelReport(BaseModel):
    """Where the region stood on a date: municipalities per stage and milestones reached."""

    as_of: date
    known_on: date | None = Field(
        None, description="only records recorded by the end of this day (None: all)"
    )
    total: int = Field(description="municipalities in the region")
    stages: dict[str, int] = Field(description="municipalities per stage on as_of")
    reached: dict[str, int] = Field(
        description="municipalities that had reached each milestone by as_of"
    )
    signed: int = Field(0, description="had signed the service agreement (milestone reached)")
    preparing: int = Field(0, description="in option_exercised or preparing")
    live: int = Field(0, description="in stage live")


class StageRow(BaseModel):
    """One municipality in the stages report."""

    number: str
    name: str
    county: str
    health_trust: str
    stage: Stage
    since: date | None = Field(description="effective date of the transition into the stage")
    milestone: Stage | None = Field(description="the furthest milestone reached, if any")


class StagesReport(BaseModel):
    """Every municipality's stage on a date, by number."""

    as_of: date
    known_on: date | None
    municipalities: list[StageRow]


class Interval(StrEnum):
    """Spacing of the points of a time series."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class MilestonePoint(BaseModel):
    """Milestones reached by the end of one interval (or by `to`, for the last)."""

    on: date
    reached: dict[str, int]


class MilestoneSeries(BaseModel):
    """Milestones reached over time, one point per interval: data for a chart."""

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    interval: Interval
    known_on: date | None
    total: int
    points: list[MilestonePoint]

    model_config = {"populate_by_name": True}
