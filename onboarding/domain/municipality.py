"""A municipality of the region: its number, name, county and health trust."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MunicipalityNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}$"),
    Field(description="4-digit municipality number (kommunenummer)", examples=["5001"]),
]


class Municipality(BaseModel):
    """A municipality of the region, as the shipped region file lists it."""

    model_config = ConfigDict(frozen=True)

    number: MunicipalityNumber
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    county: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    health_trust: Annotated[
        str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)
    ]
