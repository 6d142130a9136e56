"""One re-armable timer, as samples-python's `updatable_timer`: a deadline that can move.

A workflow sleeps until the instant its state says is next (a reminder, a
go-live); a handler that moves that instant calls `rearm()`, and the sleeper
wakes to compute it again. At most one Temporal timer runs at a time.
"""

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow


class RearmableTimer:
    """Sleep until a deadline that handlers may move while the workflow sleeps."""

    def __init__(self) -> None:
        self._rearmed = False

    def rearm(self) -> None:
        """The deadline may have moved: wake the sleeper, so it sleeps again to the new one."""
        self._rearmed = True

    async def sleep_until(self, deadline: datetime | None, *, or_until: Callable[[], bool]) -> None:
        """Return when `deadline` comes (None: no deadline), on `rearm()`, or once `or_until()`.

        Returns at once, without a timer, for a deadline already past. The
        caller computes the deadline again and sleeps again: the same timers,
        in the same order, on every replay.
        """
        self._rearmed = False
        if deadline is not None and deadline <= workflow.now():
            return
        timeout = None if deadline is None else deadline - workflow.now()
        try:
            await workflow.wait_condition(lambda: self._rearmed or or_until(), timeout=timeout)
        except TimeoutError:
            pass
