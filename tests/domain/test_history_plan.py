"""The region's history as parties and reforms (onboarding/domain/region_history/parties.py).

Checked against a count made straight from the CSV files (tests/helpers/region_count.py):
on every day a change took effect, the day before, and the days the published counts name,
the plan's region is the same parties with the same numbers.
"""

import re
from datetime import date, timedelta

import pytest

from onboarding.domain.parties.region import shipped_region
from onboarding.domain.region_history import ChangeKind, shipped_history
from onboarding.domain.region_history.parties import ENDING, HistoryPlan
from tests.helpers import region_count

PLAN = HistoryPlan.build(shipped_history(), {m.number: m.health_trust for m in shipped_region()})
DAYS = sorted(
    {d for c in region_count.change_dates() for d in (c - timedelta(days=1), c)}
    | {date(2016, 6, 30), date(2021, 6, 30), date(2022, 10, 11), date(2024, 6, 30)}
)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_region_of_each_day_is_the_count_from_the_files(day: date) -> None:
    assert PLAN.region_on(day) == region_count.region_on(day)


@pytest.mark.parametrize(
    ("day", "count"),
    [("2016-06-30", 85), ("2021-06-30", 65), ("2022-06-30", 66), ("2024-06-30", 67)],
)
def test_the_published_counts(day: str, count: int) -> None:
    assert len(PLAN.region_on(date.fromisoformat(day))) == count


def test_the_first_day_registers_the_85_with_their_numbers_of_then() -> None:
    first = {m.number: m for m in PLAN.first_day}
    assert len(first) == 85
    assert set(first) == set(region_count.region_on(date(2015, 1, 1)))
    assert first["1601"].name == "Trondheim" and first["1662"].name == "Klæbu"
    assert first["1662"].health_trust == "St. Olavs hospital HF"
    assert first["1534"].health_trust == "Helse Møre og Romsdal HF"  # Haram


def test_a_renumbered_municipality_is_one_party_and_a_merger_a_new_one() -> None:
    assert PLAN.party_on("1601", date(2017, 12, 31)) == "1601"
    assert PLAN.party_on("5001", date(2019, 12, 31)) == "1601"  # renumbered in 2018
    assert PLAN.party_on("5001", date(2020, 1, 1)) == "5001"  # Trondheim and Klæbu, merged
    assert PLAN.party_on("5021", date(2024, 6, 30)) == "1634"  # Oppdal, renumbered
    assert PLAN.party_on("1580", date(2024, 1, 1)) == "1580"  # Haram, split from Ålesund
    assert PLAN.party_on("1444", date(2019, 1, 1)) is None  # Hornindal: never in the area


def test_every_change_in_the_area_is_a_reform_between_the_parties_of_its_days() -> None:
    by_id = {r.reform_id: r for r in PLAN.reforms}
    assert len(by_id) == len(PLAN.reforms)  # unique ids
    assert all(len(r.reform_id) <= 63 for r in PLAN.reforms)
    # Os's renumbering of 2020 happened outside the area: no parties, no reform.
    assert len(PLAN.reforms) == len(region_count.CHANGES) - 1
    assert [r.effective_on for r in PLAN.reforms] == sorted(r.effective_on for r in PLAN.reforms)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]{2,62}", r.reform_id) for r in PLAN.reforms)
    for reform in PLAN.reforms:
        before = PLAN.region_on(reform.effective_on - timedelta(days=1))
        after = PLAN.region_on(reform.effective_on)
        assert set(reform.from_parties) <= set(before), reform.reform_id
        assert set(reform.to_parties) <= set(after), reform.reform_id
        assert {m.number for m in reform.new} <= set(reform.to_parties), reform.reform_id
    merger = by_id["2020-01-01-merger-5001-5030-to-5001"]
    assert (merger.from_parties, merger.to_parties) == (("1601", "1662"), ("5001",))
    assert [m.number for m in merger.new] == ["5001"]
    volda = by_id["2020-01-01-merger-1519-1444-to-1577"]
    assert volda.from_parties == ("1519",)  # Hornindal was no party
    joined = by_id["2022-01-01-joined-3430-to-3430"]
    assert (joined.kind, joined.from_parties, joined.to_parties, joined.new) == (
        ChangeKind.JOINED,
        (),
        ("3430",),
        (),
    )
    assert [(m.number, day) for m, day in PLAN.joining] == [("3430", date(2022, 1, 1))]
    split = by_id["2024-01-01-split-1507-to-1508-1580"]
    assert (split.from_parties, split.to_parties) == (("1507",), ("1508", "1580"))
    renumbering = by_id["2018-01-01-renumbering-1601-to-5001"]
    assert (renumbering.from_parties, renumbering.to_parties, renumbering.new) == (
        ("1601",),
        ("1601",),
        (),
    )
    evidence = renumbering.evidence()
    assert evidence["document_ref"] == "region-changes.csv line 2"
    assert "https://data.ssb.no/" in evidence["reason"] and len(evidence["reason"]) <= 2000
    assert all(len(r.evidence()["reason"]) <= 2000 for r in PLAN.reforms)


def test_a_boundary_transfer_comes_between_the_reforms_that_make_and_end_its_parties() -> None:
    ids = [r.reform_id for r in PLAN.reforms]
    lund = ids.index("2020-01-01-boundary-transfer-5051-to-5007")
    assert ids.index("2020-01-01-merger-5005-5040-5048-to-5007") < lund
    assert lund < ids.index("2020-01-01-merger-5050-5051-to-5060")
    # Every party of a reform exists when it is applied: registered, and not yet ended.
    alive = {m.number for m in PLAN.first_day} | {m.number for m, _ in PLAN.joining}
    for reform in PLAN.reforms:
        alive |= {m.number for m in reform.new}
        assert set(reform.from_parties) | set(reform.to_parties) <= alive, reform.reform_id
        if reform.kind in ENDING:
            alive -= set(reform.from_parties) - set(reform.to_parties)


def test_every_party_is_registered_once() -> None:
    registered = [m.number for m in PLAN.first_day] + [
        m.number for r in PLAN.reforms for m in r.new
    ]
    registered += [m.number for m, _ in PLAN.joining]
    assert len(registered) == len(set(registered))
    ever = {p for d in DAYS for p in PLAN.region_on(d)}
    assert set(registered) == ever
