"""The read model filled directly, as the workflow's activities do: rows without a workflow."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from onboarding.domain.actor import Actor
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import ProjectionInput, RegistrationInput, TransitionRecord
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import projection

ACTOR = Actor(id="u-1", name="Kari Nordmann", role="coordinator")
RECORDED = datetime(2024, 5, 2, 9, 30, 15, 123456, tzinfo=UTC)


def municipality(number: str) -> Municipality:
    return Municipality(
        number=number, name=f"Testby {number}", county="Trøndelag", health_trust="St. Olavs HF"
    )


def register(engine: Engine, number: str) -> None:
    projection.register_municipality(
        engine,
        RegistrationInput(
            municipality=municipality(number), workflow_id=f"municipality-{number}", run_id="run-0"
        ),
    )


def projected(
    number: str,
    seq: int,
    trigger: Trigger,
    from_stage: Stage,
    to_stage: Stage,
    effective_on: date,
    *,
    paused_from: Stage | None = None,
    evidence: dict[str, str] | None = None,
    run_id: str = "run-1",
) -> ProjectionInput:
    """What the workflow's activity hands the projection for one transition."""
    record = TransitionRecord(
        seq=seq,
        trigger=trigger,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_on=effective_on,
        evidence=evidence or {},
        comment=f"step {seq}",
        actor=ACTOR,
        recorded_at=RECORDED + timedelta(minutes=seq),
        idempotency_key=f"key-{seq}",
        workflow_id=f"municipality-{number}",
        run_id=run_id,
    )
    return ProjectionInput(
        municipality=municipality(number), record=record, stage=to_stage, paused_from=paused_from
    )
