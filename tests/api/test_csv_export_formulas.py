"""CSV injection: the audit export defuses cells a spreadsheet would run as formulas.

A comment such as `=1+cmd|' /C calc'!A0` must come out of every CSV export
(API, CLI, pages) with a `'` in front, as OWASP's CSV Injection page
recommends, while the record and the JSON export keep the text as given.
The API and CLI cases record the transitions through the real workflow on the
time-skipping server and real SQLite (the fixtures of test_api.py and
test_cli_obligations.py); the pages case fills the read model directly, as
test_web_audit.py does.
"""

import csv
import io
import json
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from onboarding.domain.actor import Actor
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.history.entries import AuditEntry
from onboarding.history.export import CSV_COLUMNS, as_csv, defuse_formula
from onboarding.store import projection, tokens
from onboarding.store.tokens import Role
from tests.helpers.api import SIGN, Api
from tests.helpers.cli import Served
from tests.helpers.store import RECORDED, projected, register
from tests.helpers.web import sign_in_form

# What users typed, each starting with a character a spreadsheet acts on.
DANGEROUS = [
    "=1+cmd|' /C calc'!A0",
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
]


def _csv_rows(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    return rows


def _comments_by_municipality(
    rows: list[dict[str, str]], numbers: list[str]
) -> dict[str, list[str]]:
    """The comments of the transitions of `numbers`, per municipality, in export order."""
    found: dict[str, list[str]] = {number: [] for number in numbers}
    for row in rows:
        if row["kind"] == "transition" and row["municipality_number"] in found:
            found[row["municipality_number"]].append(row["comment"])
    return found


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_that_could_start_a_formula_gets_a_quote(text: str) -> None:
    assert defuse_formula(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "signed by the mayor",
        "2024-01-01",
        "2022-11",
        "8801",
        '{"case_ref": "2019/1234"}',
        "transition:42",
        "a = b + c - d @ e",  # dangerous characters later on are harmless
        " =1+1",  # a leading space: spreadsheets read it as text
        "'=1+1",  # already quoted by the user: kept as typed
    ],
)
def test_a_harmless_cell_is_left_alone(text: str) -> None:
    assert defuse_formula(text) == text


def test_every_column_is_defused_not_only_the_comment() -> None:
    entry = AuditEntry(
        id="transition:1",
        kind="transition",
        municipality_number="8801",
        wave="2022-11",
        actor=Actor(id="token:3", name='=HYPERLINK("http://evil")', role="coordinator"),
        effective_on=date(2024, 1, 1),
        recorded_at=RECORDED,
        summary="@summary",
        evidence={"case_ref": "=1+1"},
        comment="-2+3",
        details={"event_id": -1},
    )
    [row] = _csv_rows("".join(as_csv([entry])))
    assert row["actor_name"] == '\'=HYPERLINK("http://evil")'
    assert row["summary"] == "'@summary"
    assert row["comment"] == "'-2+3"
    # Code-written values are untouched: dates, wave ids, JSON objects.
    assert row["effective_on"] == "2024-01-01"
    assert row["wave"] == "2022-11"
    assert json.loads(row["evidence"]) == {"case_ref": "=1+1"}
    assert json.loads(row["details"]) == {"event_id": -1}
    # The entry itself is not rewritten.
    assert entry.comment == "-2+3" and entry.actor.name.startswith("=")


async def test_the_api_csv_export_defuses_formulas_and_json_keeps_the_text(api: Api) -> None:
    numbers = await api.start(len(DANGEROUS))
    for number, comment in zip(numbers, DANGEROUS, strict=True):
        await api.move(number, {**SIGN, "comment": comment})
    # The record keeps exactly what was typed.
    for number, comment in zip(numbers, DANGEROUS, strict=True):
        assert [r["comment"] for r in api.history(number)] == [comment]

    exported = await api.get("/api/audit/export", Role.ADMIN, params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    comments = _comments_by_municipality(_csv_rows(exported.text), numbers)
    assert comments == {n: ["'" + c] for n, c in zip(numbers, DANGEROUS, strict=True)}

    as_json = await api.get("/api/audit/export", Role.ADMIN, params={"format": "json"})
    assert as_json.status_code == 200, as_json.text
    entries: list[dict[str, Any]] = as_json.json()
    recorded = {
        e["municipality_number"]: e["comment"]
        for e in entries
        if e["kind"] == "transition" and e["municipality_number"] in numbers
    }
    assert recorded == dict(zip(numbers, DANGEROUS, strict=True))


async def test_the_cli_csv_export_defuses_formulas_and_json_keeps_the_text(
    served: Served,
) -> None:
    numbers = []
    for comment in DANGEROUS:
        place, _ = await served.harness.start()
        await served.harness.move(place.number, Trigger.SIGN_COLLABORATION, comment=comment)
        numbers.append(place.number)

    exported = await served.run("audit", "export", "--format", "csv", role=Role.ADMIN)
    assert exported.exit_code == 0, exported.output
    comments = _comments_by_municipality(_csv_rows(exported.stdout), numbers)
    assert comments == {n: ["'" + c] for n, c in zip(numbers, DANGEROUS, strict=True)}

    as_json = await served.run("audit", "export", "--format", "json", role=Role.ADMIN)
    assert as_json.exit_code == 0, as_json.output
    recorded = {
        e["municipality_number"]: e["comment"]
        for e in json.loads(as_json.stdout)
        if e["kind"] == "transition" and e["municipality_number"] in numbers
    }
    assert recorded == dict(zip(numbers, DANGEROUS, strict=True))


async def test_the_pages_csv_export_defuses_formulas_and_json_keeps_the_text(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    numbers = [str(8801 + i) for i in range(len(DANGEROUS))]
    for number, comment in zip(numbers, DANGEROUS, strict=True):
        register(sqlite_engine, number)
        signed = projected(
            number,
            1,
            Trigger.SIGN_COLLABORATION,
            Stage.PROSPECTIVE,
            Stage.COLLABORATION_SIGNED,
            date(2017, 3, 15),
        )
        signed.record.comment = comment
        projection.record_transition(sqlite_engine, signed)
    _, secret = tokens.create_token(sqlite_engine, name="Test admin", role=Role.ADMIN)
    assert (await sign_in_form(http, secret)).status_code == 303

    exported = await http.get("/admin/audit/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    comments = _comments_by_municipality(_csv_rows(exported.text), numbers)
    assert comments == {n: ["'" + c] for n, c in zip(numbers, DANGEROUS, strict=True)}

    as_json = await http.get("/admin/audit/export", params={"format": "json"})
    assert as_json.status_code == 200, as_json.text
    recorded = {
        e["municipality_number"]: e["comment"]
        for e in json.loads(as_json.text)
        if e["kind"] == "transition"
    }
    assert recorded == dict(zip(numbers, DANGEROUS, strict=True))
