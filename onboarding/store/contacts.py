"""Contact lists in SQL: one per municipality, and the program's (municipality_number NULL).

A list is replaced as a whole in one transaction. On PostgreSQL a transaction
lock per list serializes concurrent replacements, so two coordinators saving at
once leave one of their lists, never a mix; SQLite serializes writers anyway.
Every replacement is kept in the append-only `contact_change` table, with the
list before and after it and who replaced it, in the same transaction.
"""

import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, delete, text
from sqlmodel import Session, col, select

from onboarding.domain.actor import Actor
from onboarding.domain.contacts import Contact, ContactIn, check_contact_list
from onboarding.domain.errors import UnknownMunicipality
from onboarding.domain.notifications import PROGRAM_ROLES, RecipientRole
from onboarding.store.database import session_scope, utc
from onboarding.store.tables.actor import actor_columns
from onboarding.store.tables.contacts import ContactChangeRow, ContactRow
from onboarding.store.tables.parties import MunicipalityRow


def list_contacts(engine: Engine, *, municipality_number: str | None) -> list[Contact]:
    """A municipality's contacts (or the program's, with None), in the order given."""
    with Session(engine) as session:
        rows = session.exec(
            select(ContactRow)
            .where(_in_scope(municipality_number))
            .order_by(col(ContactRow.position))
        ).all()
        return [_public(row) for row in rows]


def replace_contacts(
    engine: Engine,
    *,
    municipality_number: str | None,
    contacts: Sequence[ContactIn],
    actor: Actor,
) -> list[Contact]:
    """Replace a municipality's list (or the program's, with None) by `contacts`.

    Raises RequestRejected for a role out of scope or a person listed twice in
    a role, UnknownMunicipality for a number the read model does not know.
    """
    check_contact_list(contacts, program=municipality_number is None)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        _lock_list(session, municipality_number)
        if (
            municipality_number is not None
            and session.get(MunicipalityRow, municipality_number) is None
        ):
            raise UnknownMunicipality(municipality_number)
        before = session.exec(
            select(ContactRow)
            .where(_in_scope(municipality_number))
            .order_by(col(ContactRow.position))
        ).all()
        session.add(
            ContactChangeRow(
                municipality_number=municipality_number,
                contacts_before=[_entry(row.role, row.name, row.email) for row in before],
                contacts_after=[_entry(c.role.value, c.name, c.email) for c in contacts],
                **actor_columns(actor),
                recorded_at=now,
            )
        )
        statement = delete(ContactRow).where(_in_scope(municipality_number))
        session.execute(statement)
        for position, contact in enumerate(contacts):
            session.add(
                ContactRow(
                    municipality_number=municipality_number,
                    position=position,
                    role=contact.role.value,
                    name=contact.name,
                    email=contact.email,
                    updated_at=now,
                    updated_by=actor.name,
                    updated_by_id=actor.id,
                )
            )
    return list_contacts(engine, municipality_number=municipality_number)


def contacts_by_role(
    session: Session, *, municipality_number: str, roles: Iterable[RecipientRole]
) -> dict[RecipientRole, list[ContactRow]]:
    """The people holding each of `roles`: municipality roles from the municipality's
    list, program roles from the program's. A role nobody holds maps to []."""
    wanted = list(dict.fromkeys(roles))
    program = select(ContactRow).where(col(ContactRow.municipality_number).is_(None))
    local = select(ContactRow).where(ContactRow.municipality_number == municipality_number)
    found: dict[RecipientRole, list[ContactRow]] = {role: [] for role in wanted}
    for query in (local, program):
        rows = session.exec(
            query.where(col(ContactRow.role).in_([r.value for r in wanted])).order_by(
                col(ContactRow.position)
            )
        ).all()
        for row in rows:
            role = RecipientRole(row.role)
            if _belongs(role, row):
                found[role].append(row)
    return found


def _belongs(role: RecipientRole, row: ContactRow) -> bool:
    """Program roles come from the program's list only, and the others from a municipality's.

    The lists are checked on write; this keeps a row stored by other means from
    sending a municipality's reminder to the wrong list.
    """
    return (role in PROGRAM_ROLES) == (row.municipality_number is None)


def _lock_list(session: Session, municipality_number: str | None) -> None:
    """On PostgreSQL, hold a transaction lock on this list until commit."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    scope = f"contact:{municipality_number or 'program'}"
    session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": zlib.crc32(scope.encode()) - 2**31},  # crc32 fits a signed bigint
    )


def _in_scope(municipality_number: str | None) -> ColumnElement[bool]:
    """SQL: the rows of one list (NULL is the program's)."""
    column = col(ContactRow.municipality_number)
    return column.is_(None) if municipality_number is None else column == municipality_number


def _entry(role: str, name: str, email: str) -> dict[str, str]:
    """One contact as the change log keeps it."""
    return {"role": role, "name": name, "email": email}


def _public(row: ContactRow) -> Contact:
    return Contact(
        role=RecipientRole(row.role),
        name=row.name,
        email=row.email,
        updated_at=utc(row.updated_at),
        updated_by=row.updated_by,
    )
