"""SQLModel table of the pages' sign-in sessions (server side; the cookie holds only an id)."""

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


class WebSessionRow(SQLModel, table=True):
    """One signed-in browser. Only the SHA-256 of the cookie's id is kept.

    A session acts as the API token it was opened with: revoking the token ends
    every session opened with it at the next request.
    """

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    token_id: int = Field(index=True, foreign_key="api_token.id")
    # The synchronizer token every form of this session carries (CSRF).
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ended_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
