"""One workflow per production wave, id `wave-<id>`: its date, members and go-live.

Who owns what: this workflow owns the wave (its date, every date it ever had,
its status, its decisions and its member list); each municipality workflow owns
its own membership (which wave, the checklist and its timers, the go-live
guard). The wave tells its members through activities that call their updates
(`join_wave`, `leave_wave`, `wave_rescheduled`, `wave_go_live`); a member that
moves to another wave, declines or withdraws signals `member_left` back. Each
membership carries a sequence number, so a late answer never re-adds a member
that has already moved on.

At the go-live instant every `ready` member goes live (recorded by the system
with effective_on the go-live date); the others are left as they are, shown as
having missed go-live, and the program is escalated to. A wave recorded after
the fact has no timer: it goes live on its approve decision, with the date it
really went live.
"""

import asyncio
from datetime import date, datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.interfaces import Notifications, Waves
    from onboarding.domain.actor import Actor
    from onboarding.domain.checklist import go_live_date
    from onboarding.domain.notifications import DeliveryInput
    from onboarding.domain.policy import ReminderPolicy
    from onboarding.domain.recording import Recording, recording
    from onboarding.domain.waves.go_live import dependents_blocked, missed_go_live_message
    from onboarding.domain.waves.lifecycle import (
        check_active,
        check_decision,
        check_new_date,
        check_removable,
        drop_member,
        go_live_at,
        go_live_due,
        is_member,
        missed_reason,
        moved_on,
        note_departure,
        settle_member,
        status_after,
    )
    from onboarding.domain.waves.models import (
        AddMemberCommand,
        Decision,
        DecisionCommand,
        JoinWaveCommand,
        LeaveWaveCommand,
        MemberCall,
        MemberCallResult,
        MemberLeft,
        MemberStatus,
        RemoveMemberCommand,
        RescheduleCommand,
        WaveDate,
        WaveDateCommand,
        WaveDecisionRecord,
        WaveEvent,
        WaveEventKind,
        WaveGoLiveCommand,
        WaveGoLiveResult,
        WaveMember,
        WaveProjection,
        WaveRecorded,
        WaveState,
        WaveStatus,
        WaveView,
        WaveWorkflowInput,
    )
    from workflows.failures import passed_on, refusals
    from workflows.options import (
        DELIVERY,
        MEMBER_CALL,
        MEMBER_CALLS_IN_FLIGHT,
        SQL_WRITE,
        continue_as_new,
        history_is_long,
    )
    from workflows.timer import RearmableTimer


@workflow.defn(name="WaveWorkflow")
class WaveWorkflow:
    """A production wave, from planned to live."""

    @workflow.init
    def __init__(self, input: WaveWorkflowInput) -> None:
        self._input = input
        self._state: WaveState = input.state
        self._policy: ReminderPolicy = input.policy
        self._lock = asyncio.Lock()
        # Sleeps until the go-live instant; re-armed when the date moves.
        self._timer = RearmableTimer()
        self._member_calls = asyncio.Semaphore(MEMBER_CALLS_IN_FLIGHT)

    @workflow.run
    async def run(self, input: WaveWorkflowInput) -> None:
        if not self._state.registered:
            async with self._lock:
                # The first date is in the state already (the gateway put it there).
                info = self._state.info
                created = Recording(info.created_at, info.entered_at) if info.entered_at else None
                await self._record([self._event("created", info.created_by, at=created)])
                self._state.registered = True
        while not self._history_is_long():
            if go_live_due(self._state, workflow.now()):
                async with self._lock:
                    if go_live_due(self._state, workflow.now()):
                        await self._go_live()
                continue
            await self._timer.sleep_until(go_live_at(self._state), or_until=self._history_is_long)
        await continue_as_new(self._input, self._state)

    @workflow.query
    def view(self) -> WaveView:
        """The wave: its facts, members, every date it had and its decisions."""
        state = self._state
        info = state.info
        return WaveView(
            id=info.id,
            name=info.name,
            health_trust=info.health_trust,
            go_live_at=info.go_live_at,
            status=info.status,
            recorded_after_the_fact=info.recorded_after_the_fact,
            members=sorted(state.members.values(), key=lambda m: m.number),
            dates=list(state.dates),
            decisions=list(state.decisions),
        )

    @workflow.update
    async def recorded(self, _: WaveRecorded) -> WaveView:
        """The wave once its creation is in SQL: creating waits for it (read after write)."""
        await self._registered()
        return self.view()

    # -- members -------------------------------------------------------------

    @workflow.update
    async def add_member(self, command: AddMemberCommand) -> WaveView:
        """Add a municipality, or move it here from its current wave."""
        await self._registered()
        async with self._lock:
            if is_member(self._state, command.number):
                return self.view()
            with refusals():
                check_active(self._state.info, "take members")
                added = recording(command.recorded_at, workflow.now())
            joined = await self._call(
                MemberCall(
                    number=command.number,
                    update="join_wave",
                    join=JoinWaveCommand(
                        wave_id=self._state.info.id,
                        go_live_at=self._state.info.go_live_at,
                        reason=command.reason,
                        actor=command.actor,
                    ),
                ),
            )
            membership = joined.membership
            assert membership is not None, "join_wave answers with a membership"
            if moved_on(self._state, command.number, membership.seq):
                # It moved on while we waited for the answer: not a member any more.
                return self.view()
            self._state.members[command.number] = WaveMember(
                number=command.number,
                name=membership.municipality.name,
                seq=membership.seq,
                joined_at=added.recorded_at,
                waits_for=membership.waits_for,
            )
            kind: WaveEventKind = "member_moved_in" if membership.previous_wave else "member_added"
            await self._record(
                [
                    self._event(
                        kind,
                        command.actor,
                        number=command.number,
                        other_wave=membership.previous_wave,
                        reason=command.reason,
                        at=added,
                    )
                ]
            )
            return self.view()

    @add_member.validator
    def validate_add_member(self, command: AddMemberCommand) -> None:
        """Refuse members for a wave that is live or closed."""
        with refusals():
            if not is_member(self._state, command.number):
                check_active(self._state.info, "take members")
                recording(command.recorded_at, workflow.now())

    @workflow.update
    async def remove_member(self, command: RemoveMemberCommand) -> WaveView:
        """Remove a member; its open checklist items are cancelled, done ones kept."""
        await self._registered()
        async with self._lock:
            with refusals():
                check_removable(self._state, command.number)
            member = self._state.members[command.number]
            await self._call(
                MemberCall(
                    number=command.number,
                    update="leave_wave",
                    leave=LeaveWaveCommand(
                        wave_id=self._state.info.id, reason=command.reason, actor=command.actor
                    ),
                )
            )
            drop_member(self._state, command.number, member.seq)
            await self._record(
                [
                    self._event(
                        "member_removed",
                        command.actor,
                        number=command.number,
                        reason=command.reason,
                    )
                ]
            )
            return self.view()

    @remove_member.validator
    def validate_remove_member(self, command: RemoveMemberCommand) -> None:
        """Refuse a municipality that is not a member, or already went live with the wave."""
        with refusals():
            check_removable(self._state, command.number)

    @workflow.signal
    async def member_left(self, left: MemberLeft) -> None:
        """A member joined another wave, declined or withdrew: drop it from this wave."""
        await self._registered()
        async with self._lock:
            if not note_departure(self._state, left):
                return
            await self._record(
                [
                    self._event(
                        "member_moved_out",
                        left.actor,
                        number=left.number,
                        other_wave=left.to_wave,
                        reason=left.reason,
                    )
                ]
            )

    # -- the date and the decision -------------------------------------------

    @workflow.update
    async def reschedule(self, command: RescheduleCommand) -> WaveView:
        """Move the go-live; every member's wave-relative deadlines move with it."""
        await self._registered()
        async with self._lock:
            with refusals():
                check_new_date(self._state.info, command.go_live_at, now=workflow.now())
                moved = recording(command.recorded_at, workflow.now())
            await self._move_date(command.go_live_at, command.reason, command.actor, at=moved)
            return self.view()

    @reschedule.validator
    def validate_reschedule(self, command: RescheduleCommand) -> None:
        """Refuse a live or closed wave, a past date (unless after the fact), the same date."""
        with refusals():
            check_new_date(self._state.info, command.go_live_at, now=workflow.now())
            recording(command.recorded_at, workflow.now())

    @workflow.update
    async def decide(self, command: DecisionCommand) -> WaveView:
        """Record the wave's go/no-go: approve (go live now if after the fact), postpone, close."""
        await self._registered()
        async with self._lock:
            with refusals():
                check_decision(self._state.info, command, now=workflow.now())
                decided = recording(command.recorded_at, workflow.now())
            info = self._state.info
            self._state.decisions.append(
                WaveDecisionRecord(
                    decision=command.decision,
                    evidence=dict(command.evidence),
                    comment=command.comment,
                    reason=command.reason,
                    actor=command.actor,
                    recorded_at=decided.recorded_at,
                    entered_at=decided.entered_at,
                )
            )
            info.status = status_after(info, command.decision)
            await self._record(
                [
                    self._event(
                        "decision",
                        command.actor,
                        reason=command.reason or command.comment,
                        evidence={"decision": command.decision.value, **command.evidence},
                        at=decided,
                    )
                ]
            )
            if command.decision is Decision.POSTPONE:
                assert command.go_live_at is not None and command.reason is not None
                await self._move_date(command.go_live_at, command.reason, command.actor, at=decided)
            elif command.decision is Decision.APPROVE and info.recorded_after_the_fact:
                # Recorded after the fact: the approve decision is what executes go-live,
                # with the date it really happened (and, backdated, when it was recorded).
                await self._go_live(at=decided)
            return self.view()

    @decide.validator
    def validate_decide(self, command: DecisionCommand) -> None:
        """Refuse a decision the wave's status does not allow, or a postpone without a date."""
        with refusals():
            check_decision(self._state.info, command, now=workflow.now())
            recording(command.recorded_at, workflow.now())

    # -- go-live ---------------------------------------------------------------

    async def _go_live(self, *, at: Recording | None = None) -> None:
        """Take every ready member live; mark the others, and escalate them to the program.

        `at`: the approve decision's recording, when it was backdated (after the fact).
        """
        info = self._state.info
        on = go_live_date(info.go_live_at, self._input.timezone)
        system = Actor(id=f"wave:{info.id}", name=f"wave {info.name}", role="system")
        members = [m for m in self._state.members.values() if m.status is MemberStatus.MEMBER]
        # Members that wait for their municipality go after the others, so they
        # know whether it went live; a wave without such members asks everyone
        # in one round, as waves always have.
        first = [m for m in members if not m.waits_for]
        then = [m for m in members if m.waits_for]
        events: list[WaveEvent] = []
        missed: list[WaveGoLiveResult] = []
        await self._take_live(first, {}, on, system, events, missed, at=at)
        if then:
            blocked = dependents_blocked(list(self._state.members.values()), then)
            await self._take_live(then, blocked, on, system, events, missed, at=at)
        info.status = WaveStatus.LIVE
        self._state.went_live = True
        events.append(self._event("went_live", system, on=on, at=at))
        await self._record(events)
        if not info.recorded_after_the_fact:
            # A wave recorded years later warns nobody about what happened then.
            for result in missed:
                await self._escalate_missed(result)

    async def _take_live(
        self,
        waiting: list[WaveMember],
        blocked: dict[str, list[str]],
        on: date,
        system: Actor,
        events: list[WaveEvent],
        missed: list[WaveGoLiveResult],
        *,
        at: Recording | None,
    ) -> None:
        """Ask `waiting` to go live at once; note each outcome in `events` and `missed`."""
        info = self._state.info
        results = await asyncio.gather(
            *(
                self._call_leniently(
                    MemberCall(
                        number=m.number,
                        update="wave_go_live",
                        go_live=WaveGoLiveCommand(
                            wave_id=info.id,
                            effective_on=on,
                            actor=system,
                            blocked_by=blocked.get(m.number, []),
                            recorded_at=at.recorded_at if at else None,
                        ),
                    )
                )
                for m in waiting
            )
        )
        for member, answer in zip(waiting, results, strict=True):
            status = settle_member(self._state, member, answer.go_live, on)
            if status is MemberStatus.LIVE:
                events.append(
                    self._event("member_went_live", system, number=member.number, on=on, at=at)
                )
            elif status is MemberStatus.MISSED_GO_LIVE and answer.go_live is not None:
                missed.append(answer.go_live)
                events.append(
                    self._event(
                        "member_missed_go_live",
                        system,
                        number=member.number,
                        reason=missed_reason(answer.go_live),
                        on=on,
                        at=at,
                    )
                )

    async def _escalate_missed(self, result: WaveGoLiveResult) -> None:
        """The top of the ladder hears of a member that missed its wave's go-live."""
        queued = await workflow.execute_activity_method(
            Notifications.enqueue_notifications,
            missed_go_live_message(
                self._state.info, result, self._policy, timezone=self._input.timezone
            ),
            **SQL_WRITE,
        )
        try:
            await workflow.execute_activity_method(
                Notifications.deliver_notifications,
                DeliveryInput(notification_ids=queued.notification_ids),
                **DELIVERY,
            )
        except ActivityError as err:
            workflow.logger.warning("gave up delivering %s: %s", queued.notification_ids, err.cause)

    # -- helpers -------------------------------------------------------------

    async def _registered(self) -> None:
        # An update may arrive with the start: the "created" event comes first.
        await workflow.wait_condition(lambda: self._state.registered)

    async def _move_date(
        self, go_live_at: datetime, reason: str, actor: Actor, *, at: Recording
    ) -> None:
        info = self._state.info
        previous = info.go_live_at
        info.go_live_at = go_live_at
        info.status = WaveStatus.PLANNED
        self._state.dates.append(
            WaveDate(go_live_at=go_live_at, set_at=at.recorded_at, reason=reason, actor=actor)
        )
        await self._record(
            [self._event("rescheduled", actor, reason=reason, previous_go_live_at=previous, at=at)]
        )
        members = [m for m in self._state.members.values() if m.status is MemberStatus.MEMBER]
        await asyncio.gather(
            *(
                self._call_leniently(
                    MemberCall(
                        number=m.number,
                        update="wave_rescheduled",
                        date=WaveDateCommand(wave_id=info.id, go_live_at=go_live_at),
                    )
                )
                for m in members
            )
        )
        self._timer.rearm()

    async def _call(self, call: MemberCall) -> MemberCallResult:
        """Run one member update through the activity; its refusal becomes ours."""
        try:
            async with self._member_calls:
                return await workflow.execute_activity_method(
                    Waves.call_member, call, **MEMBER_CALL
                )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                raise passed_on(cause) from None
            raise

    async def _call_leniently(self, call: MemberCall) -> MemberCallResult:
        """A member's call in a fan-out: one whose workflow is gone must not stop the others."""
        try:
            return await self._call(call)
        except ApplicationError as err:
            workflow.logger.warning("member %s left out of go-live: %s", call.number, err)
            return MemberCallResult()

    def _event(
        self,
        kind: WaveEventKind,
        actor: Actor,
        *,
        number: str | None = None,
        other_wave: str | None = None,
        reason: str | None = None,
        evidence: dict[str, str] | None = None,
        previous_go_live_at: datetime | None = None,
        on: date | None = None,
        at: Recording | None = None,
    ) -> WaveEvent:
        """The next event of the wave, recorded now or (backdated) `at`."""
        recorded = at or Recording(workflow.now(), None)
        self._state.event_seq += 1
        info = workflow.info()
        return WaveEvent(
            seq=self._state.event_seq,
            kind=kind,
            number=number,
            go_live_at=self._state.info.go_live_at,
            previous_go_live_at=previous_go_live_at,
            other_wave=other_wave,
            reason=reason,
            evidence=evidence or {},
            effective_on=on,
            actor=actor,
            recorded_at=recorded.recorded_at,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
            entered_at=recorded.entered_at,
        )

    async def _record(self, events: list[WaveEvent]) -> None:
        await workflow.execute_activity_method(
            Waves.record_wave,
            WaveProjection(
                wave=self._state.info, members=list(self._state.members.values()), events=events
            ),
            **SQL_WRITE,
        )

    def _history_is_long(self) -> bool:
        return history_is_long(self._input.continue_as_new_after_events)
