"""One workflow per municipality, id `municipality-<number>`, alive for years.

Transitions arrive as the `transition` update. Its validator asks the process
definition, so an invalid request is rejected before anything is written to
history; the handler checks again under a lock (two updates may both pass
validation before either runs) and only then changes state, records the
transition in SQL through an activity, and returns the new state. History stays
bounded by continue-as-new, which carries the whole state.
"""

import asyncio
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from onboarding.calendar import oslo_date
    from onboarding.errors import (
        InvalidEffectiveDate,
        ObligationNotOpen,
        OnboardingError,
        RequestRejected,
    )
    from onboarding.models import (
        DeadlineChange,
        DeadlineCommand,
        MunicipalityState,
        MunicipalityView,
        MunicipalityWorkflowInput,
        ObligationProjection,
        ObligationView,
        ProjectionInput,
        RegistrationInput,
        TransitionCommand,
        TransitionRecord,
    )
    from onboarding.notifications import DeliveryInput, DeliveryResult, DueMessage, EnqueueResult
    from onboarding.obligations import (
        Obligation,
        ObligationStatus,
        effective_deadline,
        escalation_level,
        pass_over_past,
        pending,
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


@workflow.defn(name="MunicipalityWorkflow")
class MunicipalityWorkflow:
    """The road of one municipality, from prospective to live."""

    @workflow.init
    def __init__(self, input: MunicipalityWorkflowInput) -> None:
        self._input = input
        self._state: MunicipalityState = input.state
        self._policy = input.policy
        # Serialises transitions: each one sees the state the previous one left.
        self._lock = asyncio.Lock()
        # Set when obligations change, so the timer loop recomputes what is next.
        self._schedule_changed = False
        self._deliveries: list[asyncio.Task[None]] = []

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
        while not self._history_is_long():
            await self._sleep_until_next_message()
            await self._send_due_messages()
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and all(d.done() for d in self._deliveries)
        )
        workflow.logger.info(
            "continuing as new after %s events", workflow.info().get_current_history_length()
        )
        workflow.continue_as_new(self._input.model_copy(update={"state": self._state}))

    @workflow.query
    def state(self) -> MunicipalityView:
        """The municipality's current state."""
        return self._view()

    @workflow.query
    def obligations(self) -> list[ObligationView]:
        """Every obligation, open or closed, with its pending reminders and escalations."""
        return self._obligation_views()

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
            self._follow_obligations(record)
            await workflow.execute_activity_method(
                ProjectionActivities.record_transition,
                ProjectionInput(
                    municipality=self._state.municipality,
                    record=record,
                    stage=self._state.stage,
                    paused_from=self._state.paused_from,
                    obligations=self._obligation_views(),
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

    @workflow.update
    async def set_deadline(self, command: DeadlineCommand) -> ObligationView:
        """Set or move an obligation's deadline; re-arms its reminders and escalations."""
        async with self._lock:
            obligation = self._state.obligations.get(command.obligation_id)
            if command.idempotency_key in self._state.deadline_keys and obligation is not None:
                return self._obligation_view(obligation)
            try:
                obligation = self._open_obligation(command)
            except OnboardingError as err:
                raise _application_error(err) from None
            info = workflow.info()
            change = DeadlineChange(
                obligation_id=obligation.id,
                deadline_before=obligation.deadline,
                deadline_after=command.deadline,
                reason=command.reason,
                actor=command.actor,
                recorded_at=workflow.now(),
                workflow_id=info.workflow_id,
                run_id=info.run_id,
            )
            obligation.deadline = command.deadline
            if obligation.status is ObligationStatus.PAUSED:
                # The clock stands still from now on, not from when the pause began.
                obligation.paused_on = self._today()
            pass_over_past(obligation, self._policy, workflow.now())
            self._schedule_changed = True
            await workflow.execute_activity_method(
                ProjectionActivities.record_obligations,
                ObligationProjection(
                    municipality=self._state.municipality,
                    obligations=self._obligation_views(),
                    change=change,
                ),
                start_to_close_timeout=SQL_WRITE_TIMEOUT,
                retry_policy=SQL_WRITE_RETRY,
            )
            if command.idempotency_key is not None:
                self._state.deadline_keys = [
                    *self._state.deadline_keys[-(self._input.idempotency_keys_kept - 1) :],
                    command.idempotency_key,
                ]
            return self._obligation_view(obligation)

    @set_deadline.validator
    def validate_set_deadline(self, command: DeadlineCommand) -> None:
        """Reject unknown or closed obligations and deadlines in the past."""
        if command.idempotency_key in self._state.deadline_keys:
            return
        try:
            self._open_obligation(command)
        except OnboardingError as err:
            raise _application_error(err) from None

    # -- obligations ---------------------------------------------------------

    def _open_obligation(self, command: DeadlineCommand) -> Obligation:
        """The open (or paused) obligation `command` is about, or why it cannot be set."""
        known = [rule.id.value for rule in self._policy.obligations]
        if command.obligation_id not in known:
            raise RequestRejected(
                "obligation_id",
                f"unknown obligation {command.obligation_id!r}; known: {', '.join(known)}",
            )
        today = self._today()
        if command.deadline < today:
            raise RequestRejected(
                "deadline", f"{command.deadline} is in the past (today is {today} in Europe/Oslo)"
            )
        live = [
            o.id
            for o in self._state.obligations.values()
            if o.status in (ObligationStatus.OPEN, ObligationStatus.PAUSED)
        ]
        obligation = self._state.obligations.get(command.obligation_id)
        if obligation is None or obligation.id not in live:
            raise ObligationNotOpen(command.obligation_id, self._state.stage.value, live)
        return obligation

    def _follow_obligations(self, record: TransitionRecord) -> None:
        """Fulfil, pause, resume, cancel and open obligations as the stage changes."""
        on = record.effective_on
        stage = self._state.stage
        now = workflow.now()
        for obligation in self._state.obligations.values():
            live = obligation.status in (ObligationStatus.OPEN, ObligationStatus.PAUSED)
            rule = self._policy.rule(obligation.id)
            if not live:
                continue
            if obligation.id == record.trigger.value:
                obligation.status, obligation.closed_on = ObligationStatus.FULFILLED, on
            elif stage is Stage.PAUSED:
                obligation.status, obligation.paused_on = ObligationStatus.PAUSED, on
            elif record.trigger is Trigger.RESUME and obligation.status is ObligationStatus.PAUSED:
                # Paused time does not count against the deadline.
                if obligation.deadline is not None and obligation.paused_on is not None:
                    obligation.deadline += on - obligation.paused_on
                obligation.status, obligation.paused_on = ObligationStatus.OPEN, None
                pass_over_past(obligation, self._policy, now)
            if (
                obligation.status is ObligationStatus.OPEN
                and rule is not None
                and stage not in rule.stages
            ):
                obligation.status, obligation.closed_on = ObligationStatus.CANCELLED, on
        for rule in self._policy.obligations:
            current = self._state.obligations.get(rule.id.value)
            if stage not in rule.stages or (
                current is not None
                and current.status in (ObligationStatus.OPEN, ObligationStatus.PAUSED)
            ):
                continue
            deadline: date | None = None
            if rule.default_deadline_days is not None:
                deadline = on + timedelta(days=rule.default_deadline_days)
            elif current is not None and current.deadline is not None:
                # Back on the stage (e.g. after re-signing): the program's date still holds.
                deadline = current.deadline
            obligation = Obligation(
                id=rule.id.value, label=rule.label, opened_on=on, deadline=deadline
            )
            pass_over_past(obligation, self._policy, now)
            self._state.obligations[rule.id.value] = obligation
        self._schedule_changed = True

    def _next_message_at(self) -> datetime | None:
        times = [
            message.at
            for obligation in self._state.obligations.values()
            for message in pending(obligation, self._policy)[:1]
        ]
        return min(times, default=None)

    async def _sleep_until_next_message(self) -> None:
        """Wait for the next message's instant, a schedule change, or a long history."""
        next_at = self._next_message_at()
        self._schedule_changed = False
        if next_at is not None and next_at <= workflow.now():
            return
        timeout = None if next_at is None else next_at - workflow.now()
        try:
            await workflow.wait_condition(
                lambda: self._schedule_changed or self._history_is_long(), timeout=timeout
            )
        except TimeoutError:
            pass

    async def _send_due_messages(self) -> None:
        """Put every message whose time has come in the outbox, once, and start delivery."""
        async with self._lock:
            now = workflow.now()
            for obligation in self._state.obligations.values():
                for message in pending(obligation, self._policy):
                    if message.at > now:
                        break
                    due = DueMessage(
                        municipality=self._state.municipality,
                        obligation_id=obligation.id,
                        obligation_label=obligation.label,
                        kind=message.kind,
                        message_key=message.message_key,
                        level=message.level,
                        offset_days=message.offset_days,
                        deadline=effective_deadline(
                            obligation.deadline or now.date(), self._policy
                        ),
                        due_at=message.at,
                        recipient_roles=message.recipients,
                    )
                    queued = await workflow.execute_activity(
                        "enqueue_notifications",
                        due,
                        result_type=EnqueueResult,
                        start_to_close_timeout=SQL_WRITE_TIMEOUT,
                        retry_policy=SQL_WRITE_RETRY,
                    )
                    obligation.done.append(obligation.done_key(message))
                    # Delivery runs beside the timer loop: a slow relay must not
                    # hold back the next reminder.
                    self._deliveries.append(
                        asyncio.create_task(self._deliver(queued.notification_ids))
                    )
            self._deliveries = [d for d in self._deliveries if not d.done()]

    async def _deliver(self, notification_ids: list[int]) -> None:
        """Deliver outbox rows; when retries run out the rows stay visible as failed."""
        try:
            await workflow.execute_activity(
                "deliver_notifications",
                DeliveryInput(notification_ids=notification_ids),
                result_type=DeliveryResult,
                start_to_close_timeout=DELIVERY_TIMEOUT,
                heartbeat_timeout=DELIVERY_HEARTBEAT,
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning(
                "gave up delivering notifications %s: %s", notification_ids, err.cause
            )

    def _obligation_view(self, obligation: Obligation) -> ObligationView:
        now = workflow.now()
        return ObligationView(
            id=obligation.id,
            label=obligation.label,
            status=obligation.status,
            deadline=obligation.deadline,
            effective_deadline=effective_deadline(obligation.deadline, self._policy)
            if obligation.deadline
            else None,
            opened_on=obligation.opened_on,
            closed_on=obligation.closed_on,
            escalation_level=escalation_level(obligation, self._policy, now),
            pending=pending(obligation, self._policy),
        )

    def _obligation_views(self) -> list[ObligationView]:
        return [self._obligation_view(o) for o in self._state.obligations.values()]

    def _today(self) -> date:
        return oslo_date(workflow.now())

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
