"""The onboarding process, version 1: stages, triggers, evidence and guards.

The `transitions` machine built here is the one source of truth. The workflow's
update validator asks it whether a trigger may fire, the API asks it for the
allowed triggers, and the Mermaid diagram is drawn from its transition table.

The machine is synchronous and pure: Temporal owns every timer and every side
effect. A machine is built per decision (it is cheap) because workflow
activations may run on several threads and a shared machine's model list is not
thread-safe.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from transitions import Machine, MachineError

from onboarding.domain.errors import (
    InvalidEffectiveDate,
    InvalidEvidence,
    TransitionRefused,
    UnknownTrigger,
)

PROCESS_VERSION = 1


class Stage(StrEnum):
    """Where a municipality stands. The values are the contract."""

    PROSPECTIVE = "prospective"
    COLLABORATION_SIGNED = "collaboration_signed"
    RESIGNATURE_REQUIRED = "resignature_required"
    OPTION_EXERCISED = "option_exercised"
    PREPARING = "preparing"
    SERVICE_AGREEMENT_SIGNED = "service_agreement_signed"
    READY = "ready"
    LIVE = "live"
    DECLINED = "declined"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


class Trigger(StrEnum):
    """What a coordinator records. The values are the contract."""

    SIGN_COLLABORATION = "sign_collaboration"
    REQUIRE_RESIGNATURE = "require_resignature"
    EXERCISE_OPTION = "exercise_option"
    DECLINE = "decline"
    START_PREPARATION = "start_preparation"
    SIGN_SERVICE_AGREEMENT = "sign_service_agreement"
    APPROVE_GO_LIVE = "approve_go_live"
    GO_LIVE = "go_live"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"


STAGE_LABELS: dict[Stage, dict[str, str]] = {
    Stage.PROSPECTIVE: {"nb": "Aktuell", "en": "Prospective"},
    Stage.COLLABORATION_SIGNED: {
        "nb": "Samarbeidsavtale signert",
        "en": "Collaboration agreement signed",
    },
    Stage.RESIGNATURE_REQUIRED: {"nb": "Ny signatur påkrevd", "en": "Re-signature required"},
    Stage.OPTION_EXERCISED: {"nb": "Opsjon utløst", "en": "Option exercised"},
    Stage.PREPARING: {"nb": "Forberedelser", "en": "Preparing"},
    Stage.SERVICE_AGREEMENT_SIGNED: {
        "nb": "Tjenesteavtale signert",
        "en": "Service agreement signed",
    },
    Stage.READY: {"nb": "Klar for produksjon", "en": "Ready for go-live"},
    Stage.LIVE: {"nb": "I produksjon", "en": "Live"},
    Stage.DECLINED: {"nb": "Takket nei", "en": "Declined"},
    Stage.PAUSED: {"nb": "På vent", "en": "Paused"},
    Stage.WITHDRAWN: {"nb": "Trukket seg", "en": "Withdrawn"},
}

TRIGGER_LABELS: dict[Trigger, dict[str, str]] = {
    Trigger.SIGN_COLLABORATION: {
        "nb": "Signer samarbeidsavtale og fullmakt",
        "en": "Sign collaboration agreement",
    },
    Trigger.REQUIRE_RESIGNATURE: {"nb": "Krev ny signatur", "en": "Require re-signature"},
    Trigger.EXERCISE_OPTION: {"nb": "Utløs opsjon", "en": "Exercise option"},
    Trigger.DECLINE: {"nb": "Takk nei", "en": "Decline"},
    Trigger.START_PREPARATION: {"nb": "Start forberedelser", "en": "Start preparation"},
    Trigger.SIGN_SERVICE_AGREEMENT: {
        "nb": "Signer tjenesteavtale",
        "en": "Sign service agreement",
    },
    Trigger.APPROVE_GO_LIVE: {"nb": "Godkjenn produksjonssetting", "en": "Approve go-live"},
    Trigger.GO_LIVE: {"nb": "Produksjonssett", "en": "Go live"},
    Trigger.PAUSE: {"nb": "Sett på vent", "en": "Pause"},
    Trigger.RESUME: {"nb": "Gjenoppta", "en": "Resume"},
    Trigger.WITHDRAW: {"nb": "Trekk seg", "en": "Withdraw"},
}

# Milestones for reports, in order along the main road.
MILESTONES: tuple[Stage, ...] = (
    Stage.COLLABORATION_SIGNED,
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.SERVICE_AGREEMENT_SIGNED,
    Stage.READY,
    Stage.LIVE,
)
MILESTONE_RANK: dict[Stage, int] = {stage: rank for rank, stage in enumerate(MILESTONES, 1)}

TERMINAL_STAGES: frozenset[Stage] = frozenset({Stage.LIVE, Stage.WITHDRAWN})
PAUSABLE_STAGES: tuple[Stage, ...] = (
    Stage.OPTION_EXERCISED,
    Stage.PREPARING,
    Stage.SERVICE_AGREEMENT_SIGNED,
)


@dataclass(frozen=True)
class EvidenceField:
    """One kind of evidence a coordinator may attach to a transition."""

    name: str
    description: str
    max_length: int = 200


EVIDENCE_FIELDS: dict[str, EvidenceField] = {
    f.name: f
    for f in (
        EvidenceField("agreement_version", "version of the collaboration agreement, e.g. 2022"),
        EvidenceField("document_ref", "reference to the signed document (archive id or URL)"),
        EvidenceField("case_ref", "case number (saksnummer) of the council decision"),
        EvidenceField("reason", "why, in a sentence", max_length=2000),
    )
}


@dataclass(frozen=True)
class EvidenceRule:
    """Which evidence a trigger requires; any other known field is optional."""

    required: tuple[str, ...] = ()


EVIDENCE_RULES: dict[Trigger, EvidenceRule] = {
    Trigger.SIGN_COLLABORATION: EvidenceRule(("agreement_version", "document_ref")),
    Trigger.REQUIRE_RESIGNATURE: EvidenceRule(("agreement_version",)),
    Trigger.EXERCISE_OPTION: EvidenceRule(("case_ref",)),
    Trigger.DECLINE: EvidenceRule(("case_ref", "reason")),
    Trigger.START_PREPARATION: EvidenceRule(),
    Trigger.SIGN_SERVICE_AGREEMENT: EvidenceRule(("document_ref",)),
    Trigger.APPROVE_GO_LIVE: EvidenceRule(),
    Trigger.GO_LIVE: EvidenceRule(),
    Trigger.PAUSE: EvidenceRule(("reason",)),
    Trigger.RESUME: EvidenceRule(),
    Trigger.WITHDRAW: EvidenceRule(("reason",)),
}

_BEFORE_LIVE = [s for s in Stage if s not in TERMINAL_STAGES]

# The declarative transition table. `resume` returns to the stage the
# municipality was paused from: one row per pausable stage, each guarded.
TRANSITION_TABLE: list[dict[str, Any]] = [
    {
        "trigger": Trigger.SIGN_COLLABORATION,
        "source": [Stage.PROSPECTIVE, Stage.RESIGNATURE_REQUIRED],
        "dest": Stage.COLLABORATION_SIGNED,
    },
    {
        "trigger": Trigger.REQUIRE_RESIGNATURE,
        "source": Stage.COLLABORATION_SIGNED,
        "dest": Stage.RESIGNATURE_REQUIRED,
    },
    {
        "trigger": Trigger.EXERCISE_OPTION,
        "source": [Stage.COLLABORATION_SIGNED, Stage.DECLINED],
        "dest": Stage.OPTION_EXERCISED,
    },
    {
        "trigger": Trigger.DECLINE,
        "source": [Stage.COLLABORATION_SIGNED, Stage.OPTION_EXERCISED, Stage.PREPARING],
        "dest": Stage.DECLINED,
    },
    {
        "trigger": Trigger.START_PREPARATION,
        "source": Stage.OPTION_EXERCISED,
        "dest": Stage.PREPARING,
    },
    {
        "trigger": Trigger.SIGN_SERVICE_AGREEMENT,
        "source": [Stage.OPTION_EXERCISED, Stage.PREPARING],
        "dest": Stage.SERVICE_AGREEMENT_SIGNED,
    },
    {
        "trigger": Trigger.APPROVE_GO_LIVE,
        "source": Stage.SERVICE_AGREEMENT_SIGNED,
        "dest": Stage.READY,
        "conditions": "go_live_conditions_met",
    },
    {"trigger": Trigger.GO_LIVE, "source": Stage.READY, "dest": Stage.LIVE},
    {"trigger": Trigger.PAUSE, "source": list(PAUSABLE_STAGES), "dest": Stage.PAUSED},
    *(
        {
            "trigger": Trigger.RESUME,
            "source": Stage.PAUSED,
            "dest": stage,
            "conditions": f"paused_from_{stage.value}",
        }
        for stage in PAUSABLE_STAGES
    ),
    {"trigger": Trigger.WITHDRAW, "source": _BEFORE_LIVE, "dest": Stage.WITHDRAWN},
]


@dataclass(frozen=True)
class ProcessContext:
    """What the guards see: the stage and the facts the conditions depend on.

    `go_live_blockers` is the hook later capabilities (waves, readiness
    checklists) fill with the conditions still missing for `approve_go_live`.
    """

    stage: Stage
    paused_from: Stage | None = None
    go_live_blockers: tuple[str, ...] = field(default=())


class _Candidate:
    """The model the machine moves; its methods are the named conditions."""

    state: Stage

    def __init__(self, context: ProcessContext) -> None:
        self.context = context

    def go_live_conditions_met(self) -> bool:
        return not self.context.go_live_blockers

    def __getattr__(self, name: str) -> Any:
        # paused_from_<stage> conditions, one per pausable stage.
        prefix = "paused_from_"
        if name.startswith(prefix):
            wanted = Stage(name.removeprefix(prefix))
            return lambda: self.context.paused_from == wanted
        raise AttributeError(name)


def _machine(context: ProcessContext) -> tuple[Machine, _Candidate]:
    candidate = _Candidate(context)
    machine = Machine(
        model=candidate,
        states=Stage,
        transitions=TRANSITION_TABLE,
        initial=context.stage,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        model_override=False,
    )
    return machine, candidate


def _definition_machine() -> Machine:
    return _machine(ProcessContext(stage=Stage.PROSPECTIVE))[0]


def missing_conditions(context: ProcessContext, trigger: Trigger) -> list[str]:
    """Name the guard conditions that keep `trigger` from firing in `context`."""
    if trigger is Trigger.APPROVE_GO_LIVE:
        return list(context.go_live_blockers)
    if trigger is Trigger.RESUME and context.paused_from is None:
        return ["paused_from is unknown"]
    return []


def allowed_triggers(context: ProcessContext) -> list[Trigger]:
    """Triggers that may fire now, guards included, in definition order."""
    return list(_allowed_triggers(context))


# Every state query and every view asks this; building a transitions Machine
# each time made a query of 10,000 cached workflows on 2 cores exceed the SDK's
# 2-second deadlock limit. The answer is a pure function of the frozen context.
@functools.lru_cache(maxsize=1024)
def _allowed_triggers(context: ProcessContext) -> tuple[Trigger, ...]:
    machine, candidate = _machine(context)
    sources = set(machine.get_triggers(context.stage))
    return tuple(t for t in Trigger if t.value in sources and candidate.may_trigger(t.value))


def decide(context: ProcessContext, trigger: str) -> Stage:
    """Return the stage `trigger` leads to from `context`.

    Raises UnknownTrigger, or TransitionRefused naming the stage, the allowed
    triggers and any guard conditions still missing.
    """
    try:
        chosen = Trigger(trigger)
    except ValueError:
        raise UnknownTrigger(trigger, [t.value for t in Trigger]) from None
    destination, offered = _destination(context, chosen)
    if destination is None:
        raise TransitionRefused(
            trigger=chosen.value,
            stage=context.stage.value,
            allowed_triggers=[t.value for t in allowed_triggers(context)],
            # approve_go_live names its missing conditions from any stage, so a
            # member still preparing learns all it lacks (the agreement among them).
            missing_conditions=missing_conditions(context, chosen)
            if offered or chosen is Trigger.APPROVE_GO_LIVE
            else [],
        )
    return destination


# Every transition's validator and handler ask this: a pure function of the
# frozen context, cached for the same reason as _allowed_triggers (a Machine
# per call was 3% of a busy worker's CPU).
@functools.lru_cache(maxsize=1024)
def _destination(context: ProcessContext, trigger: Trigger) -> tuple[Stage | None, bool]:
    """Where `trigger` leads from `context` (None: refused), and whether the stage offers it."""
    machine, candidate = _machine(context)
    try:
        moved = candidate.trigger(trigger.value)
    except MachineError:
        moved = False
    offered = trigger.value in machine.get_triggers(context.stage)
    return (Stage(candidate.state) if moved else None), offered


def check_evidence(trigger: Trigger, evidence: dict[str, str]) -> dict[str, str]:
    """Validate and normalise evidence for `trigger`; raise InvalidEvidence on the first fault."""
    cleaned: dict[str, str] = {}
    for name, value in evidence.items():
        spec = EVIDENCE_FIELDS.get(name)
        if spec is None:
            raise InvalidEvidence(
                f"evidence.{name}",
                f"unknown evidence field; allowed: {', '.join(EVIDENCE_FIELDS)}",
            )
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise InvalidEvidence(f"evidence.{name}", "must be a non-empty string")
        if len(text) > spec.max_length:
            raise InvalidEvidence(
                f"evidence.{name}", f"must be at most {spec.max_length} characters"
            )
        cleaned[name] = text
    for name in EVIDENCE_RULES[trigger].required:
        if name not in cleaned:
            raise InvalidEvidence(
                f"evidence.{name}",
                f"is required for {trigger.value} ({EVIDENCE_FIELDS[name].description})",
            )
    return cleaned


def milestones_reached(stages_entered: Iterable[Stage]) -> list[Stage]:
    """Milestones reached by a municipality that has entered these stages.

    A milestone is reached once its stage (or a later one on the main road) was
    entered, and stays reached whatever happens after: paused, declined,
    withdrawn.
    """
    top = max((MILESTONE_RANK.get(s, 0) for s in stages_entered), default=0)
    return [m for m in MILESTONES if MILESTONE_RANK[m] <= top]


def transitions_by_trigger() -> dict[Trigger, list[tuple[Stage, Stage]]]:
    """The (source, destination) pairs of every trigger, read off the machine."""
    machine = _definition_machine()
    table: dict[Trigger, list[tuple[Stage, Stage]]] = {}
    for name, event in machine.events.items():
        pairs = table.setdefault(Trigger(name), [])
        # transitions keys enum states by member name, not value.
        for source, transitions in event.transitions.items():
            for transition in transitions:
                if transition.dest is not None:  # internal transitions have none; we define none
                    pairs.append((Stage[source], Stage[transition.dest]))
    return table


def mermaid_diagram(current: Stage | None = None) -> str:
    """A Mermaid state diagram of the process, optionally highlighting one stage."""
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.PROSPECTIVE.value}"]
    for trigger, pairs in transitions_by_trigger().items():
        for source, dest in pairs:
            lines.append(f"    {source.value} --> {dest.value}: {trigger.value}")
    for stage in sorted(TERMINAL_STAGES):
        lines.append(f"    {stage.value} --> [*]")
    if current is not None:
        lines.append("    classDef current fill:#ffd54f,stroke:#333,stroke-width:3px")
        lines.append(f"    class {current.value} current")
    return "\n".join(lines) + "\n"


class Dated(Protocol):
    """What the date check needs of the previous transition (a TransitionRecord)."""

    @property
    def trigger(self) -> "Trigger": ...

    @property
    def effective_on(self) -> date: ...


def check_effective_on(effective_on: date, today: date, previous: Dated | None) -> None:
    """A transition's date is not in the future (`today`, Europe/Oslo) nor before `previous`'s."""
    if effective_on > today:
        raise InvalidEffectiveDate(
            f"{effective_on} is in the future (today is {today} in Europe/Oslo)"
        )
    if previous is not None and effective_on < previous.effective_on:
        raise InvalidEffectiveDate(
            f"{effective_on} is before {previous.effective_on}, when the previous "
            f"transition ({previous.trigger.value}) took effect"
        )
