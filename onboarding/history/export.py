"""The audit log as CSV or JSON, produced a line at a time for a streaming response."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum

from onboarding.history.entries import AuditEntry

CSV_COLUMNS = (
    "id",
    "kind",
    "municipality_number",
    "wave",
    "actor_id",
    "actor_name",
    "actor_role",
    "effective_on",
    "recorded_at",
    "summary",
    "evidence",
    "comment",
    "details",
)


class ExportFormat(StrEnum):
    """Formats of the export."""

    CSV = "csv"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return "text/csv; charset=utf-8" if self is ExportFormat.CSV else "application/json"


def _csv_row(entry: AuditEntry) -> list[str]:
    return [
        entry.id,
        entry.kind,
        entry.municipality_number or "",
        entry.wave or "",
        entry.actor.id,
        entry.actor.name,
        entry.actor.role,
        entry.effective_on.isoformat() if entry.effective_on else "",
        entry.recorded_at.isoformat(),
        entry.summary,
        json.dumps(entry.evidence, ensure_ascii=False, sort_keys=True),
        entry.comment or "",
        json.dumps(entry.details, ensure_ascii=False, sort_keys=True, default=str),
    ]


def as_csv(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """A header, then one CSV line per entry (nested values as JSON text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(_csv_row(entry))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    # The header alone, when there were no entries.
    if buffer.getvalue():
        yield buffer.getvalue()


def as_json(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """A JSON array, one entry per line."""
    yield "["
    separator = "\n"
    for entry in entries:
        yield separator + entry.model_dump_json()
        separator = ",\n"
    yield "\n]\n"


def encode(entries: Iterable[AuditEntry], fmt: ExportFormat) -> Iterator[str]:
    """The entries in `fmt`, a piece at a time."""
    return as_csv(entries) if fmt is ExportFormat.CSV else as_json(entries)
