"""/api/process and /api/processes: the process definitions, read off the registry.

`/api/process` is the newest municipality process (what a new municipality
starts on); `/api/processes` lists every version of every process, each with
its diagram, and the diff of two versions of one process.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from onboarding.api.deps import ViewerActor
from onboarding.api.errors import NotFound, error_responses
from onboarding.api.schemas import (
    ChecklistItemInfo,
    ObligationInfo,
    ProcessInfo,
    ProcessSummary,
    StageChange,
    StageInfo,
    TriggerInfo,
)
from onboarding.domain.errors import RequestRejected
from onboarding.domain.process.diff import ProcessDiff, process_diff
from onboarding.domain.process.machine import mermaid_diagram, transitions_by_trigger
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import MUNICIPALITY, PROCESSES, latest, process_definition

router = APIRouter(tags=["process"], responses=error_responses(401, 403))

KeyPath = Annotated[
    str, Path(description="the process's key", examples=["municipality"], max_length=40)
]
VersionPath = Annotated[int, Path(ge=1, le=10_000, description="the version", examples=[2])]


def _summary(process: ProcessDefinition) -> dict[str, object]:
    return {
        "key": process.key,
        "version": process.version,
        "title": process.title,
        "released_on": process.released_on,
        "changes": list(process.changes),
        "latest": latest(process.key) is process,
    }


def process_info(process: ProcessDefinition) -> ProcessInfo:
    """Everything about one version: stages, triggers, evidence, obligations, checklist."""
    edges = transitions_by_trigger(process)
    return ProcessInfo(
        **_summary(process),
        stages=[
            StageInfo(
                id=stage,
                labels=dict(process.stage_labels[stage]),
                terminal=stage in process.terminal_stages,
            )
            for stage in process.stages
        ],
        main_road=list(process.main_road),
        triggers=[
            TriggerInfo(
                id=trigger,
                labels=dict(process.trigger_labels[trigger]),
                transitions=[StageChange(from_=src, to=dst) for src, dst in edges.get(trigger, [])],
                required_evidence=list(process.required_evidence(trigger)),
            )
            for trigger in process.triggers
        ],
        milestones=list(process.milestones),
        evidence_fields={name: spec.description for name, spec in process.evidence_fields.items()},
        obligations=[
            ObligationInfo(
                id=rule.id,
                label=rule.label,
                stages=list(rule.stages),
                default_deadline_days=rule.default_deadline_days,
            )
            for rule in process.obligations
        ],
        checklist=[
            ChecklistItemInfo(
                id=item.id.value, label=item.label, days_before_go_live=item.days_before_go_live
            )
            for item in process.checklist
        ],
        mermaid=mermaid_diagram(process),
    )


def _known(key: str, version: int) -> ProcessDefinition:
    # A version in the path that does not exist is a missing resource, not a bad body.
    try:
        return process_definition(key, version)
    except RequestRejected as err:
        raise NotFound(err.message) from None


@router.get("/process")
def describe_process(_: ViewerActor) -> ProcessInfo:
    """The newest municipality process: what a municipality registered now starts on."""
    return process_info(latest(MUNICIPALITY))


@router.get("/processes")
def list_processes(_: ViewerActor) -> list[ProcessSummary]:
    """Every version of every process, oldest first per key."""
    return [ProcessSummary(**_summary(process)) for _, process in sorted(PROCESSES.items())]


@router.get("/processes/{key}/{version}", responses=error_responses(404))
def describe_version(key: KeyPath, version: VersionPath, _: ViewerActor) -> ProcessInfo:
    """One version of a process, with its diagram (`mermaid`)."""
    return process_info(_known(key, version))


@router.get("/processes/{key}/{version}/diff", responses=error_responses(404))
def diff_versions(
    key: KeyPath,
    version: VersionPath,
    _: ViewerActor,
    against: Annotated[
        int | None,
        Query(ge=1, le=10_000, description="the older version (default: the one before)"),
    ] = None,
) -> ProcessDiff:
    """What changed from `against` to `version`: stages, triggers, evidence, obligations."""
    newer = _known(key, version)
    older_version = against if against is not None else version - 1
    return process_diff(_known(key, older_version), newer)
