"""The migration workflow's calls into party workflows: one migrate update each.

The update is idempotent by migration id (the party remembers what it had),
so a retry after a killed worker, or a resumed run, migrates each party
once. The call heartbeats while it waits, as a wave's member calls do.
"""

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities import interfaces
from activities.waves import heartbeating
from onboarding.domain.errors import UnknownMunicipality
from onboarding.domain.migrations.run import MigrationCall, MigrationCallResult
from onboarding.domain.process.migration_plan import MigrationEffect
from workflows.failures import lost_to_continue_as_new
from workflows.names import party_workflow_id


class MigrationActivities(interfaces.Migrations):
    """Calls into party workflows on behalf of a migration run."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @activity.defn(name="migrate_party")
    async def migrate_party(self, call: MigrationCall) -> MigrationCallResult:
        """Run one party's migrate update; a refusal is an answer, not a failure."""
        handle = self._client.get_workflow_handle(party_workflow_id(call.number))
        info = activity.info()
        update_id = f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"
        try:
            effect = await heartbeating(
                handle.execute_update(
                    "migrate", call.command, id=update_id, result_type=MigrationEffect
                )
            )
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if lost_to_continue_as_new(cause):
                raise  # the retry asks the new run, which answers from its state
            if isinstance(cause, ApplicationError) and cause.details:
                detail = cause.details[0]
                return MigrationCallResult(
                    error=detail if isinstance(detail, dict) else {"message": str(cause)}
                )
            raise
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return MigrationCallResult(error=UnknownMunicipality(call.number).to_detail())
            raise
        return MigrationCallResult(effect=effect)
