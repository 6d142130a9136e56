"""SQLModel tables of contacts: the lists messages go to, and every replacement of one.

A list (one municipality's, or the program's) is replaced as a whole (the
live `contact` rows, store/contacts.py); `contact_change` keeps every
replacement with the list before and after it, so the live rows never lose
what they held. `contact_change` is append-only (database triggers refuse
UPDATE and DELETE, see store/database.py).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, text
from sqlmodel import Field, SQLModel

from onboarding.store.tables.actor import ActorColumns
from onboarding.store.tables.keys import PARTY_ID_LENGTH


class ContactRow(SQLModel, table=True):
    """Someone messages go to: a municipality's contact, or the program's (no number).

    A list (one municipality's, or the program's) is replaced as a whole, see
    store/contacts.py; `position` keeps the order it was given in.
    """

    __tablename__ = "contact"
    __table_args__ = (
        # A person holds a role once per list. NULL (the program) is not equal to
        # itself in a unique index, hence the coalesce; case never makes two people.
        Index(
            "uq_contact_scope_role_email",
            text("coalesce(municipality_number, '')"),
            "role",
            text("lower(email)"),
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str | None = Field(
        default=None, index=True, max_length=PARTY_ID_LENGTH, foreign_key="municipality.number"
    )
    position: int
    role: str = Field(max_length=40)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_by: str = Field(max_length=200, description="name of the token that set the list")
    updated_by_id: str = Field(max_length=100, description="id of that token, e.g. token:3")


class ContactChangeRow(ActorColumns, table=True):
    """One replacement of a contact list (municipality_number NULL: the program's)."""

    __tablename__ = "contact_change"

    id: int | None = Field(default=None, primary_key=True)
    municipality_number: str | None = Field(default=None, index=True, max_length=PARTY_ID_LENGTH)
    contacts_before: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    contacts_after: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
