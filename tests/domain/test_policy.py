"""The reminder policy: defaults, loading from a file, refusals; and the schedule it gives."""

import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from onboarding.domain.errors import RequestRejected
from onboarding.domain.notifications import RecipientRole
from onboarding.domain.obligations.schedule import schedule
from onboarding.domain.policy import EscalationStep, ReminderPolicy, load_policy
from onboarding.domain.vocabulary import Trigger

OSLO = ZoneInfo("Europe/Oslo")


def test_the_default_policy_is_the_one_the_program_agreed() -> None:
    policy = load_policy(None)
    assert policy.reminder_offsets_days == [60, 30, 7]
    assert policy.send_time == time(8, 0) and policy.timezone == "Europe/Oslo"
    assert policy.calendar == "norwegian"
    assert [(s.level, s.business_days_after_deadline) for s in policy.escalation_ladder] == [
        (1, 0),
        (2, 10),
        (3, 20),
    ]
    assert policy.escalation_ladder[1].recipients == [RecipientRole.MUNICIPAL_DIRECTOR]
    assert {RecipientRole.PROGRAM_DIRECTOR, RecipientRole.COUNCIL} == set(
        policy.escalation_ladder[2].recipients
    )
    assert {o.id for o in policy.obligations} == {
        Trigger.EXERCISE_OPTION,
        Trigger.SIGN_COLLABORATION,
        Trigger.SIGN_SERVICE_AGREEMENT,
    }


def test_a_policy_file_changes_offsets_and_hour_without_code(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"reminder_offsets_days": [3, 14], "send_time": "09:00"}), "utf-8")
    policy = load_policy(path)
    assert policy.reminder_offsets_days == [14, 3]
    messages = schedule(date(2030, 3, 15), policy)  # a Friday
    reminders = [(m.message_key, m.at) for m in messages if m.kind == "reminder"]
    assert reminders == [
        ("reminder-14d", datetime(2030, 3, 1, 9, tzinfo=OSLO)),
        ("reminder-3d", datetime(2030, 3, 12, 9, tzinfo=OSLO)),
    ]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ({"send_time": "24:00"}, "send_time"),
        ({"send_time": "08:00+01:00"}, "send_time"),
        ({"calendar": "lunar"}, "calendar"),
        ({"reminder_offsets_days": [7, 7]}, "reminder_offsets_days"),
        ({"reminder_offsets_days": [0]}, "reminder_offsets_days"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_the_field(
    tmp_path: Path, content: dict[str, object], named: str
) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(content), "utf-8")
    with pytest.raises(RequestRejected) as refused:
        load_policy(path)
    assert named in refused.value.message


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("send_time = 8", "utf-8")
    with pytest.raises(RequestRejected):
        load_policy(path)


def test_the_ladder_must_climb() -> None:
    with pytest.raises(ValidationError):
        ReminderPolicy(
            escalation_ladder=[
                EscalationStep(
                    level=1, business_days_after_deadline=5, recipients=[RecipientRole.COUNCIL]
                ),
                EscalationStep(
                    level=2, business_days_after_deadline=5, recipients=[RecipientRole.COUNCIL]
                ),
            ]
        )


def test_a_deadline_on_a_weekend_moves_to_the_friday_before() -> None:
    messages = schedule(date(2030, 3, 17), ReminderPolicy())  # a Sunday
    first_escalation = next(m for m in messages if m.message_key == "escalation-1")
    assert first_escalation.at == datetime(2030, 3, 15, 8, tzinfo=OSLO)


def test_an_every_day_calendar_counts_weekends_and_holidays() -> None:
    policy = ReminderPolicy(calendar="every_day", send_time=time(14, 30, 15))
    messages = {m.message_key: m.at for m in schedule(date(2030, 12, 25), policy)}
    assert messages["escalation-1"] == datetime(2030, 12, 25, 14, 30, 15, tzinfo=OSLO)
    assert messages["escalation-2"] == datetime(2031, 1, 4, 14, 30, 15, tzinfo=OSLO)
    assert messages["reminder-7d"] == datetime(2030, 12, 18, 14, 30, 15, tzinfo=OSLO)
