"""Activities that write the read model and audit log."""

import threading

from sqlalchemy import Engine
from temporalio import activity

from activities import interfaces
from onboarding.domain.obligations.models import ObligationProjection
from onboarding.domain.parties.correction_records import CorrectionProjection
from onboarding.domain.parties.models import (
    PartyStageInput,
    PartyStageResult,
    ProjectionInput,
    RegistrationInput,
    RunInput,
)
from onboarding.domain.process.migration_plan import MigrationProjection
from onboarding.domain.vocabulary import Stage
from onboarding.observability.metrics import TRANSITIONS_RECORDED, observe_projection_lag
from onboarding.store import process_migrations, projection, queries

NOTED_RUNS_KEPT = 10_000


class ProjectionActivities(interfaces.Projection):
    """Writes to SQL on behalf of the workflows (which must not do I/O)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Runs this worker already noted: one write per run, not one per transition.
        # Insertion-ordered, trimmed from the oldest; a run forgotten is noted again.
        self._noted_runs: dict[tuple[str, str], None] = {}
        self._noted_lock = threading.Lock()  # activities run in threads

    @activity.defn(name="party_stage")
    def party_stage(self, query: PartyStageInput) -> PartyStageResult:
        """Where another party stands, as the read model has it (a read, not a write)."""
        row = queries.get_municipality(self._engine, number=query.party)
        return PartyStageResult(stage=Stage(row.stage) if row is not None else None)

    @activity.defn(name="register_municipality")
    def register_municipality(self, registration: RegistrationInput) -> None:
        """Ensure the municipality's current-state row exists."""
        projection.register_municipality(self._engine, registration)
        self._note_run(registration.municipality.number)

    @activity.defn(name="record_transition")
    def record_transition(self, projection_input: ProjectionInput) -> None:
        """Append the audit event and advance the current-state row (idempotent)."""
        written = projection.record_transition(self._engine, projection_input)
        self._note_run(projection_input.municipality.number)
        if written:
            TRANSITIONS_RECORDED.labels(trigger=projection_input.record.trigger.value).inc()
            observe_projection_lag(projection_input.record.recorded_at)
        else:
            activity.logger.info(
                "transition %s of %s was already recorded",
                projection_input.record.seq,
                projection_input.municipality.number,
            )

    @activity.defn(name="record_obligations")
    def record_obligations(self, projection_input: ObligationProjection) -> None:
        """Record a deadline change (once) and the obligations' current state."""
        projection.record_obligations(self._engine, projection_input)
        self._note_run(projection_input.municipality.number)

    @activity.defn(name="record_correction")
    def record_correction(self, projection_input: CorrectionProjection) -> None:
        """Append the correction and move the current-state row (idempotent)."""
        written = projection.record_correction(self._engine, projection_input)
        self._note_run(projection_input.municipality.number)
        if not written:
            activity.logger.info(
                "correction %s of %s was already recorded",
                projection_input.record.seq,
                projection_input.municipality.number,
            )

    @activity.defn(name="record_migration")
    def record_migration(self, projection_input: MigrationProjection) -> None:
        """Append the process migration (once), move the row, write the obligations."""
        written = process_migrations.record_migration(self._engine, projection_input)
        self._note_run(projection_input.municipality.number)
        if not written:
            activity.logger.info(
                "migration %s of %s was already recorded",
                projection_input.effect.migration_id,
                projection_input.municipality.number,
            )

    @activity.defn(name="note_run")
    def note_run(self, run: RunInput) -> None:
        """Remember a new run of the workflow (after continue-as-new)."""
        projection.note_run(
            self._engine,
            number=run.municipality.number,
            workflow_id=run.workflow_id,
            run_id=run.run_id,
        )

    def _note_run(self, number: str) -> None:
        """Remember the calling run: run ids change with continue-as-new (see workflow_run)."""
        info = activity.info()
        if info.workflow_id is None or info.workflow_run_id is None:
            return  # not called from a workflow (a test calling the activity alone)
        run = (info.workflow_id, info.workflow_run_id)
        with self._noted_lock:
            if run in self._noted_runs:
                return
        projection.note_run(
            self._engine, number=number, workflow_id=info.workflow_id, run_id=info.workflow_run_id
        )
        with self._noted_lock:
            self._noted_runs[run] = None
            if len(self._noted_runs) > NOTED_RUNS_KEPT:
                del self._noted_runs[next(iter(self._noted_runs))]
