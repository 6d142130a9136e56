"""SQLModel tables of municipal reforms: each reform, who succeeded whom, who was in the region.

`reform` keeps every reform recorded (a renumbering, merger, split, boundary
transfer, joining or leaving the catchment area), with its date, the parties
and numbers on both sides, what it did to each party, its evidence and who
recorded it. `party_succession` says which party carries on which (a merger's
or split's predecessors and successors). Both are append-only (database
triggers refuse UPDATE and DELETE, see store/database.py): a reform is never
edited or undone, only followed by another.

`party_region_period` is read model: the periods a party belongs to the
catchment area. A party with no rows belongs to it on every date (every party
registered without a history); a reform that ends a party, or brings one in
or out, writes its rows (store/reforms.py). `valid_from` NULL means "since
before anything was recorded", `valid_to` is exclusive and NULL while it
lasts, as in `party_identifier`.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from onboarding.store.tables.actor import ActorColumns
from onboarding.store.tables.backdating import EnteredAt, entered_at_field
from onboarding.store.tables.keys import PARTY_ID_LENGTH


class ReformRow(ActorColumns, table=True):
    """One reform, as applied. Never updated, never deleted."""

    __tablename__ = "reform"

    id: int | None = Field(default=None, primary_key=True)
    # Chosen by the admin like a migration's id, never reused (e.g. 2020-trondheim).
    reform_id: str = Field(unique=True, max_length=63)
    # renumbering | merger | split | boundary_transfer | joined | left
    kind: str = Field(max_length=20, index=True)
    effective_on: date = Field(index=True)
    # Party ids on each side: the ones that end or change, and the ones that
    # start or carry on (a renumbering's party is on both sides).
    from_parties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    to_parties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Municipality numbers the day before and on the day: {"from": [...], "to": [...]}.
    numbers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The applied plan, per party id (domain/reforms: what the dry-run listed).
    effects: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = None
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    # Backdated by the demo loader: when it was really entered (NULL otherwise).
    entered_at: EnteredAt = entered_at_field()


class PartySuccessionRow(SQLModel, table=True):
    """`successor` carries on (a part of) `predecessor` from `effective_on`. Never updated."""

    __tablename__ = "party_succession"
    __table_args__ = (
        UniqueConstraint("predecessor", "successor", "reform_id", name="uq_party_succession"),
    )

    id: int | None = Field(default=None, primary_key=True)
    predecessor: str = Field(max_length=PARTY_ID_LENGTH, index=True)
    successor: str = Field(max_length=PARTY_ID_LENGTH, index=True)
    reform_id: str = Field(max_length=63, index=True)
    kind: str = Field(max_length=20)  # merger | split
    effective_on: date


class PartyRegionPeriodRow(SQLModel, table=True):
    """A period the party belongs to the catchment area (no rows: every date)."""

    __tablename__ = "party_region_period"
    __table_args__ = (UniqueConstraint("party_id", "valid_from", name="uq_party_region_period"),)

    id: int | None = Field(default=None, primary_key=True)
    party_id: str = Field(max_length=PARTY_ID_LENGTH, index=True)
    valid_from: date | None = None
    valid_to: date | None = None
    # The reform that opened or last closed it; NULL for a period the loader wrote.
    reform_id: str | None = Field(default=None, max_length=63)
