"""`onboarding todo` against a served API: the counts, the tables, --json and the filters."""

import json
from datetime import timedelta

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.cli import Served
from tests.helpers.dates import business_day_on_or_after


async def test_todo_lists_a_deadline_due_this_week(served: Served) -> None:
    number = await served.signed()
    due = business_day_on_or_after(today_in_oslo() + timedelta(days=5))
    moved = await served.run(
        "deadline", "set", number, "exercise_option", "--on", due.isoformat(), "--reason", "x"
    )
    assert moved.exit_code == 0, moved.output

    shown = await served.run("todo", role=Role.VIEWER)
    assert shown.exit_code == 0, shown.output
    first, *rest = shown.stdout.splitlines()
    assert "0 overdue, 1 due within 14 days, 0 blocking a wave" in first
    assert "Due (1):" in rest
    [line] = [row for row in rest if row.startswith(number)]
    assert "exercise_option" in line and due.isoformat() in line and "municipality" in line
    assert all(len(row) <= 120 for row in rest)

    as_json = json.loads((await served.run("todo", "--json", "--days", "3")).stdout)
    assert as_json["filters"]["days"] == 3 and as_json["due"] == []
    other_kind = await served.run("todo", "--kind", "hospital")
    assert "0 due within 14 days" in other_kind.stdout and number not in other_kind.stdout

    refused = await served.run("todo", "--kind", "bakery")
    assert refused.exit_code != 0
    assert "kind" in refused.output and len(refused.output.strip().splitlines()) == 1
