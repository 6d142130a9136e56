"""A coordinator setting or moving an obligation's deadline, and the answer to a repeat (pure).

Which obligation may be given a deadline is `open_obligation`'s rule
(parties/obligations.py); this is what setting it does. `now` and the run come
from the workflow.
"""

from datetime import datetime

from onboarding.domain.calendar import oslo_date
from onboarding.domain.idempotency import FirstAnswers
from onboarding.domain.obligations.models import DeadlineChange, DeadlineCommand, ObligationView
from onboarding.domain.obligations.schedule import Obligation, ObligationStatus, pass_over_past
from onboarding.domain.parties.models import MunicipalityState
from onboarding.domain.parties.obligations import obligation_view
from onboarding.domain.policy import ReminderPolicy


def set_deadline(
    obligation: Obligation,
    policy: ReminderPolicy,
    command: DeadlineCommand,
    *,
    now: datetime,
    workflow_id: str,
    run_id: str,
) -> DeadlineChange:
    """Give `obligation` the command's deadline; the change, as the audit log keeps it.

    Reminders and escalations follow the new date: one whose time is already
    gone is passed over rather than sent late. A paused obligation's clock
    stands still from today (Europe/Oslo), not from when the pause began.
    """
    change = DeadlineChange(
        obligation_id=obligation.id,
        deadline_before=obligation.deadline,
        deadline_after=command.deadline,
        reason=command.reason,
        actor=command.actor,
        recorded_at=now,
        workflow_id=workflow_id,
        run_id=run_id,
    )
    obligation.deadline = command.deadline
    if obligation.status is ObligationStatus.PAUSED:
        obligation.paused_on = oslo_date(now)
    pass_over_past(obligation, policy, now)
    return change


def deadline_answers(
    state: MunicipalityState, *, kept: int
) -> FirstAnswers[DeadlineCommand, ObligationView]:
    """The first answers to deadline changes by idempotency key; a key is for one obligation."""
    return FirstAnswers(
        state.deadline_answers,
        kept=kept,
        asked_for=lambda command: f"obligation {command.obligation_id}",
        answered=lambda view: f"obligation {view.id}",
    )


def repeated_deadline(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: DeadlineCommand,
    *,
    kept: int,
    now: datetime,
) -> ObligationView | None:
    """The answer to a repeat of `command`: its first answer; None for a new request.

    A key remembered by a run from before first answers were kept (only the
    key, in `deadline_keys`) is answered as it was then: with the
    obligation's view now.
    """
    first = deadline_answers(state, kept=kept).repeat(command)
    if first is not None:
        return first
    obligation = state.obligations.get(command.obligation_id)
    if command.idempotency_key in state.deadline_keys and obligation is not None:
        return obligation_view(obligation, policy, now)
    return None
