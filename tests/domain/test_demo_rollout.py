"""The demo region's facts agree with its sources, replayed through the process definition.

No server: every fact must be a transition the process allows, in date
order, and the counts the sources report (docs/demo-region.md) must come out on their dates. The
same counts through the running system are checked in test_demo_e2e.py.
"""

from datetime import date

import pytest

from onboarding.demo.rollout import PROCESS_VERSION, DemoEvent, shipped_rollout
from onboarding.domain.parties.region import shipped_region
from onboarding.domain.process.machine import ProcessContext, check_evidence, decide
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.vocabulary import MILESTONE_RANK, Stage, Trigger

DEMO = process_definition(MUNICIPALITY, PROCESS_VERSION)


def _steps(event: DemoEvent) -> list[Trigger]:
    # A go-live is its wave's: the member's approve_go_live, then the wave's go_live
    # (the approval a week earlier changes none of the counts below).
    if event.trigger is Trigger.GO_LIVE:
        return [Trigger.APPROVE_GO_LIVE, Trigger.GO_LIVE]
    return [event.trigger]


def stage_on(events: list[DemoEvent], day: date) -> tuple[Stage, int]:
    """(stage, top milestone rank) on `day`, by replaying the facts through the process."""
    context = ProcessContext(definition=DEMO, stage=Stage.PROSPECTIVE)
    top = 0
    for event in events:
        if event.on > day:
            break
        for trigger in _steps(event):
            stage = decide(context, trigger)
            paused_from = context.stage if stage is Stage.PAUSED else None
            context = ProcessContext(definition=DEMO, stage=stage, paused_from=paused_from)
            top = max(top, MILESTONE_RANK.get(stage, 0))
    return context.stage, top


def counts_on(day: date) -> dict[str, int]:
    rollout = shipped_rollout()
    stages = [stage_on(events, day) for events in rollout.municipalities.values()]
    signed_rank = MILESTONE_RANK[Stage.SERVICE_AGREEMENT_SIGNED]
    return {
        "exercised": sum(1 for _, top in stages if top >= MILESTONE_RANK[Stage.OPTION_EXERCISED]),
        "signed": sum(1 for _, top in stages if top >= signed_rank),
        "preparing": sum(1 for s, _ in stages if s in (Stage.OPTION_EXERCISED, Stage.PREPARING)),
        "live": sum(1 for s, _ in stages if s is Stage.LIVE),
    }


def test_every_municipality_of_the_region_and_only_those() -> None:
    assert set(shipped_rollout().municipalities) == {m.number for m in shipped_region()}


def test_every_fact_is_allowed_in_order_with_its_evidence() -> None:
    for number, events in shipped_rollout().municipalities.items():
        dates = [e.on for e in events]
        assert dates == sorted(dates), number
        assert all(day <= date(2025, 6, 30) for day in dates), number  # in the past
        for event in events:
            check_evidence(DEMO, event.trigger, event.evidence)
        stage_on(events, date(2100, 1, 1))  # raises if a transition is not allowed


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2021, 5, 26), {"exercised": 19}),
        (date(2022, 10, 11), {"signed": 18, "preparing": 45}),
        (date(2023, 6, 30), {"live": 10, "signed": 31}),  # 10 live, 21 more decided
        (date(2024, 1, 3), {"live": 20, "signed": 34}),  # 34 of 67 live or decided
        (date(2024, 4, 27), {"live": 28}),
    ],
)
def test_domain_counts_on_their_dates(day: date, expected: dict[str, int]) -> None:
    counts = counts_on(day)
    assert {name: counts[name] for name in expected} == expected


def test_the_stories_off_the_main_road() -> None:
    rollout = shipped_rollout().municipalities
    assert stage_on(rollout["5035"], date(2023, 3, 24))[0] is Stage.PAUSED  # Stjørdal
    assert stage_on(rollout["1554"], date(2023, 10, 31))[0] is Stage.DECLINED  # Averøy
    assert stage_on(rollout["1554"], date(2024, 11, 9))[0] is Stage.LIVE
    # Haram counts as live from the split, not before.
    assert stage_on(rollout["1580"], date(2023, 12, 31))[0] is Stage.COLLABORATION_SIGNED
    assert stage_on(rollout["1580"], date(2024, 1, 1))[0] is Stage.LIVE
    assert stage_on(rollout["5001"], date(2022, 5, 6))[0] is Stage.SERVICE_AGREEMENT_SIGNED
    assert stage_on(rollout["5001"], date(2022, 5, 7))[0] is Stage.LIVE
