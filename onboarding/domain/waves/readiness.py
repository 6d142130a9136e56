"""Readiness of a wave member: its checklist obligations and their views (pure).

The municipality workflow calls these on its own state: joining or moving to a
wave arms (or re-arms) every checklist item with a deadline derived from the
wave's date, leaving a wave cancels the open ones, and the checklist view
names what still keeps `approve_go_live` from firing (the go-live guard is the
party's own: `go_live_blockers` in parties/transitions.py). Nothing here does
I/O or reads a clock: `now` comes from the workflow.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from onboarding.domain.calendar import oslo_date
from onboarding.domain.checklist import wave_relative_deadline
from onboarding.domain.errors import RequestRejected
from onboarding.domain.obligations.schedule import (
    ACTIVE_OBLIGATION_STATUSES,
    Obligation,
    ObligationStatus,
    pass_over_past,
)
from onboarding.domain.parties.models import ChecklistCompletion, MunicipalityState
from onboarding.domain.parties.transitions import go_live_blockers
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.recording import Recording, recording
from onboarding.domain.vocabulary import MUNICIPALITY_WAVE_STAGES, Stage, Trigger
from onboarding.domain.waves.models import (
    ChecklistCommand,
    ChecklistItemsCommand,
    ChecklistItemView,
    ChecklistView,
)

# Stages from which a municipality may be put in a wave ("from option_exercised on").
# The municipality process's; a party's own are its definition's wave_stages.
WAVE_STAGES: frozenset[Stage] = MUNICIPALITY_WAVE_STAGES


def arm_checklist(
    state: MunicipalityState, policy: ReminderPolicy, *, today: date, now: datetime
) -> None:
    """Give every checklist item (and the service agreement) its wave-relative deadline.

    Items done stay done. An item already open keeps the reminders it sent for
    a date (the `done` keys are per deadline), so only a date that makes a
    reminder due again sends it again; one whose time is gone is passed over.
    """
    membership = state.wave
    if membership is None:
        return
    paused = state.stage is Stage.PAUSED
    for rule in policy.checklist:
        item = rule.id.value
        deadline = wave_relative_deadline(
            membership.go_live_at, rule.days_before_go_live, policy.timezone
        )
        obligation = state.obligations.get(item)
        if obligation is None:
            obligation = Obligation(id=item, label=rule.label, opened_on=today)
            state.obligations[item] = obligation
        obligation.deadline = deadline
        if item in state.checklist_done:
            obligation.status = ObligationStatus.FULFILLED
            obligation.closed_on = state.checklist_done[item].done_on
            continue
        obligation.closed_on = None
        if paused:
            obligation.status = ObligationStatus.PAUSED
            obligation.paused_on = obligation.paused_on or today
        else:
            obligation.status, obligation.paused_on = ObligationStatus.OPEN, None
        pass_over_past(obligation, policy, now)
    agreement = state.obligations.get(Trigger.SIGN_SERVICE_AGREEMENT.value)
    if agreement is not None and agreement.status in ACTIVE_OBLIGATION_STATUSES:
        agreement.deadline = wave_relative_deadline(
            membership.go_live_at, policy.service_agreement_days_before_go_live, policy.timezone
        )
        pass_over_past(agreement, policy, now)


def disarm_checklist(state: MunicipalityState, policy: ReminderPolicy, *, on: date) -> None:
    """Cancel the open checklist items (the member left its wave); done ones stay done."""
    for rule in policy.checklist:
        obligation = state.obligations.get(rule.id.value)
        if obligation is not None and obligation.status in ACTIVE_OBLIGATION_STATUSES:
            obligation.status, obligation.closed_on = ObligationStatus.CANCELLED, on
            obligation.paused_on = None


def complete_item(state: MunicipalityState, completion: ChecklistCompletion) -> Obligation | None:
    """Record an item done and fulfil its obligation (returned, if the item has one)."""
    state.checklist_done[completion.item] = completion
    obligation = state.obligations.get(completion.item)
    if obligation is not None:
        obligation.status = ObligationStatus.FULFILLED
        obligation.closed_on = completion.done_on
        obligation.paused_on = None
    return obligation


def is_checklist_item(policy: ReminderPolicy, obligation_id: str) -> bool:
    """Whether an obligation id is one of the checklist's items."""
    return policy.checklist_rule(obligation_id) is not None


def already_done(state: MunicipalityState, command: ChecklistCommand) -> bool:
    """True for a repeat (changes nothing); a different date for a done item is refused."""
    done = state.checklist_done.get(command.item)
    if done is None:
        return False
    if command.done_on is not None and command.done_on != done.done_on:
        raise RequestRejected(
            "done_on",
            f"{command.item} was recorded done on {done.done_on} by {done.actor.name}; "
            "a recorded completion is never rewritten",
        )
    return True


def check_item(
    state: MunicipalityState, policy: ReminderPolicy, command: ChecklistCommand, *, today: date
) -> date:
    """The day the item was done (default today); refuse unknown items, no wave, the future."""
    known = [rule.id.value for rule in policy.checklist]
    if command.item not in known:
        raise RequestRejected(
            "item", f"unknown checklist item {command.item!r}; known: {', '.join(known)}"
        )
    if state.wave is None:
        raise RequestRejected(
            "item", f"{state.municipality.number} is in no wave, so it has no checklist"
        )
    done_on = command.done_on or today
    if done_on > today:
        raise RequestRejected(
            "done_on", f"{done_on} is in the future (today is {today} in Europe/Oslo)"
        )
    return done_on


def check_completion(
    state: MunicipalityState, policy: ReminderPolicy, command: ChecklistCommand, *, now: datetime
) -> tuple[date, Recording]:
    """The day the item was done and the completion's recording, checked (see check_item).

    A backdated command (the demo loader's) is recorded at its `recorded_at`,
    and "today" for its done_on is that day.
    """
    recorded = recording(command.recorded_at, now)
    return check_item(state, policy, command, today=oslo_date(recorded.recorded_at)), recorded


def complete_checklist_item(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: ChecklistCommand,
    *,
    now: datetime,
) -> ChecklistCompletion:
    """Check the command (check_completion), record the item done and fulfil its obligation."""
    done_on, recorded = check_completion(state, policy, command, now=now)
    completion = ChecklistCompletion(
        item=command.item,
        done_on=done_on,
        evidence=dict(command.evidence),
        comment=command.comment,
        actor=command.actor,
        recorded_at=recorded.recorded_at,
        entered_at=recorded.entered_at,
    )
    complete_item(state, completion)
    return completion


@contextmanager
def _at(index: int) -> Iterator[None]:
    """Name a refused item's field as the request's body does: `items.2.done_on`."""
    try:
        yield
    except RequestRejected as refused:
        raise RequestRejected(f"items.{index}.{refused.field}", refused.message) from None


def check_items(
    state: MunicipalityState,
    policy: ReminderPolicy,
    commands: Sequence[ChecklistCommand],
    *,
    now: datetime,
) -> None:
    """Refuse the whole request if any item would be refused on its own, or comes twice."""
    named: set[str] = set()
    for index, command in enumerate(commands):
        with _at(index):
            if command.item in named:
                raise RequestRejected("item", f"{command.item} is given twice; give each once")
            named.add(command.item)
            if not already_done(state, command):
                check_completion(state, policy, command, now=now)


def complete_checklist_items(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: ChecklistItemsCommand,
    *,
    now: datetime,
) -> list[ChecklistCompletion]:
    """Check every item first (check_items), then mark those not done yet done, in order.

    All or nothing: one refused item refuses the request before anything
    changes. Items already done with the same date are repeats and change
    nothing, so the returned completions are only the new ones.
    """
    check_items(state, policy, command.commands, now=now)
    return [
        complete_checklist_item(state, policy, item, now=now)
        for item in command.commands
        if not already_done(state, item)
    ]


def checklist_item(
    state: MunicipalityState, policy: ReminderPolicy, item: str
) -> ChecklistItemView:
    """One item of the template: its deadline and status, and its completion if done."""
    rule = policy.checklist_rule(item)
    assert rule is not None, "only called for items of the template"
    obligation = state.obligations.get(item)
    return ChecklistItemView(
        id=item,
        label=rule.label,
        days_before_go_live=rule.days_before_go_live,
        status=obligation.status if obligation else None,
        deadline=obligation.deadline if obligation else None,
        done=state.checklist_done.get(item),
    )


def checklist_view(state: MunicipalityState, policy: ReminderPolicy) -> ChecklistView:
    """The whole checklist, with what still blocks approve_go_live."""
    wave = state.wave
    return ChecklistView(
        number=state.municipality.number,
        wave_id=wave.wave_id if wave else None,
        go_live_at=wave.go_live_at if wave else None,
        items=[checklist_item(state, policy, rule.id.value) for rule in policy.checklist],
        go_live_blockers=go_live_blockers(state, policy),
    )
