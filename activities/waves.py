"""Activities of the wave workflow: its read model, and updates of its members' workflows.

A workflow cannot call another workflow's update; an activity can. A member's
refusal (wrong stage, missing reason) comes back as a non-retryable
ApplicationError of the same type and details, so the wave refuses the
request with the member's own words.
"""

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from onboarding.errors import UnknownMunicipality
from onboarding.store import waves
from onboarding.temporal import municipality_workflow_id, passed_on
from onboarding.wave_models import (
    ChecklistProjection,
    MemberCall,
    MemberCallResult,
    MembershipResult,
    WaveGoLiveResult,
    WaveProjection,
)


class WaveActivities:
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

    @activity.defn(name="call_member")
    async def call_member(self, call: MemberCall) -> MemberCallResult:
        """Run one update on a member's workflow and hand back its answer."""
        handle = self._client.get_workflow_handle(municipality_workflow_id(call.number))
        result_type = WaveGoLiveResult if call.update == "wave_go_live" else MembershipResult
        try:
            answer = await handle.execute_update(
                call.update, call.argument(), result_type=result_type
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
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
