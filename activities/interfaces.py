"""What the workflows may call: every activity's name and typed signature, and nothing else.

Workflows call activities by method reference to these classes
(`workflow.execute_activity_method(Projection.record_transition, ...)`): the SDK
takes the activity's name, argument and result types from the definition and
schedules it by name. The worker registers the implementations
(activities/projection.py, notifications.py, waves.py), which subclass these
and keep exactly the same names, so the implementation is what runs. This
module imports only the domain's models, never the store or a Temporal
client, so importing it keeps a workflow free of I/O.
"""

from temporalio import activity

from onboarding.domain.migrations.run import MigrationCall, MigrationCallResult
from onboarding.domain.notifications import DeliveryInput, DeliveryResult, DueMessage, EnqueueResult
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
from onboarding.domain.waves.models import (
    ChecklistItemsProjection,
    ChecklistProjection,
    MemberCall,
    MemberCallResult,
    WaveProjection,
)

_ON_THE_WORKER = "an activity interface: the worker runs the implementation"


class Projection:
    """The municipality workflow's read-model and audit-log writes (activities/projection.py)."""

    @activity.defn(name="register_municipality")
    def register_municipality(self, registration: RegistrationInput) -> None:
        """Ensure the municipality's current-state row exists."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="record_transition")
    def record_transition(self, projection_input: ProjectionInput) -> None:
        """Append the audit event and advance the current-state row (idempotent)."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="record_obligations")
    def record_obligations(self, projection_input: ObligationProjection) -> None:
        """Record a deadline change (once) and the obligations' current state."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="record_correction")
    def record_correction(self, projection_input: CorrectionProjection) -> None:
        """Append the correction and move the current-state row (idempotent)."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="note_run")
    def note_run(self, run: RunInput) -> None:
        """Remember a new run of the workflow (after continue-as-new)."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="record_migration")
    def record_migration(self, projection_input: MigrationProjection) -> None:
        """Append the process migration (once), move the row, write the obligations."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="party_stage")
    def party_stage(self, query: PartyStageInput) -> PartyStageResult:
        """Where another party stands, as the read model has it (a read, not a write)."""
        raise NotImplementedError(_ON_THE_WORKER)


class Notifications:
    """The notification outbox and its delivery by email (activities/notifications.py)."""

    @activity.defn(name="enqueue_notifications")
    def enqueue_notifications(self, due: DueMessage) -> EnqueueResult:
        """Write one outbox row per recipient of `due` (idempotent); their ids."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="deliver_notifications")
    def deliver_notifications(self, input: DeliveryInput) -> DeliveryResult:
        """Send each row not yet sent; fail (and so be retried) if any failed for now."""
        raise NotImplementedError(_ON_THE_WORKER)


class Waves:
    """The wave's read model, checklists, and calls into member workflows (activities/waves.py)."""

    @activity.defn(name="record_wave")
    def record_wave(self, projection: WaveProjection) -> None:
        """Append the wave's events (once each) and refresh its current state and members."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="record_checklist")
    def record_checklist(self, projection: ChecklistProjection) -> None:
        """Append a checklist completion (once) and refresh the member's obligations."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="record_checklist_items")
    def record_checklist_items(self, projection: ChecklistItemsProjection) -> None:
        """Append checklist completions (once each) and refresh the member's obligations."""
        raise NotImplementedError(_ON_THE_WORKER)

    @activity.defn(name="call_member")
    async def call_member(self, call: MemberCall) -> MemberCallResult:
        """Run one update on a member's workflow and hand back its answer."""
        raise NotImplementedError(_ON_THE_WORKER)


class Migrations:
    """The migration workflow's calls into party workflows (activities/migrations.py)."""

    @activity.defn(name="migrate_party")
    async def migrate_party(self, call: MigrationCall) -> MigrationCallResult:
        """Run one party's migrate update; a refusal is an answer, not a failure."""
        raise NotImplementedError(_ON_THE_WORKER)
