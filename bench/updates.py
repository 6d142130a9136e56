"""The workflow updates a drive made, counted from the dev server's own histories.

A coordinator's request may move more than one workflow: adding a member to a
wave updates the wave and, through the wave's activity, the member
(`join_wave`); a wave's approval updates the wave and each member it takes
live. Counting requests undercounts that work, and estimating it from the
drive's shape can miscount it, so the benchmark reads it where Temporal
recorded it: every run of every workflow in the namespace, each update that
completed inside one of the drive's windows (by the event's server time). An
update the workflow refused never enters a history and is not counted; a
repeat answered from Temporal's record of an earlier update is not a new
event either. The floor's updates are counted by the same rule (bench/floor.py
updates complete as one event each), so both sides are measured in one unit.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

Window = tuple[datetime, datetime]

# Histories read at once: enough to keep the dev server busy, few enough not to stall it.
READERS = 16


def _inside(moment: datetime, windows: Sequence[Window]) -> bool:
    return any(start <= moment <= end for start, end in windows)


async def updates_completed(
    client: Client, windows: Sequence[Window], *, query: str | None = None
) -> int:
    """Updates that completed within `windows` in the histories of the workflows `query` lists."""
    runs = [(w.id, w.run_id) async for w in client.list_workflows(query)]
    gate = asyncio.Semaphore(READERS)

    async def count(workflow_id: str, run_id: str | None) -> int:
        async with gate:
            handle = client.get_workflow_handle(workflow_id, run_id=run_id)
            return sum(
                [
                    event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
                    and _inside(event.event_time.ToDatetime(tzinfo=windows[0][0].tzinfo), windows)
                    async for event in handle.fetch_history_events()
                ]
            )

    return sum(await asyncio.gather(*(count(i, r) for i, r in runs)))
