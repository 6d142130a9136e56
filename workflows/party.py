"""One workflow per party of any kind, alive for years: its road to go-live.

A municipality's workflow id is `municipality-<number>`, any other party's is
its party id (`gp-923609016`); names.party_workflow_id says which. Every kind
runs this one workflow: it interprets the process definition its state names
(its kind's process, at its version), so a new kind is data, not code.

Transitions arrive as the `transition` update. Its validator asks the process
definition, so an invalid request is rejected before anything is written to
history; the handler checks again under a lock (two updates may both pass
validation before either runs) and only then changes state, records the
transition in SQL through an activity, and returns the new state. History stays
bounded by continue-as-new, which carries the state, itself bounded
(onboarding/domain/parties/carried.py).

The rules are the domain's (onboarding/domain): this module decides when they
run, what is written through which activity, and what is answered.
"""

import asyncio
from datetime import date
from typing import TypedDict

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import Notifications, Projection, Waves
    from onboarding.domain.actor import Actor
    from onboarding.domain.calendar import oslo_date
    from onboarding.domain.errors import OnboardingError
    from onboarding.domain.migrations.apply import migrate as migrate_state
    from onboarding.domain.migrations.run import MigrationCallResult
    from onboarding.domain.notifications import DeliveryInput
    from onboarding.domain.obligations.models import (
        DeadlineChange,
        DeadlineCommand,
        ObligationProjection,
        ObligationView,
    )
    from onboarding.domain.parties.carried import bound_for_next_run
    from onboarding.domain.parties.correction_records import (
        CorrectionCommand,
        CorrectionProjection,
        CorrectionRecord,
    )
    from onboarding.domain.parties.corrections import (
        apply_correction,
        correction_answers,
        plan_correction,
    )
    from onboarding.domain.parties.deadlines import (
        deadline_answers,
        repeated_deadline,
        set_deadline,
    )
    from onboarding.domain.parties.models import (
        CorrectionResult,
        MunicipalityState,
        MunicipalityView,
        MunicipalityWorkflowInput,
        PartyStageInput,
        ProjectionInput,
        RegistrationInput,
        RunInput,
        TransitionCommand,
        TransitionRecord,
        WaveMembership,
    )
    from onboarding.domain.parties.obligations import (
        due_messages,
        follow_obligations,
        next_message_at,
        obligation_view,
        obligation_views,
        obligations_after_void,
        open_obligation,
    )
    from onboarding.domain.parties.process import process_of
    from onboarding.domain.parties.transitions import (
        apply_transition,
        municipality_view,
        plan_transition,
        transition_answers,
    )
    from onboarding.domain.process.migration_plan import (
        MigrationCommand,
        MigrationEffect,
        MigrationProjection,
    )
    from onboarding.domain.process.reform_plan import (
        PartyReformEffect,
        ReformCallResult,
        ReformCommand,
        ReformRole,
    )
    from onboarding.domain.reforms.apply import apply_reform, summary
    from onboarding.domain.vocabulary import Stage, Trigger
    from onboarding.domain.waves import membership, readiness
    from onboarding.domain.waves.go_live import plan_go_live
    from onboarding.domain.waves.membership import membership_result
    from onboarding.domain.waves.models import (
        ChecklistCommand,
        ChecklistItemsCommand,
        ChecklistItemsProjection,
        ChecklistItemView,
        ChecklistProjection,
        ChecklistView,
        JoinWaveCommand,
        LeaveWaveCommand,
        MemberLeft,
        MembershipResult,
        WaveDateCommand,
        WaveGoLiveCommand,
        WaveGoLiveResult,
    )
    from workflows.failures import refusals
    from workflows.names import NUMBER_ATTRIBUTE, STAGE_ATTRIBUTE, wave_workflow_id
    from workflows.options import (
        BOUNDED_CARRY_PATCH,
        DELIVERY,
        NOTE_RUN_PATCH,
        READINESS_GUARD_PATCH,
        SQL_READ,
        SQL_WRITE,
        STAGE_OUT_OF_VISIBILITY_PATCH,
        continue_as_new,
        history_is_long,
    )
    from workflows.timer import RearmableTimer


class _Run(TypedDict):
    workflow_id: str
    run_id: str


@workflow.defn(name="PartyWorkflow")
class PartyWorkflow:
    """The road of one party, from prospective to live."""

    @workflow.init
    def __init__(self, input: MunicipalityWorkflowInput) -> None:
        self._input = input
        self._state: MunicipalityState = input.state
        self._policy = input.policy
        kept = input.idempotency_keys_kept
        self._transitions = transition_answers(self._state, kept=kept)
        self._corrections = correction_answers(self._state, kept=kept)
        self._deadlines = deadline_answers(self._state, kept=kept)
        # Serialises transitions: each one sees the state the previous one left.
        self._lock = asyncio.Lock()
        # Sleeps until the next reminder; re-armed whenever obligations change.
        self._timer = RearmableTimer()
        self._deliveries: list[asyncio.Task[None]] = []
        # Whether this run keeps `OnboardingStage` current (`_stage_searchable`).
        self._searchable: bool | None = None
        if self._state.seq == 0:
            # A new municipality: every transition it will have goes through
            # apply_transition, so `records` is complete and corrections are possible.
            self._state.records_complete = True

    @workflow.run
    async def run(self, input: MunicipalityWorkflowInput) -> None:
        self._show_stage()
        self._stage_searchable()
        if not self._state.registered:
            async with self._lock:
                await workflow.execute_activity_method(
                    Projection.register_municipality,
                    RegistrationInput(municipality=self._state.municipality, **self._run()),
                    **SQL_WRITE,
                )
                self._state.registered = True
        elif workflow.patched(NOTE_RUN_PATCH):
            # A run after continue-as-new: note its id, so the domain log links to
            # every run. Patched: histories recorded before this have no such step.
            await workflow.execute_activity_method(
                Projection.note_run,
                RunInput(municipality=self._state.municipality, **self._run()),
                **SQL_WRITE,
            )
        while not self._history_is_long():
            await self._timer.sleep_until(
                next_message_at(self._state, self._policy), or_until=self._history_is_long
            )
            await self._send_due_messages()
        await continue_as_new(
            self._input,
            self._state,
            idle=lambda: all(d.done() for d in self._deliveries),
            bound=self._bound_carried_state,
        )

    @workflow.query
    def state(self) -> MunicipalityView:
        """The municipality's current state."""
        return municipality_view(self._state, self._policy)

    @workflow.query
    def obligations(self) -> list[ObligationView]:
        """Every obligation, open or closed, with its pending reminders and escalations."""
        return obligation_views(self._state, self._policy, workflow.now())

    # -- transitions ---------------------------------------------------------

    @workflow.update
    async def transition(self, command: TransitionCommand) -> MunicipalityView:
        """Record a transition; returns the new state once it is recorded in SQL."""
        async with self._lock:
            self._upgrade_guard()
            self._state.home_stage = await self._home_stage(command)
            try:
                with refusals():
                    first = self._transitions.repeat(command)
                    if first is not None:
                        return first
                    record = self._plan(command)
            finally:
                # Known for this decision only: the next one asks again, and the
                # validator (which cannot ask) never decides by an old answer.
                self._state.home_stage = None
            view = await self._record(record)
            self._transitions.remember(command, view)
            return view

    @transition.validator
    def validate_transition(self, command: TransitionCommand) -> None:
        """Reject before anything is written: wrong stage, bad date, bad evidence, a reused key."""
        with refusals():
            if self._transitions.repeat(command) is None:
                self._plan(command)

    @workflow.update
    async def correct(self, command: CorrectionCommand) -> CorrectionResult:
        """Correct a recorded transition (amend its date or evidence, or void the last one).

        Nothing recorded is changed: the correction is a new record, written to
        the append-only `correction` table, and the state moves to what it
        says. A new update handler changes no existing history, so running
        workflows take it without a patch.
        """
        async with self._lock:
            with refusals():
                first = self._corrections.repeat(command)
                if first is not None:
                    return first
                record = self._plan_correction(command)
            voided = apply_correction(self._state, record)
            if voided is not None:
                self._upsert_stage()
                obligations_after_void(self._state, self._policy, voided, now=workflow.now())
                self._timer.rearm()
            await workflow.execute_activity_method(
                Projection.record_correction,
                CorrectionProjection(
                    municipality=self._state.municipality,
                    record=record,
                    stage=self._state.stage,
                    paused_from=self._state.paused_from,
                    obligations=obligation_views(self._state, self._policy, workflow.now()),
                ),
                **SQL_WRITE,
            )
            result = CorrectionResult(
                correction=record, municipality=municipality_view(self._state, self._policy)
            )
            self._corrections.remember(command, result)
            return result

    @correct.validator
    def validate_correct(self, command: CorrectionCommand) -> None:
        """Reject before anything is written: unknown target, bad date or evidence, no change."""
        with refusals():
            if self._corrections.repeat(command) is None:
                self._plan_correction(command)

    # -- process migrations ---------------------------------------------------

    @workflow.query
    def preview_migration(self, command: MigrationCommand) -> MigrationCallResult:
        """What `migrate` would do now (the dry-run): the same function on the same state.

        A plan that does not fit is an answer here (`error`), not a failed query.
        """
        try:
            effect = migrate_state(self._state, self._policy, command.plan, now=workflow.now())[2]
        except OnboardingError as err:
            return MigrationCallResult(error=err.to_detail())
        return MigrationCallResult(effect=effect)

    @workflow.update
    async def migrate(self, command: MigrationCommand) -> MigrationEffect:
        """Move to another version of the process (or policy); once per migration id.

        A new update handler changes no existing history, so running workflows
        take it without a patch; after it, every decision interprets the new
        version (the state records it) under the new policy (carried through
        continue-as-new).
        """
        async with self._lock:
            with refusals():
                after, policy, effect = migrate_state(
                    self._state, self._policy, command.plan, now=workflow.now()
                )
            if effect.already_applied:
                return effect
            effect = effect.model_copy(update={"recorded_at": workflow.now()})
            # Field by field: the answers kept by key refer to this state's own dicts.
            state = self._state
            state.process_version = after.process_version
            state.stage, state.paused_from = after.stage, after.paused_from
            state.obligations = after.obligations
            state.migrations[effect.migration_id] = effect
            self._policy = policy
            self._input = self._input.model_copy(update={"policy": policy})
            self._upsert_stage()
            self._timer.rearm()
            await workflow.execute_activity_method(
                Projection.record_migration,
                MigrationProjection(
                    municipality=state.municipality,
                    effect=effect,
                    reason=command.plan.reason,
                    actor=command.actor,
                    stage=state.stage,
                    paused_from=state.paused_from,
                    obligations=obligation_views(state, policy, workflow.now()),
                    **self._run(),
                ),
                **SQL_WRITE,
            )
            return effect

    @migrate.validator
    def validate_migrate(self, command: MigrationCommand) -> None:
        """Reject a plan that does not fit this party, before anything is written."""
        with refusals():
            migrate_state(self._state, self._policy, command.plan, now=workflow.now())

    # -- municipal reforms ---------------------------------------------------

    @workflow.query
    def preview_reform(self, command: ReformCommand) -> ReformCallResult:
        """What `reform` would do now (the dry-run): the same function on the same state."""
        try:
            effect = apply_reform(
                self._state, self._policy, command, now=workflow.now(), **self._run()
            )[1]
        except OnboardingError as err:
            return ReformCallResult(error=err.to_detail())
        return ReformCallResult(effect=effect)

    @workflow.update
    async def reform(self, command: ReformCommand) -> PartyReformEffect:
        """The party's part in a municipal reform (#20); once per reform id.

        Data this workflow interprets, the same for every kind and version: a
        party that ends moves to the engine's `ended_by_reform` stage, which no
        definition leaves, with every obligation and timer cancelled once; a
        new municipality lands in its derived stage with its obligations armed
        once. A new update handler changes no existing history.
        """
        async with self._lock:
            with refusals():
                after, effect = apply_reform(
                    self._state, self._policy, command, now=workflow.now(), **self._run()
                )
            if effect.already_applied:
                return effect
            # The reform's own record says when it was recorded (backdated or now).
            assert after.last_transition is not None
            effect = effect.model_copy(update={"recorded_at": after.last_transition.recorded_at})
            left = self._state.wave if effect.wave_left is not None else None
            # Field by field: the answers kept by key refer to this state's own dicts.
            state = self._state
            state.municipality = after.municipality
            state.stage, state.paused_from = after.stage, after.paused_from
            state.seq, state.last_transition = after.seq, after.last_transition
            state.records = after.records
            state.obligations = after.obligations
            state.wave, state.missed_go_live = after.wave, after.missed_go_live
            state.current_number = after.current_number
            state.ended_by_reform, state.successors = after.ended_by_reform, after.successors
            state.reforms[effect.reform_id] = effect
            self._upsert_stage()
            if command.role is ReformRole.HOME_MOVED and command.new_home is not None:
                workflow.upsert_search_attributes([NUMBER_ATTRIBUTE.value_set(command.new_home)])
            self._timer.rearm()
            assert state.last_transition is not None
            await workflow.execute_activity_method(
                Projection.record_transition,
                ProjectionInput(
                    municipality=state.municipality,
                    record=state.last_transition,
                    stage=state.stage,
                    paused_from=state.paused_from,
                    obligations=obligation_views(state, self._policy, workflow.now()),
                ),
                **SQL_WRITE,
            )
            if left is not None:
                await self._tell_wave_left(left, None, summary(command), command.actor)
            return effect

    @reform.validator
    def validate_reform(self, command: ReformCommand) -> None:
        """Reject a reform that does not fit this party, before anything is written."""
        with refusals():
            apply_reform(self._state, self._policy, command, now=workflow.now(), **self._run())

    # -- deadlines -----------------------------------------------------------

    @workflow.update
    async def set_deadline(self, command: DeadlineCommand) -> ObligationView:
        """Set or move an obligation's deadline; re-arms its reminders and escalations."""
        async with self._lock:
            with refusals():
                first = self._repeated_deadline(command)
                if first is not None:
                    return first
                obligation = open_obligation(
                    self._state, self._policy, command, today=self._today()
                )
            change = set_deadline(
                obligation, self._policy, command, now=workflow.now(), **self._run()
            )
            self._timer.rearm()
            await self._record_obligations(change)
            view = obligation_view(obligation, self._policy, workflow.now())
            self._deadlines.remember(command, view)
            return view

    @set_deadline.validator
    def validate_set_deadline(self, command: DeadlineCommand) -> None:
        """Reject unknown or closed obligations, deadlines in the past, a reused key."""
        with refusals():
            if self._repeated_deadline(command) is None:
                open_obligation(self._state, self._policy, command, today=self._today())

    # -- production waves (the wave workflow owns the wave; this one its membership) --

    @workflow.query
    def checklist(self) -> ChecklistView:
        """The readiness checklist: each item's deadline and completion, and the blockers."""
        return readiness.checklist_view(self._state, self._policy)

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
            first = membership.repeated_join(self._state, command)
            if first is not None:
                return first
            with refusals():
                left = membership.join_wave(self._state, self._policy, command, now=workflow.now())
            self._timer.rearm()
            await self._record_obligations()
            if left is not None:
                await self._tell_wave_left(left, command.wave_id, command.reason, command.actor)
            return membership_result(
                self._state, member=True, previous_wave=left.wave_id if left else None
            )

    @join_wave.validator
    def validate_join_wave(self, command: JoinWaveCommand) -> None:
        """Reject a municipality in the wrong stage, and a move without a reason."""
        with refusals():
            if membership.repeated_join(self._state, command) is None:
                membership.check_joinable(self._state, command)

    @workflow.update
    async def leave_wave(self, command: LeaveWaveCommand) -> MembershipResult:
        """Leave the wave (removed from it): open checklist items are cancelled, done stay done."""
        async with self._lock:
            left = membership.leave_wave(self._state, self._policy, command, today=self._today())
            if left is None:
                return membership_result(self._state, member=False)
            self._timer.rearm()
            await self._record_obligations()
            return membership_result(self._state, member=False, previous_wave=left.wave_id)

    @workflow.update
    async def wave_rescheduled(self, command: WaveDateCommand) -> MembershipResult:
        """The wave's date moved: derive every wave-relative deadline again."""
        async with self._lock:
            if not membership.move_wave_date(
                self._state, self._policy, command, now=workflow.now()
            ):
                return membership_result(self._state, member=False)
            self._timer.rearm()
            await self._record_obligations()
            return membership_result(self._state, member=True)

    @workflow.update
    async def wave_go_live(self, command: WaveGoLiveCommand) -> WaveGoLiveResult:
        """The wave's go-live: a ready member goes live; any other is marked as having missed it."""
        async with self._lock:
            plan = plan_go_live(
                self._state, self._policy, command, now=workflow.now(), **self._run()
            )
            if plan.record is not None:
                await self._record(plan.record)
            return plan.result(self._state)

    @workflow.update
    async def complete_checklist_item(self, command: ChecklistCommand) -> ChecklistItemView:
        """Mark a checklist item done with its date, actor and evidence."""
        async with self._lock:
            with refusals():
                if readiness.already_done(self._state, command):
                    return readiness.checklist_item(self._state, self._policy, command.item)
                completion = readiness.complete_checklist_item(
                    self._state, self._policy, command, now=workflow.now()
                )
            self._timer.rearm()
            await workflow.execute_activity_method(
                Waves.record_checklist,
                ChecklistProjection(
                    municipality=self._state.municipality,
                    completion=completion,
                    obligations=obligation_views(self._state, self._policy, workflow.now()),
                ),
                **SQL_WRITE,
            )
            return readiness.checklist_item(self._state, self._policy, command.item)

    @complete_checklist_item.validator
    def validate_complete_checklist_item(self, command: ChecklistCommand) -> None:
        """Reject unknown items, a municipality in no wave, and dates in the future."""
        with refusals():
            if not readiness.already_done(self._state, command):
                readiness.check_completion(self._state, self._policy, command, now=workflow.now())

    @workflow.update
    async def complete_checklist_items(self, command: ChecklistItemsCommand) -> ChecklistView:
        """Mark several checklist items done at once (all or none): one write for them all."""
        async with self._lock:
            with refusals():
                completions = readiness.complete_checklist_items(
                    self._state, self._policy, command, now=workflow.now()
                )
            if completions:
                self._timer.rearm()
                await workflow.execute_activity_method(
                    Waves.record_checklist_items,
                    ChecklistItemsProjection(
                        municipality=self._state.municipality,
                        completions=completions,
                        obligations=obligation_views(self._state, self._policy, workflow.now()),
                    ),
                    **SQL_WRITE,
                )
            return readiness.checklist_view(self._state, self._policy)

    @complete_checklist_items.validator
    def validate_complete_checklist_items(self, command: ChecklistItemsCommand) -> None:
        """Reject the request if any item would be rejected on its own, or is given twice."""
        with refusals():
            readiness.check_items(self._state, self._policy, command.commands, now=workflow.now())

    # -- recording -----------------------------------------------------------

    async def _record(self, record: TransitionRecord) -> MunicipalityView:
        """Apply a planned transition, record it in SQL, and tell a wave it left."""
        apply_transition(self._state, record)
        self._upsert_stage()
        follow_obligations(
            self._state, self._policy, record.trigger, record.effective_on, now=workflow.now()
        )
        self._timer.rearm()
        left = membership.follow_wave(self._state, self._policy, record, now=workflow.now())
        await workflow.execute_activity_method(
            Projection.record_transition,
            ProjectionInput(
                municipality=self._state.municipality,
                record=record,
                stage=self._state.stage,
                paused_from=self._state.paused_from,
                obligations=obligation_views(self._state, self._policy, workflow.now()),
            ),
            **SQL_WRITE,
        )
        if left is not None:
            await self._tell_wave_left(left, None, record.evidence.get("reason"), record.actor)
        return municipality_view(self._state, self._policy)

    async def _record_obligations(self, change: DeadlineChange | None = None) -> None:
        """Write the obligations' current state (and a deadline change) to the read model."""
        await workflow.execute_activity_method(
            Projection.record_obligations,
            ObligationProjection(
                municipality=self._state.municipality,
                obligations=obligation_views(self._state, self._policy, workflow.now()),
                change=change,
            ),
            **SQL_WRITE,
        )

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

    def _upsert_stage(self) -> None:
        if self._stage_searchable():
            workflow.upsert_search_attributes([STAGE_ATTRIBUTE.value_set(self._state.stage.value)])
        self._show_stage()

    def _stage_searchable(self) -> bool:
        """Whether this run keeps its stage in the search attribute `OnboardingStage`.

        Runs recorded before the patch did, on every transition, and replay so.
        Newer runs do not: each upsert is a visibility write on the Temporal
        server, which cost a fifth of the throughput of `onboarding up` at ten
        concurrent transitions (bench/RESULTS.md). The read model answers "which
        parties are in this stage", and the Temporal UI shows each workflow's
        stage in its current details. Decided once per run, on first use.
        """
        if self._searchable is None:
            self._searchable = not workflow.patched(STAGE_OUT_OF_VISIBILITY_PATCH)
            carried: str | None = workflow.info().typed_search_attributes.get(STAGE_ATTRIBUTE)
            if not self._searchable and carried is not None:
                # Carried over from a run that kept it (or set by an older start):
                # it would go stale, so it goes.
                workflow.upsert_search_attributes([STAGE_ATTRIBUTE.value_unset()])
        return self._searchable

    def _show_stage(self) -> None:
        # The Temporal UI's "current details" (the summary is set at start); not a
        # history command, so replay is unchanged.
        workflow.set_current_details(f"Stage: **{self._state.stage.value}**")

    async def _home_stage(self, command: TransitionCommand) -> Stage | None:
        """Before approving go-live of a party that waits for its municipality, ask where it is.

        Only such parties (GP offices) ever run this activity, so no recorded
        history of another kind changes. The plan that follows refuses the
        approval, naming the municipality, unless it is ready or live.
        """
        home = self._state.municipality.municipality_number
        if (
            command.trigger is not Trigger.APPROVE_GO_LIVE
            or home is None
            or not process_of(self._state).waits_for_home_municipality
        ):
            return None
        standing = await workflow.execute_activity_method(
            Projection.party_stage, PartyStageInput(party=home), **SQL_READ
        )
        return standing.stage

    def _bound_carried_state(self) -> None:
        """Trim what the next run carries, so its input stays under Temporal's payload limit.

        Behind a patch marker: a recorded history (no marker) continued as new
        with the whole state, and replays so.
        """
        if workflow.patched(BOUNDED_CARRY_PATCH):
            size = bound_for_next_run(self._state)
            workflow.logger.info("carrying %s bytes of state into the next run", size)

    def _upgrade_guard(self) -> None:
        """Turn the readiness guard on for workflows started before waves existed.

        Behind a patch marker: replaying an old history (no marker) keeps the
        old rule, so the workflow stays deterministic.
        """
        if self._state.readiness_guard is None and workflow.patched(READINESS_GUARD_PATCH):
            self._state.readiness_guard = True

    # -- reminders -----------------------------------------------------------

    async def _send_due_messages(self) -> None:
        """Put every message whose time has come in the outbox, once, and start delivery."""
        async with self._lock:
            for due in due_messages(self._state, self._policy, workflow.now()):
                queued = await workflow.execute_activity_method(
                    Notifications.enqueue_notifications, due.due, **SQL_WRITE
                )
                due.queued()
                # Delivery runs beside the timer loop: a slow relay must not
                # hold back the next reminder.
                self._deliveries.append(asyncio.create_task(self._deliver(queued.notification_ids)))
            self._deliveries = [d for d in self._deliveries if not d.done()]

    async def _deliver(self, notification_ids: list[int]) -> None:
        """Deliver outbox rows; when retries run out the rows stay visible as failed."""
        try:
            await workflow.execute_activity_method(
                Notifications.deliver_notifications,
                DeliveryInput(notification_ids=notification_ids),
                **DELIVERY,
            )
        except ActivityError as err:
            workflow.logger.warning(
                "gave up delivering notifications %s: %s", notification_ids, err.cause
            )

    # -- decisions -----------------------------------------------------------

    def _plan(self, command: TransitionCommand) -> TransitionRecord:
        return plan_transition(
            self._state, self._policy, command, now=workflow.now(), **self._run()
        )

    def _plan_correction(self, command: CorrectionCommand) -> CorrectionRecord:
        return plan_correction(
            self._state, command, today=self._today(), now=workflow.now(), **self._run()
        )

    def _repeated_deadline(self, command: DeadlineCommand) -> ObligationView | None:
        return repeated_deadline(
            self._state,
            self._policy,
            command,
            kept=self._input.idempotency_keys_kept,
            now=workflow.now(),
        )

    def _today(self) -> date:
        return oslo_date(workflow.now())

    @staticmethod
    def _run() -> _Run:
        info = workflow.info()
        return _Run(workflow_id=info.workflow_id, run_id=info.run_id)

    def _history_is_long(self) -> bool:
        return history_is_long(self._input.continue_as_new_after_events)
