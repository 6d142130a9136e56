"""One workflow per migration run, id `migration-<plan id>`: moves the selected parties.

It calls each party's `migrate` update through an activity, a few at a time,
and keeps each outcome. A killed worker or a restarted server resumes it
where it stood; each party migrates once, because the update is idempotent
by migration id. An admin pauses and resumes it by signal (it stops between
batches) and reads its progress by query, while it runs and after.
"""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import Migrations
    from onboarding.domain.migrations.run import (
        MigrationCall,
        MigrationProgress,
        MigrationRunInput,
        failed_outcome,
        outcome_of,
        progress_of,
    )
    from onboarding.domain.process.migration_plan import MigrationCommand
    from workflows.options import (
        MEMBER_CALLS_IN_FLIGHT,
        MIGRATION_CALL,
        history_is_long,
    )


@workflow.defn(name="MigrationWorkflow")
class MigrationWorkflow:
    """A migration plan applied to a selection of parties, with progress, pause and resume."""

    @workflow.init
    def __init__(self, input: MigrationRunInput) -> None:
        self._run = input
        self._paused = input.paused
        self._finished = False

    @workflow.run
    async def run(self, input: MigrationRunInput) -> MigrationProgress:
        command = MigrationCommand(plan=input.plan, actor=input.actor)
        waiting = [n for n in input.numbers if n not in self._run.outcomes]
        for start in range(0, len(waiting), MEMBER_CALLS_IN_FLIGHT):
            await workflow.wait_condition(lambda: not self._paused)
            if history_is_long(input.continue_as_new_after_events):
                # The outcomes so far go with it: the new run starts after them.
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._run.model_copy(update={"paused": self._paused}))
            batch = waiting[start : start + MEMBER_CALLS_IN_FLIGHT]
            await asyncio.gather(*(self._migrate(number, command) for number in batch))
        self._finished = True
        return self.progress()

    async def _migrate(self, number: str, command: MigrationCommand) -> None:
        try:
            result = await workflow.execute_activity_method(
                Migrations.migrate_party,
                MigrationCall(number=number, command=command),
                **MIGRATION_CALL,
            )
        except ActivityError as err:
            # One party's failure is its own outcome: the run goes on with the others.
            self._run.outcomes[number] = failed_outcome(number, str(err.cause or err))
            return
        self._run.outcomes[number] = outcome_of(number, result)

    @workflow.signal
    def pause(self) -> None:
        """Stop before the next batch (the one running finishes)."""
        self._paused = True

    @workflow.signal
    def resume(self) -> None:
        """Go on from where it stopped."""
        self._paused = False

    @workflow.query
    def progress(self) -> MigrationProgress:
        """How many parties are done, and each outcome so far."""
        return progress_of(self._run, paused=self._paused, finished=self._finished)
