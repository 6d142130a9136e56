"""The Norwegian business-day calendar, checked against known dates."""

from datetime import date

import pytest

from onboarding.domain.business_days import (
    add_business_days,
    business_day_on_or_after,
    business_day_on_or_before,
    holiday_name,
    is_business_day,
)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 4, 17),  # Maundy Thursday
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 1),
        date(2025, 5, 17),  # Constitution Day (a Saturday in 2025, still not a business day)
        date(2025, 5, 29),  # Ascension Day
        date(2025, 6, 9),  # Whit Monday
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2026, 1, 1),
        date(2025, 11, 22),  # a Saturday
        date(2025, 11, 23),  # a Sunday
    ],
)
def test_holidays_and_weekends_are_not_business_days(day: date) -> None:
    assert not is_business_day(day)


def test_ordinary_weekdays_are_business_days() -> None:
    assert is_business_day(date(2025, 4, 16))  # Wednesday before Easter
    assert is_business_day(date(2025, 12, 24))  # Christmas Eve is a working day by law
    assert holiday_name(date(2025, 12, 25)) is not None
    assert holiday_name(date(2025, 12, 24)) is None


def test_moving_to_business_days_across_easter() -> None:
    # Easter 2025: Thu 17 to Mon 21 April are all off.
    assert business_day_on_or_before(date(2025, 4, 21)) == date(2025, 4, 16)
    assert business_day_on_or_after(date(2025, 4, 17)) == date(2025, 4, 22)
    assert business_day_on_or_after(date(2025, 4, 22)) == date(2025, 4, 22)


def test_adding_business_days_across_christmas() -> None:
    # From Mon 22 Dec 2025: 23, 24, (25, 26 off, 27-28 weekend), 29, 30, 31, (1 Jan off), 2 Jan.
    assert add_business_days(date(2025, 12, 22), 1) == date(2025, 12, 23)
    assert add_business_days(date(2025, 12, 22), 3) == date(2025, 12, 29)
    assert add_business_days(date(2025, 12, 22), 6) == date(2026, 1, 2)
    assert add_business_days(date(2026, 1, 2), -6) == date(2025, 12, 22)
    assert add_business_days(date(2025, 12, 25), 0) == date(2025, 12, 25)


def test_ten_business_days_is_two_weeks_without_holidays() -> None:
    assert add_business_days(date(2025, 9, 1), 10) == date(2025, 9, 15)
