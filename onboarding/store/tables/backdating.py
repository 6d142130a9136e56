"""The column that marks a backdated row: when the demo loader really entered it.

Four append-only tables keep rows whose `recorded_at` the demo loader may
backdate (domain/recording.py): audit_event, wave_event, checklist_completion
and reform. Each has `entered_at`, NULL on every row recorded at the time it
says, and the real moment of entry on a backdated one.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlmodel import Field


def entered_at_field() -> Any:
    """A fresh `entered_at` field (each table needs a Column object of its own)."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


EnteredAt = datetime | None
