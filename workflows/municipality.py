"""One workflow per municipality, id `municipality-<number>`, alive for years.

Transitions arrive as the `transition` update. Its validator asks the process
definition, so an invalid request is rejected before anything is written to
history; the handler checks again under a lock (two updates may both pass
validation before either runs) and only then changes state, records the
transition in SQL through an activity, and returns the new state. History stays
bounded by continue-as-new, which carries the whole state.
"""

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from onboarding.domain.actor import Actor
    from onboarding.domain.calendar import oslo_date
    from onboarding.domain.errors import OnboardingError, RequestRejected
    from onboarding.domain.notifications import (
        DeliveryInput,
        DeliveryResult,
        DueMessage,
        EnqueueResult,
    )
    from onboarding.domain.obligations.models import (
        DeadlineChange,
        DeadlineCommand,
        ObligationProjection,
        ObligationView,
    )
    from onboarding.domain.obligations.schedule import (
        ObligationStatus,
        effective_deadline,
        pass_over_past,
        pending,
    )
    from onboarding.domain.parties.correction_records import (
        CorrectionCommand,
        CorrectionProjection,
        CorrectionRecord,
    )
    from onboarding.domain.parties.corrections import apply_correction, plan_correction
    from onboarding.domain.parties.models import (
        ChecklistCompletion,
        CorrectionResult,
        MunicipalityState,
        MunicipalityView,
        MunicipalityWorkflowInput,
        ProjectionInput,
        RegistrationInput,
        RunInput,
        TransitionCommand,
        TransitionRecord,
        WaveMembership,
    )
    from onboarding.domain.parties.obligations import (
        follow_obligations,
        next_message_at,
        obligation_view,
        obligation_views,
        open_obligation,
    )
    from onboarding.domain.process.definition import (
        ProcessContext,
        Stage,
        Trigger,
        allowed_triggers,
        check_effective_on,
        check_evidence,
        decide,
    )
    from onboarding.domain.waves.membership import check_joinable, membership_result
    from onboarding.domain.waves.models import (
        ChecklistCommand,
        ChecklistItemView,
        ChecklistProjection,
        ChecklistView,
        GoLiveOutcome,
        JoinWaveCommand,
        LeaveWaveCommand,
        MemberLeft,
        MembershipResult,
        WaveDateCommand,
        WaveGoLiveCommand,
        WaveGoLiveResult,
    )
    from onboarding.domain.waves.readiness import (
        already_done,
        arm_checklist,
        check_item,
        checklist_item,
        checklist_view,
        complete_item,
        disarm_checklist,
        go_live_blockers,
    )
    from workflows.names import STAGE_ATTRIBUTE, wave_workflow_id
    from workflows.options import history_is_long

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
NOTE_RUN_PATCH = "note-run-ids"
_Input = TypeVar("_Input")


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
        if self._state.seq == 0:
            # A new municipality: every transition it will have goes through
            # _apply, so `records` is complete and corrections are possible.
            self._state.records_complete = True

    @workflow.run
    async def run(self, input: MunicipalityWorkflowInput) -> None:
        if not self._state.registered:
            async with self._lock:
                await _write_sql(
                    ProjectionActivities.register_municipality,
                    RegistrationInput(
                        municipality=self._state.municipality,
                        workflow_id=workflow.info().workflow_id,
                        run_id=workflow.info().run_id,
                    ),
                )
                self._state.registered = True
        elif workflow.patched(NOTE_RUN_PATCH):
            # A run after continue-as-new: note its id, so the domain log links to
            # every run. Patched: histories recorded before this have no such step.
            await _write_sql(
                ProjectionActivities.note_run,
                RunInput(
                    municipality=self._state.municipality,
                    workflow_id=workflow.info().workflow_id,
                    run_id=workflow.info().run_id,
                ),
            )
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
        return obligation_views(self._state, self._policy, workflow.now())

    @workflow.update
    async def transition(self, command: TransitionCommand) -> MunicipalityView:
        """Record a transition; returns the new state once it is recorded in SQL."""
        async with self._lock:
            self._upgrade_guard()
            previous = self._repeated(command)
            if previous is not None:
                return previous
            try:
                record = self._plan(command)
            except OnboardingError as err:
                raise _application_error(err) from None
            return await self._record(command, record)

    async def _record(
        self, command: TransitionCommand, record: TransitionRecord
    ) -> MunicipalityView:
        """Apply a planned transition, record it in SQL, and tell a wave it left."""
        self._apply(record)
        self._follow_obligations(record.trigger, record.effective_on)
        left = self._follow_wave(record)
        await _write_sql(
            ProjectionActivities.record_transition,
            ProjectionInput(
                municipality=self._state.municipality,
                record=record,
                stage=self._state.stage,
                paused_from=self._state.paused_from,
                obligations=obligation_views(self._state, self._policy, workflow.now()),
            ),
        )
        if left is not None:
            await self._tell_wave_left(left, None, record.evidence.get("reason"), record.actor)
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
    async def correct(self, command: CorrectionCommand) -> CorrectionResult:
        """Correct a recorded transition (amend its date or evidence, or void the last one).

        Nothing recorded is changed: the correction is a new record, written to
        the append-only `correction` table, and the state moves to what it
        says. A new update handler changes no existing history, so running
        workflows take it without a patch.
        """
        async with self._lock:
            repeated = self._repeated_correction(command)
            if repeated is not None:
                return repeated
            try:
                record = self._plan_correction(command)
            except OnboardingError as err:
                raise _application_error(err) from None
            self._apply_correction(record)
            await _write_sql(
                ProjectionActivities.record_correction,
                CorrectionProjection(
                    municipality=self._state.municipality,
                    record=record,
                    stage=self._state.stage,
                    paused_from=self._state.paused_from,
                    obligations=obligation_views(self._state, self._policy, workflow.now()),
                ),
            )
            result = CorrectionResult(correction=record, municipality=self._view())
            if command.idempotency_key is not None:
                kept = self._state.correction_keys
                kept[command.idempotency_key] = result
                while len(kept) > self._input.idempotency_keys_kept:
                    del kept[next(iter(kept))]
            return result

    @correct.validator
    def validate_correct(self, command: CorrectionCommand) -> None:
        """Reject before anything is written: unknown target, bad date or evidence, no change."""
        if self._repeated_correction(command) is not None:
            return
        try:
            self._plan_correction(command)
        except OnboardingError as err:
            raise _application_error(err) from None

    @workflow.update
    async def set_deadline(self, command: DeadlineCommand) -> ObligationView:
        """Set or move an obligation's deadline; re-arms its reminders and escalations."""
        async with self._lock:
            obligation = self._state.obligations.get(command.obligation_id)
            if command.idempotency_key in self._state.deadline_keys and obligation is not None:
                return obligation_view(obligation, self._policy, workflow.now())
            try:
                obligation = open_obligation(
                    self._state, self._policy, command, today=self._today()
                )
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
            await _write_sql(
                ProjectionActivities.record_obligations,
                ObligationProjection(
                    municipality=self._state.municipality,
                    obligations=obligation_views(self._state, self._policy, workflow.now()),
                    change=change,
                ),
            )
            if command.idempotency_key is not None:
                self._state.deadline_keys = [
                    *self._state.deadline_keys[-(self._input.idempotency_keys_kept - 1) :],
                    command.idempotency_key,
                ]
            return obligation_view(obligation, self._policy, workflow.now())

    @set_deadline.validator
    def validate_set_deadline(self, command: DeadlineCommand) -> None:
        """Reject unknown or closed obligations and deadlines in the past."""
        if command.idempotency_key in self._state.deadline_keys:
            return
        try:
            open_obligation(self._state, self._policy, command, today=self._today())
        except OnboardingError as err:
            raise _application_error(err) from None

    # -- production waves (the wave workflow owns the wave; this one its membership) --

    @workflow.query
    def checklist(self) -> ChecklistView:
        """The readiness checklist: each item's deadline and completion, and the blockers."""
        return checklist_view(self._state, self._policy)

    @workflow.update
    async def join_wave(self, command: JoinWaveCommand) -> MembershipResult:
        """Join a wave, or move here from another one; re-arms the checklist on its date.

        Only the wave workflow calls this (through an activity). Membership is
        decided here, under this workflow's lock, so of two coordinators moving
        the municipality at once both moves are recorded in order and the
        municipality ends in exactly one wave; the wave it leaves is told.
        """
        async with self._lock:
            self._upgrade_guard()
            current = self._state.wave
            if current is not None and current.wave_id == command.wave_id:
                return membership_result(self._state, member=True, previous_wave=current.moved_from)
            try:
                check_joinable(self._state, command)
            except OnboardingError as err:
                raise _application_error(err) from None
            self._state.wave_seq += 1
            self._state.wave = WaveMembership(
                wave_id=command.wave_id,
                go_live_at=command.go_live_at,
                seq=self._state.wave_seq,
                joined_at=workflow.now(),
                moved_from=current.wave_id if current else None,
            )
            self._state.missed_go_live = None
            arm_checklist(self._state, self._policy, today=self._today(), now=workflow.now())
            self._schedule_changed = True
            await self._record_obligations()
            if current is not None:
                await self._tell_wave_left(current, command.wave_id, command.reason, command.actor)
            return membership_result(
                self._state, member=True, previous_wave=current.wave_id if current else None
            )

    @join_wave.validator
    def validate_join_wave(self, command: JoinWaveCommand) -> None:
        """Reject a municipality in the wrong stage, and a move without a reason."""
        current = self._state.wave
        if current is not None and current.wave_id == command.wave_id:
            return
        try:
            check_joinable(self._state, command)
        except OnboardingError as err:
            raise _application_error(err) from None

    @workflow.update
    async def leave_wave(self, command: LeaveWaveCommand) -> MembershipResult:
        """Leave the wave (removed from it): open checklist items are cancelled, done stay done."""
        async with self._lock:
            current = self._state.wave
            if current is None or current.wave_id != command.wave_id:
                return membership_result(self._state, member=False)
            self._state.wave = None
            self._state.missed_go_live = None
            disarm_checklist(self._state, self._policy, on=self._today())
            self._schedule_changed = True
            await self._record_obligations()
            return membership_result(self._state, member=False, previous_wave=current.wave_id)

    @workflow.update
    async def wave_rescheduled(self, command: WaveDateCommand) -> MembershipResult:
        """The wave's date moved: derive every wave-relative deadline again."""
        async with self._lock:
            current = self._state.wave
            if current is None or current.wave_id != command.wave_id:
                return membership_result(self._state, member=False)
            current.go_live_at = command.go_live_at
            arm_checklist(self._state, self._policy, today=self._today(), now=workflow.now())
            self._schedule_changed = True
            await self._record_obligations()
            return membership_result(self._state, member=True)

    @workflow.update
    async def wave_go_live(self, command: WaveGoLiveCommand) -> WaveGoLiveResult:
        """The wave's go-live: a ready member goes live; any other is marked as having missed it."""
        async with self._lock:
            state = self._state
            current = state.wave
            blockers: list[str] = []
            if current is None or current.wave_id != command.wave_id:
                outcome = GoLiveOutcome.NOT_MEMBER
            elif state.stage is Stage.LIVE:
                outcome = GoLiveOutcome.LIVE
            else:
                go_live = TransitionCommand(
                    trigger=Trigger.GO_LIVE,
                    effective_on=command.effective_on,
                    comment=f"went live with wave {command.wave_id}",
                    actor=command.actor,
                )
                try:
                    record = self._plan(go_live)
                except OnboardingError as err:
                    # Not ready, or cannot go live on that date (an approval recorded
                    # after it): the member misses this go-live, the others do not.
                    blockers = go_live_blockers(state, self._policy) or [str(err)]
                    state.missed_go_live = command.wave_id
                    outcome = GoLiveOutcome.NOT_READY
                else:
                    await self._record(go_live, record)
                    outcome = GoLiveOutcome.LIVE
            return WaveGoLiveResult(
                municipality=state.municipality,
                outcome=outcome,
                stage=state.stage,
                blockers=blockers,
            )

    @workflow.update
    async def complete_checklist_item(self, command: ChecklistCommand) -> ChecklistItemView:
        """Mark a checklist item done with its date, actor and evidence."""
        async with self._lock:
            try:
                if already_done(self._state, command):
                    return checklist_item(self._state, self._policy, command.item)
                done_on = check_item(self._state, self._policy, command, today=self._today())
            except OnboardingError as err:
                raise _application_error(err) from None
            completion = ChecklistCompletion(
                item=command.item,
                done_on=done_on,
                evidence=dict(command.evidence),
                comment=command.comment,
                actor=command.actor,
                recorded_at=workflow.now(),
            )
            complete_item(self._state, completion)
            self._schedule_changed = True
            await workflow.execute_activity(
                "record_checklist",
                ChecklistProjection(
                    municipality=self._state.municipality,
                    completion=completion,
                    obligations=obligation_views(self._state, self._policy, workflow.now()),
                ),
                start_to_close_timeout=SQL_WRITE_TIMEOUT,
                retry_policy=SQL_WRITE_RETRY,
            )
            return checklist_item(self._state, self._policy, command.item)

    @complete_checklist_item.validator
    def validate_complete_checklist_item(self, command: ChecklistCommand) -> None:
        """Reject unknown items, a municipality in no wave, and dates in the future."""
        try:
            if not already_done(self._state, command):
                check_item(self._state, self._policy, command, today=self._today())
        except OnboardingError as err:
            raise _application_error(err) from None

    def _follow_wave(self, record: TransitionRecord) -> WaveMembership | None:
        """Keep the checklist on the wave's date; a municipality leaving the road leaves its wave.

        Returns the membership it left, if any, so the wave can be told.
        """
        current = self._state.wave
        if current is None:
            return None
        if record.to_stage in (Stage.DECLINED, Stage.WITHDRAWN):
            self._state.wave = None
            self._state.missed_go_live = None
            disarm_checklist(self._state, self._policy, on=record.effective_on)
            return current
        if record.to_stage is not Stage.LIVE:
            # A pause or resume shifts deadlines by the time paused; in a wave
            # they hang on the wave's date instead.
            arm_checklist(self._state, self._policy, today=self._today(), now=workflow.now())
        return None

    async def _tell_wave_left(
        self, left: WaveMembership, to_wave: str | None, reason: str | None, actor: Actor
    ) -> None:
        """Signal the wave the municipality left, so it drops it from its members."""
        handle = workflow.get_external_workflow_handle(wave_workflow_id(left.wave_id))
        try:
            await handle.signal(
                "member_left",
                MemberLeft(
                    number=self._state.municipality.number,
                    seq=left.seq,
                    to_wave=to_wave,
                    reason=reason,
                    actor=actor,
                ),
            )
        except FailureError as err:
            # The wave is gone (never started, or terminated by an operator):
            # nothing there to update.
            workflow.logger.warning("could not tell wave %s: %s", left.wave_id, err)

    async def _record_obligations(self) -> None:
        await workflow.execute_activity_method(
            ProjectionActivities.record_obligations,
            ObligationProjection(
                municipality=self._state.municipality,
                obligations=obligation_views(self._state, self._policy, workflow.now()),
            ),
            start_to_close_timeout=SQL_WRITE_TIMEOUT,
            retry_policy=SQL_WRITE_RETRY,
        )

    def _upgrade_guard(self) -> None:
        """Turn the readiness guard on for workflows started before waves existed.

        Behind a patch marker: replaying an old history (no marker) keeps the
        old rule, so the workflow stays deterministic.
        """
        if self._state.readiness_guard is None and workflow.patched("readiness-guard"):
            self._state.readiness_guard = True

    # -- obligations ---------------------------------------------------------

    def _follow_obligations(self, trigger: Trigger | None, on: date) -> None:
        """Obligations follow the stage (see follow_obligations); the timers follow them."""
        follow_obligations(self._state, self._policy, trigger, on, now=workflow.now())
        self._schedule_changed = True

    async def _sleep_until_next_message(self) -> None:
        """Wait for the next message's instant, a schedule change, or a long history."""
        next_at = next_message_at(self._state, self._policy)
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
        """Conditions still missing for approve_go_live: agreement, wave, checklist."""
        return tuple(go_live_blockers(self._state, self._policy))

    def _plan(self, command: TransitionCommand) -> TransitionRecord:
        """The record `command` would produce, or an OnboardingError saying why not."""
        to_stage = decide(self._context(), command.trigger)
        today = oslo_date(workflow.now())
        effective_on = command.effective_on or today
        check_effective_on(effective_on, today, self._state.last_transition)
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
        state.records.append(record)
        workflow.upsert_search_attributes([STAGE_ATTRIBUTE.value_set(state.stage.value)])

    # -- corrections ---------------------------------------------------------

    def _repeated_correction(self, command: CorrectionCommand) -> CorrectionResult | None:
        key = command.idempotency_key
        if key is None or key not in self._state.correction_keys:
            return None
        first = self._state.correction_keys[key]
        if first.correction.event_id != command.event_id:
            raise _application_error(
                RequestRejected(
                    "idempotency_key",
                    f"{key!r} was already used for event {first.correction.event_id}; "
                    "use a new key",
                )
            )
        return first

    def _plan_correction(self, command: CorrectionCommand) -> CorrectionRecord:
        """The correction `command` would record, or an OnboardingError saying why not."""
        info = workflow.info()
        return plan_correction(
            self._state,
            command,
            today=self._today(),
            now=workflow.now(),
            workflow_id=info.workflow_id,
            run_id=info.run_id,
        )

    def _apply_correction(self, correction: CorrectionRecord) -> None:
        voided = apply_correction(self._state, correction)
        if voided is not None:
            workflow.upsert_search_attributes([STAGE_ATTRIBUTE.value_set(self._state.stage.value)])
            self._obligations_after_void(voided)

    def _obligations_after_void(self, voided: TransitionRecord) -> None:
        """Undo what the voided transition did to obligations, as if it never happened."""
        now = workflow.now()
        for obligation in self._state.obligations.values():
            if (
                obligation.status is ObligationStatus.FULFILLED
                and obligation.id == voided.trigger.value
                and obligation.closed_on == voided.effective_on
            ):
                obligation.status, obligation.closed_on = ObligationStatus.OPEN, None
                pass_over_past(obligation, self._policy, now)
            elif (
                obligation.status is ObligationStatus.PAUSED
                and self._state.stage is not Stage.PAUSED
            ):
                # The pause never happened: the clock never stopped.
                obligation.status, obligation.paused_on = ObligationStatus.OPEN, None
                pass_over_past(obligation, self._policy, now)
        last = self._state.last_transition
        self._follow_obligations(None, last.effective_on if last else voided.effective_on)

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
            wave_id=state.wave.wave_id if state.wave else None,
            go_live_at=state.wave.go_live_at if state.wave else None,
            missed_go_live=state.missed_go_live,
            go_live_blockers=list(self._go_live_blockers()),
        )

    def _history_is_long(self) -> bool:
        return history_is_long(self._input.continue_as_new_after_events)


async def _write_sql(activity: Callable[[ProjectionActivities, _Input], None], arg: _Input) -> None:
    """Run a read-model write, retried until the database takes it."""
    await workflow.execute_activity_method(
        activity, arg, start_to_close_timeout=SQL_WRITE_TIMEOUT, retry_policy=SQL_WRITE_RETRY
    )


def _application_error(err: OnboardingError) -> ApplicationError:
    """The error as it crosses Temporal: its code as type, its detail as details."""
    return ApplicationError(str(err), err.to_detail(), type=err.code, non_retryable=True)
