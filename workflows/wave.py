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
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboarding.domain.actor import Actor
    from onboarding.domain.checklist import go_live_date
    from onboarding.domain.errors import OnboardingError, RequestRejected, WaveRefused
    from onboarding.domain.notifications import (
        DeliveryInput,
        DeliveryResult,
        DueMessage,
        EnqueueResult,
        MessageKind,
    )
    from onboarding.domain.policy import ReminderPolicy
    from onboarding.domain.waves.models import (
        AddMemberCommand,
        Decision,
        DecisionCommand,
        GoLiveOutcome,
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
    from workflows.failures import passed_on
    from workflows.municipality import (
        DELIVERY_HEARTBEAT,
        DELIVERY_RETRY,
        DELIVERY_TIMEOUT,
        SQL_WRITE_RETRY,
        SQL_WRITE_TIMEOUT,
    )
    from workflows.options import history_is_long

# A member's update runs its own SQL write; give it time, retry while Temporal is busy.
MEMBER_CALL_TIMEOUT = timedelta(minutes=2)
# The call heartbeats (activities/waves.py): a worker killed mid-call costs this, not the above.
MEMBER_CALL_HEARTBEAT = timedelta(seconds=10)
# Member calls in flight per wave. Each holds an activity slot while the member's
# own SQL write needs another: the worker keeps slots for those (see worker.py).
MEMBER_CALLS_IN_FLIGHT = 4
OPEN_STATUSES = (WaveStatus.PLANNED, WaveStatus.FROZEN)


@workflow.defn(name="WaveWorkflow")
class WaveWorkflow:
    """A production wave, from planned to live."""

    @workflow.init
    def __init__(self, input: WaveWorkflowInput) -> None:
        self._input = input
        self._state: WaveState = input.state
        self._policy: ReminderPolicy = input.policy
        self._lock = asyncio.Lock()
        self._changed = False
        self._member_calls = asyncio.Semaphore(MEMBER_CALLS_IN_FLIGHT)

    @workflow.run
    async def run(self, input: WaveWorkflowInput) -> None:
        if not self._state.registered:
            async with self._lock:
                # The first date is in the state already (the gateway put it there).
                await self._record([self._event("created", self._state.info.created_by)])
                self._state.registered = True
        while not self._history_is_long():
            if self._go_live_due():
                async with self._lock:
                    if self._go_live_due():
                        await self._go_live()
                continue
            await self._sleep_until_go_live()
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(self._input.model_copy(update={"state": self._state}))

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
            if self._is_member(command.number):
                return self.view()
            self._refuse(self._check_open("take members"))
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
            if self._state.departed.get(command.number, 0) >= membership.seq:
                # It moved on while we waited for the answer: not a member any more.
                return self.view()
            self._state.members[command.number] = WaveMember(
                number=command.number,
                name=membership.municipality.name,
                seq=membership.seq,
                joined_at=workflow.now(),
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
                    )
                ]
            )
            return self.view()

    @add_member.validator
    def validate_add_member(self, command: AddMemberCommand) -> None:
        """Refuse members for a wave that is live or closed."""
        if not self._is_member(command.number):
            self._refuse(self._check_open("take members"))

    @workflow.update
    async def remove_member(self, command: RemoveMemberCommand) -> WaveView:
        """Remove a member; its open checklist items are cancelled, done ones kept."""
        await self._registered()
        async with self._lock:
            self._refuse(self._check_removable(command.number))
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
            self._drop(command.number, member.seq)
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
        self._refuse(self._check_removable(command.number))

    @workflow.signal
    async def member_left(self, left: MemberLeft) -> None:
        """A member joined another wave, declined or withdrew: drop it from this wave."""
        await self._registered()
        async with self._lock:
            member = self._state.members.get(left.number)
            self._state.departed[left.number] = max(
                left.seq, self._state.departed.get(left.number, 0)
            )
            if member is None or member.seq > left.seq:
                return
            self._drop(left.number, left.seq)
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
            self._refuse(self._check_new_date(command.go_live_at))
            await self._move_date(command.go_live_at, command.reason, command.actor)
            return self.view()

    @reschedule.validator
    def validate_reschedule(self, command: RescheduleCommand) -> None:
        """Refuse a live or closed wave, a past date (unless after the fact), the same date."""
        self._refuse(self._check_new_date(command.go_live_at))

    @workflow.update
    async def decide(self, command: DecisionCommand) -> WaveView:
        """Record the wave's go/no-go: approve (go live now if after the fact), postpone, close."""
        await self._registered()
        async with self._lock:
            self._refuse(self._check_decision(command))
            info = self._state.info
            self._state.decisions.append(
                WaveDecisionRecord(
                    decision=command.decision,
                    evidence=dict(command.evidence),
                    comment=command.comment,
                    reason=command.reason,
                    actor=command.actor,
                    recorded_at=workflow.now(),
                )
            )
            if command.decision is Decision.APPROVE:
                info.status = WaveStatus.FROZEN
            elif command.decision is Decision.CLOSE:
                info.status = WaveStatus.CLOSED
            await self._record(
                [
                    self._event(
                        "decision",
                        command.actor,
                        reason=command.reason or command.comment,
                        evidence={"decision": command.decision.value, **command.evidence},
                    )
                ]
            )
            if command.decision is Decision.POSTPONE:
                assert command.go_live_at is not None and command.reason is not None
                await self._move_date(command.go_live_at, command.reason, command.actor)
            elif command.decision is Decision.APPROVE and info.recorded_after_the_fact:
                # Recorded after the fact: the approve decision is what executes go-live,
                # with the date it really happened.
                await self._go_live()
            return self.view()

    @decide.validator
    def validate_decide(self, command: DecisionCommand) -> None:
        """Refuse a decision the wave's status does not allow, or a postpone without a date."""
        self._refuse(self._check_decision(command))

    # -- go-live ---------------------------------------------------------------

    def _go_live_due(self) -> bool:
        info = self._state.info
        return (
            not self._state.went_live
            and not info.recorded_after_the_fact
            and info.status in OPEN_STATUSES
            and workflow.now() >= info.go_live_at
        )

    async def _sleep_until_go_live(self) -> None:
        info = self._state.info
        timeout: timedelta | None = None
        if not self._state.went_live and not info.recorded_after_the_fact:
            timeout = max(info.go_live_at - workflow.now(), timedelta(0))
        self._changed = False
        try:
            await workflow.wait_condition(
                lambda: self._changed or self._history_is_long(), timeout=timeout
            )
        except TimeoutError:
            pass

    async def _go_live(self) -> None:
        """Take every ready member live; mark the others, and escalate them to the program."""
        info = self._state.info
        on = go_live_date(info.go_live_at, self._input.timezone)
        system = Actor(id=f"wave:{info.id}", name=f"wave {info.name}", role="system")
        waiting = [m for m in self._state.members.values() if m.status is MemberStatus.MEMBER]
        results = await asyncio.gather(
            *(
                self._call_leniently(
                    MemberCall(
                        number=m.number,
                        update="wave_go_live",
                        go_live=WaveGoLiveCommand(wave_id=info.id, effective_on=on, actor=system),
                    )
                )
                for m in waiting
            )
        )
        events: list[WaveEvent] = []
        missed: list[WaveGoLiveResult] = []
        for member, answer in zip(waiting, results, strict=True):
            result = answer.go_live
            if result is None:
                # Its workflow is gone (terminated by an operator): nothing to take live.
                self._drop(member.number, member.seq)
                continue
            if result.outcome is GoLiveOutcome.LIVE:
                member.status, member.went_live_on = MemberStatus.LIVE, on
                events.append(self._event("member_went_live", system, number=member.number, on=on))
            elif result.outcome is GoLiveOutcome.NOT_READY:
                member.status = MemberStatus.MISSED_GO_LIVE
                missed.append(result)
                events.append(
                    self._event(
                        "member_missed_go_live",
                        system,
                        number=member.number,
                        reason="; ".join(result.blockers) or f"stage {result.stage.value}",
                        on=on,
                    )
                )
            else:
                self._drop(member.number, member.seq)
        info.status = WaveStatus.LIVE
        self._state.went_live = True
        events.append(self._event("went_live", system, on=on))
        await self._record(events)
        if not info.recorded_after_the_fact:
            # A wave recorded years later warns nobody about what happened then.
            for result in missed:
                await self._escalate_missed(result)

    async def _escalate_missed(self, result: WaveGoLiveResult) -> None:
        """The top of the ladder hears of a member that missed its wave's go-live."""
        info = self._state.info
        top = self._policy.escalation_ladder[-1]
        queued = await workflow.execute_activity(
            "enqueue_notifications",
            DueMessage(
                municipality=result.municipality,
                obligation_id="go_live",
                obligation_label=f"Go-live with wave {info.name} (missed: not ready)",
                kind=MessageKind.ESCALATION,
                message_key=f"missed-go-live-{info.id}",
                level=top.level,
                deadline=go_live_date(info.go_live_at, self._input.timezone),
                due_at=info.go_live_at,
                recipient_roles=list(top.recipients),
            ),
            result_type=EnqueueResult,
            start_to_close_timeout=SQL_WRITE_TIMEOUT,
            retry_policy=SQL_WRITE_RETRY,
        )
        try:
            await workflow.execute_activity(
                "deliver_notifications",
                DeliveryInput(notification_ids=queued.notification_ids),
                result_type=DeliveryResult,
                start_to_close_timeout=DELIVERY_TIMEOUT,
                heartbeat_timeout=DELIVERY_HEARTBEAT,
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning("gave up delivering %s: %s", queued.notification_ids, err.cause)

    # -- helpers -------------------------------------------------------------

    async def _registered(self) -> None:
        # An update may arrive with the start: the "created" event comes first.
        await workflow.wait_condition(lambda: self._state.registered)

    async def _move_date(self, go_live_at: datetime, reason: str, actor: Actor) -> None:
        info = self._state.info
        previous = info.go_live_at
        info.go_live_at = go_live_at
        info.status = WaveStatus.PLANNED
        self._state.dates.append(
            WaveDate(go_live_at=go_live_at, set_at=workflow.now(), reason=reason, actor=actor)
        )
        await self._record(
            [self._event("rescheduled", actor, reason=reason, previous_go_live_at=previous)]
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
        self._changed = True

    async def _call(self, call: MemberCall) -> MemberCallResult:
        """Run one member update through the activity; its refusal becomes ours."""
        try:
            async with self._member_calls:
                answer: MemberCallResult = await workflow.execute_activity(
                    "call_member",
                    call,
                    result_type=MemberCallResult,
                    start_to_close_timeout=MEMBER_CALL_TIMEOUT,
                    heartbeat_timeout=MEMBER_CALL_HEARTBEAT,
                    retry_policy=SQL_WRITE_RETRY,
                )
            return answer
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

    def _drop(self, number: str, seq: int) -> None:
        self._state.members.pop(number, None)
        self._state.departed[number] = max(seq, self._state.departed.get(number, 0))

    def _is_member(self, number: str) -> bool:
        member = self._state.members.get(number)
        return member is not None and member.status is MemberStatus.MEMBER

    def _check_open(self, what: str) -> OnboardingError | None:
        info = self._state.info
        if info.status not in OPEN_STATUSES:
            return WaveRefused(
                info.id, info.status.value, f"a {info.status.value} wave cannot {what}"
            )
        return None

    def _check_removable(self, number: str) -> OnboardingError | None:
        info = self._state.info
        member = self._state.members.get(number)
        if member is None:
            members = ", ".join(sorted(self._state.members)) or "none"
            return RequestRejected(
                "number", f"{number} is not a member of wave {info.id} ({members})"
            )
        if member.status is MemberStatus.LIVE:
            return WaveRefused(info.id, info.status.value, f"{number} went live with the wave")
        return None

    def _check_new_date(self, go_live_at: datetime) -> OnboardingError | None:
        info = self._state.info
        refused = self._check_open("be rescheduled")
        if refused is not None:
            return refused
        if go_live_at.utcoffset() is None:
            return RequestRejected("go_live_at", "give a local date-time with offset")
        if go_live_at == info.go_live_at:
            return RequestRejected("go_live_at", f"the wave already goes live at {go_live_at}")
        if go_live_at <= workflow.now() and not info.recorded_after_the_fact:
            return RequestRejected(
                "go_live_at",
                f"{go_live_at.isoformat()} is in the past; only a wave recorded after the "
                "fact takes past dates",
            )
        return None

    def _check_decision(self, command: DecisionCommand) -> OnboardingError | None:
        info = self._state.info
        if command.decision is Decision.CLOSE:
            if info.status is not WaveStatus.LIVE:
                return WaveRefused(info.id, info.status.value, "only a live wave can be closed")
            return None
        refused = self._check_open(f"be given an {command.decision.value} decision")
        if refused is not None:
            return refused
        if command.decision is Decision.APPROVE and info.status is WaveStatus.FROZEN:
            return WaveRefused(info.id, info.status.value, "its go-live is approved already")
        if command.decision is Decision.POSTPONE:
            if command.go_live_at is None:
                return RequestRejected("go_live_at", "postponing needs the new go-live date")
            if command.reason is None:
                return RequestRejected("reason", "postponing needs a reason")
            return self._check_new_date(command.go_live_at)
        if info.recorded_after_the_fact and info.go_live_at > workflow.now():
            return RequestRejected(
                "decision",
                f"wave {info.id} is recorded after the fact but its date "
                f"{info.go_live_at.isoformat()} has not come yet",
            )
        return None

    @staticmethod
    def _refuse(error: OnboardingError | None) -> None:
        if error is not None:
            raise ApplicationError(
                str(error), error.to_detail(), type=error.code, non_retryable=True
            )

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
    ) -> WaveEvent:
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
            recorded_at=workflow.now(),
            workflow_id=info.workflow_id,
            run_id=info.run_id,
        )

    async def _record(self, events: list[WaveEvent]) -> None:
        await workflow.execute_activity(
            "record_wave",
            WaveProjection(
                wave=self._state.info,
                members=list(self._state.members.values()),
                events=events,
            ),
            start_to_close_timeout=SQL_WRITE_TIMEOUT,
            retry_policy=SQL_WRITE_RETRY,
        )

    def _history_is_long(self) -> bool:
        return history_is_long(self._input.continue_as_new_after_events)
