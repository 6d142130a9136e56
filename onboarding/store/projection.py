"""Writes of the read model, called only by the workflows' activities.

Every write is idempotent: an activity retried after a timeout, or replayed
after a worker crash, leaves exactly one audit event per (municipality, seq)
and never moves the current-state row backwards.
"""

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from onboarding.models import (
    Municipality,
    ObligationProjection,
    ObligationView,
    ProjectionInput,
    RegistrationInput,
)
from onboarding.process import Stage
from onboarding.store.database import session_scope
from onboarding.store.obligation_tables import DeadlineChangeRow, ObligationRow
from onboarding.store.tables import AuditEvent, MunicipalityRow


def register_municipality(engine: Engine, registration: RegistrationInput) -> None:
    """Create the municipality's row if missing; refresh its names, never its stage."""
    with session_scope(engine) as session:
        row = session.get(MunicipalityRow, registration.municipality.number)
        if row is None:
            session.add(
                _new_row(
                    registration.municipality,
                    workflow_id=registration.workflow_id,
                    run_id=registration.run_id,
                )
            )
        else:
            _copy_names(row, registration.municipality)
            session.add(row)


def record_transition(engine: Engine, projection: ProjectionInput) -> bool:
    """Append the audit event and advance the current-state row.

    Returns True if this call wrote the audit event, False if it was already
    there (a retry). Raises IntegrityError if another run's event holds the seq.
    """
    record = projection.record
    number = projection.municipality.number
    try:
        with session_scope(engine) as session:
            session.add(
                AuditEvent(
                    municipality_number=number,
                    seq=record.seq,
                    trigger=record.trigger.value,
                    from_stage=record.from_stage.value,
                    to_stage=record.to_stage.value,
                    evidence=dict(record.evidence),
                    comment=record.comment,
                    actor_id=record.actor.id,
                    actor_name=record.actor.name,
                    actor_role=record.actor.role,
                    effective_on=record.effective_on,
                    recorded_at=record.recorded_at,
                    idempotency_key=record.idempotency_key,
                    workflow_id=record.workflow_id,
                    run_id=record.run_id,
                )
            )
            _advance_row(session, projection)
        return True
    except IntegrityError:
        # The event is already there: an earlier attempt committed it.
        # Still make sure the current-state row caught up.
        with session_scope(engine) as session:
            existing = session.exec(
                select(AuditEvent).where(
                    AuditEvent.municipality_number == number, AuditEvent.seq == record.seq
                )
            ).first()
            # A retry carries the record its run planned. Another run's event under
            # this seq (a workflow started afresh numbers from 1 again) is a
            # conflict, not a retry: fail loudly rather than drop the transition.
            if existing is None or existing.run_id != record.run_id:
                raise
            _advance_row(session, projection)
        return False


def _advance_row(session: Session, projection: ProjectionInput) -> None:
    record = projection.record
    row = session.get(MunicipalityRow, projection.municipality.number)
    if row is None:
        row = _new_row(
            projection.municipality, workflow_id=record.workflow_id, run_id=record.run_id
        )
    if row.last_seq >= record.seq:
        return
    row.stage = projection.stage.value
    row.paused_from = projection.paused_from.value if projection.paused_from else None
    row.last_seq = record.seq
    row.workflow_id = record.workflow_id
    row.run_id = record.run_id
    row.updated_at = datetime.now(UTC)
    _copy_names(row, projection.municipality)
    session.add(row)
    # Obligations change only with the stage, so they advance with the row.
    _upsert_obligations(session, projection.municipality.number, projection.obligations)


def record_obligations(engine: Engine, projection: ObligationProjection) -> None:
    """Record a deadline change (once) and the obligations' current state."""
    number = projection.municipality.number
    change = projection.change
    with session_scope(engine) as session:
        if change is not None:
            exists = session.exec(
                select(DeadlineChangeRow.id).where(
                    DeadlineChangeRow.municipality_number == number,
                    DeadlineChangeRow.obligation_id == change.obligation_id,
                    DeadlineChangeRow.recorded_at == change.recorded_at,
                )
            ).first()
            if exists is None:
                session.add(
                    DeadlineChangeRow(
                        municipality_number=number,
                        obligation_id=change.obligation_id,
                        deadline_before=change.deadline_before,
                        deadline_after=change.deadline_after,
                        reason=change.reason,
                        actor_id=change.actor.id,
                        actor_name=change.actor.name,
                        actor_role=change.actor.role,
                        recorded_at=change.recorded_at,
                        workflow_id=change.workflow_id,
                        run_id=change.run_id,
                    )
                )
        _upsert_obligations(session, number, projection.obligations)


def _upsert_obligations(session: Session, number: str, obligations: list[ObligationView]) -> None:
    now = datetime.now(UTC)
    for view in obligations:
        row = session.get(ObligationRow, (number, view.id))
        if row is None:
            row = ObligationRow(
                municipality_number=number,
                obligation_id=view.id,
                label=view.label,
                status=view.status.value,
                opened_on=view.opened_on,
                updated_at=now,
            )
        row.label = view.label
        row.status = view.status.value
        row.deadline = view.deadline
        row.effective_deadline = view.effective_deadline
        row.opened_on = view.opened_on
        row.closed_on = view.closed_on
        row.updated_at = now
        session.add(row)


def _new_row(municipality: Municipality, *, workflow_id: str, run_id: str) -> MunicipalityRow:
    return MunicipalityRow(
        number=municipality.number,
        name=municipality.name,
        county=municipality.county,
        health_trust=municipality.health_trust,
        stage=Stage.PROSPECTIVE.value,
        paused_from=None,
        last_seq=0,
        workflow_id=workflow_id,
        run_id=run_id,
        updated_at=datetime.now(UTC),
    )


def _copy_names(row: MunicipalityRow, municipality: Municipality) -> None:
    row.name = municipality.name
    row.county = municipality.county
    row.health_trust = municipality.health_trust
