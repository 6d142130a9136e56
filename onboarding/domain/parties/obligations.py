"""A municipality's obligations as its stage moves, and how they are shown (pure).

The municipality workflow calls these on its own state: a transition fulfils,
pauses, resumes, cancels and opens obligations (`follow_obligations`), a
coordinator sets a deadline only on an obligation that is open or paused
(`open_obligation`), and the views carry each obligation's pending reminders
and escalation level. `now` and `today` come from the workflow's clock.
"""

from datetime import date, datetime, timedelta

from onboarding.domain.errors import ObligationNotOpen, RequestRejected
from onboarding.domain.obligations.models import DeadlineCommand, ObligationView
from onboarding.domain.obligations.schedule import (
    Obligation,
    ObligationStatus,
    effective_deadline,
    escalation_level,
    pass_over_past,
    pending,
)
from onboarding.domain.parties.models import MunicipalityState
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.definition import Stage, Trigger

_LIVE = (ObligationStatus.OPEN, ObligationStatus.PAUSED)


def open_obligation(
    state: MunicipalityState, policy: ReminderPolicy, command: DeadlineCommand, *, today: date
) -> Obligation:
    """The open (or paused) obligation `command` is about, or why it cannot be set."""
    known = [rule.id.value for rule in policy.obligations]
    if command.obligation_id not in known:
        raise RequestRejected(
            "obligation_id",
            f"unknown obligation {command.obligation_id!r}; known: {', '.join(known)}",
        )
    if command.deadline < today:
        raise RequestRejected(
            "deadline", f"{command.deadline} is in the past (today is {today} in Europe/Oslo)"
        )
    live = [o.id for o in state.obligations.values() if o.status in _LIVE]
    obligation = state.obligations.get(command.obligation_id)
    if obligation is None or obligation.id not in live:
        raise ObligationNotOpen(command.obligation_id, state.stage.value, live)
    return obligation


def follow_obligations(
    state: MunicipalityState,
    policy: ReminderPolicy,
    trigger: Trigger | None,
    on: date,
    *,
    now: datetime,
) -> None:
    """Fulfil, pause, resume, cancel and open obligations as the stage changes.

    `trigger` is what moved the stage, None when a void moved it back.
    """
    stage = state.stage
    for obligation in state.obligations.values():
        rule = policy.rule(obligation.id)
        if obligation.status not in _LIVE:
            continue
        if trigger is not None and obligation.id == trigger.value:
            obligation.status, obligation.closed_on = ObligationStatus.FULFILLED, on
        elif stage is Stage.PAUSED:
            obligation.status, obligation.paused_on = ObligationStatus.PAUSED, on
        elif trigger is Trigger.RESUME and obligation.status is ObligationStatus.PAUSED:
            # Paused time does not count against the deadline.
            if obligation.deadline is not None and obligation.paused_on is not None:
                obligation.deadline += on - obligation.paused_on
            obligation.status, obligation.paused_on = ObligationStatus.OPEN, None
            pass_over_past(obligation, policy, now)
        if (
            obligation.status is ObligationStatus.OPEN
            and rule is not None
            and stage not in rule.stages
        ):
            obligation.status, obligation.closed_on = ObligationStatus.CANCELLED, on
    for rule in policy.obligations:
        current = state.obligations.get(rule.id.value)
        if stage not in rule.stages or (current is not None and current.status in _LIVE):
            continue
        deadline: date | None = None
        if rule.default_deadline_days is not None:
            deadline = on + timedelta(days=rule.default_deadline_days)
        elif current is not None and current.deadline is not None:
            # Back on the stage (e.g. after re-signing): the program's date still holds.
            deadline = current.deadline
        obligation = Obligation(id=rule.id.value, label=rule.label, opened_on=on, deadline=deadline)
        pass_over_past(obligation, policy, now)
        state.obligations[rule.id.value] = obligation


def next_message_at(state: MunicipalityState, policy: ReminderPolicy) -> datetime | None:
    """The instant of the earliest reminder or escalation still to send, if any."""
    times = [
        message.at
        for obligation in state.obligations.values()
        for message in pending(obligation, policy)[:1]
    ]
    return min(times, default=None)


def obligation_view(
    obligation: Obligation, policy: ReminderPolicy, now: datetime
) -> ObligationView:
    """An obligation as the API shows it: effective deadline, level, what is still to send."""
    return ObligationView(
        id=obligation.id,
        label=obligation.label,
        status=obligation.status,
        deadline=obligation.deadline,
        effective_deadline=effective_deadline(obligation.deadline, policy)
        if obligation.deadline
        else None,
        opened_on=obligation.opened_on,
        closed_on=obligation.closed_on,
        escalation_level=escalation_level(obligation, policy, now),
        pending=pending(obligation, policy),
    )


def obligation_views(
    state: MunicipalityState, policy: ReminderPolicy, now: datetime
) -> list[ObligationView]:
    """Every obligation the municipality has had, as shown."""
    return [obligation_view(o, policy, now) for o in state.obligations.values()]
