"""Obligations and their schedules of reminders and escalations (pure, deterministic).

An obligation is open while its municipality is in one of its stages, and is
fulfilled by its trigger. Its deadline moves to the previous business day if
it falls on a non-business day. Reminders go out at the policy's hour on the
business day on or before `deadline - offset`; escalation level L goes out on
the business day `business_days_after_deadline` business days after the
deadline (level 1 on the deadline day itself). The workflow asks this module
what is due; it never computes dates itself.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from onboarding.domain.business_days import (
    WorkdayRule,
    add_business_days,
    business_day_on_or_after,
    business_day_on_or_before,
    every_day,
    is_business_day,
)
from onboarding.domain.notifications import MessageKind, RecipientRole
from onboarding.domain.policy import ReminderPolicy


class ObligationStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # the clock stands still while the municipality is paused
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class ScheduledMessage(BaseModel):
    """A reminder or escalation of an obligation, at its instant."""

    kind: MessageKind
    message_key: str
    at: datetime
    level: int | None = None
    offset_days: int | None = None
    recipients: list[RecipientRole]


class Obligation(BaseModel):
    """An obligation of one municipality, as its workflow keeps it."""

    id: str
    label: str
    status: ObligationStatus = ObligationStatus.OPEN
    deadline: date | None = None
    opened_on: date
    closed_on: date | None = None
    paused_on: date | None = None
    # Messages sent, or passed over because their time was gone when the
    # deadline was set, as "<deadline>:<message_key>": exactly once per deadline.
    done: list[str] = Field(default_factory=list)

    def done_key(self, message: ScheduledMessage) -> str:
        return f"{self.deadline}:{message.message_key}"


def workday_rule(policy: ReminderPolicy) -> WorkdayRule:
    """Which days count as business days under the policy's calendar."""
    return every_day if policy.calendar == "every_day" else is_business_day


def effective_deadline(deadline: date, policy: ReminderPolicy) -> date:
    """The deadline on the calendar: a non-business day moves to the previous business day."""
    return business_day_on_or_before(deadline, workday_rule(policy))


def schedule(deadline: date, policy: ReminderPolicy) -> list[ScheduledMessage]:
    """Every reminder and escalation for `deadline`, in time order."""
    zone = ZoneInfo(policy.timezone)
    workday = workday_rule(policy)
    due = effective_deadline(deadline, policy)

    def at(day: date) -> datetime:
        return datetime.combine(day, policy.send_time, tzinfo=zone)

    messages = [
        ScheduledMessage(
            kind=MessageKind.REMINDER,
            message_key=f"reminder-{offset}d",
            at=at(business_day_on_or_before(due - timedelta(days=offset), workday)),
            offset_days=offset,
            recipients=list(policy.reminder_recipients),
        )
        for offset in policy.reminder_offsets_days
    ]
    messages += [
        ScheduledMessage(
            kind=MessageKind.ESCALATION,
            message_key=f"escalation-{step.level}",
            at=at(
                business_day_on_or_after(
                    add_business_days(due, step.business_days_after_deadline, workday), workday
                )
            ),
            level=step.level,
            recipients=list(step.recipients),
        )
        for step in policy.escalation_ladder
    ]
    return sorted(messages, key=lambda m: m.at)


def pending(obligation: Obligation, policy: ReminderPolicy) -> list[ScheduledMessage]:
    """Messages of an open obligation not yet sent (or passed over), in time order."""
    if obligation.status is not ObligationStatus.OPEN or obligation.deadline is None:
        return []
    return [
        m
        for m in schedule(obligation.deadline, policy)
        if obligation.done_key(m) not in obligation.done
    ]


def pass_over_past(obligation: Obligation, policy: ReminderPolicy, now: datetime) -> None:
    """Mark messages whose time is already gone as done.

    Called when a deadline is set, moved or shifted by a pause: a reminder that
    would have been due before the change is not sent late, and one sent for an
    earlier date is sent again only if the new date makes it due again.
    """
    for message in pending(obligation, policy):
        if message.at <= now:
            obligation.done.append(obligation.done_key(message))


def escalation_level(obligation: Obligation, policy: ReminderPolicy, now: datetime) -> int:
    """How far up the ladder an open obligation has climbed by `now` (0: not overdue)."""
    if obligation.status is not ObligationStatus.OPEN or obligation.deadline is None:
        return 0
    return max(
        (
            m.level or 0
            for m in schedule(obligation.deadline, policy)
            if m.kind is MessageKind.ESCALATION and m.at <= now
        ),
        default=0,
    )
