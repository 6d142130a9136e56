"""Process migrations, from the append-only process_migration table."""

from onboarding.domain.calendar import oslo_date
from onboarding.history.entries import AuditEntry, TableSource
from onboarding.store.database import utc
from onboarding.store.tables.parties import ProcessMigrationRow


class MigrationSource(TableSource):
    """A party moved to another version of its process (or policy): effective when recorded."""

    name = "process_migration"
    kinds = ("process_migration",)
    table = ProcessMigrationRow

    def entry(self, row: ProcessMigrationRow) -> AuditEntry:
        effect = row.effect
        moved = (
            f"v{row.from_version} → v{row.to_version}"
            if row.from_version != row.to_version
            else f"policy of v{row.to_version}"
        )
        summary = f"migration {row.migration_id}: {moved}"
        if row.from_stage != row.to_stage:
            summary += f", {row.from_stage} → {row.to_stage}"
        return AuditEntry(
            id=f"{self.name}:{row.id}",
            kind="process_migration",
            municipality_number=row.municipality_number,
            actor=row.actor,
            effective_on=oslo_date(utc(row.recorded_at)),
            recorded_at=utc(row.recorded_at),
            summary=summary,
            comment=row.reason,
            details={
                "migration_id": row.migration_id,
                "from_version": row.from_version,
                "to_version": row.to_version,
                "from_stage": row.from_stage,
                "to_stage": row.to_stage,
                "obligations_opened": effect.get("obligations_opened", []),
                "obligations_cancelled": effect.get("obligations_cancelled", []),
                "timers": effect.get("timers", []),
                "workflow_id": row.workflow_id,
                "run_id": row.run_id,
            },
        )
