"""How the workflows run: activity options, patch ids, and when to continue as new.

Every retry policy, timeout and heartbeat timeout the workflows give their
activities is here, as one `ActivityOptions` per kind of call, so the
municipality and wave workflows retry the same work the same way. Patch ids
are recorded in running workflows' histories: they stay exactly as they are.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn, TypedDict

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy


class ActivityOptions(TypedDict, total=False):
    """Keyword options of `workflow.execute_activity_method`, as one value per kind of call."""

    start_to_close_timeout: timedelta
    heartbeat_timeout: timedelta
    retry_policy: RetryPolicy


# The read model may be down for a while: retry without limit, backing off to a
# minute, so a transition is recorded as soon as the database is back.
SQL_WRITE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
SQL_WRITE_TIMEOUT = timedelta(seconds=30)
SQL_WRITE = ActivityOptions(start_to_close_timeout=SQL_WRITE_TIMEOUT, retry_policy=SQL_WRITE_RETRY)
# A read the workflow decides by (a GP office's municipality's stage): retried
# like a write, since the decision waits for it either way.
SQL_READ = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=10), retry_policy=SQL_WRITE_RETRY
)

# SMTP may be down for hours: back off to an hour, then leave the row failed
# (visible in the outbox) rather than hold the workflow forever.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(minutes=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    maximum_attempts=10,
)
# Delivery heartbeats once per recipient: a hung relay is noticed within the
# heartbeat timeout, while a long list of recipients may take its time.
DELIVERY_TIMEOUT = timedelta(minutes=30)
DELIVERY_HEARTBEAT = timedelta(seconds=45)
DELIVERY = ActivityOptions(
    start_to_close_timeout=DELIVERY_TIMEOUT,
    heartbeat_timeout=DELIVERY_HEARTBEAT,
    retry_policy=DELIVERY_RETRY,
)

# A member's update runs its own SQL write; give it time, retry while Temporal is busy.
MEMBER_CALL_TIMEOUT = timedelta(minutes=2)
# The call heartbeats (activities/waves.py): a worker killed mid-call costs this, not the above.
MEMBER_CALL_HEARTBEAT = timedelta(seconds=10)
MEMBER_CALL = ActivityOptions(
    start_to_close_timeout=MEMBER_CALL_TIMEOUT,
    heartbeat_timeout=MEMBER_CALL_HEARTBEAT,
    retry_policy=SQL_WRITE_RETRY,
)
# A migration's call into one party: as a member call, but it gives up after a few
# attempts (a worker killed mid-call costs one), so one broken party fails alone.
MIGRATION_CALL = ActivityOptions(
    start_to_close_timeout=MEMBER_CALL_TIMEOUT,
    heartbeat_timeout=MEMBER_CALL_HEARTBEAT,
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=30),
        maximum_attempts=8,
    ),
)
# Member calls in flight per wave. Each holds an activity slot while the member's
# own SQL write needs another: the worker keeps slots for those (see worker.py).
MEMBER_CALLS_IN_FLIGHT = 4

# Patch ids (`workflow.patched`): in recorded histories, so never renamed.
# A run after continue-as-new notes its run id in the read model.
NOTE_RUN_PATCH = "note-run-ids"
# Workflows started before waves existed turn the readiness guard on.
READINESS_GUARD_PATCH = "readiness-guard"
# A party carries a bounded state into its next run (domain/parties/carried.py).
BOUNDED_CARRY_PATCH = "bounded-carry"
# The stage stays out of Temporal's visibility (see PartyWorkflow._stage_searchable).
STAGE_OUT_OF_VISIBILITY_PATCH = "stage-out-of-visibility"


def history_is_long(limit: int) -> bool:
    """Inside a workflow: time to continue as new (the server suggests it, or `limit` events)."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit


async def continue_as_new(
    input: BaseModel,
    state: BaseModel,
    *,
    idle: Callable[[], bool] = lambda: True,
    bound: Callable[[], None] = lambda: None,
) -> NoReturn:
    """Continue as new with `input` carrying `state`, once every handler (and `idle`) is done.

    An update still running would be lost to the new run, so its caller would
    see it fail although its effect is in the state carried over. `bound` trims
    the state to what the next run needs, after the last handler changed it.
    """
    await workflow.wait_condition(lambda: workflow.all_handlers_finished() and idle())
    bound()
    workflow.logger.info(
        "continuing as new after %s events", workflow.info().get_current_history_length()
    )
    workflow.continue_as_new(input.model_copy(update={"state": state}))
