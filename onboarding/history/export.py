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


# What makes a spreadsheet read a cell as a formula (or, for tab and carriage
# return, hide such a start behind leading whitespace): OWASP's CSV Injection page.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(cell: str) -> str:
    """`cell` as a spreadsheet shows it as text: a leading `'` when it could start a formula.

    The export carries what users typed (comments, reasons, evidence, token and
    user names). Excel, LibreOffice and Google Sheets run a cell starting with
    `=`, `+`, `-` or `@` (and, after a leading tab or carriage return, the same)
    as a formula when an admin opens the file: `=1+cmd|' /C calc'!A0` launches a
    program, `=HYPERLINK(...)` leaks data. Following OWASP, such a cell gets a
    single quote in front, which the spreadsheet takes as "this is text". Only
    the CSV rendering is changed; the record and the JSON export keep the text
    exactly as recorded.
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _csv_row(entry: AuditEntry) -> list[str]:
    # Every cell is defused, not only the comment: every column is text, and
    # several hold user-chosen text (comments and reasons, actor names).
    # No column is a number the code writes, so no negative number is ever
    # turned into text; the code-written columns (ids, kinds, four-digit
    # municipality numbers, wave ids like 2022-11, ISO dates and timestamps,
    # JSON objects starting with `{`) never start with a dangerous character.
    # A numeric column added later should stay a number, outside this function.
    return [defuse_formula(cell) for cell in _csv_cells(entry)]


def _csv_cells(entry: AuditEntry) -> list[str]:
    """The entry's cells as recorded, in CSV_COLUMNS order."""
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
    """A header, then one CSV line per entry (nested values as JSON text).

    Cells that a spreadsheet would run as a formula are defused (`defuse_formula`).
    """
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
