"""One workflow per municipality, id `municipality-<number>`, alive for years.

Transitions arrive as the `transition` update. Its validator asks the process
definition, so an invalid request is rejected before anything is written to
history; the handler checks again under a lock (two updates may both pass
validation before either runs) and only then changes state, records the
transition in SQL through an activity, and returns the new state. History stays
bounded by continue-as-new, which carries the whole state.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from onboarding.calendar import oslo_date
    from onboarding.errors import InvalidEffectiveDate, OnboardingError, RequestRejected
    from onboarding.models import (
        MunicipalityState,
        MunicipalityView,
        MunicipalityWorkflowInput,
        ProjectionInput,
        RegistrationInput,
        TransitionCommand,
        TransitionRecord,
    )
    from onboarding.process import (
        ProcessContext,
        Stage,
        Trigger,
        allowed_triggers,
        check_evidence,
        decide,
    )
    from onboarding.temporal import STAGE_ATTRIBUTE

# The read model may be down for a while: retry without limit, backing off to a
# minute, so a transition is recorded as soon as the database is back.
SQL_WRITE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
SQL_WRITE_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name="MunicipalityWorkflow")
class MunicipalityWorkflow:
    """The road of one municipality, from prospective to live."""

    @workflow.init
    def __init__(self, input: MunicipalityWorkflowInput) -> None:
        self._input = input
        self._state: MunicipalityState = input.state
        # Serialises transitions: each one sees the state the previous one left.
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, input: MunicipalityWorkflowInput) -> None:
        if not self._state.registered:
            async with self._lock:
                await workflow.execute_activity_method(
                    ProjectionActivities.register_municipality,
                    RegistrationInput(
                        municipality=self._state.municipality,
                        workflow_id=workflow.info().workflow_id,
                        run_id=workflow.info().run_id,
                    ),
                    start_to_close_timeout=SQL_WRITE_TIMEOUT,
                    retry_policy=SQL_WRITE_RETRY,
                )
                self._state.registered = True
        await workflow.wait_condition(self._history_is_long)
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.logger.info(
            "continuing as new after %s events", workflow.info().get_current_history_length()
        )
        workflow.continue_as_new(self._input.model_copy(update={"state": self._state}))

    @workflow.query
    def state(self) -> MunicipalityView:
        """The municipality's current state."""
        return self._view()

    @workflow.update
    async def transition(self, command: TransitionCommand) -> MunicipalityView:
        """Record a transition; returns the new state once it is recorded in SQL."""
        async with self._lock:
            previous = self._repeated(command)
            if previous is not None:
                return previous
            try:
                record = self._plan(command)
            except OnboardingError as err:
                raise _application_error(err) from None
            self._apply(record)
            await workflow.execute_activity_method(
                ProjectionActivities.record_transition,
                ProjectionInput(
                    municipality=self._state.municipality,
                    record=record,
                    stage=self._state.stage,
                    paused_from=self._state.paused_from,
                ),
                start_to_close_timeout=SQL_WRITE_TIMEOUT,
                retry_policy=SQL_WRITE_RETRY,
            )
            view = self._view()
            self._remember(command, view)
            return view

    @transition.validator
    def validate_transition(self, command: TransitionCommand) -> None:
        """Reject before anything is written: wrong stage, bad date, bad evidence."""
        if self._repeated(command) is not None:
            return
        try:
            self._plan(command)
        except OnboardingError as err:
            raise _application_error(err) from None

    # -- decisions -----------------------------------------------------------

    def _context(self) -> ProcessContext:
        return ProcessContext(
            stage=self._state.stage,
            paused_from=self._state.paused_from,
            go_live_blockers=self._go_live_blockers(),
        )

    def _go_live_blockers(self) -> tuple[str, ...]:
        """Conditions still missing for approve_go_live (waves and checklists add theirs)."""
        return ()

    def _plan(self, command: TransitionCommand) -> TransitionRecord:
        """The record `command` would produce, or an OnboardingError saying why not."""
        to_stage = decide(self._context(), command.trigger)
        today = oslo_date(workflow.now())
        effective_on = command.effective_on or today
        if effective_on > today:
            raise InvalidEffectiveDate(
                f"{effective_on} is in the future (today is {today} in Europe/Oslo)"
            )
        last = self._state.last_transition
        if last is not None and effective_on < last.effective_on:
            raise InvalidEffectiveDate(
                f"{effective_on} is before {last.effective_on}, when the previous "
                f"transition ({last.trigger.value}) took effect"
            )
        info = workflow.info()
        return TransitionRecord(
            seq=self._state.seq + 1,
            trigger=command.trigger,
            from_stage=self._state.stage,
            to_stage=to_stage,
            effective_on=effective_on,
            evidence=check_evidence(command.trigger, command.evidence),
            comment=command.comment,
            actor=command.actor,
            recorded_at=workflow.now(),
            idempotency_key=command.idempotency_key,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
        )

    def _apply(self, record: TransitionRecord) -> None:
        state = self._state
        if record.to_stage is Stage.PAUSED:
            state.paused_from = record.from_stage
        elif record.trigger is Trigger.RESUME:
            state.paused_from = None
        state.stage = record.to_stage
        state.seq = record.seq
        state.last_transition = record
        workflow.upsert_search_attributes([STAGE_ATTRIBUTE.value_set(state.stage.value)])

    # -- idempotency ---------------------------------------------------------

    def _repeated(self, command: TransitionCommand) -> MunicipalityView | None:
        key = command.idempotency_key
        if key is None or key not in self._state.results_by_key:
            return None
        first = self._state.results_by_key[key]
        first_trigger = first.last_transition.trigger if first.last_transition else None
        if first_trigger != command.trigger:
            raise _application_error(
                RequestRejected(
                    "idempotency_key",
                    f"{key!r} was already used for {first_trigger}; use a new key",
                )
            )
        return first

    def _remember(self, command: TransitionCommand, view: MunicipalityView) -> None:
        if command.idempotency_key is None:
            return
        kept = self._state.results_by_key
        kept[command.idempotency_key] = view
        while len(kept) > self._input.idempotency_keys_kept:
            del kept[next(iter(kept))]

    # -- views ---------------------------------------------------------------

    def _view(self) -> MunicipalityView:
        state = self._state
        municipality = state.municipality
        return MunicipalityView(
            number=municipality.number,
            name=municipality.name,
            county=municipality.county,
            health_trust=municipality.health_trust,
            stage=state.stage,
            paused_from=state.paused_from,
            allowed_triggers=allowed_triggers(self._context()),
            last_transition=state.last_transition,
            process_version=state.process_version,
        )

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._input.continue_as_new_after_events
        )


def _application_error(err: OnboardingError) -> ApplicationError:
    """The error as it crosses Temporal: its code as type, its detail as details."""
    return ApplicationError(str(err), err.to_detail(), type=err.code, non_retryable=True)
