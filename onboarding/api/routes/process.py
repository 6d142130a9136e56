"""/api/process: the newest municipality process, read off the process registry."""

from fastapi import APIRouter

from onboarding.api.deps import ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.schemas import ProcessInfo, StageChange, StageInfo, TriggerInfo
from onboarding.domain.process.definition import mermaid_diagram, transitions_by_trigger
from onboarding.domain.process.registry import MUNICIPALITY, latest

router = APIRouter(prefix="/process", tags=["process"], responses=error_responses(401, 403))


@router.get("")
def describe_process(_: ViewerActor) -> ProcessInfo:
    """Stages, triggers with their edges and required evidence, milestones and the diagram."""
    process = latest(MUNICIPALITY)
    edges = transitions_by_trigger()
    return ProcessInfo(
        version=process.version,
        stages=[
            StageInfo(
                id=stage,
                labels=dict(process.stage_labels[stage]),
                terminal=stage in process.terminal_stages,
            )
            for stage in process.stages
        ],
        triggers=[
            TriggerInfo(
                id=trigger,
                labels=dict(process.trigger_labels[trigger]),
                transitions=[StageChange(from_=src, to=dst) for src, dst in edges.get(trigger, [])],
                required_evidence=list(process.evidence_rules[trigger].required),
            )
            for trigger in process.triggers
        ],
        milestones=list(process.milestones),
        evidence_fields={name: spec.description for name, spec in process.evidence_fields.items()},
        mermaid=mermaid_diagram(),
    )
