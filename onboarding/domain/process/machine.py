"""The machine that interprets a process definition: guards, decisions, evidence, diagram.

The `transitions` machine built here from a definition's table is the one
source of truth. The workflow's update validator asks it whether a trigger may
fire, the API asks it for the allowed triggers, and the Mermaid diagram is
drawn from its transition table. Every function takes the definition to
interpret (in a ProcessContext or directly), so parties on different versions
run side by side on the same code.

The machine is synchronous and pure: Temporal owns every timer and every side
effect. A machine is built per decision (it is cheap, and cached) because
workflow activations may run on several threads and a shared machine's model
list is not thread-safe.
"""

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from transitions import Machine, MachineError

from onboarding.domain.errors import (
    InvalidEffectiveDate,
    InvalidEvidence,
    TransitionRefused,
    UnknownTrigger,
)
from onboarding.domain.process.road import ProcessRoad
from onboarding.domain.vocabulary import EVIDENCE_FIELDS, Stage, Trigger


@dataclass(frozen=True)
class ProcessContext:
    """What the guards see: the definition, the stage and the facts conditions depend on.

    `go_live_blockers` is the hook later capabilities (waves, readiness
    checklists) fill with the conditions still missing for `approve_go_live`.
    """

    definition: ProcessRoad
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


def _machine_of(road: ProcessRoad, model: _Candidate | None, initial: Stage) -> Machine:
    """The `transitions` machine of `road`'s table, moving `model` (None: read the table only)."""
    return Machine(
        model=model,
        states=list(road.stages),
        transitions=[dict(row) for row in road.transitions],
        initial=initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        model_override=False,
    )


def _machine(context: ProcessContext) -> tuple[Machine, _Candidate]:
    candidate = _Candidate(context)
    return _machine_of(context.definition, candidate, context.stage), candidate


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
    if not context.definition.has_stage(context.stage):
        return ()
    machine, candidate = _machine(context)
    sources = set(machine.get_triggers(context.stage))
    return tuple(
        t
        for t in context.definition.triggers
        if t.value in sources and candidate.may_trigger(t.value)
    )


def offered_triggers(context: ProcessContext) -> list[Trigger]:
    """Triggers the stage offers, guards aside: allowed ones and those a guard blocks."""
    if not context.definition.has_stage(context.stage):
        return []
    machine, _ = _machine(context)
    sources = set(machine.get_triggers(context.stage))
    return [t for t in context.definition.triggers if t.value in sources]


def decide(context: ProcessContext, trigger: str) -> Stage:
    """Return the stage `trigger` leads to from `context`.

    Raises UnknownTrigger (naming the triggers of the context's version), or
    TransitionRefused naming the stage, the allowed triggers and any guard
    conditions still missing.
    """
    definition = context.definition
    try:
        chosen = Trigger(trigger)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in definition.triggers:
        raise UnknownTrigger(trigger, [t.value for t in definition.triggers])
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
    if not context.definition.has_stage(context.stage):
        return None, False
    machine, candidate = _machine(context)
    try:
        moved = candidate.trigger(trigger.value)
    except MachineError:
        moved = False
    offered = trigger.value in machine.get_triggers(context.stage)
    return (Stage(candidate.state) if moved else None), offered


def check_evidence_fields(evidence: dict[str, str]) -> dict[str, str]:
    """Validate and normalise evidence field by field; raise InvalidEvidence on the first fault.

    What a request can be checked against before anyone knows the party's
    version: known fields, non-empty, within their length.
    """
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
    return cleaned


def check_evidence(
    definition: ProcessRoad, trigger: Trigger, evidence: dict[str, str]
) -> dict[str, str]:
    """Validate evidence for `trigger` as `definition` asks for it; raise InvalidEvidence."""
    cleaned = check_evidence_fields(evidence)
    rule = definition.evidence_rules.get(trigger)
    for name in rule.required if rule else ():
        if name not in cleaned:
            raise InvalidEvidence(
                f"evidence.{name}",
                f"is required for {trigger.value} in {definition.name} "
                f"({EVIDENCE_FIELDS[name].description})",
            )
    return cleaned


def transitions_by_trigger(road: ProcessRoad) -> dict[Trigger, list[tuple[Stage, Stage]]]:
    """The (source, destination) pairs of every trigger, read off the machine."""
    # No model: the table is read, no trigger fires, no condition is asked.
    machine = _machine_of(road, None, road.initial_stage)
    table: dict[Trigger, list[tuple[Stage, Stage]]] = {}
    for name, event in machine.events.items():
        pairs = table.setdefault(Trigger(name), [])
        # transitions keys enum states by member name, not value.
        for source, transitions in event.transitions.items():
            for transition in transitions:
                if transition.dest is not None:  # internal transitions have none; we define none
                    pairs.append((Stage[source], Stage[transition.dest]))
    return table


def mermaid_diagram(road: ProcessRoad, current: Stage | None = None) -> str:
    """A Mermaid state diagram of the process, optionally highlighting one stage."""
    lines = ["stateDiagram-v2", f"    [*] --> {road.initial_stage.value}"]
    for trigger, pairs in transitions_by_trigger(road).items():
        for source, dest in pairs:
            lines.append(f"    {source.value} --> {dest.value}: {trigger.value}")
    for stage in sorted(road.terminal_stages):
        lines.append(f"    {stage.value} --> [*]")
    if current is not None:
        lines.append("    classDef current fill:#ffd54f,stroke:#333,stroke-width:3px")
        lines.append(f"    class {current.value} current")
    return "\n".join(lines) + "\n"


class Dated(Protocol):
    """What the date check needs of the previous transition (a TransitionRecord)."""

    @property
    def trigger(self) -> Trigger: ...

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


def check_not_before(definition: ProcessRoad, trigger: Trigger, effective_on: date) -> None:
    """`trigger` takes effect no earlier than the day `definition` opens it (offerable_from).

    The program opened the standard agreement to private specialists on a
    given day; an offer recorded as taking effect before it is a wrong date,
    refused naming effective_on and the first day allowed.
    """
    opens = definition.offerable_from.get(trigger)
    if opens is not None and effective_on < opens:
        raise InvalidEffectiveDate(
            f"{effective_on} is before {opens}, the first day {trigger.value} can take "
            f"effect in {definition.name}"
        )
