"""Records and states the domain tests build, with only what a test cares about given."""

from datetime import UTC, date, datetime

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.correction_records import CorrectionKind, CorrectionRecord
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.models import WaveInfo, WaveStatus

ACTOR = Actor(id="u", name="Kari", role="coordinator")
RUN = {"workflow_id": "municipality-8901", "run_id": "run-1"}
TESTBY = Municipality(number="8901", name="Testby", county="T", health_trust="HF")
RECORDED_AT = datetime(2030, 3, 1, 12, tzinfo=UTC)


def municipality_state(stage: Stage = Stage.PROSPECTIVE, **fields: object) -> MunicipalityState:
    """Testby in `stage`, with any other fields of its state."""
    return MunicipalityState.model_validate({"municipality": TESTBY, "stage": stage, **fields})


def transition_record(
    trigger: Trigger, from_stage: Stage, to_stage: Stage, on: date, *, seq: int = 1
) -> TransitionRecord:
    """A transition as the workflow records it, with no evidence or key."""
    return TransitionRecord(
        seq=seq,
        trigger=trigger,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_on=on,
        evidence={},
        comment=None,
        actor=ACTOR,
        recorded_at=RECORDED_AT,
        idempotency_key=None,
        **RUN,
    )


def void_record(target: TransitionRecord, *, seq: int, event_id: int = 1) -> CorrectionRecord:
    """The correction that voids `target`."""
    return CorrectionRecord(
        seq=seq,
        kind=CorrectionKind.VOID,
        event_id=event_id,
        target_seq=target.seq,
        trigger=target.trigger,
        effective_on_before=target.effective_on,
        effective_on_after=None,
        evidence_before=target.evidence,
        evidence_after=None,
        stage_before=target.to_stage,
        stage_after=target.from_stage,
        reason="recorded by mistake",
        actor=ACTOR,
        recorded_at=RECORDED_AT,
        idempotency_key=None,
        **RUN,
    )


def wave_info(
    go_live_at: datetime,
    status: WaveStatus = WaveStatus.PLANNED,
    *,
    after_the_fact: bool = False,
) -> WaveInfo:
    """Wave w1, "Autumn", going live at `go_live_at`."""
    return WaveInfo(
        id="w1",
        name="Autumn",
        health_trust=None,
        go_live_at=go_live_at,
        status=status,
        recorded_after_the_fact=after_the_fact,
        created_by=ACTOR,
        created_at=RECORDED_AT,
    )
