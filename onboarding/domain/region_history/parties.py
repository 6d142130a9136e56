"""The region's history as parties and reforms: who is registered, and what each change does.

A municipality is one party across renumberings (docs/parties.md): its id is
its number when it is registered, and never changes. The history
(`RegionHistory`) names municipalities by `key`; here each key in the
catchment area becomes a party:

- a municipality of the catchment area on the history's first day
  (2015-01-01) is registered with its number of then (Trondheim is `1601`,
  5001 from 2018 only resolves to it);
- one a merger or split creates is registered by that reform, with its
  number on the day (the Trondheim of 2020 is `5001`, Ålesund of 2020 `1507`);
- one that joins the catchment area later is registered with the first day's,
  with its number then (Os, `3430`), and is in the area from its joining on.

Municipalities that were never in the catchment area (Hornindal) are no
party: a change names only the parties among its numbers. A municipality's
health trust is the one that serves what it became (the 2024 region file).

`HistoryPlan.build` turns the whole history into the registrations of the
first day and one `HistoryReform` per change, in the files' order (by date);
pure, so the load (the API) and the demo read the same plan.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from onboarding.domain.municipality import Municipality
from onboarding.domain.region_history.history import HISTORY_START, RegionHistory
from onboarding.domain.region_history.models import ChangeKind, NumberPeriod, RegionChange

_DAY = timedelta(days=1)

# The reforms that end the parties on their left (a boundary transfer ends no one).
ENDING = frozenset({ChangeKind.MERGER, ChangeKind.SPLIT})


@dataclass(frozen=True)
class HistoryReform:
    """One line of region-changes.csv, as parties.

    `from_parties` are the parties named by `from_numbers` the day before,
    `to_parties` those named by `to_numbers` on the day (a renumbering's party
    is on both sides); `new` are the parties this change registers (a merger's
    or split's new municipality, a municipality joining the area), each with
    its number on the day.
    """

    reform_id: str
    change: RegionChange
    from_parties: tuple[str, ...]
    to_parties: tuple[str, ...]
    new: tuple[Municipality, ...]
    line: int  # its line in region-changes.csv

    @property
    def kind(self) -> ChangeKind:
        """What the change did."""
        return self.change.kind

    @property
    def effective_on(self) -> date:
        """The day the change took effect."""
        return self.change.date

    def evidence(self) -> dict[str, str]:
        """What the change is recorded with: its line of the shipped file, its note and sources."""
        unverified = "" if self.change.verified == "yes" else " Not verified (see the source)."
        note = f"{self.change.note}. " if self.change.note else ""
        return {
            "document_ref": f"region-changes.csv line {self.line}",
            "reason": f"{note}Sources: {self.change.source}.{unverified}",
        }


def reform_id(change: RegionChange) -> str:
    """The change's id as a reform: its date, kind and numbers (unique in the history).

    E.g. `2020-01-01-merger-5001-5030-to-5001`; lower case, digits and dashes.
    """
    numbers = "-to-".join("-".join(side) for side in (change.from_numbers, change.to_numbers))
    return f"{change.date.isoformat()}-{change.kind.value.replace('_', '-')}-{numbers}"


def _in_order(reforms: list[HistoryReform]) -> list[HistoryReform]:
    """The reforms by date; on one date, each boundary transfer after the reforms that create
    its parties and before those that end them (Lund moved from Nærøy to the Namsos of
    2020 the day both mergers took effect: the engine records it between them)."""
    ordered: list[HistoryReform] = []
    for day in sorted({r.effective_on for r in reforms}):
        group = [r for r in reforms if r.effective_on == day]
        placed = [r for r in group if r.kind is not ChangeKind.BOUNDARY_TRANSFER]
        for transfer in (r for r in group if r.kind is ChangeKind.BOUNDARY_TRANSFER):
            sides = set(transfer.from_parties) | set(transfer.to_parties)
            after = max(
                (i + 1 for i, r in enumerate(placed) if sides & {m.number for m in r.new}),
                default=0,
            )
            before = min(
                (
                    i
                    for i, r in enumerate(placed)
                    if r.kind in ENDING and sides & set(r.from_parties)
                ),
                default=len(placed),
            )
            if after > before:
                raise ValueError(f"{transfer.reform_id}: its parties do not exist together")
            placed.insert(before, transfer)
        ordered += placed
    return ordered


@dataclass(frozen=True)
class HistoryPlan:
    """The history as parties: the first day's registrations, then every change."""

    history: RegionHistory
    first_day: tuple[Municipality, ...]
    # Municipalities that join the catchment area later, and the day they join: registered
    # with the first day's (so their facts of before can be recorded) but not in the area
    # before that day.
    joining: tuple[tuple[Municipality, date], ...]
    reforms: tuple[HistoryReform, ...]
    # (number, valid_from) of each period in the catchment area -> its party id
    party_of_period: dict[tuple[str, date], str]
    # each municipality (key) ever in the catchment area -> its party id
    party_of_key: dict[str, str]

    @classmethod
    def build(cls, history: RegionHistory, trusts: dict[str, str]) -> "HistoryPlan":
        """The plan of `history`; `trusts`: today's region, number -> health trust."""
        ids = _party_ids(history)
        party_of_period = {
            (p.number, p.valid_from): ids[p.key] for p in history.periods if p.in_catchment
        }

        def municipality(period: NumberPeriod) -> Municipality:
            return Municipality(
                number=ids[period.key],
                name=period.name,
                county=period.county,
                health_trust=_trust_of(history, period, trusts),
            )

        def parties(numbers: tuple[str, ...], day: date) -> tuple[str, ...]:
            named = (history.period_of(n, day) for n in numbers)
            return tuple(
                party_of_period[(p.number, p.valid_from)] for p in named if p and p.in_catchment
            )

        reforms: list[HistoryReform] = []
        first = tuple(municipality(p) for p in history.region_on(HISTORY_START))
        joining: list[tuple[Municipality, date]] = []
        registered = {m.number for m in first}
        for index, change in enumerate(history.changes):
            before = parties(change.from_numbers, change.date - _DAY)
            after = parties(change.to_numbers, change.date)
            new = []
            for number in change.to_numbers:
                period = history.period_of(number, change.date)
                if period is None or not period.in_catchment or ids[period.key] in registered:
                    continue
                registered.add(ids[period.key])
                if change.kind is ChangeKind.JOINED:
                    joining.append((municipality(period), change.date))
                else:
                    new.append(municipality(period))
            if before or after:  # else outside the catchment area (Os renumbered in 2020)
                reforms.append(
                    HistoryReform(
                        reform_id(change), change, before, after, tuple(new), line=index + 2
                    )
                )
        return cls(history, first, tuple(joining), tuple(_in_order(reforms)), party_of_period, ids)

    def party_on(self, number: str, day: date) -> str | None:
        """The party this number named on `day`, if that municipality was in the catchment area."""
        period = self.history.period_of(number, day)
        return (
            None if period is None else self.party_of_period.get((period.number, period.valid_from))
        )

    def registered_on(self) -> dict[str, date | None]:
        """Party id -> the day the reform that registers it took effect (None: the first day,
        with the first day's parties and those joining later)."""
        registered: dict[str, date | None] = {
            m.number: None for m in (*self.first_day, *(m for m, _ in self.joining))
        }
        for reform in self.reforms:
            registered.update((m.number, reform.effective_on) for m in reform.new)
        return registered

    def region_on(self, day: date) -> dict[str, str]:
        """The catchment area on `day`: party id -> its number then."""
        return {
            self.party_of_period[(p.number, p.valid_from)]: p.number
            for p in self.history.region_on(day)
        }


def _party_ids(history: RegionHistory) -> dict[str, str]:
    """Each key ever in the catchment area -> its party id: its number when it first was."""
    ids: dict[str, str] = {}
    for period in sorted(history.periods, key=lambda p: p.valid_from):
        if period.in_catchment and period.key not in ids:
            ids[period.key] = period.number
    taken: dict[str, str] = {}
    for key, party in ids.items():
        if party in taken:
            raise ValueError(f"{key} and {taken[party]} would both be party {party}")
        taken[party] = key
    return ids


def _trust_of(history: RegionHistory, period: NumberPeriod, trusts: dict[str, str]) -> str:
    """The health trust that serves what the municipality became (one, even after a split)."""
    now = max((p.valid_from for p in history.periods), default=HISTORY_START)
    found = {trusts[p.number] for p in history.resolve(period.number, now) if p.number in trusts}
    if len(found) != 1:
        raise ValueError(f"{period.number} {period.name}: no single health trust ({found})")
    return found.pop()
