"""Process migrations in the read model: one append-only row per party migrated, and the reads.

The migrate update records its effect through `record_migration` (an
activity, retried): a second attempt finds the row and only brings the
current-state row and the obligations to what the workflow says again.
"""

from datetime import UTC, datetime

from sqlalchemy import Engine, update
from sqlmodel import col, select

from onboarding.domain.process.migration_plan import MigrationEffect, MigrationProjection
from onboarding.store.database import session_scope
from onboarding.store.projection import upsert_obligations
from onboarding.store.tables.actor import actor_columns
from onboarding.store.tables.parties import MunicipalityRow, ProcessMigrationRow


def record_migration(engine: Engine, projection: MigrationProjection) -> bool:
    """Append the migration (once), move the party's row to its stage, write its obligations.

    Returns False when an earlier attempt already appended it.
    """
    effect = projection.effect
    number = projection.municipality.number
    with session_scope(engine) as session:
        exists = session.exec(
            select(ProcessMigrationRow.id).where(
                ProcessMigrationRow.municipality_number == number,
                ProcessMigrationRow.migration_id == effect.migration_id,
            )
        ).first()
        if exists is None:
            assert effect.recorded_at is not None, "an applied migration has its time"
            session.add(
                ProcessMigrationRow(
                    migration_id=effect.migration_id,
                    municipality_number=number,
                    from_version=effect.from_version,
                    to_version=effect.to_version,
                    from_stage=effect.from_stage.value,
                    to_stage=effect.to_stage.value,
                    reason=projection.reason,
                    effect=effect.model_dump(mode="json"),
                    **actor_columns(projection.actor),
                    recorded_at=effect.recorded_at,
                    workflow_id=projection.workflow_id,
                    run_id=projection.run_id,
                )
            )
        # The stage moves only through a stage map; the row follows the workflow.
        session.exec(
            update(MunicipalityRow)
            .where(col(MunicipalityRow.number) == number)
            .values(
                stage=projection.stage.value,
                paused_from=projection.paused_from.value if projection.paused_from else None,
                updated_at=datetime.now(UTC),
            )
        )
        upsert_obligations(session.connection(), number, projection.obligations)
    return exists is None


def migration_effects(engine: Engine, migration_id: str) -> list[MigrationEffect]:
    """The effect recorded for every party the migration moved, by municipality number."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(ProcessMigrationRow)
            .where(ProcessMigrationRow.migration_id == migration_id)
            .order_by(col(ProcessMigrationRow.municipality_number))
        ).all()
        return [MigrationEffect.model_validate(row.effect) for row in rows]
