"""The demo's loader and open work, the parts that need no server: dates and order.

The whole load, with its open work, runs end to end in tests/e2e/test_demo_e2e.py.
"""

from datetime import date, timedelta

import pytest

from onboarding.demo.loader import waits_for
from onboarding.demo.open_work import PLANNED_WAVES, saturday_morning, wave_id
from onboarding.demo.rollout import shipped_rollout
from onboarding.domain.calendar import OSLO

MONDAY = date(2031, 3, 3)  # any week does; this one starts on a Monday


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("days_ahead", [0, 1, 35, 126, 182])
def test_a_planned_wave_goes_live_on_the_first_saturday_morning_far_enough_ahead(
    weekday: int, days_ahead: int
) -> None:
    today = MONDAY + timedelta(days=weekday)
    at = saturday_morning(today, days_ahead)
    assert at.tzinfo is OSLO and (at.hour, at.minute) == (6, 0)
    assert at.date().weekday() == 5
    assert days_ahead <= (at.date() - today).days < days_ahead + 7


def test_the_planned_waves_are_named_by_their_month_and_lie_in_order() -> None:
    at = [saturday_morning(MONDAY, wave.days_ahead) for wave in PLANNED_WAVES]
    assert at == sorted(at)
    assert wave_id("sunnmore", at[0]) == f"{at[0]:%Y-%m}-sunnmore"
    # No municipality is planned in two waves.
    numbers = [n for wave in PLANNED_WAVES for n in wave.candidates]
    assert len(numbers) == len(set(numbers))


def test_a_wave_waits_only_for_the_waves_its_gp_offices_municipalities_go_live_in() -> None:
    rollout = shipped_rollout()
    after = waits_for(rollout, kinds=True)
    assert set(after) == {wave.id for wave in rollout.waves}
    homes = {party.id: party.municipality_number for party in rollout.parties}
    for wave in rollout.waves:
        assert wave.id not in after[wave.id]
        for earlier in after[wave.id]:
            members = rollout.members(wave.id, kinds=True)
            theirs = set(rollout.members(earlier, kinds=True))
            assert any(homes.get(m) in theirs for m in members), (wave.id, earlier)
    # Trondheim's GP offices go live in Trondheim's own wave: nothing to wait for.
    assert after["2022-05-trondheim"] == set()
    assert waits_for(rollout, kinds=False) == {wave.id: set() for wave in rollout.waves}


def test_a_gp_office_in_a_later_wave_than_its_municipality_makes_that_wave_wait() -> None:
    rollout = shipped_rollout()
    office = next(p for p in rollout.parties if p.municipality_number == "5001")
    moved = [
        e.model_copy(update={"wave": "2022-11-st-olavs"}) if e.wave else e for e in office.events
    ]
    parties = [
        p.model_copy(update={"events": moved}) if p.id == office.id else p for p in rollout.parties
    ]
    after = waits_for(rollout.model_copy(update={"parties": parties}), kinds=True)
    assert after["2022-11-st-olavs"] == {"2022-05-trondheim"}
    assert after["2022-05-trondheim"] == set()
