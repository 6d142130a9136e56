"""A process's road as data: one version's stages, triggers and transitions.

What the machine (machine.py) runs and the diagram draws: the road alone,
without what its stages oblige a party to do (model.py adds that: pydantic
models, which take a CLI command like `onboarding diagram` past its start-up
budget). Each version module (municipality_v1.py, ...) defines its ROAD; the
registry (registry.py) makes a ProcessDefinition of it, and roads.py lists the
roads without building any (a test keeps the two in step).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from onboarding.domain.vocabulary import (
    EVIDENCE_FIELDS,
    MILESTONES,
    MUNICIPALITY_WAVE_STAGES,
    STAGE_LABELS,
    TRIGGER_LABELS,
    EvidenceField,
    EvidenceRule,
    Stage,
    Trigger,
)


# eq=False: roads and definitions are singletons, hashed by identity, so a
# context that holds one can key the machine's caches (machine.py). kw_only: a
# definition adds fields without defaults after these.
@dataclass(frozen=True, eq=False, kw_only=True)
class ProcessRoad:
    """One version of one process, its road: which triggers lead from which stage."""

    key: str
    version: int
    title: str
    released_on: date
    changes: tuple[str, ...]
    stages: tuple[Stage, ...]
    triggers: tuple[Trigger, ...]
    # Rows for `transitions.Machine`: trigger, source(s), dest, optional conditions.
    transitions: tuple[Mapping[str, Any], ...]
    evidence_rules: Mapping[Trigger, EvidenceRule]
    pausable_stages: tuple[Stage, ...]
    terminal_stages: frozenset[Stage]
    # The stages from the first to go-live along the way most parties walk:
    # what "forward" means on the pages, and the diagram's first column.
    main_road: tuple[Stage, ...]
    milestones: tuple[Stage, ...] = MILESTONES
    # The stages from which a party may join a production wave (and stay in one).
    wave_stages: frozenset[Stage] = MUNICIPALITY_WAVE_STAGES
    # A party that works inside a municipality's record (a GP office) goes live
    # only with or after its municipality: approve_go_live waits for the
    # municipality to be ready or live, and a wave takes it live only if the
    # municipality, when in the same wave, went live at that instant.
    waits_for_home_municipality: bool = False
    evidence_fields: Mapping[str, EvidenceField] = field(default_factory=lambda: EVIDENCE_FIELDS)
    # Triggers the program opens to this kind of party only from a date on (the
    # offer to private specialists, from the day their terms were set): a
    # transition of one may not take effect before it (machine.check_not_before).
    offerable_from: Mapping[Trigger, date] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def initial_stage(self) -> Stage:
        """Where a party on this definition starts."""
        return self.stages[0]

    @property
    def name(self) -> str:
        """`municipality v2`: how messages name it."""
        return f"{self.key} v{self.version}"

    @property
    def stage_labels(self) -> Mapping[Stage, Mapping[str, str]]:
        """The labels of this version's stages, in bokmål and English."""
        return {stage: STAGE_LABELS[stage] for stage in self.stages}

    @property
    def trigger_labels(self) -> Mapping[Trigger, Mapping[str, str]]:
        """The labels of this version's triggers, in bokmål and English."""
        return {trigger: TRIGGER_LABELS[trigger] for trigger in self.triggers}

    @property
    def approval_stages(self) -> frozenset[Stage]:
        """The stages approve_go_live fires from: where the road says "ready to approve"."""
        found: set[Stage] = set()
        for row in self.transitions:
            if row["trigger"] == Trigger.APPROVE_GO_LIVE:
                sources = row["source"]
                found.update(sources if isinstance(sources, list) else [sources])
        return frozenset(found)

    def road_rank(self, stage: Stage) -> int:
        """How far along the main road `stage` is (1 = the first stage; 0 = off the road)."""
        return self.main_road.index(stage) + 1 if stage in self.main_road else 0

    def required_evidence(self, trigger: Trigger) -> tuple[str, ...]:
        """The evidence `trigger` requires in this version (none if the version lacks it)."""
        rule = self.evidence_rules.get(trigger)
        return rule.required if rule is not None else ()

    def has_stage(self, stage: Stage) -> bool:
        """Whether a party on this version can stand in `stage`."""
        return stage in self.stages
