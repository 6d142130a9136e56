"""A municipality's obligations as its stage moves, and how they are shown (pure).

The municipality workflow calls these on its own state: a transition fulfils,
pauses, resumes, cancels and opens obligations (`follow_obligations`), a
coordinator sets a deadline only on an obligation that is open or paused
(`open_obligation`), and the views carry each obligation's pending reminders
and escalation level. `now` and `today` come from the workflow's clock.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from onboarding.domain.errors import ObligationNotOpen, RequestRejected
from onboarding.domain.notifications import DueMessage
from onboarding.domain.obligations.models import DeadlineCommand, ObligationView
from onboarding.domain.obligations.schedule import (
    ACTIVE_OBLIGATION_STATUSES,
    Obligation,
    ObligationStatus,
    ScheduledMessage,
    effective_deadline,
    escalation_level,
    pass_over_past,
    pending,
)
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.vocabulary import Stage, Trigger


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
    active = [o.id for o in state.obligations.values() if o.status in ACTIVE_OBLIGATION_STATUSES]
    obligation = state.obligations.get(command.obligation_id)
    if obligation is None or obligation.id not in active:
        raise ObligationNotOpen(command.obligation_id, state.stage.value, active)
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
        if obligation.status not in ACTIVE_OBLIGATION_STATUSES:
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
        if stage not in rule.stages or (
            current is not None and current.status in ACTIVE_OBLIGATION_STATUSES
        ):
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


def obligations_after_void(
    state: MunicipalityState, policy: ReminderPolicy, voided: TransitionRecord, *, now: datetime
) -> None:
    """Undo what the voided transition did to obligations, as if it never happened.

    Called after `state` has moved back (apply_correction): the obligation the
    transition fulfilled opens again, a pause that never happened never
    stopped the clock, and the obligations then follow the stage in force.
    """
    for obligation in state.obligations.values():
        if (
            obligation.status is ObligationStatus.FULFILLED
            and obligation.id == voided.trigger.value
            and obligation.closed_on == voided.effective_on
        ):
            obligation.status, obligation.closed_on = ObligationStatus.OPEN, None
            pass_over_past(obligation, policy, now)
        elif obligation.status is ObligationStatus.PAUSED and state.stage is not Stage.PAUSED:
            # The pause never happened: the clock never stopped.
            obligation.status, obligation.paused_on = ObligationStatus.OPEN, None
            pass_over_past(obligation, policy, now)
    last = state.last_transition
    follow_obligations(
        state, policy, None, last.effective_on if last else voided.effective_on, now=now
    )


def next_message_at(state: MunicipalityState, policy: ReminderPolicy) -> datetime | None:
    """The instant of the earliest reminder or escalation still to send, if any."""
    times = [
        message.at
        for obligation in state.obligations.values()
        for message in pending(obligation, policy)[:1]
    ]
    return min(times, default=None)


@dataclass(frozen=True)
class DueNow:
    """A reminder or escalation whose time has come, as the outbox takes it."""

    obligation: Obligation
    message: ScheduledMessage
    due: DueMessage

    def queued(self) -> None:
        """The message is in the outbox: it is never sent again for this deadline."""
        self.obligation.done.append(self.obligation.done_key(self.message))


def due_messages(state: MunicipalityState, policy: ReminderPolicy, now: datetime) -> list[DueNow]:
    """Every message due by `now` and not yet sent, by obligation, each in time order."""
    due: list[DueNow] = []
    for obligation in state.obligations.values():
        for message in pending(obligation, policy):
            if message.at > now:
                break
            due.append(
                DueNow(
                    obligation=obligation,
                    message=message,
                    due=DueMessage(
                        municipality=state.municipality,
                        obligation_id=obligation.id,
                        obligation_label=obligation.label,
                        kind=message.kind,
                        message_key=message.message_key,
                        level=message.level,
                        offset_days=message.offset_days,
                        deadline=effective_deadline(obligation.deadline or now.date(), policy),
                        due_at=message.at,
                        recipient_roles=message.recipients,
                    ),
                )
            )
    return due


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
