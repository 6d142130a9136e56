"""The obligation rows follow the workflow's view: inserted, changed, or left as they are."""

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from onboarding.domain.obligations.models import ObligationView
from onboarding.domain.obligations.schedule import ObligationStatus
from onboarding.store.database import session_scope
from onboarding.store.projection import upsert_obligations
from onboarding.store.tables.obligations import ObligationRow

NUMBER = "5001"


def view(obligation_id: str, deadline: date | None, status: ObligationStatus) -> ObligationView:
    return ObligationView(
        id=obligation_id,
        label=obligation_id.replace("_", " "),
        status=status,
        deadline=deadline,
        effective_deadline=deadline,
        opened_on=date(2024, 1, 2),
        closed_on=date(2024, 3, 1) if status is ObligationStatus.FULFILLED else None,
        escalation_level=0,
        pending=[],
    )


def upsert(engine: Engine, views: list[ObligationView]) -> None:
    with session_scope(engine) as session:
        upsert_obligations(session.connection(), NUMBER, views)


def rows(engine: Engine) -> dict[str, ObligationRow]:
    with Session(engine) as session:
        found = session.exec(
            select(ObligationRow).where(ObligationRow.municipality_number == NUMBER)
        )
        return {row.obligation_id: row for row in found}


def test_rows_are_inserted_changed_and_left_alone(sql_engine: Engine) -> None:
    option = view("exercise_option", date(2024, 6, 1), ObligationStatus.OPEN)
    agreement = view("sign_service_agreement", None, ObligationStatus.OPEN)
    upsert(sql_engine, [option, agreement])
    first = rows(sql_engine)
    assert set(first) == {"exercise_option", "sign_service_agreement"}
    assert first["exercise_option"].deadline == date(2024, 6, 1)

    # The same view again (every transition hands over every obligation): no write.
    upsert(sql_engine, [option, agreement])
    again = rows(sql_engine)
    assert {k: r.updated_at for k, r in again.items()} == {
        k: r.updated_at for k, r in first.items()
    }

    # One moves its deadline, the other is fulfilled: both change, and say when.
    moved = view("exercise_option", date(2024, 7, 1), ObligationStatus.OPEN)
    fulfilled = view("sign_service_agreement", None, ObligationStatus.FULFILLED)
    upsert(sql_engine, [moved, fulfilled])
    last = rows(sql_engine)
    assert last["exercise_option"].deadline == date(2024, 7, 1)
    assert last["exercise_option"].updated_at > first["exercise_option"].updated_at
    assert (last["sign_service_agreement"].status, last["sign_service_agreement"].closed_on) == (
        "fulfilled",
        date(2024, 3, 1),
    )
    assert last["sign_service_agreement"].updated_at > first["sign_service_agreement"].updated_at
