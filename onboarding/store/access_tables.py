"""SQLModel tables of who changed access and contact data: both append-only.

`token_event` records every token created or revoked, by whom, with the
token's name, role, scope and expiry (never its secret or hash).
`contact_change` keeps every replacement of a contact list with the list
before and after it, so a list replaced as a whole (the live `contact` rows)
never loses what it held. Database triggers refuse UPDATE and DELETE on both
(see database.py).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


class TokenEventRow(SQLModel, table=True):
    """A token created or revoked. Never updated, never deleted."""

    __tablename__ = "token_event"

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(index=True, foreign_key="api_token.id")
    kind: str = Field(max_length=20)  # created | revoked
    token_name: str = Field(max_length=200)
    token_role: str = Field(max_length=20)
    token_scope: str | None = Field(default=None, max_length=2000)
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    actor_id: str
    actor_name: str
    actor_role: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class ContactChangeRow(SQLModel, table=True):
    """One replacement of a contact list (municipality_number NULL: the program's)."""

    __tablename__ = "contact_change"

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str | None = Field(default=None, index=True, max_length=4)
    contacts_before: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    contacts_after: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    actor_id: str
    actor_name: str
    actor_role: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
