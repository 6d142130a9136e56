"""The notification outbox: one row per recipient of a due message, then its delivery.

Writing comes first and is idempotent: every row has a unique key
`{number}:{obligation_id}:{deadline}:{message_key}:{role}:{email or '-'}` and is
inserted only if absent, so a retried activity, a replayed workflow or two
attempts racing each other write a message once. Delivery then moves each row
from `pending` to `sent` (or `held`, `failed`); see `deliver`.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from onboarding.domain import messages
from onboarding.domain.notifications import (
    PROGRAM_ROLES,
    DueMessage,
    NotificationStatus,
    RecipientRole,
)
from onboarding.store.contacts import contacts_by_role
from onboarding.store.database import session_scope, utc
from onboarding.store.tables.contacts import ContactRow
from onboarding.store.tables.notifications import NotificationRow


class UnknownNotification(LookupError):
    """No outbox row has this id."""


class Outcome(StrEnum):
    """What one delivery call did with one row."""

    SENT = "sent"
    ALREADY_SENT = "already_sent"
    HELD = "held"
    NO_RECIPIENT = "no_recipient"


def message_id(due: DueMessage) -> str:
    """The message within its municipality, obligation and deadline (all recipients)."""
    return (
        f"{due.municipality.number}:{due.obligation_id}:"
        f"{due.deadline.isoformat()}:{due.message_key}"
    )


def notification_key(due: DueMessage, role: RecipientRole, email: str | None) -> str:
    """The unique key of one recipient's row."""
    return f"{message_id(due)}:{role.value}:{email.lower() if email else '-'}"


# -- writing ---------------------------------------------------------------------


def enqueue(engine: Engine, due: DueMessage, *, base_url: str) -> list[int]:
    """Write the message's rows (if not yet written); the ids of all its rows.

    Roles resolve to people through the contact lists: municipality roles from
    the municipality's, program roles from the program's. A person holding two
    of the addressed roles gets one message. A role nobody holds gets one row
    with status `no_recipient` naming the role, so the gap shows in the outbox.

    The recipients are fixed when the message is first written: a retry finds
    its rows and writes nothing, even if a contact list changed in between, so
    nobody is added to (or gets twice) a message already on its way.
    """
    mid = message_id(due)
    with session_scope(engine) as session:
        existing = _ids_of(session, mid)
        if existing:
            return existing
        rows = _rows_for(session, due, base_url=base_url, now=datetime.now(UTC))
        _insert_if_absent(session, rows)
        # Also the rows a concurrent attempt wrote first (its keys won the race).
        return _ids_of(session, mid)


def _ids_of(session: Session, mid: str) -> list[int]:
    ids = session.exec(
        select(NotificationRow.id)
        .where(NotificationRow.message_id == mid)
        .order_by(col(NotificationRow.id))
    ).all()
    return [i for i in ids if i is not None]


def _rows_for(
    session: Session, due: DueMessage, *, base_url: str, now: datetime
) -> list[dict[str, Any]]:
    found = contacts_by_role(
        session, municipality_number=due.municipality.number, roles=due.recipient_roles
    )
    subject = messages.subject(due)
    rows: list[dict[str, Any]] = []
    emailed: set[str] = set()
    for role, people in found.items():
        if not people:
            rows.append(
                _row(
                    due,
                    role,
                    None,
                    subject=subject,
                    body=messages.body(due, recipient_name=None, base_url=base_url),
                    status=NotificationStatus.NO_RECIPIENT,
                    last_error=_nobody(due, role),
                    now=now,
                )
            )
            continue
        for person in people:
            if person.email.lower() in emailed:
                continue
            emailed.add(person.email.lower())
            rows.append(
                _row(
                    due,
                    role,
                    person,
                    subject=subject,
                    body=messages.body(due, recipient_name=person.name, base_url=base_url),
                    status=NotificationStatus.PENDING,
                    last_error=None,
                    now=now,
                )
            )
    return rows


def _nobody(due: DueMessage, role: RecipientRole) -> str:
    municipality = due.municipality
    if role in PROGRAM_ROLES:
        return f"no program contact has the role {role.value} (PUT /api/program/contacts)"
    return (
        f"no contact of {municipality.name} ({municipality.number}) has the role {role.value} "
        f"(PUT /api/municipalities/{municipality.number}/contacts)"
    )


def _row(
    due: DueMessage,
    role: RecipientRole,
    person: ContactRow | None,
    *,
    subject: str,
    body: str,
    status: NotificationStatus,
    last_error: str | None,
    now: datetime,
) -> dict[str, Any]:
    email = person.email if person is not None else None
    return {
        "key": notification_key(due, role, email),
        "message_id": message_id(due),
        "municipality_number": due.municipality.number,
        "municipality_name": due.municipality.name,
        "obligation_id": due.obligation_id,
        "obligation_label": due.obligation_label,
        "kind": due.kind.value,
        "message_key": due.message_key,
        "level": due.level,
        "offset_days": due.offset_days,
        "deadline": due.deadline,
        "due_at": _in_utc(due.due_at),
        "recipient_role": role.value,
        "recipient_name": person.name if person is not None else None,
        "recipient_email": email,
        "subject": subject,
        "body": body,
        "status": status.value,
        "attempts": 0,
        "last_error": last_error,
        "created_at": now,
    }


def _insert_if_absent(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose key is not taken; a taken key is a row already written."""
    if not rows:
        return
    table: Table = NotificationRow.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        # ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to
        # commit or roll back, so two racing attempts never both fail or both write.
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(table).values(list(rows)).on_conflict_do_nothing(index_elements=["key"])
        )
        return
    for row in rows:  # other databases: one savepoint per row
        try:
            with session.begin_nested():
                session.execute(table.insert().values(row))
        except IntegrityError:
            pass


# -- delivering ------------------------------------------------------------------


def deliver(
    engine: Engine,
    notification_id: int,
    *,
    send: Callable[[NotificationRow], None] | None,
) -> Outcome:
    """Send one row with `send` unless it is sent already; None means no SMTP (held).

    The status is read right before sending and `sent` written right after:
    - PostgreSQL: the row is read FOR UPDATE and the lock held across the send,
      so a concurrent attempt on the same row waits, then finds it sent.
    - SQLite has no row locks; its driver starts the transaction only at the
      write, so the send holds no lock on the database.
    At-least-once window: if the process dies (or the database is lost) after
    the relay accepted the message and before `sent` is committed, a retry
    sends it again. The Message-ID is derived from the key, so mail systems
    can tell the copy. Nothing closes that window short of a relay that takes
    an idempotency key, which SMTP has no notion of.

    If `send` raises, the row becomes `failed` with the error and one more
    attempt counted, and the error is raised again for the caller to retry.
    """
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(
            select(NotificationRow).where(NotificationRow.id == notification_id).with_for_update()
        ).first()
        if row is None:
            raise UnknownNotification(f"no notification with id {notification_id}")
        status = NotificationStatus(row.status)
        if status is NotificationStatus.SENT:
            return Outcome.ALREADY_SENT
        if status is NotificationStatus.NO_RECIPIENT:
            return Outcome.NO_RECIPIENT
        if send is None:
            _set(session, notification_id, status=NotificationStatus.HELD)
            session.commit()
            return Outcome.HELD
        try:
            send(row)
        except Exception as err:
            now = datetime.now(UTC)
            _set(
                session,
                notification_id,
                status=NotificationStatus.FAILED,
                attempts=NotificationRow.attempts + 1,
                last_error=" ".join(str(err).split())[:2000] or type(err).__name__,
                last_attempt_at=now,
            )
            session.commit()
            raise
        now = datetime.now(UTC)
        _set(
            session,
            notification_id,
            status=NotificationStatus.SENT,
            attempts=NotificationRow.attempts + 1,
            last_error=None,
            last_attempt_at=now,
            sent_at=now,
        )
        session.commit()
        return Outcome.SENT


def _set(session: Session, notification_id: int, **values: Any) -> None:
    # Never over a `sent` row: a concurrent attempt (SQLite) may have sent it.
    session.execute(
        update(NotificationRow)
        .where(
            col(NotificationRow.id) == notification_id,
            col(NotificationRow.status) != NotificationStatus.SENT.value,
        )
        .values(**values)
    )


# -- reading ---------------------------------------------------------------------


def get_notification(engine: Engine, notification_id: int) -> NotificationRow | None:
    """One outbox row, its times in UTC."""
    with Session(engine) as session:
        row = session.get(NotificationRow, notification_id)
        return _aware(row) if row is not None else None


def list_notifications(
    engine: Engine,
    *,
    municipality_number: str | None = None,
    status: NotificationStatus | None = None,
    due_from: datetime | None = None,
    due_before: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[NotificationRow]:
    """Outbox rows, newest first, filtered; `due_from` <= due_at < `due_before`."""
    query = select(NotificationRow)
    if municipality_number is not None:
        query = query.where(NotificationRow.municipality_number == municipality_number)
    if status is not None:
        query = query.where(NotificationRow.status == status.value)
    if due_from is not None:
        query = query.where(col(NotificationRow.due_at) >= _in_utc(due_from))
    if due_before is not None:
        query = query.where(col(NotificationRow.due_at) < _in_utc(due_before))
    query = (
        query.order_by(col(NotificationRow.created_at).desc(), col(NotificationRow.id).desc())
        .limit(limit)
        .offset(offset)
    )
    with Session(engine) as session:
        return [_aware(row) for row in session.exec(query).all()]


def _in_utc(moment: datetime) -> datetime:
    """`moment` in UTC (naive taken as UTC).

    SQLite keeps a datetime as its wall-clock text without the offset, so every
    time written or compared must be in one zone for the order to hold.
    """
    return utc(moment).astimezone(UTC)


def _aware(row: NotificationRow) -> NotificationRow:
    """SQLite gives naive datetimes back; every time here is UTC."""
    row.due_at = utc(row.due_at)
    row.created_at = utc(row.created_at)
    if row.sent_at is not None:
        row.sent_at = utc(row.sent_at)
    if row.last_attempt_at is not None:
        row.last_attempt_at = utc(row.last_attempt_at)
    return row
