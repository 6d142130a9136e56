"""The region's history, checked whole, and the questions asked of it.

`RegionHistory.build` takes the lines of both files (`parsing.py`) and refuses
them, naming the file, line and field, unless they tell one consistent story:
no number or municipality (key) in two periods at once, every change's numbers
valid on the right side of its date (`from_numbers` the day before,
`to_numbers` on the day), every period that ends carried on by a change the
next day and every period that starts after 2015-01-01 begun by one.

The queries: the region on a date (`region_on`), an old number's successors on
a date (`resolve`), a municipality's predecessors (`predecessors`), the
changes between two dates (`changes_between`). Succession follows
renumberings, mergers, splits and joining or leaving the catchment area; a
boundary transfer moves a part and makes no one anyone's successor.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from onboarding.domain.errors import RequestRejected, UnknownMunicipality
from onboarding.domain.region_history.models import (
    SUCCESSION,
    ChangeKind,
    NumberPeriod,
    RegionChange,
)

HISTORY_START = date(2015, 1, 1)
_DAY = timedelta(days=1)


def _line(index: int) -> int:
    # Line 1 is the header.
    return index + 2


@dataclass(frozen=True)
class RegionHistory:
    """Every municipality of the catchment area since 2015 with its numbers, and every reform."""

    periods: tuple[NumberPeriod, ...]
    changes: tuple[RegionChange, ...]

    @classmethod
    def build(
        cls,
        periods: Sequence[NumberPeriod],
        changes: Sequence[RegionChange],
        *,
        periods_source: str = "municipalities-history.csv",
        changes_source: str = "region-changes.csv",
    ) -> "RegionHistory":
        """Check the two files' lines against each other; RequestRejected at the first fault."""
        history = cls(tuple(periods), tuple(changes))
        history._check_periods(periods_source)
        history._check_changes(changes_source)
        history._check_every_period_explained(periods_source)
        return history

    # -- queries -----------------------------------------------------------------------

    def period_of(self, number: str, day: date) -> NumberPeriod | None:
        """The municipality that had this number on that day, if any."""
        return next((p for p in self.periods if p.number == number and p.valid_on(day)), None)

    def region_on(self, day: date) -> list[NumberPeriod]:
        """The catchment area's municipalities on that day, with their numbers then."""
        return sorted(
            (p for p in self.periods if p.in_catchment and p.valid_on(day)), key=lambda p: p.number
        )

    def periods_of(self, key: str) -> list[NumberPeriod]:
        """One municipality's numbers over time, oldest first."""
        return sorted((p for p in self.periods if p.key == key), key=lambda p: p.valid_from)

    def resolve(self, number: str, on: date) -> list[NumberPeriod]:
        """What the municipality that last had this number by `on` had become on `on`.

        The number itself if still valid then; otherwise its successors, through
        every renumbering, merger and split in between (several after a split).
        """
        start = self._last_period_by(number, on)
        found: dict[tuple[str, date], NumberPeriod] = {}
        todo: list[tuple[NumberPeriod, NumberPeriod | None]] = [(start, None)]
        while todo:
            period, came_from = todo.pop()
            if period.valid_on(on):
                found[(period.number, period.valid_from)] = period
            else:
                todo.extend((after, period) for after in self._successors(period, came_from))
        return sorted(found.values(), key=lambda p: p.number)

    def predecessors(self, number: str, on: date) -> list[NumberPeriod]:
        """Every earlier period the municipality with this number on `on` carries on, oldest first.

        Its own earlier numbers, and those of the municipalities merged or split
        into it, back to 2015-01-01.
        """
        period = self.period_of(number, on)
        if period is None:
            self._known(number)
            raise RequestRejected("number", f"no municipality had number {number} on {on}")
        found: dict[tuple[str, date], NumberPeriod] = {}
        todo = self._predecessors(period)
        while todo:
            earlier, only = todo.pop()
            found[(earlier.number, earlier.valid_from)] = earlier
            todo.extend(
                (before, area)
                for before, area in self._predecessors(earlier)
                if only is None or before.number in only
            )
        return sorted(found.values(), key=lambda p: (p.valid_from, p.number))

    def changes_between(self, start: date, end: date) -> list[RegionChange]:
        """The changes that took effect after `start` and on or before `end`, by date.

        So the region on `start`, changed by these, is the region on `end`.
        """
        if end < start:
            raise RequestRejected("end", f"{end} is before start {start}")
        return sorted((c for c in self.changes if start < c.date <= end), key=lambda c: c.date)

    # -- following the changes ---------------------------------------------------------

    def _known(self, number: str) -> None:
        if not any(p.number == number for p in self.periods):
            raise UnknownMunicipality(number)

    def _last_period_by(self, number: str, on: date) -> NumberPeriod:
        self._known(number)
        started = [p for p in self.periods if p.number == number and p.valid_from <= on]
        if not started:
            raise RequestRejected("number", f"number {number} was not yet in use on {on}")
        return max(started, key=lambda p: p.valid_from)

    def _successors(
        self, period: NumberPeriod, came_from: NumberPeriod | None = None
    ) -> list[NumberPeriod]:
        """The periods that carry this one on; after a split with areas, only the part
        that covers `came_from` (the period this walk reached `period` from), if named."""
        if period.valid_to is None:
            return []
        day = period.valid_to + _DAY
        found: list[NumberPeriod] = []
        for change in self._succession_on(day):
            if period.number not in change.from_numbers:
                continue
            parts = change.to_numbers
            if came_from is not None:
                covering = [n for n, area in change.areas.items() if came_from.number in area]
                parts = tuple(covering) or parts
            found += self._valid(parts, day)
        return found

    def _predecessors(
        self, period: NumberPeriod
    ) -> list[tuple[NumberPeriod, frozenset[str] | None]]:
        """The periods this one carries on, each with the area (earlier numbers) this
        one took from it when a split names one, else None."""
        day = period.valid_from
        return [
            (before, frozenset(change.areas[period.number]) if change.areas else None)
            for change in self._succession_on(day)
            if period.number in change.to_numbers
            for before in self._valid(change.from_numbers, day - _DAY)
        ]

    def _succession_on(self, day: date) -> Iterable[RegionChange]:
        return (c for c in self.changes if c.date == day and c.kind in SUCCESSION)

    def _valid(self, numbers: Iterable[str], day: date) -> list[NumberPeriod]:
        return [p for n in numbers if (p := self.period_of(n, day)) is not None]

    # -- the checks --------------------------------------------------------------------

    def _check_periods(self, source: str) -> None:
        for index, period in enumerate(self.periods):
            where = f"{source} line {_line(index)}"
            if period.valid_from < HISTORY_START:
                raise RequestRejected(
                    f"{where} valid_from", f"the history starts on {HISTORY_START}"
                )
            for other_index, other in enumerate(self.periods[:index]):
                if not _overlap(period, other):
                    continue
                if other.number == period.number:
                    raise RequestRejected(
                        f"{where} valid_from",
                        f"number {period.number} is also valid then on line {_line(other_index)}",
                    )
                if other.key == period.key:
                    raise RequestRejected(
                        f"{where} key",
                        f"{period.key} also has number {other.number} then "
                        f"(line {_line(other_index)})",
                    )

    def _check_changes(self, source: str) -> None:
        previous: date | None = None
        for index, change in enumerate(self.changes):
            where = f"{source} line {_line(index)}"
            if previous is not None and change.date < previous:
                raise RequestRejected(f"{where} date", f"before the line above ({previous})")
            previous = change.date
            before = self._sides(change.from_numbers, change.date - _DAY, f"{where} from_numbers")
            after = self._sides(change.to_numbers, change.date, f"{where} to_numbers")
            _check_kind(change, before, after, where)
            if change.areas:
                earlier = {p.number for p, _ in self._predecessors(before[0])}
                named = {n for area in change.areas.values() for n in area}
                if named != earlier:
                    raise RequestRejected(
                        f"{where} areas",
                        f"must divide {before[0].number}'s predecessors "
                        f"({' '.join(sorted(earlier)) or 'none'}), got {' '.join(sorted(named))}",
                    )

    def _sides(self, numbers: Sequence[str], day: date, where: str) -> list[NumberPeriod]:
        periods = []
        for number in numbers:
            period = self.period_of(number, day)
            if period is None:
                raise RequestRejected(where, f"no municipality had number {number} on {day}")
            periods.append(period)
        return periods

    def _check_every_period_explained(self, source: str) -> None:
        for index, period in enumerate(self.periods):
            where = f"{source} line {_line(index)}"
            if period.valid_to is not None and not self._successors(period):
                raise RequestRejected(
                    f"{where} valid_to",
                    f"{period.number} {period.name} ends on {period.valid_to} "
                    "but no change carries it on the next day",
                )
            if period.valid_from > HISTORY_START and not self._predecessors(period):
                raise RequestRejected(
                    f"{where} valid_from",
                    f"{period.number} {period.name} starts on {period.valid_from} "
                    "but no change begins it that day",
                )


def _overlap(a: NumberPeriod, b: NumberPeriod) -> bool:
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def _check_kind(
    change: RegionChange, before: list[NumberPeriod], after: list[NumberPeriod], where: str
) -> None:
    """The keys and periods each kind of change implies (the numbers' shape is the model's)."""
    kind = change.kind
    if kind in SUCCESSION:
        for period in before:
            if period.valid_to != change.date - _DAY:
                raise RequestRejected(
                    f"{where} from_numbers",
                    f"a {kind} ends {period.number}'s period, which runs to {period.valid_to}",
                )
        for period in after:
            if period.valid_from != change.date:
                raise RequestRejected(
                    f"{where} to_numbers",
                    f"a {kind} begins {period.number}'s period, which starts {period.valid_from}",
                )
    old_keys = {p.key for p in before}
    new_keys = {p.key for p in after}
    if kind in (ChangeKind.RENUMBERING, ChangeKind.JOINED, ChangeKind.LEFT):
        if old_keys != new_keys:
            raise RequestRejected(
                f"{where} to_numbers",
                f"a {kind} keeps the municipality's key ({', '.join(old_keys)})",
            )
    if kind is ChangeKind.RENUMBERING and change.from_numbers == change.to_numbers:
        raise RequestRejected(f"{where} to_numbers", "a renumbering gives a new number")
    if kind in (ChangeKind.MERGER, ChangeKind.SPLIT) and old_keys & new_keys:
        raise RequestRejected(
            f"{where} to_numbers",
            f"a {kind} makes new municipalities; {', '.join(sorted(old_keys & new_keys))} "
            "carries on",
        )
    if kind is ChangeKind.BOUNDARY_TRANSFER and old_keys & new_keys:
        raise RequestRejected(
            f"{where} to_numbers", "a boundary transfer is between two municipalities"
        )
    membership = {ChangeKind.JOINED: ("out", "in"), ChangeKind.LEFT: ("in", "out")}.get(kind)
    if membership and (before[0].in_region, after[0].in_region) != membership:
        raise RequestRejected(
            f"{where} kind",
            f"{change.from_numbers[0]} is {before[0].in_region} the day before and "
            f"{after[0].in_region} on the day",
        )
