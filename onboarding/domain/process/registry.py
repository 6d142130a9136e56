"""Process definitions as data, keyed by (key, version).

Every workflow records the version of the process it runs
(`MunicipalityState.process_version`) and keeps running it. This registry is
where a (key, version) is looked up: what its stages, triggers, evidence
rules and transition table are. Version 1 of the municipality process is the
only definition so far; its rules live in `definition.py`, and the machine
there still reads them directly. A new version is a new entry here, not an
`if version == 2` in workflow code.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from onboarding.domain.errors import RequestRejected
from onboarding.domain.process import definition as v1

MUNICIPALITY = "municipality"
"""The key of the municipality process (the one kind of party so far)."""


@dataclass(frozen=True)
class ProcessDefinition:
    """One version of one process, as data: what a workflow on it may do."""

    key: str
    version: int
    stages: tuple[v1.Stage, ...]
    triggers: tuple[v1.Trigger, ...]
    transitions: tuple[Mapping[str, Any], ...]
    evidence_fields: Mapping[str, v1.EvidenceField]
    evidence_rules: Mapping[v1.Trigger, v1.EvidenceRule]
    milestones: tuple[v1.Stage, ...]
    terminal_stages: frozenset[v1.Stage]
    pausable_stages: tuple[v1.Stage, ...]
    stage_labels: Mapping[v1.Stage, Mapping[str, str]]
    trigger_labels: Mapping[v1.Trigger, Mapping[str, str]]

    @property
    def initial_stage(self) -> v1.Stage:
        """Where a party on this definition starts."""
        return self.stages[0]


MUNICIPALITY_V1 = ProcessDefinition(
    key=MUNICIPALITY,
    version=v1.PROCESS_VERSION,
    stages=tuple(v1.Stage),
    triggers=tuple(v1.Trigger),
    transitions=tuple(MappingProxyType(row) for row in v1.TRANSITION_TABLE),
    evidence_fields=MappingProxyType(v1.EVIDENCE_FIELDS),
    evidence_rules=MappingProxyType(v1.EVIDENCE_RULES),
    milestones=v1.MILESTONES,
    terminal_stages=v1.TERMINAL_STAGES,
    pausable_stages=v1.PAUSABLE_STAGES,
    stage_labels=MappingProxyType(v1.STAGE_LABELS),
    trigger_labels=MappingProxyType(v1.TRIGGER_LABELS),
)

PROCESSES: Mapping[tuple[str, int], ProcessDefinition] = MappingProxyType(
    {(d.key, d.version): d for d in (MUNICIPALITY_V1,)}
)


def process_definition(key: str, version: int) -> ProcessDefinition:
    """The definition of `key` at `version`; RequestRejected naming what exists."""
    found = PROCESSES.get((key, version))
    if found is None:
        known = ", ".join(f"{k} v{v}" for k, v in sorted(PROCESSES))
        raise RequestRejected("process", f"no process {key!r} version {version}; known: {known}")
    return found


def latest(key: str) -> ProcessDefinition:
    """The newest version of `key`: what a party registered now starts on."""
    versions = [d for (k, _), d in PROCESSES.items() if k == key]
    if not versions:
        known = ", ".join(sorted({k for k, _ in PROCESSES}))
        raise RequestRejected("process", f"no process {key!r}; known: {known}")
    return max(versions, key=lambda d: d.version)
