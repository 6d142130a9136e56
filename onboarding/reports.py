"""Report models: what the funnel and other reports answer."""

from datetime import date

from pydantic import BaseModel, Field


class FunnelReport(BaseModel):
    """Where the region stood on a date: municipalities per stage and milestones reached."""

    as_of: date
    total: int = Field(description="municipalities in the region")
    stages: dict[str, int] = Field(description="municipalities per stage on as_of")
    reached: dict[str, int] = Field(
        description="municipalities that had reached each milestone by as_of"
    )
