"""Activities that write the read model and audit log."""

from sqlalchemy import Engine
from temporalio import activity

from onboarding.models import ObligationProjection, ProjectionInput, RegistrationInput
from onboarding.store import projection


class ProjectionActivities:
    """Writes to SQL on behalf of the workflows (which must not do I/O)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="register_municipality")
    def register_municipality(self, registration: RegistrationInput) -> None:
        """Ensure the municipality's current-state row exists."""
        projection.register_municipality(self._engine, registration)

    @activity.defn(name="record_transition")
    def record_transition(self, projection_input: ProjectionInput) -> None:
        """Append the audit event and advance the current-state row (idempotent)."""
        written = projection.record_transition(self._engine, projection_input)
        if not written:
            activity.logger.info(
                "transition %s of %s was already recorded",
                projection_input.record.seq,
                projection_input.municipality.number,
            )

    @activity.defn(name="record_obligations")
    def record_obligations(self, projection_input: ObligationProjection) -> None:
        """Record a deadline change (once) and the obligations' current state."""
        projection.record_obligations(self._engine, projection_input)
