"""Parties from the command line: `party list|show|register|import`, and party ids where a
municipality number was taken (show, history, timeline, ...).

Against the served API (uvicorn on a free port, a real worker on the time-skipping
server; tests/conftest.py's `served`), and offline for the checks made before any
request (a check that passed would show up as "cannot reach").
"""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from onboarding.cli import inputs
from onboarding.cli.main import app as cli
from onboarding.domain.party import PARTY_ID_PATTERN, PartyKind
from onboarding.store import queries
from onboarding.store.tokens import Role
from tests.helpers.cli import Served, one_line_error
from tests.helpers.parties import bad_check_digit, csv_file, fresh_org_number, gp_office


def test_the_cli_checks_party_ids_and_kinds_as_the_domain_does() -> None:
    assert inputs.PARTY_ID == PARTY_ID_PATTERN
    assert inputs.EVERY_KIND == tuple(kind.value for kind in PartyKind)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["party", "show", "gp-12"], "error: ID: 'gp-12' is not a 4-digit municipality number"),
        (["show", "kommune-5001"], "error: NUMBER: 'kommune-5001' is not a 4-digit"),
        (["history", "gp-9236090161"], "error: NUMBER: 'gp-9236090161' is not a 4-digit"),
        (
            ["party", "register", "--kind", "school", "--org-number", "923609016", "--name", "X"],
            "error: --kind: unknown kind 'school' (allowed: gp_office, specialist, hospital)",
        ),
        (
            ["party", "register", "--kind", "gp_office", "--org-number", "9236", "--name", "X"],
            "error: --org-number: '9236' is not a 9-digit organisation number",
        ),
        (
            ["party", "list", "--municipality", "50"],
            "error: --municipality: '50' is not a 4-digit municipality number",
        ),
        (["party", "list", "--stage", "golive"], "error: --stage: unknown stage 'golive'"),
        (["party", "import", "/nonexistent/parties.csv"], "error: FILE: cannot read"),
    ],
)
def test_malformed_party_input_is_rejected_before_any_request(
    offline: CliRunner, args: list[str], expected: str
) -> None:
    assert one_line_error(offline.invoke(cli, args)).startswith(expected)


async def test_an_import_with_a_bad_org_number_names_each_line_and_registers_nothing(
    served: Served, tmp_path: Path
) -> None:
    home = await served.prospective()
    good = gp_office(home)
    bad = gp_office(home, org_number=bad_check_digit(fresh_org_number()))
    path = tmp_path / "legekontor.csv"
    path.write_text(csv_file(good, bad, gp_office("0001")), encoding="utf-8")
    result = await served.run("party", "import", str(path))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}: line 3 org_number: not a valid organisation number")
    assert lines[1] == f"{path}: line 4 municipality_number: no municipality 0001 is registered"
    assert lines[2].startswith("error: line 3 org_number: 2 bad line(s), nothing was registered")
    assert len(lines) == 3
    assert queries.get_municipality(served.engine, number=f"gp-{good['org_number']}") is None


def register_office(office: dict[str, Any]) -> list[str]:
    """`party register` for the GP office of a body as gp_office gives it."""
    return [
        *("party", "register", "--kind", "gp_office", "--org-number", office["org_number"]),
        *("--name", office["name"], "--municipality", office["municipality_number"]),
    ]


async def test_register_list_show_and_import_parties(served: Served, tmp_path: Path) -> None:
    home = await served.prospective()
    office = gp_office(home)
    registered = await served.run(*register_office(office), "--staff-count", "12")
    assert registered.exit_code == 0, registered.output
    number = f"gp-{office['org_number']}"
    assert registered.stdout.strip() == f"Registered {number} {office['name']} (prospective)."
    served.harness.started.append(number)

    path = tmp_path / "parties.csv"
    more = [gp_office(home), gp_office(home, staff_count=None)]
    path.write_text(csv_file(office, *more), encoding="utf-8")
    imported = await served.run("party", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.strip() == "Registered 2 parties; 1 were registered already."
    served.harness.started.extend(f"gp-{b['org_number']}" for b in more)

    listed = await served.run("party", "list", "--municipality", home, role=Role.VIEWER)
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "ID",
        "KIND",
        "NAME",
        "MUNICIPALITY",
        "HEALTH",
        "TRUST",
        "STAFF",
        "STAGE",
    ]
    assert [line.split()[0] for line in lines[2:-1]] == sorted(
        [home, number, *(f"gp-{b['org_number']}" for b in more)]
    )
    assert lines[-1] == "4 parties"
    as_json = await served.run(
        "party", "list", "--kind", "gp_office", "--municipality", home, "--json"
    )
    assert {p["kind"] for p in json.loads(as_json.stdout)} == {"gp_office"}

    for command in (("party", "show", number), ("show", number)):
        shown = await served.run(*command, role=Role.VIEWER)
        assert shown.exit_code == 0, shown.output
        assert "Kind:" in shown.stdout and "GP office" in shown.stdout
        assert f"Org number:       {office['org_number']}" in shown.stdout
        assert "Stage:            prospective" in shown.stdout
    history = await served.run("history", number, role=Role.VIEWER)
    assert history.exit_code == 0, history.output
    assert history.stdout.strip() == "no transitions recorded"
    timeline = await served.run("timeline", number, "--json", role=Role.VIEWER)
    assert timeline.exit_code == 0, timeline.output

    clash = await served.run(*register_office({**office, "name": "Another office"}))
    assert one_line_error(clash).startswith(f"error: org_number: {number} is registered already")
    missing = await served.run("party", "show", f"gp-{fresh_org_number()}", role=Role.VIEWER)
    assert one_line_error(missing).startswith("error: no party with id gp-")
