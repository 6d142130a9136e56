"""Writes of the read model, called only by the workflows' activities.

Every write is idempotent: an activity retried after a timeout, or replayed
after a worker crash, leaves exactly one audit event per (municipality, seq)
and never moves the current-state row backwards.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from onboarding.domain.obligations.models import ObligationProjection, ObligationView
from onboarding.domain.parties.correction_records import CorrectionProjection
from onboarding.domain.parties.models import ProjectionInput, RegistrationInput, TransitionRecord
from onboarding.domain.party import Party, PartyKind
from onboarding.domain.vocabulary import MILESTONE_RANK, Stage
from onboarding.store import projection_sql as sql
from onboarding.store.database import session_scope, write_connection
from onboarding.store.identifiers import MUNICIPALITY_NUMBER, ORG_NUMBER
from onboarding.store.tables.actor import actor_columns
from onboarding.store.tables.obligations import DeadlineChangeRow
from onboarding.store.tables.parties import MunicipalityRow, PartyIdentifierRow, WorkflowRunRow


def register_municipality(engine: Engine, registration: RegistrationInput) -> None:
    """Create the party's row if missing; refresh its names, never its stage.

    Its identifiers (a municipality's number, an organisation number) are
    entered once, valid from the start, so they resolve to its id.
    """
    party = registration.municipality
    with session_scope(engine) as session:
        row = session.get(MunicipalityRow, party.number)
        if row is None:
            session.add(
                _new_row(party, workflow_id=registration.workflow_id, run_id=registration.run_id)
            )
            session.flush()
        else:
            _copy_names(row, party)
            session.add(row)
        for scheme, value in identifiers(party):
            known = session.exec(
                select(PartyIdentifierRow).where(
                    PartyIdentifierRow.scheme == scheme,
                    PartyIdentifierRow.value == value,
                    PartyIdentifierRow.party_id == party.number,
                )
            ).first()
            if known is None:
                session.add(PartyIdentifierRow(scheme=scheme, value=value, party_id=party.number))


def record_transition(engine: Engine, projection: ProjectionInput) -> bool:
    """Append the audit event and advance the current-state row.

    Returns True if this call wrote the audit event, False if it was already
    there (a retry). Raises IntegrityError if another run's event holds the seq.
    """
    record = projection.record
    number = projection.municipality.number
    return _append_once(
        engine,
        sql.AUDIT,
        projection,
        lambda connection: {
            "reached_rank": _reached_rank(connection, number, record),
            "municipality_number": number,
            "seq": record.seq,
            "trigger": record.trigger.value,
            "from_stage": record.from_stage.value,
            "to_stage": record.to_stage.value,
            "evidence": dict(record.evidence),
            "comment": record.comment,
            **actor_columns(record.actor),
            "effective_on": record.effective_on,
            "recorded_at": record.recorded_at,
            "entered_at": record.entered_at,
            "idempotency_key": record.idempotency_key,
            "workflow_id": record.workflow_id,
            "run_id": record.run_id,
        },
    )


def _append_once(
    engine: Engine,
    table: Table,
    projection: ProjectionInput | CorrectionProjection,
    make_values: Callable[[Connection], dict[str, Any]],
) -> bool:
    """Append the row the workflow's record makes, once per (municipality, seq), and advance.

    Returns False when an earlier attempt of the activity already wrote it.
    """
    key = {"key_number": projection.municipality.number, "key_seq": projection.record.seq}
    try:
        with write_connection(engine) as connection:
            connection.execute(sql.INSERT[table.name], make_values(connection))
            _advance_row(connection, projection)
        return True
    except IntegrityError:
        # The row is already there: an earlier attempt committed it.
        # Still make sure the current-state row caught up.
        with write_connection(engine) as connection:
            existing_run = connection.execute(sql.RUN_OF_SEQ[table.name], key).scalar()
            # A retry carries the record its run planned. Another run's row under
            # this seq (a workflow started afresh numbers from 1 again) is a
            # conflict, not a retry: fail loudly rather than drop the record.
            if existing_run != projection.record.run_id:
                raise
            _advance_row(connection, projection)
        return False


def _reached_rank(connection: Connection, number: str, record: TransitionRecord) -> int:
    """The furthest milestone rank with `record`: its own, or the previous one in force's."""
    previous = connection.execute(
        sql.PREVIOUS_IN_FORCE, {"key_number": number, "key_seq": record.seq}
    ).first()
    before = 0
    if previous is not None:
        rank, stage = previous
        before = rank if rank is not None else MILESTONE_RANK.get(Stage(stage), 0)
    return max(before, MILESTONE_RANK.get(record.to_stage, 0))


def _advance_row(
    connection: Connection, projection: ProjectionInput | CorrectionProjection
) -> None:
    """Move the current-state row to the record's state, never backwards; obligations with it."""
    record = projection.record
    municipality = projection.municipality
    key = {"key_number": municipality.number, "key_seq": record.seq}
    state = {
        "stage": projection.stage.value,
        "paused_from": projection.paused_from.value if projection.paused_from else None,
        "last_seq": record.seq,
        "workflow_id": record.workflow_id,
        "run_id": record.run_id,
        "updated_at": datetime.now(UTC),
        "name": municipality.name,
        "county": municipality.county,
        "health_trust": municipality.health_trust,
    }
    if not connection.execute(sql.ADVANCE_MUNICIPALITY, {**key, **state}).rowcount:
        if connection.execute(sql.MUNICIPALITY_EXISTS, key).first() is not None:
            return  # already at this record or past it
        connection.execute(sql.INSERT_MUNICIPALITY, {"number": municipality.number, **state})
    # Obligations change only with the stage, so they advance with the row.
    upsert_obligations(connection, municipality.number, projection.obligations)


def record_correction(engine: Engine, projection: CorrectionProjection) -> bool:
    """Append the correction and move the current-state row to the state it leaves.

    Idempotent like record_transition: one row per (municipality, seq); returns
    False when an earlier attempt already wrote it.
    """
    record = projection.record
    return _append_once(
        engine,
        sql.CORRECTION,
        projection,
        lambda _: {
            "municipality_number": projection.municipality.number,
            "seq": record.seq,
            "kind": record.kind.value,
            "event_id": record.event_id,
            "target_seq": record.target_seq,
            "trigger": record.trigger.value,
            "effective_on_before": record.effective_on_before,
            "effective_on_after": record.effective_on_after,
            "evidence_before": dict(record.evidence_before),
            "evidence_after": dict(record.evidence_after)
            if record.evidence_after is not None
            else None,
            "stage_before": record.stage_before.value,
            "stage_after": record.stage_after.value,
            "reason": record.reason,
            **actor_columns(record.actor),
            "recorded_at": record.recorded_at,
            "idempotency_key": record.idempotency_key,
            "workflow_id": record.workflow_id,
            "run_id": record.run_id,
        },
    )


def note_run(engine: Engine, *, number: str, workflow_id: str, run_id: str) -> None:
    """Remember a run of a municipality's workflow (once; continue-as-new makes new ones)."""
    try:
        with session_scope(engine) as session:
            known = session.exec(
                select(WorkflowRunRow.id).where(
                    WorkflowRunRow.workflow_id == workflow_id, WorkflowRunRow.run_id == run_id
                )
            ).first()
            if known is None:
                session.add(
                    WorkflowRunRow(
                        municipality_number=number,
                        workflow_id=workflow_id,
                        run_id=run_id,
                        first_seen_at=datetime.now(UTC),
                    )
                )
    except IntegrityError:
        pass  # two activities of a new run raced to note it: one row is what we want


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
                        **actor_columns(change.actor),
                        recorded_at=change.recorded_at,
                        workflow_id=change.workflow_id,
                        run_id=change.run_id,
                    )
                )
        upsert_obligations(session.connection(), number, projection.obligations)


def upsert_obligations(
    connection: Connection, number: str, obligations: list[ObligationView]
) -> None:
    """Bring the municipality's obligation rows to the workflow's view of them.

    One SELECT for all of them, and a write only for a row that changed:
    every transition hands over every obligation. `updated_at` is when the
    row last changed. Callers holding an ORM session pass `session.connection()`.
    """
    now = datetime.now(UTC)
    rows = {
        row.obligation_id: row
        for row in connection.execute(sql.OBLIGATIONS_OF, {"key_number": number})
    }
    for view in obligations:
        wanted = {
            "label": view.label,
            "status": view.status.value,
            "deadline": view.deadline,
            "effective_deadline": view.effective_deadline,
            "opened_on": view.opened_on,
            "closed_on": view.closed_on,
        }
        row = rows.get(view.id)
        if row is None:
            connection.execute(
                sql.INSERT_OBLIGATION,
                {"municipality_number": number, "obligation_id": view.id, "updated_at": now}
                | wanted,
            )
        elif any(getattr(row, name) != value for name, value in wanted.items()):
            connection.execute(
                sql.UPDATE_OBLIGATION,
                {"key_number": number, "key_obligation": view.id, "updated_at": now} | wanted,
            )


def identifiers(party: Party) -> list[tuple[str, str]]:
    """The (scheme, value) pairs that name `party` from its registration on."""
    found: list[tuple[str, str]] = []
    if party.kind is PartyKind.MUNICIPALITY:
        found.append((MUNICIPALITY_NUMBER, party.number))
    if party.org_number is not None:
        found.append((ORG_NUMBER, party.org_number))
    return found


def _new_row(party: Party, *, workflow_id: str, run_id: str) -> MunicipalityRow:
    row = MunicipalityRow(
        number=party.number,
        name=party.name,
        county=party.county,
        health_trust=party.health_trust,
        stage=Stage.PROSPECTIVE.value,
        paused_from=None,
        last_seq=0,
        workflow_id=workflow_id,
        run_id=run_id,
        updated_at=datetime.now(UTC),
    )
    _copy_names(row, party)
    return row


def _copy_names(row: MunicipalityRow, party: Party) -> None:
    row.name = party.name
    row.county = party.county
    row.health_trust = party.health_trust
    row.kind = party.kind.value
    row.org_number = party.org_number
    row.home_municipality = party.home_municipality
    row.specialty = party.specialty
    row.staff_count = party.staff_count
