"""The process definition, with no server: which trigger may fire where, and what it needs.

The expected table below is written out by hand from the issue, not derived
from version 1's transition table, so a wrong row in the definition makes a test fail.
"""

import re

import pytest
from pydantic import ValidationError

from onboarding.domain.errors import InvalidEvidence, TransitionRefused, UnknownTrigger
from onboarding.domain.parties.models import TransitionRequest
from onboarding.domain.process.machine import (
    ProcessContext,
    allowed_triggers,
    check_evidence,
    decide,
    mermaid_diagram,
)
from onboarding.domain.process.registry import latest, process_definition
from onboarding.domain.vocabulary import Stage, Trigger
from tests.helpers import EVIDENCE

S = Stage
T = Trigger
# The tables below are version 1's; version 2's road has tests of its own.
V1 = process_definition("municipality", 1)
LATEST = latest("municipality")

# The stage each paused municipality is taken to have been paused from, when
# a test does not say otherwise.
PAUSED_FROM = S.PREPARING

# stage -> {trigger: destination}; a trigger missing from a stage is refused there.
EXPECTED: dict[Stage, dict[Trigger, Stage]] = {
    S.PROSPECTIVE: {
        T.SIGN_COLLABORATION: S.COLLABORATION_SIGNED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.COLLABORATION_SIGNED: {
        T.REQUIRE_RESIGNATURE: S.RESIGNATURE_REQUIRED,
        T.EXERCISE_OPTION: S.OPTION_EXERCISED,
        T.DECLINE: S.DECLINED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.RESIGNATURE_REQUIRED: {
        T.SIGN_COLLABORATION: S.COLLABORATION_SIGNED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.OPTION_EXERCISED: {
        T.DECLINE: S.DECLINED,
        T.START_PREPARATION: S.PREPARING,
        T.SIGN_SERVICE_AGREEMENT: S.SERVICE_AGREEMENT_SIGNED,
        T.PAUSE: S.PAUSED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.PREPARING: {
        T.DECLINE: S.DECLINED,
        T.SIGN_SERVICE_AGREEMENT: S.SERVICE_AGREEMENT_SIGNED,
        T.PAUSE: S.PAUSED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.SERVICE_AGREEMENT_SIGNED: {
        T.APPROVE_GO_LIVE: S.READY,
        T.PAUSE: S.PAUSED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.READY: {
        T.GO_LIVE: S.LIVE,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.LIVE: {},
    S.DECLINED: {
        T.EXERCISE_OPTION: S.OPTION_EXERCISED,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.PAUSED: {
        T.RESUME: PAUSED_FROM,
        T.WITHDRAW: S.WITHDRAWN,
    },
    S.WITHDRAWN: {},
}

# The order the process defines its triggers in (allowed_triggers keeps it).
TRIGGER_ORDER = [
    "sign_collaboration",
    "require_resignature",
    "exercise_option",
    "decline",
    "start_preparation",
    "sign_service_agreement",
    "approve_go_live",
    "go_live",
    "pause",
    "resume",
    "withdraw",
]

STAGE_NAMES = {
    "prospective",
    "collaboration_signed",
    "resignature_required",
    "option_exercised",
    "preparing",
    "service_agreement_signed",
    "ready",
    "live",
    "declined",
    "paused",
    "withdrawn",
}

PAUSABLE = (S.OPTION_EXERCISED, S.PREPARING, S.SERVICE_AGREEMENT_SIGNED)


def context(stage: Stage, paused_from: Stage | None = None) -> ProcessContext:
    if stage is S.PAUSED and paused_from is None:
        paused_from = PAUSED_FROM
    return ProcessContext(definition=V1, stage=stage, paused_from=paused_from)


def in_order(triggers: set[Trigger]) -> list[str]:
    return [name for name in TRIGGER_ORDER if Trigger(name) in triggers]


def test_the_contract_names_every_stage_and_trigger() -> None:
    assert {s.value for s in V1.stages} == STAGE_NAMES == {s.value for s in EXPECTED}
    assert [t.value for t in V1.triggers] == TRIGGER_ORDER
    # The vocabulary only grows: every word of version 1 is still a word.
    assert STAGE_NAMES <= {s.value for s in Stage}
    assert set(TRIGGER_ORDER) <= {t.value for t in Trigger}


@pytest.mark.parametrize("stage", V1.stages, ids=lambda s: s.value)
@pytest.mark.parametrize("trigger", V1.triggers, ids=lambda t: t.value)
def test_every_trigger_from_every_stage(stage: Stage, trigger: Trigger) -> None:
    expected = EXPECTED[stage]
    if trigger in expected:
        assert decide(context(stage), trigger.value) is expected[trigger]
        assert trigger in allowed_triggers(context(stage))
    else:
        with pytest.raises(TransitionRefused) as refused:
            decide(context(stage), trigger.value)
        err = refused.value
        assert err.trigger == trigger.value
        assert err.stage == stage.value
        assert err.allowed_triggers == in_order(set(expected))
        assert err.missing_conditions == []
        assert trigger not in allowed_triggers(context(stage))


@pytest.mark.parametrize("stage", V1.stages, ids=lambda s: s.value)
def test_allowed_triggers_are_the_expected_ones_in_definition_order(stage: Stage) -> None:
    assert [t.value for t in allowed_triggers(context(stage))] == in_order(set(EXPECTED[stage]))


@pytest.mark.parametrize("paused_from", PAUSABLE, ids=lambda s: s.value)
def test_resume_returns_to_the_stage_paused_from(paused_from: Stage) -> None:
    assert decide(context(S.PAUSED, paused_from=paused_from), "resume") is paused_from
    assert allowed_triggers(context(S.PAUSED, paused_from=paused_from)) == [T.RESUME, T.WITHDRAW]


def test_resume_without_a_known_paused_from_is_refused_naming_why() -> None:
    with pytest.raises(TransitionRefused) as refused:
        decide(ProcessContext(definition=V1, stage=S.PAUSED), "resume")
    assert refused.value.missing_conditions == ["paused_from is unknown"]
    assert refused.value.allowed_triggers == ["withdraw"]


@pytest.mark.parametrize("paused_from", [S.PROSPECTIVE, S.READY, S.DECLINED])
def test_resume_to_a_stage_that_cannot_be_paused_is_refused(paused_from: Stage) -> None:
    with pytest.raises(TransitionRefused):
        decide(context(S.PAUSED, paused_from=paused_from), "resume")


def test_pause_and_resume_round_trip_every_pausable_stage() -> None:
    for stage in PAUSABLE:
        assert decide(context(stage), "pause") is S.PAUSED
        assert decide(context(S.PAUSED, paused_from=stage), "resume") is stage


def test_approve_go_live_is_refused_while_blockers_remain() -> None:
    blockers = ("no go-live wave scheduled", "end-user training not finished")
    ctx = ProcessContext(definition=V1, stage=S.SERVICE_AGREEMENT_SIGNED, go_live_blockers=blockers)
    with pytest.raises(TransitionRefused) as refused:
        decide(ctx, "approve_go_live")
    err = refused.value
    assert err.missing_conditions == list(blockers)
    assert err.allowed_triggers == ["pause", "withdraw"]
    assert "no go-live wave scheduled" in str(err)
    assert err.to_detail()["missing_conditions"] == list(blockers)
    assert T.APPROVE_GO_LIVE not in allowed_triggers(ctx)


def test_approve_go_live_fires_once_the_blockers_are_gone() -> None:
    ctx = ProcessContext(definition=V1, stage=S.SERVICE_AGREEMENT_SIGNED, go_live_blockers=())
    assert decide(ctx, "approve_go_live") is S.READY


def test_approve_go_live_names_its_missing_conditions_from_any_stage() -> None:
    # Refused for the stage, and the conditions still missing are named too, so
    # a member still preparing learns everything it lacks.
    ctx = ProcessContext(definition=V1, stage=S.PREPARING, go_live_blockers=("no wave",))
    with pytest.raises(TransitionRefused) as refused:
        decide(ctx, "approve_go_live")
    assert refused.value.missing_conditions == ["no wave"]


def test_other_triggers_name_no_conditions_where_they_are_not_defined() -> None:
    ctx = ProcessContext(definition=V1, stage=S.PREPARING, go_live_blockers=("no wave",))
    with pytest.raises(TransitionRefused) as refused:
        decide(ctx, "go_live")
    assert refused.value.missing_conditions == []


def test_refusal_names_the_stage_and_the_allowed_triggers() -> None:
    with pytest.raises(TransitionRefused) as refused:
        decide(context(S.PROSPECTIVE), "go_live")
    err = refused.value
    assert str(err) == (
        "go_live is not allowed in stage prospective "
        "(allowed from prospective: sign_collaboration, withdraw)"
    )
    assert err.to_detail() == {
        "error": "invalid_transition",
        "message": str(err),
        "trigger": "go_live",
        "stage": "prospective",
        "allowed_triggers": ["sign_collaboration", "withdraw"],
        "missing_conditions": [],
    }


@pytest.mark.parametrize("stage", [S.LIVE, S.WITHDRAWN])
def test_terminal_stages_allow_nothing(stage: Stage) -> None:
    with pytest.raises(TransitionRefused) as refused:
        decide(context(stage), "withdraw")
    assert refused.value.allowed_triggers == []
    assert "none" in str(refused.value)


@pytest.mark.parametrize("name", ["fly_to_the_moon", "", "Sign_Collaboration", "live"])
def test_unknown_trigger(name: str) -> None:
    with pytest.raises(UnknownTrigger) as unknown:
        decide(context(S.PROSPECTIVE), name)
    assert unknown.value.field == "trigger"
    assert unknown.value.allowed == TRIGGER_ORDER
    assert repr(name) in unknown.value.message


# -- evidence ----------------------------------------------------------------------

REQUIRED = {
    T.SIGN_COLLABORATION: {"agreement_version", "document_ref"},
    T.REQUIRE_RESIGNATURE: {"agreement_version"},
    T.EXERCISE_OPTION: {"case_ref"},
    T.DECLINE: {"case_ref", "reason"},
    T.START_PREPARATION: set(),
    T.SIGN_SERVICE_AGREEMENT: {"document_ref"},
    T.APPROVE_GO_LIVE: set(),
    T.GO_LIVE: set(),
    T.PAUSE: {"reason"},
    T.RESUME: set(),
    T.WITHDRAW: {"reason"},
}
FULL = {
    "agreement_version": "2022",
    "document_ref": "ARK-2022/1",
    "case_ref": "2021/77",
    "reason": "because",
}


def test_required_evidence_covers_every_trigger() -> None:
    assert set(REQUIRED) == set(V1.triggers)


@pytest.mark.parametrize("trigger", V1.triggers, ids=lambda t: t.value)
def test_required_evidence_per_trigger(trigger: Trigger) -> None:
    required = REQUIRED[trigger]
    exact = {k: FULL[k] for k in required}
    assert check_evidence(V1, trigger, exact) == exact
    for missing in required:
        partial = {k: FULL[k] for k in required if k != missing}
        with pytest.raises(InvalidEvidence) as invalid:
            check_evidence(V1, trigger, partial)
        assert invalid.value.field == f"evidence.{missing}"
        assert "required" in invalid.value.message


@pytest.mark.parametrize("trigger", V1.triggers, ids=lambda t: t.value)
def test_optional_known_evidence_is_kept(trigger: Trigger) -> None:
    assert check_evidence(V1, trigger, dict(FULL)) == FULL


def test_unknown_evidence_field_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(InvalidEvidence) as invalid:
        check_evidence(V1, T.START_PREPARATION, {"colour": "green"})
    assert invalid.value.field == "evidence.colour"
    for known in ("agreement_version", "document_ref", "case_ref", "reason"):
        assert known in invalid.value.message


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_evidence_is_refused(blank: str) -> None:
    with pytest.raises(InvalidEvidence) as invalid:
        check_evidence(V1, T.EXERCISE_OPTION, {"case_ref": blank})
    assert invalid.value.field == "evidence.case_ref"


def test_non_string_evidence_is_refused() -> None:
    with pytest.raises(InvalidEvidence):
        check_evidence(V1, T.EXERCISE_OPTION, {"case_ref": 2021})  # type: ignore[dict-item]


def test_evidence_is_stripped() -> None:
    assert check_evidence(V1, T.EXERCISE_OPTION, {"case_ref": "  2021/1234 \n"}) == {
        "case_ref": "2021/1234"
    }


@pytest.mark.parametrize(
    ("name", "limit"),
    [("agreement_version", 200), ("document_ref", 200), ("case_ref", 200), ("reason", 2000)],
)
def test_evidence_length_limits(name: str, limit: int) -> None:
    trigger = T.WITHDRAW  # requires only `reason`; the others are optional there
    base = {"reason": "r"}
    assert check_evidence(V1, trigger, {**base, name: "x" * limit})[name] == "x" * limit
    # Surrounding blanks do not count against the limit.
    assert check_evidence(V1, trigger, {**base, name: " " + "x" * limit + " "})[name] == "x" * limit
    with pytest.raises(InvalidEvidence) as invalid:
        check_evidence(V1, trigger, {**base, name: "x" * (limit + 1)})
    assert invalid.value.field == f"evidence.{name}"
    assert str(limit) in invalid.value.message


def test_the_request_model_checks_evidence_against_its_trigger() -> None:
    ok = TransitionRequest(trigger=T.EXERCISE_OPTION, evidence={"case_ref": " 2021/1 "})
    assert ok.evidence == {"case_ref": "2021/1"}
    # What a trigger requires depends on the party's version: the workflow checks
    # that (test_transitions.py); the request checks each field alone.
    assert TransitionRequest(trigger=T.EXERCISE_OPTION, evidence={}).evidence == {}
    with pytest.raises(ValidationError, match=r"evidence\.colour"):
        TransitionRequest(trigger=T.GO_LIVE, evidence={"colour": "green"})


def test_helper_evidence_is_valid_for_every_trigger() -> None:
    # The workflow tests rely on it.
    for trigger in Trigger:
        assert check_evidence(LATEST, trigger, EVIDENCE[trigger]) == EVIDENCE[trigger]
    for trigger in V1.triggers:
        assert check_evidence(V1, trigger, EVIDENCE[trigger]) == EVIDENCE[trigger]


# -- diagram -----------------------------------------------------------------------

EDGE = re.compile(r"^    (\w+) --> (\w+): (\w+)$")


def expected_edges() -> set[tuple[str, str, str]]:
    edges = set()
    for stage, moves in EXPECTED.items():
        for trigger, dest in moves.items():
            if trigger is T.RESUME:
                continue
            edges.add((stage.value, dest.value, trigger.value))
    edges |= {("paused", s.value, "resume") for s in PAUSABLE}
    return edges


def test_mermaid_diagram_draws_every_edge_and_no_other() -> None:
    diagram = mermaid_diagram(V1)
    lines = diagram.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> prospective" in lines
    assert "    live --> [*]" in lines
    assert "    withdrawn --> [*]" in lines
    drawn = [m.groups() for m in map(EDGE.match, lines) if m]
    assert len(drawn) == len(set(drawn)), "an edge is drawn twice"
    assert set(drawn) == expected_edges()
    assert len(drawn) == 28  # counted by hand from the issue
    assert "class " not in diagram  # nothing highlighted without a current stage


@pytest.mark.parametrize("current", [S.PREPARING, S.PAUSED, S.LIVE], ids=lambda s: s.value)
def test_mermaid_diagram_highlights_the_current_stage(current: Stage) -> None:
    lines = mermaid_diagram(V1, current).splitlines()
    assert any(line.strip().startswith("classDef current ") for line in lines)
    class_lines = [line.strip() for line in lines if line.strip().startswith("class ")]
    assert class_lines == [f"class {current.value} current"]
