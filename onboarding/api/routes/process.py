"""/api/process: the process definition, read off onboarding.domain.process.definition."""

from fastapi import APIRouter

from onboarding.api.deps import ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.schemas import ProcessInfo, StageChange, StageInfo, TriggerInfo
from onboarding.domain.process.definition import (
    EVIDENCE_FIELDS,
    EVIDENCE_RULES,
    MILESTONES,
    PROCESS_VERSION,
    STAGE_LABELS,
    TERMINAL_STAGES,
    TRIGGER_LABELS,
    Stage,
    Trigger,
    mermaid_diagram,
    transitions_by_trigger,
)

router = APIRouter(prefix="/process", tags=["process"], responses=error_responses(401, 403))


@router.get("")
def describe_process(_: ViewerActor) -> ProcessInfo:
    """Stages, triggers with their edges and required evidence, milestones and the diagram."""
    edges = transitions_by_trigger()
    return ProcessInfo(
        version=PROCESS_VERSION,
        stages=[
            StageInfo(id=stage, labels=STAGE_LABELS[stage], terminal=stage in TERMINAL_STAGES)
            for stage in Stage
        ],
        triggers=[
            TriggerInfo(
                id=trigger,
                labels=TRIGGER_LABELS[trigger],
                transitions=[StageChange(from_=src, to=dst) for src, dst in edges.get(trigger, [])],
                required_evidence=list(EVIDENCE_RULES[trigger].required),
            )
            for trigger in Trigger
        ],
        milestones=list(MILESTONES),
        evidence_fields={name: spec.description for name, spec in EVIDENCE_FIELDS.items()},
        mermaid=mermaid_diagram(),
    )
