"""Activities of the wave workflow: its read model, and updates of its members' workflows.

A workflow cannot call another workflow's update; an activity can. A member's
refusal (wrong stage, missing reason) comes back as a non-retryable
ApplicationError of the same type and details, so the wave refuses the
request with the member's own words.

A member call heartbeats while it waits, so a call held by a worker that was
killed is retried on another after the short heartbeat timeout, not after the
call's whole timeout; the retry reuses the update id, so a member whose update
went through before the kill answers it once, from Temporal's record.
"""

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities import interfaces
from onboarding.domain.errors import UnknownMunicipality
from onboarding.domain.waves.models import (
    ChecklistItemsProjection,
    ChecklistProjection,
    MemberCall,
    MemberCallResult,
    MembershipResult,
    WaveGoLiveResult,
    WaveProjection,
)
from onboarding.store import waves
from workflows.failures import lost_to_continue_as_new, passed_on
from workflows.names import party_workflow_id

# Well inside the wave workflow's heartbeat timeout for member calls.
HEARTBEAT_EVERY = timedelta(seconds=2)
_Answer = TypeVar("_Answer")


class WaveActivities(interfaces.Waves):
    """SQL writes for waves and checklists, and calls into member workflows."""

    def __init__(self, client: Client, engine: Engine) -> None:
        self._client = client
        self._engine = engine

    @activity.defn(name="record_wave")
    def record_wave(self, projection: WaveProjection) -> None:
        """Append the wave's events (once each) and refresh its current state and members."""
        waves.record_wave(self._engine, projection)

    @activity.defn(name="record_checklist")
    def record_checklist(self, projection: ChecklistProjection) -> None:
        """Append a checklist completion (once) and refresh the member's obligations."""
        waves.record_checklist(self._engine, projection)

    @activity.defn(name="record_checklist_items")
    def record_checklist_items(self, projection: ChecklistItemsProjection) -> None:
        """Append checklist completions (once each) and refresh the member's obligations."""
        waves.record_checklist_items(self._engine, projection)

    @activity.defn(name="call_member")
    async def call_member(self, call: MemberCall) -> MemberCallResult:
        """Run one update on a member's workflow and hand back its answer."""
        handle = self._client.get_workflow_handle(party_workflow_id(call.number))
        result_type = WaveGoLiveResult if call.update == "wave_go_live" else MembershipResult
        info = activity.info()
        # The same for every attempt of this activity, unique to this call.
        update_id = f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"
        try:
            answer = await heartbeating(
                handle.execute_update(
                    call.update, call.argument(), id=update_id, result_type=result_type
                )
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if lost_to_continue_as_new(cause):
                # Every member update is idempotent: the activity's retry repeats
                # it on the new run, which answers it from the state it carries.
                raise
            if isinstance(cause, ApplicationError):
                raise passed_on(cause) from None
            raise
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                missing = UnknownMunicipality(call.number)
                raise ApplicationError(
                    str(missing),
                    {**missing.to_detail(), "number": call.number},
                    type=missing.code,
                    non_retryable=True,
                ) from None
            raise
        if isinstance(answer, WaveGoLiveResult):
            return MemberCallResult(go_live=answer)
        return MemberCallResult(membership=answer)


async def heartbeating(awaitable: Awaitable[_Answer]) -> _Answer:
    """Await `awaitable`, heartbeating every HEARTBEAT_EVERY until it is done."""
    task = asyncio.ensure_future(awaitable)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY.total_seconds())
            if done:
                return task.result()
            activity.heartbeat()
    finally:
        task.cancel()
