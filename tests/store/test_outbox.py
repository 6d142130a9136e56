"""The notification outbox on SQLite and PostgreSQL: idempotent enqueue, recipients, text.

Enqueue is what a workflow's activity calls for every due reminder or
escalation; a retry, a replay or two racing attempts must leave exactly one
row per recipient, and a role nobody holds must show up, not vanish.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from temporalio.client import Client
from typer.testing import CliRunner

from onboarding.cli.main import app as cli
from onboarding.domain.calendar import OSLO
from onboarding.domain.notifications import MessageKind, NotificationStatus, RecipientRole
from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.settings import Settings
from onboarding.store import outbox
from onboarding.store.tables.notifications import NotificationRow
from onboarding.store.tokens import Role
from tests.helpers.notifications import (
    DEADLINE,
    Api,
    api_client,
    assert_rejected,
    due_message,
    free_port,
    municipality,
    register,
    set_contacts,
)

BASE_URL = "https://onboarding.example.no"


def rows(engine: Engine) -> list[NotificationRow]:
    with Session(engine) as session:
        return list(session.exec(select(NotificationRow).order_by(NotificationRow.id)).all())  # type: ignore[arg-type]


def count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(NotificationRow)).one()


@pytest.fixture
def trondheim(sql_engine: Engine) -> Engine:
    """Trondheim with two contacts, and a program coordinator."""
    register(sql_engine, municipality())
    set_contacts(
        sql_engine,
        "5001",
        ("municipality_contact", "Ola Nordmann", "ola@trondheim.kommune.no"),
        ("municipality_contact", "Nordmann, Kari", "kari@trondheim.kommune.no"),
        ("municipal_director", "Per Direktør", "per@trondheim.kommune.no"),
    )
    set_contacts(sql_engine, None, ("program_coordinator", "Kim Koordinator", "kim@hnt.no"))
    return sql_engine


def test_one_row_per_recipient_under_the_documented_key(trondheim: Engine) -> None:
    ids = outbox.enqueue(trondheim, due_message(municipality()), base_url=BASE_URL)

    stored = rows(trondheim)
    assert [r.id for r in stored] == ids
    assert [(r.recipient_role, r.recipient_email, r.status) for r in stored] == [
        ("municipality_contact", "ola@trondheim.kommune.no", "pending"),
        ("municipality_contact", "kari@trondheim.kommune.no", "pending"),
        ("program_coordinator", "kim@hnt.no", "pending"),
    ]
    assert stored[0].key == (
        "5001:power_of_attorney:2025-03-15:reminder-30d:municipality_contact:"
        "ola@trondheim.kommune.no"
    )
    assert stored[1].recipient_name == "Nordmann, Kari"
    assert {r.attempts for r in stored} == {0}
    assert all(r.last_error is None and r.sent_at is None for r in stored)


def test_enqueue_twice_gives_the_same_ids_and_writes_nothing_more(trondheim: Engine) -> None:
    due = due_message(municipality())

    first = outbox.enqueue(trondheim, due, base_url=BASE_URL)
    second = outbox.enqueue(trondheim, due, base_url=BASE_URL)

    assert first == second
    assert count(trondheim) == 3


def test_racing_attempts_write_each_row_once(trondheim: Engine) -> None:
    due = due_message(municipality())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda _: outbox.enqueue(trondheim, due, base_url=BASE_URL), range(8))
        )

    assert all(result == results[0] for result in results)
    assert len(results[0]) == 3
    assert count(trondheim) == 3


def test_recipients_are_fixed_when_the_message_is_first_written(trondheim: Engine) -> None:
    due = due_message(municipality())
    ids = outbox.enqueue(trondheim, due, base_url=BASE_URL)
    set_contacts(trondheim, "5001", ("municipality_contact", "Ny Person", "ny@trondheim.no"))

    assert outbox.enqueue(trondheim, due, base_url=BASE_URL) == ids
    assert "ny@trondheim.no" not in {r.recipient_email for r in rows(trondheim)}


def test_a_moved_deadline_or_another_message_gets_rows_of_its_own(trondheim: Engine) -> None:
    place = municipality()
    first = outbox.enqueue(trondheim, due_message(place), base_url=BASE_URL)
    moved = outbox.enqueue(
        trondheim, due_message(place, deadline=date(2025, 4, 1)), base_url=BASE_URL
    )
    escalation = outbox.enqueue(
        trondheim,
        due_message(
            place,
            kind=MessageKind.ESCALATION,
            message_key="escalation-1",
            level=1,
            offset_days=None,
            recipient_roles=[RecipientRole.MUNICIPAL_DIRECTOR],
        ),
        base_url=BASE_URL,
    )

    assert len(set(first) | set(moved) | set(escalation)) == 3 + 3 + 1
    assert count(trondheim) == 7


def test_a_role_nobody_holds_gets_one_visible_row(trondheim: Engine) -> None:
    due = due_message(
        municipality(),
        recipient_roles=[RecipientRole.MUNICIPAL_DIRECTOR, RecipientRole.COUNCIL],
    )

    ids = outbox.enqueue(trondheim, due, base_url=BASE_URL)

    director, council = rows(trondheim)
    assert [director.id, council.id] == ids
    assert director.status == "pending"
    assert council.status == NotificationStatus.NO_RECIPIENT
    assert council.recipient_email is None
    assert council.key.endswith(":council:-")
    assert council.last_error is not None
    assert "council" in council.last_error
    assert "/api/program/contacts" in council.last_error
    # The text is there all the same, so what would have been sent can be read.
    assert "Trondheim (5001)" in council.body
    assert outbox.enqueue(trondheim, due, base_url=BASE_URL) == ids


def test_a_municipality_without_contacts_names_it(sql_engine: Engine) -> None:
    register(sql_engine, municipality("5025", "Røros"))
    due = due_message(
        municipality("5025", "Røros"), recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT]
    )

    [only] = outbox.enqueue(sql_engine, due, base_url=BASE_URL)

    row = outbox.get_notification(sql_engine, only)
    assert row is not None
    assert row.status == "no_recipient"
    assert row.last_error == (
        "no contact of Røros (5025) has the role municipality_contact "
        "(PUT /api/municipalities/5025/contacts)"
    )


def test_one_message_per_person_even_in_two_roles(trondheim: Engine) -> None:
    set_contacts(
        trondheim,
        "5001",
        ("municipality_contact", "Ola Nordmann", "ola@trondheim.kommune.no"),
        ("municipal_director", "Ola Nordmann", "OLA@trondheim.kommune.no"),
    )
    due = due_message(
        municipality(),
        recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT, RecipientRole.MUNICIPAL_DIRECTOR],
    )

    outbox.enqueue(trondheim, due, base_url=BASE_URL)

    [row] = rows(trondheim)
    assert row.recipient_role == "municipality_contact"


def test_program_roles_come_from_the_program_list_only(trondheim: Engine) -> None:
    register(trondheim, municipality("5006", "Steinkjer"))
    set_contacts(trondheim, "5006", ("municipality_contact", "Stein", "stein@steinkjer.no"))
    due = due_message(
        municipality("5006", "Steinkjer"),
        recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT, RecipientRole.PROGRAM_COORDINATOR],
    )

    outbox.enqueue(trondheim, due, base_url=BASE_URL)

    assert [(r.recipient_role, r.recipient_email) for r in rows(trondheim)] == [
        ("municipality_contact", "stein@steinkjer.no"),
        ("program_coordinator", "kim@hnt.no"),
    ]


def test_the_text_names_municipality_obligation_deadline_kind_and_link(trondheim: Engine) -> None:
    outbox.enqueue(trondheim, due_message(municipality()), base_url=BASE_URL + "/")

    row = rows(trondheim)[0]
    assert row.subject == (
        "Påminnelse 30 dager før frist: Fullmakt / power of attorney – Trondheim (5001), "
        "frist 15.03.2025"
    )
    for expected in (
        "Hei Ola Nordmann,",
        "Trondheim (5001)",
        "Fullmakt / power of attorney",
        "15.03.2025",
        "2025-03-15",
        "Reminder 30 days before the deadline",
        "https://onboarding.example.no/municipalities/5001",
    ):
        assert expected in row.body, expected


def test_escalation_text_names_its_level(trondheim: Engine) -> None:
    due = due_message(
        municipality(),
        kind=MessageKind.ESCALATION,
        message_key="escalation-2",
        level=2,
        offset_days=None,
        recipient_roles=[RecipientRole.PROGRAM_COORDINATOR],
    )
    outbox.enqueue(trondheim, due, base_url=BASE_URL)

    [row] = rows(trondheim)
    assert row.subject.startswith("Eskalering nivå 2: Fullmakt / power of attorney")
    assert "Saken er eskalert til nivå 2." in row.body
    assert "Escalation level 2 for Trondheim (5001)" in row.body
    assert (row.kind, row.level, row.offset_days) == ("escalation", 2, None)


def test_list_filters_and_orders_newest_first(trondheim: Engine) -> None:
    place = municipality()
    register(trondheim, municipality("5006", "Steinkjer"))
    early = outbox.enqueue(trondheim, due_message(place), base_url=BASE_URL)
    late = outbox.enqueue(
        trondheim,
        due_message(
            municipality("5006", "Steinkjer"),
            message_key="reminder-7d",
            offset_days=7,
            due_at=datetime(2025, 3, 8, 7, 0, tzinfo=UTC),
            recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT],
        ),
        base_url=BASE_URL,
    )

    listed = outbox.list_notifications(trondheim)
    assert [r.id for r in listed] == sorted(early + late, reverse=True)
    assert all(r.due_at.tzinfo is not None for r in listed)
    assert [r.id for r in outbox.list_notifications(trondheim, municipality_number="5006")] == late
    no_one = outbox.list_notifications(trondheim, status=NotificationStatus.NO_RECIPIENT)
    assert [r.id for r in no_one] == late
    march = datetime(2025, 3, 1, tzinfo=UTC)
    assert [r.id for r in outbox.list_notifications(trondheim, due_from=march)] == late
    before = outbox.list_notifications(trondheim, due_before=march)
    assert sorted(r.id for r in before) == early
    page = outbox.list_notifications(trondheim, limit=2, offset=1)
    assert [r.id for r in page] == sorted(early + late, reverse=True)[1:3]
    assert outbox.list_notifications(trondheim, due_from=march + timedelta(days=30)) == []
    assert DEADLINE.isoformat() in listed[-1].key


def test_times_in_any_zone_are_stored_and_compared_in_utc(trondheim: Engine) -> None:
    # 00:30 in Oslo on 8 March is 23:30 UTC on 7 March.
    due = due_message(municipality(), due_at=datetime(2025, 3, 8, 0, 30, tzinfo=OSLO))
    outbox.enqueue(trondheim, due, base_url=BASE_URL)

    [row, *_] = outbox.list_notifications(trondheim)
    assert row.due_at == datetime(2025, 3, 7, 23, 30, tzinfo=UTC)
    later = datetime(2025, 3, 7, 23, 45, tzinfo=UTC)
    assert outbox.list_notifications(trondheim, due_from=later) == []
    earlier = datetime(2025, 3, 8, 0, 15, tzinfo=OSLO)
    assert len(outbox.list_notifications(trondheim, due_from=earlier)) == 3


# -- GET /api/notifications and `onboarding notifications` ---------------------------


@pytest.fixture
async def api(client: Client, sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[Api]:
    """The API over an outbox with one held, one no_recipient and one pending row."""
    async with api_client(client, sqlite_engine, tmp_path) as harness:
        register(sqlite_engine, municipality("5006", "Steinkjer"))
        set_contacts(sqlite_engine, "5001", ("municipality_contact", "Ola", "ola@trondheim.no"))
        feb = outbox.enqueue(
            sqlite_engine,
            due_message(municipality(), recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT]),
            base_url=BASE_URL,
        )
        outbox.deliver(sqlite_engine, feb[0], send=None)  # held: no SMTP
        outbox.enqueue(
            sqlite_engine,
            due_message(
                municipality("5006", "Steinkjer"),
                message_key="reminder-7d",
                offset_days=7,
                # 23:30 UTC on 7 March is 8 March in Oslo.
                due_at=datetime(2025, 3, 7, 23, 30, tzinfo=UTC),
                recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT],
            ),
            base_url=BASE_URL,
        )
        outbox.enqueue(
            sqlite_engine,
            due_message(
                municipality(),
                message_key="reminder-7d",
                offset_days=7,
                due_at=datetime(2025, 3, 8, 7, 0, tzinfo=UTC),
                recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT],
            ),
            base_url=BASE_URL,
        )
        yield harness


async def listed(api: Api, **params: Any) -> list[tuple[str, str, str]]:
    response = await api.get("/api/notifications", params=params)
    assert response.status_code == 200, response.text
    return [(n["municipality_number"], n["message_key"], n["status"]) for n in response.json()]


async def test_api_lists_the_outbox_newest_first(api: Api) -> None:
    assert await listed(api) == [
        ("5001", "reminder-7d", "pending"),
        ("5006", "reminder-7d", "no_recipient"),
        ("5001", "reminder-30d", "held"),
    ]
    response = await api.get("/api/notifications")
    first = response.json()[-1]
    assert first["recipient_email"] == "ola@trondheim.no"
    assert first["subject"].startswith("Påminnelse 30 dager før frist")
    assert first["due_at"] == "2025-02-13T07:00:00Z"
    assert first["deadline"] == "2025-03-15"
    assert first["attempts"] == 0


async def test_api_filters_by_municipality_status_and_oslo_dates(api: Api) -> None:
    assert await listed(api, municipality="5006") == [("5006", "reminder-7d", "no_recipient")]
    assert await listed(api, status="held") == [("5001", "reminder-30d", "held")]
    assert await listed(api, municipality="5001", status="no_recipient") == []
    on_8_march = await listed(api, **{"from": "2025-03-08", "to": "2025-03-08"})
    assert on_8_march == [
        ("5001", "reminder-7d", "pending"),
        ("5006", "reminder-7d", "no_recipient"),
    ]
    assert await listed(api, to="2025-03-07") == [("5001", "reminder-30d", "held")]
    assert await listed(api, limit=1, offset=1) == [("5006", "reminder-7d", "no_recipient")]
    assert await listed(api, municipality="9999") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"municipality": "501"}, "municipality"),
        ({"from": "08.03.2025"}, "from"),
        ({"to": "2025-02-30"}, "to"),
        ({"from": "2025-03-09", "to": "2025-03-08"}, "from"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ],
)
async def test_api_refuses_bad_filters_naming_them(
    api: Api, params: dict[str, str], field: str
) -> None:
    assert_rejected(await api.get("/api/notifications", params=params), field)


async def test_api_needs_a_token(api: Api) -> None:
    assert (await api.http.get("/api/notifications")).status_code == 401


async def test_cli_lists_the_outbox(
    client: Client, sqlite_engine: Engine, tmp_path: Path, api: Api
) -> None:
    app = create_app(Settings(home=tmp_path), client=client, engine=sqlite_engine)
    port = free_port()
    runner = CliRunner(
        env={
            "ONBOARDING_URL": f"http://127.0.0.1:{port}",
            "ONBOARDING_TOKEN": api.secrets[Role.VIEWER],
        }
    )
    async with running_api(app, host="127.0.0.1", port=port):
        table = await asyncio.to_thread(runner.invoke, cli, ["notifications"])
        held = await asyncio.to_thread(
            runner.invoke, cli, ["notifications", "--status", "held", "--json"]
        )
        local = await asyncio.to_thread(runner.invoke, cli, ["notifications", "--status", "lost"])

    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "ID", "DUE", "MUNICIPALITY", "OBLIGATION", "MESSAGE", "DEADLINE", "TO", "STATUS"
    ]  # fmt: skip
    assert "2025-03-08" in lines[3] and "5006 Steinkjer" in lines[3]  # Oslo date of 23:30 UTC
    assert "municipality_contact: nobody" in lines[3]
    assert lines[-1] == "3 notifications"
    assert held.exit_code == 0, held.output
    assert [n["status"] for n in json.loads(held.stdout)] == ["held"]
    assert local.exit_code == 1
    assert local.stderr.startswith("error: --status: unknown status 'lost' (allowed: pending,")
