"""`onboarding wave ...` and `onboarding checklist ...` against a served API, and offline checks."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from onboarding.cli.main import app as cli
from onboarding.domain.checklist import ChecklistItemId
from onboarding.domain.vocabulary import Trigger
from onboarding.store.tokens import Role
from tests.helpers.cli import Served, one_line_error
from tests.helpers.dates import at, friday_ahead, oslo_day

ITEMS = [item.value for item in ChecklistItemId]


def summer_time(day: date) -> bool:
    """22:00 in Oslo on `day` is summer time (UTC+2)."""
    return at(day).utcoffset() == timedelta(hours=2)


def winter_time(day: date) -> bool:
    return not summer_time(day)


# Ahead of the wall clock (the API's and the shared, never skipping, test server's): a
# Friday in summer time at least 150 days ahead, the first Friday in winter time after it
# (the wave rescheduled) and the first Friday in summer time after that (the later wave).
FIRST = friday_ahead(oslo_day(datetime.now(UTC)), days=150, where=summer_time)
MOVED = friday_ahead(FIRST, days=1, where=winter_time)
LATER = friday_ahead(MOVED, days=1, where=summer_time)


async def optioned(served: Served) -> str:
    place, _ = await served.harness.start(readiness_guard=True)
    for trigger in (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION):
        await served.harness.move(place.number, trigger)
    return place.number


async def test_a_wave_from_the_command_line(served: Served) -> None:
    wave = f"cli-{uuid.uuid4().hex[:8]}"
    later = f"cli-{uuid.uuid4().hex[:8]}"
    created = await served.run(
        "wave", "create", wave, "--name", "Namdalen", "--at", f"{FIRST}T22:00"
    )
    assert created.exit_code == 0, created.output
    assert f"go-live:  {FIRST} 22:00 +02:00" in created.stdout
    await served.run("wave", "create", later, "--name", "Spring", "--at", f"{LATER}T22:00")
    listed = await served.run("wave", "list", "--json", role=Role.VIEWER)
    assert {w["id"] for w in json.loads(listed.stdout)} == {wave, later}

    number = await optioned(served)
    added = await served.run("wave", "add", wave, number)
    assert added.exit_code == 0, added.output
    assert "members (1):" in added.stdout and number in added.stdout

    done = await served.run(
        "checklist", "done", number, "technical_infrastructure", "--on", "2026-01-05",
        "-e", "document_ref=infra-report",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == f"{number}: technical_infrastructure done on 2026-01-05"
    shown = await served.run("checklist", "show", number, role=Role.VIEWER)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[1].split()[:3] == ["ITEM", "DUE", "DEADLINE"]
    # The go-live Friday minus 7 days.
    assert any(
        line.split()[:3] == ["go_no_go_meeting", "T-7", (FIRST - timedelta(days=7)).isoformat()]
        for line in shown.stdout.splitlines()
    )
    assert "missing: service agreement not signed" in shown.stdout

    moved = await served.run(
        "wave", "reschedule", wave, "--at", f"{MOVED}T22:00+01:00", "--reason", "moved"
    )
    assert moved.exit_code == 0, moved.output
    assert f"{MOVED} 22:00 +01:00" in moved.stdout

    refused = await served.run("wave", "move", number, later, "--reason", " ")
    assert "--reason: give a reason" in one_line_error(refused)
    postponed = await served.run("wave", "move", number, later, "--reason", "not ready")
    assert postponed.exit_code == 0, postponed.output
    carried = json.loads((await served.run("checklist", "show", number, "--json")).stdout)
    assert carried["wave_id"] == later
    assert [i["id"] for i in carried["items"] if i["done"]] == ["technical_infrastructure"]
    # Several items: one request, all or none (a repeat of a done one changes nothing).
    refused = await served.run(
        "checklist", "done", number, "integrations_tested", "super_users_trained",
        "technical_infrastructure", "--on", "2026-01-06",
    )  # fmt: skip
    assert "items.2.done_on" in one_line_error(refused), refused.output
    several = await served.run(
        "checklist", "done", number, "integrations_tested", "super_users_trained",
        "--on", "2026-01-06",
    )  # fmt: skip
    assert several.exit_code == 0, several.output
    assert several.stdout.splitlines() == [
        f"{number}: integrations_tested done on 2026-01-06",
        f"{number}: super_users_trained done on 2026-01-06",
    ]

    decided = await served.run("wave", "decide", wave, "approve", "-e", "document_ref=minutes")
    assert decided.exit_code == 0, decided.output
    assert "frozen" in decided.stdout
    blockers = await served.run("wave", "blockers", later, role=Role.VIEWER)
    assert blockers.exit_code == 0, blockers.output
    assert "checklist item end_user_training_started not done" in blockers.stdout
    program = await served.run("wave", "blockers", "--json", role=Role.VIEWER)
    assert json.loads(program.stdout)["members"] == 1

    removed = await served.run("wave", "remove", later, number, "--reason", "withdrew")
    assert removed.exit_code == 0, removed.output
    assert "members (0):" in removed.stdout
    viewer = await served.run("wave", "add", later, number, role=Role.VIEWER)
    assert "coordinator" in one_line_error(viewer)
    stage = await served.run("wave", "add", later, (await served.harness.start())[0].number)
    assert "prospective" in one_line_error(stage)
    past = await served.run(
        "wave", "create", "old-one", "--name", "Old", "--at", "2022-05-07T06:00"
    )
    assert "go_live_at:" in one_line_error(past) and "recorded_after_the_fact" in past.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wave", "show", "Bad Id"], "WAVE: 'Bad Id' is not a wave id"),
        (
            ["wave", "create", "w1", "--name", "n", "--at", "friday"],
            "--at: 'friday' is not a date-time",
        ),
        (["wave", "add", "w1", "50"], "NUMBER: '50' is not a 4-digit"),
        (
            ["wave", "decide", "w1", "maybe"],
            "DECISION: 'maybe' is not one of approve, postpone, close",
        ),
        (["checklist", "done", "5001", "Coffee"], "ITEM: 'Coffee' is not a checklist item"),
        (["checklist", "done", "5001", "go_no_go_meeting", "--on", "tomorrow"], "--on: 'tomorrow'"),
        (["wave", "blockers", "--as-of", "2024-13-01"], "--as-of: '2024-13-01' is not a date"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    offline: CliRunner,
    args: list[str],
    message: str,
) -> None:
    assert message in one_line_error(offline.invoke(cli, args))


def test_well_formed_wave_input_goes_to_the_api(offline: CliRunner) -> None:
    result = offline.invoke(cli, ["wave", "create", "w1", "--name", "n", "--at", f"{FIRST}T22:00"])
    assert "cannot reach the API" in one_line_error(result)
