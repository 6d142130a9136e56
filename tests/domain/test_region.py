"""The shipped region file and the parser every region file goes through."""

from collections import Counter
from pathlib import Path

import pytest

from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.region import parse_region, read_region_file, shipped_region

HEADER = "number,name,county,health_trust\n"
TRONDHEIM = "5001,Trondheim,Trøndelag,St. Olavs hospital HF\n"
HARAM = "1580,Haram,Møre og Romsdal,Helse Møre og Romsdal HF\n"


# -- the shipped region ----------------------------------------------------------------


def test_the_shipped_region_has_67_municipalities_with_unique_4_digit_numbers() -> None:
    region = shipped_region()
    assert len(region) == 67
    numbers = [m.number for m in region]
    assert len(set(numbers)) == 67
    assert all(len(n) == 4 and n.isdigit() for n in numbers)
    assert all(m.name and m.county and m.health_trust for m in region)


def test_the_shipped_region_counts_per_county() -> None:
    assert Counter(m.county for m in shipped_region()) == {
        "Trøndelag": 38,
        "Møre og Romsdal": 27,
        "Nordland": 1,
        "Innlandet": 1,
    }


def test_the_shipped_region_serves_three_health_trusts() -> None:
    assert {m.health_trust for m in shipped_region()} == {
        "St. Olavs hospital HF",
        "Helse Nord-Trøndelag HF",
        "Helse Møre og Romsdal HF",
    }


@pytest.mark.parametrize(
    ("number", "name", "county", "health_trust"),
    [
        ("5001", "Trondheim", "Trøndelag", "St. Olavs hospital HF"),
        # Ålesund got a new number, 1508, when Haram split off on 2024-01-01.
        ("1508", "Ålesund", "Møre og Romsdal", "Helse Møre og Romsdal HF"),
        ("1580", "Haram", "Møre og Romsdal", "Helse Møre og Romsdal HF"),
        ("1554", "Averøy", "Møre og Romsdal", "Helse Møre og Romsdal HF"),
        ("5035", "Stjørdal", "Trøndelag", "Helse Nord-Trøndelag HF"),
        ("1811", "Bindal", "Nordland", "Helse Nord-Trøndelag HF"),
        ("3430", "Os", "Innlandet", "St. Olavs hospital HF"),
    ],
)
def test_known_municipalities(number: str, name: str, county: str, health_trust: str) -> None:
    by_number = {m.number: m for m in shipped_region()}
    municipality = by_number[number]
    assert (municipality.name, municipality.county, municipality.health_trust) == (
        name,
        county,
        health_trust,
    )


def test_numbers_retired_by_the_2024_reform_are_absent() -> None:
    numbers = {m.number for m in shipped_region()}
    assert "1507" not in numbers  # Ålesund 2020-2023, before Haram split off


def test_the_shipped_region_numbers_are_the_2024_reference_ones() -> None:
    # The 2024 numbers, by county, copied from the reference list.
    trondelag = (
        "5001 5006 5007 5014 5020 5021 5022 5025 5026 5027 5028 5029 5031 5032 5033 5034 "
        "5035 5036 5037 5038 5041 5042 5043 5044 5045 5046 5047 5049 5052 5053 5054 5055 "
        "5056 5057 5058 5059 5060 5061"
    ).split()
    more_og_romsdal = (
        "1505 1506 1508 1511 1514 1515 1516 1517 1520 1525 1528 1531 1532 1535 1539 1547 "
        "1554 1557 1560 1563 1566 1573 1576 1577 1578 1579 1580"
    ).split()
    assert (len(trondelag), len(more_og_romsdal)) == (38, 27)
    by_county: dict[str, set[str]] = {}
    for m in shipped_region():
        by_county.setdefault(m.county, set()).add(m.number)
    assert by_county == {
        "Trøndelag": set(trondelag),
        "Møre og Romsdal": set(more_og_romsdal),
        "Nordland": {"1811"},
        "Innlandet": {"3430"},
    }


# -- parse_region ------------------------------------------------------------------------


def rejected(text: str) -> RequestRejected:
    with pytest.raises(RequestRejected) as refused:
        parse_region(text, source="test.csv")
    return refused.value


def test_parse_region_reads_a_good_file() -> None:
    region = parse_region(HEADER + TRONDHEIM + "\n" + HARAM)  # blank lines are skipped
    assert [(m.number, m.name) for m in region] == [("5001", "Trondheim"), ("1580", "Haram")]


def test_parse_region_strips_names_and_keeps_quoted_commas() -> None:
    [m] = parse_region(HEADER + '5041," Snåase, Snåsa ",Trøndelag,Helse Nord-Trøndelag HF\n')
    assert m.name == "Snåase, Snåsa"


@pytest.mark.parametrize(
    "header",
    [
        "number,name,county\n",
        "nummer,navn,fylke,helseforetak\n",
        "name,number,county,health_trust\n",
        "number,name,county,health_trust,extra\n",
        "number, name,county,health_trust\n",
    ],
)
def test_bad_header_is_refused_naming_the_expected_one(header: str) -> None:
    err = rejected(header + TRONDHEIM)
    assert err.field == "test.csv"
    assert "header must be number,name,county,health_trust" in err.message


def test_duplicate_number_is_refused_naming_both_lines() -> None:
    err = rejected(HEADER + TRONDHEIM + HARAM + "5001,Trondheim igjen,Trøndelag,St. Olavs\n")
    assert err.field == "test.csv line 4 number"
    assert "duplicate municipality 5001" in err.message
    assert "line 2" in err.message


@pytest.mark.parametrize("number", ["501", "50011", "50O1", "", "-501", "５００１"])
def test_bad_number_is_refused_naming_line_and_field(number: str) -> None:
    err = rejected(HEADER + TRONDHEIM + f"{number},Testby,Trøndelag,St. Olavs hospital HF\n")
    assert err.field == "test.csv line 3 number"


@pytest.mark.parametrize("column", ["name", "county", "health_trust"])
def test_blank_text_field_is_refused_naming_it(column: str) -> None:
    values = {"number": "5001", "name": "Trondheim", "county": "Trøndelag", "health_trust": "X"}
    values[column] = "  "
    err = rejected(HEADER + ",".join(values.values()) + "\n")
    assert err.field == f"test.csv line 2 {column}"


@pytest.mark.parametrize(
    "row",
    [
        # An unquoted comma in a name must not shift the columns.
        "5041,Snåase, Snåsa,Trøndelag,Helse Nord-Trøndelag HF\n",
        "5001,Trondheim,Trøndelag\n",
    ],
)
def test_wrong_number_of_fields_is_refused(row: str) -> None:
    err = rejected(HEADER + TRONDHEIM + row)
    assert err.field == "test.csv line 3"
    assert "expected 4 fields" in err.message


@pytest.mark.parametrize("text", ["", HEADER, HEADER + "\n\n"])
def test_empty_file_is_refused(text: str) -> None:
    err = rejected(text)
    assert err.field == "test.csv"


def test_a_bad_row_refuses_the_whole_file() -> None:
    with pytest.raises(RequestRejected):
        parse_region(HEADER + TRONDHEIM + HARAM + "15x0,Bad,Møre og Romsdal,X\n")


# -- read_region_file --------------------------------------------------------------------


def test_read_region_file_reads_utf8_with_or_without_bom(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_bytes((HEADER + HARAM).encode("utf-8"))
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes((HEADER + HARAM).encode("utf-8-sig"))
    assert read_region_file(plain) == read_region_file(with_bom) == parse_region(HEADER + HARAM)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_read_region_file_refuses_other_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "region.csv"
    path.write_bytes((HEADER + HARAM).encode(encoding))
    with pytest.raises(RequestRejected) as refused:
        read_region_file(path)
    assert refused.value.field == str(path)
    assert "must be UTF-8" in refused.value.message


def test_read_region_file_names_the_file_in_row_errors(tmp_path: Path) -> None:
    path = tmp_path / "region.csv"
    path.write_text(HEADER + "12,Testby,Trøndelag,X\n", encoding="utf-8")
    with pytest.raises(RequestRejected) as refused:
        read_region_file(path)
    assert refused.value.field == f"{path} line 2 number"
