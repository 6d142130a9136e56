"""Contacts: the store on SQLite and PostgreSQL, the API, and the CLI against a served API.

The API tests call the app in-process (httpx ASGITransport); the CLI tests
serve it with uvicorn on a free port and run the commands in a thread, so the
CLI's real HTTP client talks to the real API.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine
from temporalio.client import Client
from typer.testing import CliRunner

from onboarding.cli.main import app as cli
from onboarding.domain.contacts import ContactIn, MunicipalityContactIn, ProgramContactIn
from onboarding.domain.errors import RequestRejected, UnknownMunicipality
from onboarding.domain.notifications import RecipientRole
from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.settings import Settings
from onboarding.store import contacts
from onboarding.store.tokens import Role
from tests.helpers.cli import one_line_error
from tests.helpers.notifications import (
    ACTOR,
    Api,
    api_client,
    assert_rejected,
    free_port,
    municipality,
    register,
    role_tokens,
)

KARI = {"role": "municipality_contact", "name": "Kari Nordmann", "email": "kari@trondheim.no"}
PER = {"role": "municipal_director", "name": "Per Direktør", "email": "per@trondheim.no"}
KIM = {"role": "program_coordinator", "name": "Kim Koordinator", "email": "kim@hnt.no"}


def pairs(items: list[Any]) -> list[tuple[str, str, str]]:
    """(role, name, email) of API answers or stored contacts."""
    return [
        (c["role"], c["name"], c["email"])
        if isinstance(c, dict)
        else (c.role.value, c.name, c.email)
        for c in items
    ]


# -- the store ----------------------------------------------------------------------


def test_a_list_is_replaced_as_a_whole_and_keeps_its_order(sql_engine: Engine) -> None:
    register(sql_engine, municipality())
    first = [MunicipalityContactIn(**PER), MunicipalityContactIn(**KARI)]
    contacts.replace_contacts(sql_engine, municipality_number="5001", contacts=first, actor=ACTOR)
    stored = contacts.replace_contacts(
        sql_engine,
        municipality_number="5001",
        contacts=[MunicipalityContactIn(**KARI)],
        actor=ACTOR,
    )

    assert pairs(stored) == [("municipality_contact", "Kari Nordmann", "kari@trondheim.no")]
    assert stored == contacts.list_contacts(sql_engine, municipality_number="5001")
    assert stored[0].updated_by == "Kari Koordinator"
    assert stored[0].updated_at.tzinfo is not None


def test_program_and_municipality_lists_are_separate(sql_engine: Engine) -> None:
    register(sql_engine, municipality())
    contacts.replace_contacts(
        sql_engine, municipality_number=None, contacts=[ProgramContactIn(**KIM)], actor=ACTOR
    )
    contacts.replace_contacts(
        sql_engine,
        municipality_number="5001",
        contacts=[MunicipalityContactIn(**KARI)],
        actor=ACTOR,
    )
    contacts.replace_contacts(sql_engine, municipality_number="5001", contacts=[], actor=ACTOR)

    assert contacts.list_contacts(sql_engine, municipality_number="5001") == []
    assert pairs(contacts.list_contacts(sql_engine, municipality_number=None)) == [
        ("program_coordinator", "Kim Koordinator", "kim@hnt.no")
    ]


def test_store_refuses_roles_out_of_scope_duplicates_and_unknown_numbers(
    sql_engine: Engine,
) -> None:
    register(sql_engine, municipality())
    # ContactIn itself takes any role: the store checks the scope again.
    with pytest.raises(RequestRejected) as refused:
        contacts.replace_contacts(
            sql_engine, municipality_number="5001", contacts=[ContactIn(**KIM)], actor=ACTOR
        )
    assert refused.value.field == "[0].role"
    assert "municipality_contact, municipal_director" in refused.value.message

    twice = [MunicipalityContactIn(**KARI), MunicipalityContactIn(**{**KARI, "name": "K. N."})]
    with pytest.raises(RequestRejected) as refused:
        contacts.replace_contacts(
            sql_engine, municipality_number="5001", contacts=twice, actor=ACTOR
        )
    assert refused.value.field == "[1].email"

    with pytest.raises(UnknownMunicipality):
        contacts.replace_contacts(
            sql_engine,
            municipality_number="9999",
            contacts=[MunicipalityContactIn(**KARI)],
            actor=ACTOR,
        )
    assert contacts.list_contacts(sql_engine, municipality_number="5001") == []


def test_concurrent_replacements_leave_one_whole_list(sql_engine: Engine) -> None:
    register(sql_engine, municipality())
    lists = [
        [
            MunicipalityContactIn(
                role=RecipientRole.MUNICIPALITY_CONTACT, name=f"P{i}-{j}", email=f"p{i}.{j}@x.no"
            )
            for j in range(3)
        ]
        for i in range(8)
    ]

    def replace(items: list[MunicipalityContactIn]) -> None:
        contacts.replace_contacts(
            sql_engine, municipality_number="5001", contacts=items, actor=ACTOR
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(replace, lists))

    stored = contacts.list_contacts(sql_engine, municipality_number="5001")
    assert [c.name for c in stored] in [[c.name for c in items] for items in lists]


def test_addresses_are_normalized() -> None:
    contact = MunicipalityContactIn(
        role=RecipientRole.MUNICIPALITY_CONTACT, name="  Ola  ", email="Ola@Trondheim.KOMMUNE.no"
    )
    assert (contact.name, contact.email) == ("Ola", "Ola@trondheim.kommune.no")


# -- the API ------------------------------------------------------------------------


@pytest.fixture
async def api(client: Client, sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[Api]:
    async with api_client(client, sqlite_engine, tmp_path) as harness:
        yield harness


async def test_put_then_get_a_municipality_list(api: Api) -> None:
    assert (await api.get("/api/municipalities/5001/contacts")).json() == []

    response = await api.put("/api/municipalities/5001/contacts", [KARI, PER])

    assert response.status_code == 200, response.text
    assert pairs(response.json()) == pairs([KARI, PER])
    assert response.json()[0]["updated_by"] == "test coordinator"
    got = await api.get("/api/municipalities/5001/contacts")
    assert got.json() == response.json()
    cleared = await api.put("/api/municipalities/5001/contacts", [])
    assert cleared.json() == []


async def test_put_then_get_the_program_list(api: Api) -> None:
    council = {"role": "council", "name": "Regionrådet", "email": "post@regionraadet.no"}
    response = await api.put("/api/program/contacts", [KIM, council])

    assert response.status_code == 200, response.text
    assert pairs((await api.get("/api/program/contacts")).json()) == pairs([KIM, council])
    assert (await api.get("/api/municipalities/5001/contacts")).json() == []


@pytest.mark.parametrize(
    ("body", "field", "fragments"),
    [
        ([KARI, {**PER, "email": "per(at)trondheim.no"}], "[1].email", ["not a valid email"]),
        ([{**KARI, "email": "kari@"}], "[0].email", ["'kari@'"]),
        (
            [{**KARI, "role": "mayor"}],
            "[0].role",
            ["unknown role 'mayor'", "municipality_contact, municipal_director"],
        ),
        ([KIM], "[0].role", ["not a municipality role"]),
        ([KARI, {**KARI, "email": "KARI@trondheim.no"}], "[1].email", ["already listed"]),
        ([{**KARI, "name": "  "}], "[0].name", []),
        ([{"role": "municipality_contact", "email": "a@b.no"}], "[0].name", ["required"]),
        ([{**KARI, "phone": "12345678"}], "[0].phone", []),
        ({"contacts": [KARI]}, "body", ["list"]),
        (
            [{**KARI, "email": f"k{i}@trondheim.no"} for i in range(101)],
            "body",
            ["at most 100"],
        ),
    ],
)
async def test_bad_municipality_lists_are_422_naming_the_entry(
    api: Api, body: Any, field: str, fragments: list[str]
) -> None:
    await api.put("/api/municipalities/5001/contacts", [KARI])

    response = await api.put("/api/municipalities/5001/contacts", body)

    assert_rejected(response, field, *fragments)
    kept = (await api.get("/api/municipalities/5001/contacts")).json()
    assert pairs(kept) == pairs([KARI])


async def test_program_list_takes_program_roles_only(api: Api) -> None:
    response = await api.put("/api/program/contacts", [KIM, KARI])
    assert_rejected(
        response,
        "[1].role",
        "not a program role",
        "program_coordinator, program_director, council",
    )


async def test_unknown_municipality_is_404(api: Api) -> None:
    assert (await api.get("/api/municipalities/9999/contacts")).status_code == 404
    response = await api.put("/api/municipalities/9999/contacts", [KARI])
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert (await api.get("/api/municipalities/501/contacts")).status_code == 422


async def test_viewers_read_and_coordinators_write(api: Api) -> None:
    assert (await api.put("/api/program/contacts", [KIM], role=Role.VIEWER)).status_code == 403
    response = await api.put("/api/municipalities/5001/contacts", [KARI], role=Role.VIEWER)
    assert response.status_code == 403
    assert (await api.http.get("/api/program/contacts")).status_code == 401
    assert (await api.get("/api/program/contacts")).status_code == 200


# -- the CLI against a served API ---------------------------------------------------


@dataclass
class Served:
    url: str
    secrets: dict[Role, str]
    engine: Engine

    async def run(
        self, *args: str, role: Role = Role.COORDINATOR, stdin: str | None = None
    ) -> Result:
        """Run `onboarding <args>` against the API (in a thread: the API serves on this loop)."""
        runner = CliRunner(env={"ONBOARDING_URL": self.url, "ONBOARDING_TOKEN": self.secrets[role]})
        return await asyncio.to_thread(runner.invoke, cli, list(args), input=stdin)


@pytest.fixture
async def served(client: Client, sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[Served]:
    register(sqlite_engine, municipality())
    secrets = role_tokens(sqlite_engine, "cli")
    app = create_app(Settings(home=tmp_path), client=client, engine=sqlite_engine)
    port = free_port()
    async with running_api(app, host="127.0.0.1", port=port):
        yield Served(f"http://127.0.0.1:{port}", secrets, sqlite_engine)


async def test_cli_sets_and_shows_a_municipality_list(served: Served) -> None:
    result = await served.run(
        "contacts",
        "set",
        "5001",
        "--contact",
        "role=municipality_contact,name=Nordmann, Kari,email=kari@trondheim.no",
        "--contact",
        "role=municipal_director,name=Per Direktør,email=per@trondheim.no",
    )
    assert result.exit_code == 0, result.output
    assert "Nordmann, Kari" in result.stdout
    assert "set " in result.stdout and "by cli coordinator" in result.stdout

    shown = await served.run("contacts", "show", "5001", "--json", role=Role.VIEWER)
    assert shown.exit_code == 0, shown.output
    assert pairs(json.loads(shown.stdout)) == [
        ("municipality_contact", "Nordmann, Kari", "kari@trondheim.no"),
        ("municipal_director", "Per Direktør", "per@trondheim.no"),
    ]


async def test_cli_sets_a_list_from_a_file_and_clears_it(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps([KARI, PER]), encoding="utf-8")

    result = await served.run("contacts", "set", "5001", "--file", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert pairs(json.loads(result.stdout)) == pairs([KARI, PER])

    from_stdin = await served.run("contacts", "set", "5001", "--file", "-", stdin=json.dumps([PER]))
    assert from_stdin.exit_code == 0, from_stdin.output
    assert pairs(contacts.list_contacts(served.engine, municipality_number="5001")) == pairs([PER])

    cleared = await served.run("contacts", "set", "5001", "--clear")
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout.strip() == "no contacts"


async def test_cli_program_contacts(served: Served) -> None:
    empty = await served.run("contacts", "program", role=Role.VIEWER)
    assert empty.exit_code == 0, empty.output
    assert empty.stdout.strip() == "no contacts"

    result = await served.run(
        "contacts",
        "program",
        "--set",
        "role=program_coordinator,name=Kim Koordinator,email=kim@hnt.no",
        "--set",
        "role=council,name=Regionrådet,email=post@regionraadet.no",
    )
    assert result.exit_code == 0, result.output

    shown = await served.run("contacts", "program", "--json", role=Role.VIEWER)
    assert [c["role"] for c in json.loads(shown.stdout)] == ["program_coordinator", "council"]


async def test_cli_reports_the_apis_refusal_in_one_line(served: Served) -> None:
    unknown_role = await served.run(
        "contacts", "set", "5001", "--contact", "role=mayor,name=Ola,email=ola@trondheim.no"
    )
    assert one_line_error(unknown_role).startswith(
        "error: [0].role: unknown role 'mayor'; allowed: municipality_contact, municipal_director"
    )

    program_role = await served.run(
        "contacts", "set", "5001", "--contact", "role=council,name=Råd,email=post@regionraadet.no"
    )
    assert "error: [0].role: 'council' is not a municipality role" in one_line_error(program_role)

    missing = await served.run("contacts", "show", "9999")
    assert one_line_error(missing) == "error: no municipality with number 9999"

    viewer = await served.run("contacts", "program", "--clear", role=Role.VIEWER)
    assert "coordinator" in one_line_error(viewer)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["contacts", "set", "5001", "--contact", "kari@x.no"],
            "error: --contact: 'kari@x.no' is not",
        ),
        (
            ["contacts", "set", "5001", "--contact", "role=council,name=Kari"],
            "error: --contact: email missing in",
        ),
        (
            ["contacts", "set", "5001", "--contact", "role=a,name=b,email=c,phone=1"],
            "error: --contact: unknown field 'phone'",
        ),
        (["contacts", "set", "5001"], "error: give exactly one of --contact (repeatable), --file"),
        (
            ["contacts", "set", "5001", "--clear", "--file", "x.json"],
            "error: give exactly one of --contact (repeatable), --file and --clear (got --file and",
        ),
        (["contacts", "set", "5001", "--file", "/no/such/file.json"], "error: --file: cannot read"),
        (["contacts", "show", "501"], "error: NUMBER: '501' is not a 4-digit"),
    ],
)
def test_cli_checks_its_input_before_any_request(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    runner = CliRunner(
        env={
            "ONBOARDING_URL": f"http://127.0.0.1:{free_port()}",
            "ONBOARDING_HOME": str(tmp_path),
            "ONBOARDING_TOKEN": None,
        }
    )
    result = runner.invoke(cli, args)
    assert one_line_error(result).startswith(expected)


def test_cli_refuses_a_file_that_is_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text('{"role": "council"}', encoding="utf-8")
    runner = CliRunner(env={"ONBOARDING_URL": f"http://127.0.0.1:{free_port()}"})
    result = runner.invoke(cli, ["contacts", "program", "--file", str(path)])
    assert "must hold a JSON list" in one_line_error(result)
