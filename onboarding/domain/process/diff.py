"""What changed between two versions of a process, item by item (pure).

The admin reads this before moving running parties from one version to the
other: stages, triggers, transitions, evidence rules, obligations and
checklist items added, removed or changed, the days triggers open on, and
the rules about stages (the main road, milestones, where a party may pause or
join a wave, whether it waits for its home municipality).
The API, the CLI and the pages show the same list.
"""

from collections.abc import Hashable, Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, Field

from onboarding.domain.process.machine import transitions_by_trigger
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.vocabulary import Stage

K = TypeVar("K", bound=Hashable)


class ChangeKind(StrEnum):
    """How an item differs between the two versions."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class Part(StrEnum):
    """Which part of the definition an item belongs to."""

    STAGE = "stage"
    TRIGGER = "trigger"
    TRANSITION = "transition"
    EVIDENCE = "evidence"
    OBLIGATION = "obligation"
    CHECKLIST = "checklist"
    # The day a trigger opens (offerable_from): a later version may move it.
    OPENS = "opens"
    # A rule about stages: main_road, milestones, pausable_stages, terminal_stages,
    # wave_stages, waits_for_home_municipality.
    RULE = "rule"


class Change(BaseModel):
    """One item added, removed or changed, with what it was and what it becomes."""

    part: Part
    name: str = Field(
        description="the stage, trigger, transition, obligation, checklist item or rule"
    )
    change: ChangeKind
    before: str | None = Field(None, description="as the older version has it")
    after: str | None = Field(None, description="as the newer version has it")


class ProcessDiff(BaseModel):
    """Every difference between two versions of one process, in definition order."""

    key: str
    from_version: int
    to_version: int
    changes: list[Change]


def _compare(
    part: Part,
    before: Mapping[K, str],
    after: Mapping[K, str],
    order: Iterable[K],
) -> list[Change]:
    changes: list[Change] = []
    for name in order:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        kind = (
            ChangeKind.ADDED
            if old is None
            else ChangeKind.REMOVED
            if new is None
            else ChangeKind.CHANGED
        )
        # Presence-only items (stages, triggers, edges) say nothing beyond their name.
        changes.append(
            Change(part=part, name=str(name), change=kind, before=old or None, after=new or None)
        )
    return changes


def _in_order(first: Iterable[K], second: Iterable[K]) -> list[K]:
    seen: dict[K, None] = {}
    for item in (*first, *second):
        seen.setdefault(item, None)
    return list(seen)


def _transitions(definition: ProcessDefinition) -> dict[str, str]:
    # One item per edge: a trigger that gains a source shows as that edge added.
    return {
        f"{trigger.value}: {source.value} -> {dest.value}": ""
        for trigger, pairs in transitions_by_trigger(definition).items()
        for source, dest in pairs
    }


def _evidence(definition: ProcessDefinition) -> dict[str, str]:
    return {
        trigger.value: ", ".join(rule.required) or "(none required)"
        for trigger, rule in definition.evidence_rules.items()
    }


def _obligations(definition: ProcessDefinition) -> dict[str, str]:
    described: dict[str, str] = {}
    for rule in definition.obligations:
        deadline = (
            f"deadline {rule.default_deadline_days} days"
            if rule.default_deadline_days is not None
            else "deadline set by the program"
        )
        stages = ", ".join(s.value for s in rule.stages)
        described[rule.id.value] = f"open in {stages}; {deadline}"
    return described


def _checklist(definition: ProcessDefinition) -> dict[str, str]:
    return {
        item.id.value: f"{item.label}, T-{item.days_before_go_live} days"
        for item in definition.checklist
    }


def _opens(definition: ProcessDefinition) -> dict[str, str]:
    return {trigger.value: f"from {day}" for trigger, day in definition.offerable_from.items()}


def _stages(definition: ProcessDefinition, stages: Iterable[Stage]) -> str:
    # In the definition's own order; a shared set may name stages this version lacks.
    chosen = set(stages)
    return ", ".join(s.value for s in definition.stages if s in chosen) or "(none)"


def _rules(definition: ProcessDefinition) -> dict[str, str]:
    return {
        "main_road": " -> ".join(s.value for s in definition.main_road),
        "milestones": _stages(definition, definition.milestones),
        "pausable_stages": _stages(definition, definition.pausable_stages),
        "terminal_stages": _stages(definition, definition.terminal_stages),
        "wave_stages": _stages(definition, definition.wave_stages),
        "waits_for_home_municipality": "yes" if definition.waits_for_home_municipality else "no",
    }


def process_diff(older: ProcessDefinition, newer: ProcessDefinition) -> ProcessDiff:
    """The differences from `older` to `newer` (two versions of the same key)."""
    stages_before = {s.value: "" for s in older.stages}
    stages_after = {s.value: "" for s in newer.stages}
    triggers_before = {t.value: "" for t in older.triggers}
    triggers_after = {t.value: "" for t in newer.triggers}
    parts: list[tuple[Part, Mapping[str, str], Mapping[str, str]]] = [
        (Part.STAGE, stages_before, stages_after),
        (Part.TRIGGER, triggers_before, triggers_after),
        (Part.TRANSITION, _transitions(older), _transitions(newer)),
        (Part.EVIDENCE, _evidence(older), _evidence(newer)),
        (Part.OBLIGATION, _obligations(older), _obligations(newer)),
        (Part.CHECKLIST, _checklist(older), _checklist(newer)),
        (Part.OPENS, _opens(older), _opens(newer)),
        (Part.RULE, _rules(older), _rules(newer)),
    ]
    changes: list[Change] = []
    for part, before, after in parts:
        # Presence alone for stages, triggers and edges: only added or removed apply.
        changes += _compare(part, before, after, _in_order(before, after))
    return ProcessDiff(
        key=newer.key, from_version=older.version, to_version=newer.version, changes=changes
    )
