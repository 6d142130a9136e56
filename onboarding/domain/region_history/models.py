"""A line of each region history file: a municipality's number for a period, and a reform."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from onboarding.domain.fields import Day
from onboarding.domain.municipality import MunicipalityNumber

Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
Verified = Literal["yes", "no"]


def _empty_is_none(value: object) -> object:
    # An open period is an empty field in the file.
    return None if value == "" else value


def _numbers(value: object) -> object:
    # "1624 1718" in the file; a list from Python.
    return value.split() if isinstance(value, str) else value


Numbers = Annotated[tuple[MunicipalityNumber, ...], BeforeValidator(_numbers)]


def _areas(value: object) -> object:
    # "1508=1504 1523 1529 1546; 1580=1534" in the file; a dict from Python.
    if not isinstance(value, str):
        return value
    areas: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        number, sep, earlier = part.partition("=")
        if not sep:
            raise ValueError(f"{part!r} is not NUMBER=EARLIER NUMBERS")
        areas[number.strip()] = earlier.split()
    return areas


Areas = Annotated[dict[MunicipalityNumber, Numbers], BeforeValidator(_areas)]


class NumberPeriod(BaseModel):
    """One municipality under one number for one period, in or out of the catchment area.

    `key` names the municipality across renumberings: it stays when only the
    number changes and is new for a municipality a merger or split creates
    (even under an old name or number, e.g. `trondheim-2020` under 5001).
    `valid_to` is the last day (None: still valid). A `valid_from` of
    2015-01-01 means "valid then", perhaps earlier: the history starts there.
    """

    model_config = ConfigDict(frozen=True)

    number: MunicipalityNumber
    name: Text
    county: Text
    valid_from: Day
    valid_to: Annotated[Day | None, BeforeValidator(_empty_is_none)]
    key: Key
    in_region: Literal["in", "out"]
    source: Text
    verified: Verified

    @field_validator("valid_to")
    @classmethod
    def _period_is_forward(cls, valid_to: date | None, info: ValidationInfo) -> date | None:
        valid_from = info.data.get("valid_from")
        if valid_to is not None and valid_from is not None and valid_to < valid_from:
            raise ValueError(f"{valid_to} is before valid_from {valid_from}")
        return valid_to

    def valid_on(self, day: date) -> bool:
        """Whether this number named this municipality on that day."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def in_catchment(self) -> bool:
        """Whether the municipality belonged to the catchment area in this period."""
        return self.in_region == "in"


class ChangeKind(StrEnum):
    """What a reform did, each with the shape of its numbers.

    renumbering        1 -> 1, the same municipality (same key), a new number
    merger             n -> 1, a new municipality (new key) from whole ones
    split              1 -> n, the old one ends, each part joins or becomes one
    boundary_transfer  1 -> 1, a part moves; both municipalities carry on
    joined, left       1 -> 1, the same number: into or out of the catchment area
    """

    RENUMBERING = "renumbering"
    MERGER = "merger"
    SPLIT = "split"
    BOUNDARY_TRANSFER = "boundary_transfer"
    JOINED = "joined"
    LEFT = "left"


#: the kinds after which the municipalities on the right carry on those on the left
SUCCESSION = frozenset(
    {
        ChangeKind.RENUMBERING,
        ChangeKind.MERGER,
        ChangeKind.SPLIT,
        ChangeKind.JOINED,
        ChangeKind.LEFT,
    }
)


class RegionChange(BaseModel):
    """A reform on a date: `from_numbers` as they were the day before, `to_numbers` on the day.

    `areas`, for a split along boundaries that existed before (Ålesund in 2024),
    says which of the split municipality's predecessors each part covers, so an
    old number resolves to the one part that holds its area.
    """

    model_config = ConfigDict(frozen=True)

    date: Day
    kind: ChangeKind
    from_numbers: Numbers
    to_numbers: Numbers
    areas: Areas
    note: str
    source: Text
    verified: Verified

    # Field validators (not one for the model) so an error names its field; each
    # sees the fields before it in info.data, unless one of those failed.

    @field_validator("from_numbers", "to_numbers")
    @classmethod
    def _distinct(cls, numbers: tuple[str, ...]) -> tuple[str, ...]:
        if not numbers:
            raise ValueError("name at least one municipality number")
        if len(set(numbers)) != len(numbers):
            raise ValueError("a number is repeated")
        return numbers

    @field_validator("to_numbers")
    @classmethod
    def _numbers_fit_the_kind(
        cls, to_numbers: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        kind, from_numbers = info.data.get("kind"), info.data.get("from_numbers")
        if kind is None or from_numbers is None:
            return to_numbers
        left, right = len(from_numbers), len(to_numbers)
        shape = {
            ChangeKind.MERGER: right == 1,
            ChangeKind.SPLIT: left == 1 and right >= 2,
        }.get(kind, left == 1 and right == 1)
        if not shape:
            raise ValueError(f"a {kind} takes {_SHAPES[kind]} numbers, got {left} -> {right}")
        if kind in (ChangeKind.JOINED, ChangeKind.LEFT) and from_numbers != to_numbers:
            raise ValueError(f"a {kind} keeps the number")
        return to_numbers

    @field_validator("areas")
    @classmethod
    def _areas_divide_the_parts(
        cls, areas: dict[str, tuple[str, ...]], info: ValidationInfo
    ) -> dict[str, tuple[str, ...]]:
        if not areas:
            return areas
        if info.data.get("kind") is not ChangeKind.SPLIT:
            raise ValueError("only a split has areas")
        if set(areas) != set(info.data.get("to_numbers", ())):
            raise ValueError("must name each of to_numbers once")
        earlier = [n for numbers in areas.values() for n in numbers]
        if len(earlier) != len(set(earlier)):
            raise ValueError("an earlier number is in two areas")
        return areas


_SHAPES = {
    ChangeKind.RENUMBERING: "1 -> 1",
    ChangeKind.MERGER: "n -> 1",
    ChangeKind.SPLIT: "1 -> 2 or more",
    ChangeKind.BOUNDARY_TRANSFER: "1 -> 1",
    ChangeKind.JOINED: "1 -> 1",
    ChangeKind.LEFT: "1 -> 1",
}
