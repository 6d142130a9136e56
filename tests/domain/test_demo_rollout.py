"""The demo region's facts agree with its sources, replayed through the process definition.

No server: every fact must be a transition the process allows, in date
order, and the counts the sources report (docs/demo-region.md) must come out on their dates
(test_demo_history.py, over the region of each date). The same counts through the
running system are checked in test_demo_e2e.py.
"""

from datetime import date, timedelta

from onboarding.demo.rollout import PROCESS_VERSION, DemoEvent, DemoParty, shipped_rollout
from onboarding.domain.parties.region import shipped_region
from onboarding.domain.party import PartyKind
from onboarding.domain.process.machine import (
    ProcessContext,
    check_evidence,
    check_not_before,
    decide,
)
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import MUNICIPALITY, latest, process_definition
from onboarding.domain.vocabulary import MILESTONE_RANK, Stage, Trigger

DEMO = process_definition(MUNICIPALITY, PROCESS_VERSION)


def _steps(event: DemoEvent) -> list[Trigger]:
    # A go-live is its wave's: the member's approve_go_live, then the wave's go_live
    # (the approval a week earlier changes none of the counts below).
    if event.trigger is Trigger.GO_LIVE:
        return [Trigger.APPROVE_GO_LIVE, Trigger.GO_LIVE]
    return [event.trigger]


def stage_on(
    events: list[DemoEvent],
    day: date,
    definition: ProcessDefinition = DEMO,
    start: tuple[Stage, int] = (Stage.PROSPECTIVE, 0),
) -> tuple[Stage, int]:
    """(stage, top milestone rank) on `day`, by replaying the facts through the process
    from `start` (a stage and the top rank reached with it)."""
    context = ProcessContext(definition=definition, stage=start[0])
    top = start[1]
    for event in events:
        if event.on > day:
            break
        for trigger in _steps(event):
            stage = decide(context, trigger)
            paused_from = context.stage if stage is Stage.PAUSED else None
            context = ProcessContext(definition=definition, stage=stage, paused_from=paused_from)
            top = max(top, MILESTONE_RANK.get(stage, 0))
    return context.stage, top


def party_stage_on(party: DemoParty, day: date) -> Stage:
    """A GP office's, specialist's or hospital's stage on `day`, through its kind's process."""
    return stage_on(party.events, day, latest(party.kind.value))[0]


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


# The counts the sources report on their dates are over the region of each date, with
# every fact on the party of its date and the reforms between: tests/domain/test_demo_history.py.


def test_the_stories_off_the_main_road() -> None:
    rollout = shipped_rollout().municipalities
    assert stage_on(rollout["5035"], date(2023, 3, 24))[0] is Stage.PAUSED  # Stjørdal
    assert stage_on(rollout["1554"], date(2023, 10, 31))[0] is Stage.DECLINED  # Averøy
    assert stage_on(rollout["1554"], date(2024, 11, 9))[0] is Stage.LIVE
    # Haram's own facts end in 2017; the split of 2024 gives it Ålesund's status
    # (tests/domain/test_demo_history.py).
    assert stage_on(rollout["1580"], date(2100, 1, 1))[0] is Stage.COLLABORATION_SIGNED
    assert stage_on(rollout["5001"], date(2022, 5, 6))[0] is Stage.SERVICE_AGREEMENT_SIGNED
    assert stage_on(rollout["5001"], date(2022, 5, 7))[0] is Stage.LIVE


def test_every_party_fact_is_allowed_in_order_with_its_evidence() -> None:
    rollout = shipped_rollout()
    region = {m.number for m in shipped_region()}
    for party in rollout.parties:
        definition = latest(party.kind.value)
        dates = [e.on for e in party.events]
        assert dates == sorted(dates), party.id
        assert all(day <= date(2025, 6, 30) for day in dates), party.id  # in the past
        for event in party.events:
            check_evidence(definition, event.trigger, event.evidence)
            check_not_before(definition, event.trigger, event.on)  # specialists: Nov 2023
        party_stage_on(party, date(2100, 1, 1))  # raises if a transition is not allowed
        assert party.municipality_number in region | {None}, party.id
        assert party.source, party.id


def test_the_hospitals_go_live_in_their_trusts_waves_on_the_dates_of_the_sources() -> None:
    rollout = shipped_rollout()
    hospitals = {p.health_trust: p for p in rollout.parties if p.kind is PartyKind.HOSPITAL}
    went_live = {
        "St. Olavs hospital HF": date(2022, 11, 12),
        "Helse Møre og Romsdal HF": date(2024, 4, 27),
        "Helse Nord-Trøndelag HF": date(2024, 11, 9),
    }
    assert set(hospitals) == set(went_live)
    for trust, day in went_live.items():
        hospital = hospitals[trust]
        assert party_stage_on(hospital, day - timedelta(days=1)) is Stage.PREPARING, trust
        assert party_stage_on(hospital, day) is Stage.LIVE, trust
        wave = next(e.wave for e in hospital.events if e.trigger is Trigger.GO_LIVE)
        assert wave in {w.id for w in rollout.waves if w.health_trust == trust}, trust


def test_the_first_go_live_takes_two_gp_offices_live_beside_trondheim() -> None:
    rollout = shipped_rollout()
    members = rollout.members("2022-05-trondheim", kinds=True)
    assert members[0] == "5001" and len(members) == 3
    offices = [p for p in rollout.parties if p.id in members]
    assert {(p.kind, p.municipality_number) for p in offices} == {(PartyKind.GP_OFFICE, "5001")}
    assert rollout.members("2022-05-trondheim") == ["5001"]  # municipalities only


def test_every_gp_office_and_specialist_has_open_work_today() -> None:
    today = date(2025, 6, 30)
    stages: dict[PartyKind, set[Stage]] = {}
    for party in shipped_rollout().parties:
        stages.setdefault(party.kind, set()).add(party_stage_on(party, today))
    open_stages = {Stage.AGREEMENT_OFFERED, Stage.DECISION_POSTPONED, Stage.AGREEMENT_SIGNED}
    assert stages[PartyKind.GP_OFFICE] >= open_stages | {Stage.PREPARING, Stage.LIVE}
    assert stages[PartyKind.SPECIALIST] >= open_stages
    assert stages[PartyKind.HOSPITAL] == {Stage.LIVE}  # every trust's hospital went live
