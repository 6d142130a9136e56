"""The region's history the project ships, the checks every history file goes through, and the
queries over it (the region on a date, old numbers resolved, predecessors, changes)."""

from collections import Counter
from datetime import date
from importlib import resources

import pytest

from onboarding.domain.errors import RequestRejected, UnknownMunicipality
from onboarding.domain.parties.region import shipped_region
from onboarding.domain.region_history import (
    ChangeKind,
    NumberPeriod,
    RegionHistory,
    parse_changes,
    parse_periods,
    shipped_history,
)
from onboarding.domain.region_history.models import SUCCESSION

DATA = resources.files("onboarding").joinpath("data")
PERIODS_TEXT = DATA.joinpath("municipalities-history.csv").read_text("utf-8")
CHANGES_TEXT = DATA.joinpath("region-changes.csv").read_text("utf-8")
HISTORY = shipped_history()


def day(text: str) -> date:
    return date.fromisoformat(text)


def numbers(periods: list[NumberPeriod]) -> list[str]:
    return [p.number for p in periods]


def build(periods_text: str = PERIODS_TEXT, changes_text: str = CHANGES_TEXT) -> RegionHistory:
    return RegionHistory.build(parse_periods(periods_text), parse_changes(changes_text))


def replace_line(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


# -- the counts the published sources give ------------------------------------------------


@pytest.mark.parametrize(
    ("on", "count"),
    [
        # 85 signed the collaboration agreement in 2015/16, all the catchment area then.
        ("2015-01-01", 85),
        ("2016-06-30", 85),
        ("2017-12-31", 85),
        # Rissa and Leksvik became Indre Fosen on 2018-01-01.
        ("2018-06-30", 84),
        ("2019-06-30", 84),
        ("2020-06-30", 65),
        ("2021-06-30", 65),
        # Os (Innlandet) joined.
        ("2022-06-30", 66),
        ("2023-12-31", 66),
        # Haram split from Ålesund on 2024-01-01.
        ("2024-01-01", 67),
        ("2024-06-30", 67),
    ],
)
def test_the_region_counts_on_a_date(on: str, count: int) -> None:
    region = HISTORY.region_on(day(on))
    assert len(region) == count
    assert len(set(numbers(region))) == count


def test_the_region_of_2016_by_county() -> None:
    assert Counter(p.county for p in HISTORY.region_on(day("2016-06-30"))) == {
        "Sør-Trøndelag": 25,
        "Nord-Trøndelag": 23,
        "Møre og Romsdal": 36,
        "Nordland": 1,
    }


def test_the_region_of_2024_is_the_shipped_2024_file() -> None:
    history = {(p.number, p.name, p.county) for p in HISTORY.region_on(day("2024-06-30"))}
    shipped = {(m.number, m.name, m.county) for m in shipped_region()}
    assert history == shipped


def test_every_2024_number_is_in_the_history_with_the_same_name() -> None:
    for municipality in shipped_region():
        period = HISTORY.period_of(municipality.number, day("2024-01-01"))
        assert period is not None, municipality.number
        assert period.name == municipality.name
        assert period.valid_to is None


# -- the shipped files, line by line ------------------------------------------------------


def test_each_change_has_its_numbers_on_the_right_side_of_its_date() -> None:
    for change in HISTORY.changes:
        before = date.fromordinal(change.date.toordinal() - 1)
        for number in change.from_numbers:
            assert HISTORY.period_of(number, before) is not None, (change.date, number)
        for number in change.to_numbers:
            assert HISTORY.period_of(number, change.date) is not None, (change.date, number)


def test_every_line_has_a_source_and_only_the_os_joining_is_unverified() -> None:
    lines = [(p.source, p.verified) for p in HISTORY.periods]
    lines += [(c.source, c.verified) for c in HISTORY.changes]
    for source, verified in lines:
        assert source
        if verified == "yes":
            assert all(s.startswith(("https://", "http://")) for s in source.split())
    unverified_periods = [(p.number, p.valid_from) for p in HISTORY.periods if p.verified == "no"]
    unverified_changes = [(c.kind, c.date) for c in HISTORY.changes if c.verified == "no"]
    assert unverified_periods == [("3430", day("2022-01-01"))]
    assert unverified_changes == [(ChangeKind.JOINED, day("2022-01-01"))]


def test_the_project_cites_no_shared_folder() -> None:
    assert "shared" not in PERIODS_TEXT + CHANGES_TEXT


def test_the_trondelag_renumbering_gave_every_trondelag_municipality_a_50xx_number() -> None:
    renumbered = [c for c in HISTORY.changes if c.date == day("2018-01-01")]
    assert {c.kind for c in renumbered} == {ChangeKind.RENUMBERING, ChangeKind.MERGER}
    old = {n for c in renumbered for n in c.from_numbers}
    trondelag_2017 = {
        p.number
        for p in HISTORY.region_on(day("2017-12-31"))
        if p.county in ("Sør-Trøndelag", "Nord-Trøndelag")
    }
    assert old == trondelag_2017
    assert all(n.startswith("50") for c in renumbered for n in c.to_numbers)


# -- an old number resolved on a date -------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "on", "expected"),
    [
        ("1662", "2024-06-30", ["5001"]),  # Klæbu, into Trondheim in 2020
        ("1601", "2024-06-30", ["5001"]),  # Trondheim, renumbered 2018
        ("1601", "2018-06-30", ["5001"]),
        ("1601", "2017-06-30", ["1601"]),
        ("5001", "2019-06-30", ["5001"]),
        ("1624", "2024-06-30", ["5054"]),  # Rissa, into Indre Fosen 2018
        ("1718", "2018-01-01", ["5054"]),  # Leksvik
        ("1534", "2019-12-31", ["1534"]),  # Haram
        ("1534", "2020-01-01", ["1507"]),
        ("1534", "2023-12-31", ["1507"]),
        ("1534", "2024-01-01", ["1580"]),
        ("1504", "2024-06-30", ["1508"]),  # old Ålesund: the part that is not Haram
        ("1546", "2024-06-30", ["1508"]),  # Sandøy
        ("1507", "2024-06-30", ["1508", "1580"]),  # Ålesund 2020-2023: both parts
        ("1613", "2024-06-30", ["5055", "5056", "5059"]),  # Snillfjord, split three ways
        ("1571", "2024-06-30", ["5055"]),  # Halsa, into Heim
        ("1567", "2018-12-31", ["1567"]),  # Rindal, to Trøndelag in 2019
        ("1567", "2019-01-01", ["5061"]),
        ("1725", "2024-06-30", ["5007"]),  # Namdalseid, into Namsos
        ("1751", "2024-06-30", ["5060"]),  # Nærøy: Lund's transfer to Namsos moves no party
        ("1724", "2024-06-30", ["5006"]),  # Verran: likewise Verrabotn to Indre Fosen
        ("1444", "2024-06-30", ["1577"]),  # Hornindal, into Volda from outside
        ("0441", "2024-06-30", ["3430"]),  # Os, renumbered in 2020
        ("1811", "2024-06-30", ["1811"]),  # Bindal, unchanged
    ],
)
def test_an_old_number_resolves_to_its_successors(
    number: str, on: str, expected: list[str]
) -> None:
    assert numbers(HISTORY.resolve(number, day(on))) == expected


def test_a_number_never_used_is_unknown() -> None:
    with pytest.raises(UnknownMunicipality):
        HISTORY.resolve("9999", day("2024-06-30"))


def test_a_number_not_yet_in_use_is_refused() -> None:
    with pytest.raises(RequestRejected, match="not yet in use"):
        HISTORY.resolve("1580", day("2016-06-30"))


# -- the lineage of a municipality ----------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("5001", ["1601", "1662", "5001", "5030"]),  # Trondheim
        ("5054", ["1624", "1718"]),  # Indre Fosen: Verrabotn's transfer makes no predecessor
        ("5055", ["1571", "1612", "1613", "5011", "5012"]),  # Heim
        ("1580", ["1534", "1507"]),  # Haram: its own area only
        ("1508", ["1504", "1523", "1529", "1546", "1507"]),  # Ålesund without Haram
        ("1577", ["1444", "1519"]),  # Volda: Bjørke and Viddal moved no party
        ("5061", ["1567"]),  # Rindal
        ("3430", ["0441", "3430"]),  # Os: its number, and its years outside the region
        ("1505", []),  # Kristiansund
    ],
)
def test_the_predecessors_of_a_municipality(number: str, expected: list[str]) -> None:
    assert numbers(HISTORY.predecessors(number, day("2024-06-30"))) == expected


def test_predecessors_of_a_number_not_valid_then_are_refused() -> None:
    with pytest.raises(RequestRejected, match="no municipality had number 1662"):
        HISTORY.predecessors("1662", day("2024-06-30"))


def test_a_municipality_keeps_its_key_through_renumbering() -> None:
    assert [(p.number, p.county) for p in HISTORY.periods_of("rindal")] == [
        ("1567", "Møre og Romsdal"),
        ("5061", "Trøndelag"),
    ]
    assert numbers(HISTORY.periods_of("trondheim")) == ["1601", "5001"]
    assert numbers(HISTORY.periods_of("trondheim-2020")) == ["5001"]


# -- the changes between two dates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2016-06-30", "2021-06-30"),
        ("2016-06-30", "2024-06-30"),
        ("2017-12-31", "2018-01-01"),
        ("2021-06-30", "2022-06-30"),
        ("2023-12-31", "2024-01-01"),
        ("2020-01-01", "2020-01-01"),
    ],
)
def test_the_region_on_start_changed_by_the_changes_is_the_region_on_end(
    start: str, end: str
) -> None:
    region = set(numbers(HISTORY.region_on(day(start))))
    for change in HISTORY.changes_between(day(start), day(end)):
        if change.kind in SUCCESSION:
            region -= set(change.from_numbers)
            for number in change.to_numbers:
                period = HISTORY.period_of(number, change.date)
                if period is not None and period.in_catchment:
                    region.add(number)
    assert region == set(numbers(HISTORY.region_on(day(end))))


def test_the_changes_of_2024_and_of_2022() -> None:
    changes_2024 = HISTORY.changes_between(day("2023-12-31"), day("2024-12-31"))
    assert [(c.kind, c.from_numbers, c.to_numbers) for c in changes_2024] == [
        (ChangeKind.SPLIT, ("1507",), ("1508", "1580"))
    ]
    changes_2022 = HISTORY.changes_between(day("2021-12-31"), day("2022-12-31"))
    assert [(c.kind, c.to_numbers) for c in changes_2022] == [(ChangeKind.JOINED, ("3430",))]


def test_changes_between_is_after_start_up_to_and_including_end() -> None:
    assert HISTORY.changes_between(day("2020-01-01"), day("2020-02-01")) == []
    assert len(HISTORY.changes_between(day("2019-12-31"), day("2020-01-01"))) > 0
    with pytest.raises(RequestRejected, match="before start"):
        HISTORY.changes_between(day("2024-01-01"), day("2023-01-01"))


# -- bad files are refused whole, naming the line and the field ---------------------------

KLÆBU_2018 = "5030,Klæbu,Trøndelag,2018-01-01,2019-12-31,klaebu,in,"
KLÆBU_MERGER = "2020-01-01,merger,5001 5030,5001,,"
HARAM_SPLIT = "2024-01-01,split,1507,1508 1580,1508=1504 1523 1529 1546; 1580=1534,"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (KLÆBU_2018, KLÆBU_2018.replace("5030", "50x0", 1), "number"),
        (KLÆBU_2018, KLÆBU_2018.replace("2018-01-01", "2018-13-01"), "valid_from"),
        (KLÆBU_2018, KLÆBU_2018.replace("2019-12-31", "2017-12-31"), "valid_to"),
        (KLÆBU_2018, KLÆBU_2018.replace(",in,", ",maybe,"), "in_region"),
        (KLÆBU_2018, KLÆBU_2018.replace("klaebu", "Klæbu"), "key"),
        (KLÆBU_2018, KLÆBU_2018.replace("Klæbu,", ",", 1), "name"),
    ],
)
def test_a_bad_period_line_is_refused_naming_line_and_field(old: str, new: str, field: str) -> None:
    line = line_of(PERIODS_TEXT, KLÆBU_2018)
    with pytest.raises(RequestRejected) as caught:
        parse_periods(replace_line(PERIODS_TEXT, old, new))
    assert caught.value.field == f"municipalities-history.csv line {line} {field}"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (KLÆBU_MERGER, KLÆBU_MERGER.replace("merger", "merge"), "kind"),
        (KLÆBU_MERGER, KLÆBU_MERGER.replace("2020-01-01", "1.1.2020"), "date"),
        (KLÆBU_MERGER, KLÆBU_MERGER.replace("5001 5030", "5001 5030 5030"), "from_numbers"),
        (KLÆBU_MERGER, KLÆBU_MERGER.replace(",5001,", ",5001 5002,"), "to_numbers"),
        (KLÆBU_MERGER, KLÆBU_MERGER.replace(",5001,,", ",5001,5001=5030,"), "areas"),
        (HARAM_SPLIT, HARAM_SPLIT.replace("1580=1534", "1581=1534"), "areas"),
    ],
)
def test_a_bad_change_line_is_refused_naming_line_and_field(old: str, new: str, field: str) -> None:
    line = line_of(CHANGES_TEXT, old)
    with pytest.raises(RequestRejected) as caught:
        parse_changes(replace_line(CHANGES_TEXT, old, new))
    assert caught.value.field == f"region-changes.csv line {line} {field}"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        # No municipality had 5099 the day before the merger.
        (KLÆBU_MERGER, KLÆBU_MERGER.replace("5001 5030", "5001 5099"), "from_numbers", "5099"),
        (KLÆBU_MERGER, KLÆBU_MERGER.replace("2020-01-01", "2019-01-01"), "date", "before"),
        (HARAM_SPLIT, HARAM_SPLIT.replace("1580=1534", "1580=1534 1601"), "areas", "divide"),
        (
            HARAM_SPLIT,
            HARAM_SPLIT.replace(",1508 1580,", ",1508 1581,").replace("; 1580", "; 1581"),
            "to_numbers",
            "1581",
        ),
    ],
)
def test_a_change_that_disagrees_with_the_periods_is_refused(
    old: str, new: str, field: str, message: str
) -> None:
    line = line_of(CHANGES_TEXT, old)
    with pytest.raises(RequestRejected, match=message) as caught:
        build(changes_text=replace_line(CHANGES_TEXT, old, new))
    assert caught.value.field == f"region-changes.csv line {line} {field}"


def test_a_period_that_ends_with_no_change_is_refused() -> None:
    without_merger = "\n".join(
        line for line in CHANGES_TEXT.splitlines() if not line.startswith(KLÆBU_MERGER)
    )
    with pytest.raises(RequestRejected, match="no change carries it on") as caught:
        build(changes_text=without_merger + "\n")
    line = line_of(PERIODS_TEXT, "5001,Trondheim,Trøndelag,2018-01-01")
    assert caught.value.field == f"municipalities-history.csv line {line} valid_to"


def test_two_periods_of_one_number_at_once_are_refused() -> None:
    overlapping = PERIODS_TEXT + "5030,Klæbu,Trøndelag,2019-06-01,,klaebu-2,in,https://x,yes\n"
    with pytest.raises(RequestRejected, match="also valid then") as caught:
        build(periods_text=overlapping)
    last = len(overlapping.splitlines())
    assert caught.value.field == f"municipalities-history.csv line {last} valid_from"


def test_a_wrong_header_or_a_shifted_line_is_refused() -> None:
    with pytest.raises(RequestRejected, match="header must be"):
        parse_changes(CHANGES_TEXT.replace("from_numbers", "from", 1))
    line = line_of(PERIODS_TEXT, KLÆBU_2018)
    with pytest.raises(RequestRejected, match="expected 9 fields") as caught:
        parse_periods(replace_line(PERIODS_TEXT, "5030,Klæbu,", "5030,Klæbu,Trøndelag,"))
    assert caught.value.field == f"municipalities-history.csv line {line}"


def test_a_field_that_spans_lines_is_refused() -> None:
    # The checks name lines by position, so a record may not run over two lines.
    note = "Trondheim and Klæbu merged into Trondheim"
    spanning = replace_line(CHANGES_TEXT, note, '"Trondheim and\nKlæbu merged"')
    line = line_of(CHANGES_TEXT, KLÆBU_MERGER)
    with pytest.raises(RequestRejected, match="spans lines") as caught:
        parse_changes(spanning)
    assert caught.value.field == f"region-changes.csv line {line}"
