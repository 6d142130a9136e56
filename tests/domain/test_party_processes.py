"""The processes of the other kinds of party (issue #19), with no server.

GP offices, private specialists and hospitals, each driven through the
machine the workflows use (`decide`, `allowed_triggers`). The expected tables
are written out by hand from the issue, not derived from the definitions, so
a wrong row in a definition makes a test fail.
"""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from onboarding.domain.checklist import DEFAULT_CHECKLIST
from onboarding.domain.errors import InvalidEffectiveDate, InvalidEvidence, TransitionRefused
from onboarding.domain.parties import transitions
from onboarding.domain.parties.models import TransitionCommand
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.diff import ChangeKind, Part, process_diff
from onboarding.domain.process.machine import (
    ProcessContext,
    allowed_triggers,
    check_evidence,
    check_not_before,
    decide,
    mermaid_diagram,
    transitions_by_trigger,
)
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import (
    GP_OFFICE,
    HOSPITAL,
    MUNICIPALITY,
    PROCESSES,
    SPECIALIST,
    keys,
    latest,
    process_definition,
    versions,
)
from onboarding.domain.vocabulary import STAGE_LABELS, TRIGGER_LABELS, Stage, Trigger
from tests.domain.builders import ACTOR, RUN, municipality_state
from tests.helpers import EVIDENCE

S = Stage
T = Trigger

GP = process_definition("gp_office", 1)
SPEC = process_definition("specialist", 1)
HOSP = process_definition("hospital", 1)
NEW_KINDS = (GP, SPEC, HOSP)

# A paused party is taken to have been paused from here unless a test says otherwise.
PAUSED_FROM = S.PREPARING

# stage -> {trigger: destination}; a trigger missing from a stage is refused there.
GP_ROAD: dict[Stage, dict[Trigger, Stage]] = {
    S.PROSPECTIVE: {T.OFFER_STANDARD_AGREEMENT: S.AGREEMENT_OFFERED, T.WITHDRAW: S.WITHDRAWN},
    S.AGREEMENT_OFFERED: {
        T.POSTPONE_DECISION: S.DECISION_POSTPONED,
        T.DECLINE: S.DECLINED,
        T.SIGN_STANDARD_AGREEMENT: S.AGREEMENT_SIGNED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.DECISION_POSTPONED: {
        T.RECONSIDER: S.AGREEMENT_OFFERED,
        T.DECLINE: S.DECLINED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.AGREEMENT_SIGNED: {
        T.START_PREPARATION: S.PREPARING,
        T.PAUSE: S.PAUSED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.PREPARING: {T.APPROVE_GO_LIVE: S.READY, T.PAUSE: S.PAUSED, T.WITHDRAW: S.WITHDRAWN},
    S.READY: {T.GO_LIVE: S.LIVE, T.WITHDRAW: S.WITHDRAWN},
    S.LIVE: {},
    S.DECLINED: {T.RECONSIDER: S.AGREEMENT_OFFERED, T.WITHDRAW: S.WITHDRAWN},
    S.PAUSED: {T.RESUME: PAUSED_FROM, T.WITHDRAW: S.WITHDRAWN},
    S.WITHDRAWN: {},
}

HOSPITAL_ROAD: dict[Stage, dict[Trigger, Stage]] = {
    S.PROSPECTIVE: {T.START_PREPARATION: S.PREPARING, T.WITHDRAW: S.WITHDRAWN},
    S.PREPARING: {T.APPROVE_GO_LIVE: S.READY, T.PAUSE: S.PAUSED, T.WITHDRAW: S.WITHDRAWN},
    S.READY: {T.GO_LIVE: S.LIVE, T.WITHDRAW: S.WITHDRAWN},
    S.LIVE: {},
    S.PAUSED: {T.RESUME: PAUSED_FROM, T.WITHDRAW: S.WITHDRAWN},
    S.WITHDRAWN: {},
}

ROADS = [(GP, GP_ROAD), (SPEC, GP_ROAD), (HOSP, HOSPITAL_ROAD)]


def context(
    definition: ProcessDefinition, stage: Stage, blockers: tuple[str, ...] = ()
) -> ProcessContext:
    return ProcessContext(
        definition=definition,
        stage=stage,
        paused_from=PAUSED_FROM if stage is S.PAUSED else None,
        go_live_blockers=blockers,
    )


# -- the registry ----------------------------------------------------------------------


def test_the_registry_lists_every_kind_of_party() -> None:
    assert keys() == ["municipality", "gp_office", "specialist", "hospital"]
    assert (MUNICIPALITY, GP_OFFICE, SPECIALIST, HOSPITAL) == tuple(keys())
    assert {key for key, _ in PROCESSES} == set(keys())
    for definition in NEW_KINDS:
        assert latest(definition.key) is definition
        assert versions(definition.key) == [definition]
        assert definition.released_on == date(2026, 12, 3)
        assert definition.title.endswith(", versjon 1") and definition.changes


def test_a_new_party_of_each_kind_starts_where_its_road_starts() -> None:
    for definition in NEW_KINDS:
        assert definition.initial_stage is S.PROSPECTIVE
        assert definition.main_road[0] is S.PROSPECTIVE and definition.main_road[-1] is S.LIVE
        assert definition.terminal_stages == {S.LIVE, S.WITHDRAWN}
        assert set(definition.milestones) <= set(definition.stages)


# -- the roads, stage by stage ----------------------------------------------------------


@pytest.mark.parametrize(("definition", "road"), ROADS, ids=lambda d: getattr(d, "name", ""))
def test_each_stage_allows_exactly_its_triggers(
    definition: ProcessDefinition, road: dict[Stage, dict[Trigger, Stage]]
) -> None:
    assert set(definition.stages) == set(road)
    for stage, moves in road.items():
        here = context(definition, stage)
        assert set(allowed_triggers(here)) == set(moves), stage
        for trigger, dest in moves.items():
            assert decide(here, trigger) is dest, (stage, trigger)
        for trigger in set(definition.triggers) - set(moves):
            with pytest.raises(TransitionRefused) as refused:
                decide(here, trigger)
            assert refused.value.stage == stage.value
            assert set(refused.value.allowed_triggers) == {t.value for t in moves}


@pytest.mark.parametrize(("definition", "road"), ROADS, ids=lambda d: getattr(d, "name", ""))
def test_the_diagram_draws_every_row_of_the_table(
    definition: ProcessDefinition, road: dict[Stage, dict[Trigger, Stage]]
) -> None:
    expected = {
        (stage, dest, trigger)
        for stage, moves in road.items()
        for trigger, dest in moves.items()
        if trigger is not T.RESUME
    } | {(S.PAUSED, stage, T.RESUME) for stage in definition.pausable_stages}
    drawn = {(s, d, t) for t, pairs in transitions_by_trigger(definition).items() for s, d in pairs}
    assert drawn == expected
    diagram = mermaid_diagram(definition, current=S.PREPARING)
    for source, dest, trigger in expected:
        assert f"    {source.value} --> {dest.value}: {trigger.value}\n" in diagram
    assert "class preparing current" in diagram


def drive(definition: ProcessDefinition, triggers: list[Trigger]) -> list[Stage]:
    """The stages a party walks through, checking each trigger's evidence on the way."""
    stage, walked = definition.initial_stage, []
    for trigger in triggers:
        check_evidence(definition, trigger, EVIDENCE[trigger])
        stage = decide(context(definition, stage), trigger)
        walked.append(stage)
    return walked


@pytest.mark.parametrize("definition", [GP, SPEC], ids=lambda d: d.name)
def test_an_office_waits_declines_and_comes_back_before_it_goes_live(
    definition: ProcessDefinition,
) -> None:
    walked = drive(
        definition,
        [
            T.OFFER_STANDARD_AGREEMENT,
            T.POSTPONE_DECISION,
            T.DECLINE,
            T.RECONSIDER,
            T.SIGN_STANDARD_AGREEMENT,
            T.START_PREPARATION,
            T.APPROVE_GO_LIVE,
            T.GO_LIVE,
        ],
    )
    assert walked == [
        S.AGREEMENT_OFFERED,
        S.DECISION_POSTPONED,
        S.DECLINED,
        S.AGREEMENT_OFFERED,
        S.AGREEMENT_SIGNED,
        S.PREPARING,
        S.READY,
        S.LIVE,
    ]
    assert allowed_triggers(context(definition, S.LIVE)) == []


def test_a_hospital_prepares_and_goes_live() -> None:
    walked = drive(HOSP, [T.START_PREPARATION, T.APPROVE_GO_LIVE, T.GO_LIVE])
    assert walked == [S.PREPARING, S.READY, S.LIVE]
    # A hospital has no agreement of its own to offer, sign or decline.
    for trigger in (T.OFFER_STANDARD_AGREEMENT, T.SIGN_STANDARD_AGREEMENT, T.DECLINE):
        assert trigger not in HOSP.triggers


@pytest.mark.parametrize("definition", NEW_KINDS, ids=lambda d: d.name)
def test_approve_go_live_waits_for_the_same_conditions_as_a_municipality(
    definition: ProcessDefinition,
) -> None:
    blocked = context(definition, S.PREPARING, blockers=("not a member of a production wave",))
    assert T.APPROVE_GO_LIVE not in allowed_triggers(blocked)
    with pytest.raises(TransitionRefused) as refused:
        decide(blocked, T.APPROVE_GO_LIVE)
    assert refused.value.missing_conditions == ["not a member of a production wave"]


@pytest.mark.parametrize("definition", NEW_KINDS, ids=lambda d: d.name)
def test_a_paused_party_resumes_where_it_paused(definition: ProcessDefinition) -> None:
    for stage in definition.pausable_stages:
        assert decide(context(definition, stage), T.PAUSE) is S.PAUSED
        back = ProcessContext(definition=definition, stage=S.PAUSED, paused_from=stage)
        assert decide(back, T.RESUME) is stage
    unknown = ProcessContext(definition=definition, stage=S.PAUSED)
    with pytest.raises(TransitionRefused) as refused:
        decide(unknown, T.RESUME)
    assert refused.value.missing_conditions == ["paused_from is unknown"]


# -- evidence ---------------------------------------------------------------------------


@pytest.mark.parametrize("definition", NEW_KINDS, ids=lambda d: d.name)
def test_every_trigger_has_an_evidence_rule_and_each_required_field_is_checked(
    definition: ProcessDefinition,
) -> None:
    assert set(definition.evidence_rules) == set(definition.triggers)
    for trigger in definition.triggers:
        for name in definition.required_evidence(trigger):
            lacking = {k: v for k, v in EVIDENCE[trigger].items() if k != name}
            with pytest.raises(InvalidEvidence) as refused:
                check_evidence(definition, trigger, lacking)
            assert refused.value.field == f"evidence.{name}"
            assert definition.name in refused.value.message


def test_what_the_agreements_ask_for() -> None:
    assert GP.required_evidence(T.OFFER_STANDARD_AGREEMENT) == ("agreement_version", "document_ref")
    assert GP.required_evidence(T.SIGN_STANDARD_AGREEMENT) == (
        "agreement_version",
        "signed_by",
        "document_ref",
    )
    # No council decides for an office: its reason, no case number.
    assert GP.required_evidence(T.DECLINE) == ("reason",)
    assert GP.required_evidence(T.POSTPONE_DECISION) == ("reason",)
    # The specialists' terms were not set when they were first asked.
    assert "terms_version" in SPEC.required_evidence(T.OFFER_STANDARD_AGREEMENT)
    assert "terms_version" in SPEC.required_evidence(T.SIGN_STANDARD_AGREEMENT)
    assert "terms_version" not in GP.required_evidence(T.OFFER_STANDARD_AGREEMENT)
    assert HOSP.required_evidence(T.START_PREPARATION) == ()


# -- the specialists' offer opens on 1 November 2023 ------------------------------------


def test_a_specialists_offer_cannot_take_effect_before_the_program_opened_it() -> None:
    with pytest.raises(InvalidEffectiveDate) as refused:
        check_not_before(SPEC, T.OFFER_STANDARD_AGREEMENT, date(2023, 10, 31))
    assert refused.value.field == "effective_on"
    assert "2023-11-01" in refused.value.message and "2023-10-31" in refused.value.message
    check_not_before(SPEC, T.OFFER_STANDARD_AGREEMENT, date(2023, 11, 1))
    # Only the offer waits for that day, and only a specialist's.
    check_not_before(SPEC, T.WITHDRAW, date(2023, 10, 31))
    for definition in (GP, HOSP, process_definition(MUNICIPALITY, 2)):
        for trigger in definition.triggers:
            check_not_before(definition, trigger, date(2015, 1, 1))


def test_planning_a_transition_checks_the_day_the_process_opens_the_trigger(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A workflow's state names no kind of party yet (issue #19's other half), so
    # the planner is handed the specialist process directly.
    monkeypatch.setattr(transitions, "process_of", lambda _state: SPEC)
    state = municipality_state()
    now = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)

    def offer(on: date) -> TransitionCommand:
        return TransitionCommand(
            trigger=T.OFFER_STANDARD_AGREEMENT,
            effective_on=on,
            evidence=EVIDENCE[T.OFFER_STANDARD_AGREEMENT],
            actor=ACTOR,
        )

    policy = ReminderPolicy()
    with pytest.raises(InvalidEffectiveDate) as refused:
        transitions.plan_transition(state, policy, offer(date(2023, 6, 1)), now=now, **RUN)
    assert refused.value.field == "effective_on" and "2023-11-01" in refused.value.message
    record = transitions.plan_transition(state, policy, offer(date(2023, 11, 1)), now=now, **RUN)
    assert (record.to_stage, record.effective_on) == (S.AGREEMENT_OFFERED, date(2023, 11, 1))


# -- obligations, checklist, words --------------------------------------------------------


@pytest.mark.parametrize("definition", NEW_KINDS, ids=lambda d: d.name)
def test_obligations_and_checklist_fit_the_kind(definition: ProcessDefinition) -> None:
    for rule in definition.obligations:
        assert rule.id in definition.triggers
        assert all(definition.has_stage(stage) for stage in rule.stages)
        # Each obligation is one the stage it opens in can fulfil.
        for stage in rule.stages:
            assert rule.id in allowed_triggers(context(definition, stage)), (rule.id, stage)
    ids = [item.id for item in definition.checklist]
    assert ids and len(ids) == len(set(ids))
    days = [item.days_before_go_live for item in definition.checklist]
    assert days == sorted(days, reverse=True) and days[-1] >= 7
    # The template's items and labels, in its order; only the lead times are the kind's.
    template = {rule.id: rule for rule in DEFAULT_CHECKLIST}
    assert ids == [rule.id for rule in DEFAULT_CHECKLIST if rule.id in ids]
    assert all(item.label == template[item.id].label for item in definition.checklist)


def test_a_hospital_starts_its_checklist_before_a_gp_office() -> None:
    first = {d.key: max(i.days_before_go_live for i in d.checklist) for d in NEW_KINDS}
    assert first[HOSPITAL] > first[GP_OFFICE]
    assert {i.id for i in GP.checklist} < {i.id for i in HOSP.checklist}


def test_the_new_words_have_labels_in_both_languages() -> None:
    stages = {s for d in NEW_KINDS for s in d.stages}
    triggers = {t for d in NEW_KINDS for t in d.triggers}
    for labels in [STAGE_LABELS[s] for s in stages] + [TRIGGER_LABELS[t] for t in triggers]:
        assert set(labels) == {"nb", "en"} and labels["nb"] != labels["en"]
    assert STAGE_LABELS[S.AGREEMENT_OFFERED]["nb"] == "Standardavtale tilbudt"
    assert TRIGGER_LABELS[T.POSTPONE_DECISION]["nb"] == "Utsett beslutningen"


@pytest.mark.parametrize("definition", NEW_KINDS, ids=lambda d: d.name)
def test_a_version_differs_from_itself_in_nothing(definition: ProcessDefinition) -> None:
    same = process_diff(definition, definition)
    assert (same.key, same.from_version, same.to_version) == (definition.key, 1, 1)
    assert same.changes == []


def test_moving_the_day_an_offer_opens_is_a_change_between_versions() -> None:
    later = replace(
        SPEC,
        version=2,
        offerable_from={T.OFFER_STANDARD_AGREEMENT: date(2024, 1, 1)},
    )
    [moved] = process_diff(SPEC, later).changes
    assert (moved.part, moved.name, moved.change) == (
        Part.OPENS,
        "offer_standard_agreement",
        ChangeKind.CHANGED,
    )
    assert (moved.before, moved.after) == ("from 2023-11-01", "from 2024-01-01")
    [closed] = process_diff(SPEC, replace(SPEC, version=2, offerable_from={})).changes
    assert closed.change is ChangeKind.REMOVED


def test_the_wave_rules_of_a_kind_are_changes_between_versions() -> None:
    later = replace(
        GP,
        version=2,
        wave_stages=GP.wave_stages - {S.AGREEMENT_SIGNED},
        waits_for_home_municipality=False,
    )
    changes = {
        (c.part, c.name): (c.change, c.before, c.after) for c in process_diff(GP, later).changes
    }
    assert changes == {
        (Part.RULE, "wave_stages"): (
            ChangeKind.CHANGED,
            "agreement_signed, preparing, ready, paused",
            "preparing, ready, paused",
        ),
        (Part.RULE, "waits_for_home_municipality"): (ChangeKind.CHANGED, "yes", "no"),
    }


def test_the_specialist_road_differs_from_the_gp_office_road_only_in_evidence() -> None:
    assert SPEC.transitions == GP.transitions and SPEC.stages == GP.stages
    changed = {
        trigger
        for trigger in GP.triggers
        if GP.required_evidence(trigger) != SPEC.required_evidence(trigger)
    }
    assert changed == {T.OFFER_STANDARD_AGREEMENT, T.SIGN_STANDARD_AGREEMENT}
    assert dict(SPEC.offerable_from) == {T.OFFER_STANDARD_AGREEMENT: date(2023, 11, 1)}
    assert dict(GP.offerable_from) == {}
