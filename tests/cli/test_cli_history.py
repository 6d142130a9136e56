"""History from the command line: timeline, correct, reports, audit (and its export), --engine.

The API is served with uvicorn on a free port and a real worker runs the
workflows on the time-skipping test server (the fixture of
test_cli_obligations.py); the commands run in a thread against it.
"""

import csv
import io
import json
from typing import Any

import httpx
import pytest

from onboarding.domain.vocabulary import Trigger
from onboarding.store.tokens import Role
from tests.helpers.cli import Served, one_line_error


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def test_correct_a_transition_and_read_it_everywhere(served: Served) -> None:
    place, _ = await served.harness.start()
    number = place.number
    await served.harness.move(number, Trigger.SIGN_COLLABORATION)
    await served.harness.move(number, Trigger.EXERCISE_OPTION)
    timeline = _json(await served.run("timeline", number, "--json", role=Role.VIEWER))
    exercise_id = timeline[-1]["details"]["event_id"]
    corrected = await served.run(
        "correct", number, str(exercise_id), "--void", "--reason", "recorded on the wrong one"
    )
    assert corrected.exit_code == 0, corrected.output
    assert "voided exercise_option" in corrected.stdout
    assert "stage collaboration_signed" in corrected.stdout

    shown = await served.run("timeline", number, "--newest-first", role=Role.VIEWER)
    assert shown.exit_code == 0, shown.output
    first_row = shown.stdout.splitlines()[2]
    assert first_row.startswith("correction:") and "recorded on the wrong one" in first_row
    only = _json(await served.run("timeline", number, "--kind", "correction", "--json"))
    assert [e["kind"] for e in only] == ["correction"]

    report = await served.run("report", role=Role.VIEWER)
    assert report.exit_code == 0, report.output
    assert "signed their agreement" in report.stdout and "every kind of party" in report.stdout
    of_one_kind = await served.run("report", "--kind", "municipality", role=Role.VIEWER)
    assert "signed the service agreement" in of_one_kind.stdout
    assert "1 municipalities" in of_one_kind.stdout
    known = _json(await served.run("report", "--known-on", "2020-01-01", "--json"))
    assert known["known_on"] == "2020-01-01"
    municipalities = _json(await served.run("report", "--kind", "municipality", "--json"))
    assert municipalities["kind"] == "municipality"
    assert municipalities["stages"]["collaboration_signed"] >= 1
    assert "agreement_offered" not in municipalities["stages"]
    offices = _json(await served.run("report", "--kind", "gp_office", "--json"))
    assert (offices["kind"], offices["total"]) == ("gp_office", 0)
    assert list(offices["reached"]) == [
        "agreement_offered",
        "agreement_signed",
        "preparing",
        "ready",
        "live",
    ]
    wrong = await served.run("report", "--kind", "fastlege")
    assert (
        wrong.exit_code != 0
        and "--kind: unknown kind 'fastlege' (allowed: municipality, gp_office" in wrong.output
    )
    covered = await served.run("report", "coverage", role=Role.VIEWER)
    assert covered.exit_code == 0, covered.output
    rows = {line.split()[0]: line.split() for line in covered.stdout.splitlines()[3:]}
    assert rows["municipality"][1] == str(municipalities["total"])
    assert rows["together"][1] == str(municipalities["total"])
    stages = _json(await served.run("report", "stages", "--json"))
    assert next(r for r in stages["municipalities"] if r["number"] == number)["stage"] == (
        "collaboration_signed"
    )
    series = await served.run("report", "milestones", "--from", "2024-01-01", "--to", "2024-03-31")
    assert series.exit_code == 0, series.output
    assert series.stdout.splitlines()[0].split()[:2] == ["ON", "COLLABORATION_SIGNED"]
    assert len(series.stdout.splitlines()) == 2 + 3

    page = _json(
        await served.run(
            "audit", "--municipality", number, "--json", "--limit", "2", role=Role.ADMIN
        )
    )
    assert [e["kind"] for e in page["items"]] == ["correction", "transition"]
    assert page["next_offset"] == 2
    exported = await served.run(
        "audit", "export", "--municipality", number, "--format", "csv", role=Role.ADMIN
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [r["kind"] for r in rows] == ["transition", "transition", "correction"]
    refused = await served.run("audit", role=Role.VIEWER)
    assert "admin" in one_line_error(refused)


async def test_engine_history_across_continue_as_new(served: Served) -> None:
    place, _ = await served.harness.start(continue_as_new_after_events=50)
    number = place.number
    for _ in range(4):
        await served.harness.move(number, Trigger.SIGN_COLLABORATION)
        await served.harness.move(number, Trigger.REQUIRE_RESIGNATURE)
    summary = _json(await served.run("history", number, "--engine", "--json", role=Role.ADMIN))
    runs = summary["runs"]
    assert len(runs) >= 2, summary
    first_types = {t["event_type"] for t in runs[0]["event_types"]}
    assert {"WORKFLOW_EXECUTION_STARTED", "WORKFLOW_EXECUTION_CONTINUED_AS_NEW"} <= first_types
    assert runs[-1]["status"] == "RUNNING"
    assert runs[0]["ui_url"].endswith(
        f"/workflows/municipality-{number}/{runs[0]['run_id']}/history"
    )
    text = await served.run("history", number, "--engine", role=Role.ADMIN)
    assert text.exit_code == 0, text.output
    assert "WORKFLOW_EXECUTION_CONTINUED_AS_NEW" in text.stdout
    viewer = await served.run("history", number, "--engine", role=Role.VIEWER)
    assert "admin" in one_line_error(viewer)
    async with httpx.AsyncClient(base_url=served.url) as http:
        answer = await http.get(
            f"/api/municipalities/{number}/engine",
            headers={"Authorization": f"Bearer {served.secrets[Role.VIEWER]}"},
        )
    links = answer.json()
    assert links["workflow_id"] == f"municipality-{number}"
    assert (
        links["ui_url"]
        == f"http://127.0.0.1:8233/namespaces/default/workflows/municipality-{number}"
    )
    assert [r["run_id"] for r in links["runs"]] == [r["run_id"] for r in runs]
    # The transitions in force travel through continue-as-new: corrections still work.
    timeline = _json(await served.run("timeline", number, "--json"))
    last = timeline[-1]["details"]["event_id"]
    voided = await served.run("correct", number, str(last), "--void", "--reason", "twice")
    assert voided.exit_code == 0, voided.output
    assert "stage collaboration_signed" in voided.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["report", "--as-of", "11.10.2022"], "error: --as-of:"),
        (["report", "--known-on", "2022-02-30"], "error: --known-on:"),
        (["report", "milestones", "--from", "2022-01-01", "--interval", "fortnight"], "--interval"),
        (["audit", "export", "--format", "xml"], "error: --format:"),
        (["audit", "--from", "yesterday"], "error: --from:"),
        (["timeline", "50"], "error:"),
        (["correct", "5001", "7", "--reason", "x", "--on", "2022-13-01"], "error: --on:"),
    ],
)
async def test_local_checks_refuse_before_sending(args: list[str], expected: str) -> None:
    from typer.testing import CliRunner

    from onboarding.cli.main import app
    from tests.helpers.notifications import free_port

    runner = CliRunner(env={"ONBOARDING_URL": f"http://127.0.0.1:{free_port()}"})
    result = runner.invoke(app, args)
    line = one_line_error(result)
    assert expected in line and "cannot reach" not in line, line
