"""SQLModel table of the notification outbox: one row per message and recipient.

Written before anything is sent (store/outbox.py); `activities/notifications.py`
delivers from it.
"""

from datetime import date, datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from onboarding.store.tables.keys import PARTY_ID_LENGTH


class NotificationRow(SQLModel, table=True):
    """One message to one recipient: the outbox, written before anything is sent.

    `key` is unique, so a retried or replayed enqueue never writes a message
    twice; `status` says where delivery stands (onboarding.domain.notifications).
    """

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=1000)
    # The message this row is one recipient of: number:obligation:deadline:message_key.
    message_id: str = Field(index=True, max_length=600)
    municipality_number: str = Field(index=True, max_length=PARTY_ID_LENGTH)
    municipality_name: str = Field(max_length=100)
    obligation_id: str = Field(max_length=200)
    obligation_label: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    message_key: str = Field(max_length=200)
    level: int | None = None
    offset_days: int | None = None
    deadline: date
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    recipient_role: str = Field(max_length=40)
    recipient_name: str | None = Field(default=None, max_length=200)
    recipient_email: str | None = Field(default=None, max_length=320)
    subject: str
    body: str
    status: str = Field(index=True, max_length=20)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
