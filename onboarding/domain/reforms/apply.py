"""A reform applied to one party's state, and a new municipality's stage derived (pure).

The workflow's preview query and its reform update run `apply_reform` on the
same state, so the dry-run lists what the apply then does; a new
municipality's dry-run runs it on the fresh state its workflow will start
with. Nothing here reads a clock: `now` comes from the workflow.

Every role records one transition with the engine's own trigger `reform` on
the party's road (its timeline and the audit log show it, and reports read it
like any transition):

- `ends`: the party moves to `ended_by_reform`, the engine's end common to
  every kind and version (no definition lists it, so no trigger leaves it).
  Every open or paused obligation is cancelled, with it every reminder and
  escalation timer (listed), and it leaves its wave;
- `starts`: a new municipality lands in the stage the plan derived from its
  predecessors (`derive_landing`), the way a migration lands a party: the
  stage's obligations open under its policy, taking over the deadlines it
  inherits, and their timers are armed once;
- `renumbered`: the same party, a new number (`current_number`);
- `home_moved`: a GP office or specialist whose municipality ended follows
  the successor;
- `noted`: a boundary transfer, joining or leaving the catchment area, or a
  split's part that exists already: recorded, nothing else changes.
"""

from collections.abc import Callable
from datetime import datetime

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import RequestRejected
from onboarding.domain.migrations.apply import (
    active_obligations,
    catch_up,
    timer_changes,
    timers_of,
)
from onboarding.domain.obligations.schedule import ACTIVE_OBLIGATION_STATUSES, ObligationStatus
from onboarding.domain.parties.models import MunicipalityState, TransitionRecord
from onboarding.domain.parties.obligations import follow_obligations
from onboarding.domain.parties.process import process_of
from onboarding.domain.parties.transitions import apply_transition, transition_recording
from onboarding.domain.party import PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.machine import check_effective_on
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.reform_plan import (
    Agreement,
    InheritedDeadline,
    Landing,
    ObligationOpened,
    OpenObligation,
    PartyReformEffect,
    ReformCommand,
    ReformKind,
    ReformRole,
    StageRule,
    Standing,
)
from onboarding.domain.process.registry import process_definition
from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.domain.waves.membership import leave_wave
from onboarding.domain.waves.models import LeaveWaveCommand

# Triggers that record a signature or decision a new municipality can inherit.
SIGNING_TRIGGERS = frozenset(
    {
        Trigger.SIGN_COLLABORATION,
        Trigger.EXERCISE_OPTION,
        Trigger.SIGN_CALL_OFF_AGREEMENT,
        Trigger.SIGN_SERVICE_AGREEMENT,
        Trigger.SIGN_STANDARD_AGREEMENT,
    }
)

# Stages a new municipality cannot land in without its own transition: ready
# needs its own wave and checklist, and a pause or an end is not inherited.
_NO_LANDING = frozenset({Stage.READY, Stage.PAUSED, Stage.ENDED_BY_REFORM})


def apply_reform(
    state: MunicipalityState,
    policy: ReminderPolicy,
    command: ReformCommand,
    *,
    now: datetime,
    workflow_id: str,
    run_id: str,
) -> tuple[MunicipalityState, PartyReformEffect]:
    """The state after the party's part in the reform, and its effect; `state` is not changed.

    A reform the party has had already changes nothing and answers its first
    effect (marked `already_applied`). RequestRejected says why it does not fit.
    """
    first = state.reforms.get(command.reform_id)
    if first is not None:
        return state, first.model_copy(update={"already_applied": True})
    party = state.municipality.number
    if state.stage is Stage.ENDED_BY_REFORM:
        raise RequestRejected(
            "parties",
            f"{party} ended with reform {state.ended_by_reform}; "
            f"its successors ({', '.join(state.successors)}) carry it on",
        )
    recorded = transition_recording(state, command.recorded_at, now)
    check_effective_on(command.effective_on, oslo_date(recorded.recorded_at), state.last_transition)
    after = state.model_copy(deep=True)
    record = TransitionRecord(
        seq=state.seq + 1,
        trigger=Trigger.REFORM,
        from_stage=state.stage,
        to_stage=state.stage,
        effective_on=command.effective_on,
        evidence=dict(command.evidence),
        comment=summary(command),
        actor=command.actor,
        recorded_at=recorded.recorded_at,
        idempotency_key=f"reform:{command.reform_id}",
        workflow_id=workflow_id,
        run_id=run_id,
        process_version=state.process_version,
        entered_at=recorded.entered_at,
    )
    effect = PartyReformEffect(
        reform_id=command.reform_id,
        party=party,
        role=command.role,
        from_stage=state.stage,
        to_stage=state.stage,
        number_before=_own_number(state),
        number_after=_own_number(state),
        home_before=state.municipality.municipality_number,
        home_after=state.municipality.municipality_number,
        predecessors=list(command.predecessors),
        successors=list(command.successors),
    )
    if command.role is ReformRole.ENDS:
        effect = _end(after, policy, command, record, effect, now=now)
    elif command.role is ReformRole.STARTS:
        effect = _start(after, policy, command, record, effect, now=now)
    else:
        if command.role is ReformRole.RENUMBERED:
            if command.new_number is None:
                raise RequestRejected("new_number", "a renumbering names the new number")
            after.current_number = None if command.new_number == party else command.new_number
            effect.number_after = command.new_number
        elif command.role is ReformRole.HOME_MOVED:
            if command.new_home is None or state.municipality.municipality_number is None:
                raise RequestRejected("parties", f"{party} has no municipality to move from")
            moved = state.municipality.model_copy(update={"municipality_number": command.new_home})
            after.municipality = moved
            effect.home_after = command.new_home
        _note(after, record)
    after.reforms[command.reform_id] = effect
    return after, effect


def _end(
    after: MunicipalityState,
    policy: ReminderPolicy,
    command: ReformCommand,
    record: TransitionRecord,
    effect: PartyReformEffect,
    *,
    now: datetime,
) -> PartyReformEffect:
    """Merged into, or divided among, its successors: every clock stops, once."""
    before = after.model_copy(deep=True)
    today = oslo_date(now)
    standing = standing_of(before)
    wave_left = None
    if after.wave is not None:
        reason = summary(command)
        leave = LeaveWaveCommand(wave_id=after.wave.wave_id, reason=reason, actor=command.actor)
        left = leave_wave(after, policy, leave, today=today)
        wave_left = left.wave_id if left is not None else None
    for obligation in after.obligations.values():
        if obligation.status in ACTIVE_OBLIGATION_STATUSES:
            obligation.status, obligation.closed_on = ObligationStatus.CANCELLED, today
            obligation.paused_on = None
    ended = record.model_copy(update={"to_stage": Stage.ENDED_BY_REFORM})
    apply_transition(after, ended)
    after.paused_from = None
    after.ended_by_reform = command.reform_id
    after.successors = list(command.successors)
    return effect.model_copy(
        update={
            "to_stage": Stage.ENDED_BY_REFORM,
            "standing": standing,
            "obligations_cancelled": sorted(active_obligations(before) - active_obligations(after)),
            "timers": timer_changes(timers_of(before, policy), timers_of(after, policy), now),
            "wave_left": wave_left,
        }
    )


def _start(
    after: MunicipalityState,
    policy: ReminderPolicy,
    command: ReformCommand,
    record: TransitionRecord,
    effect: PartyReformEffect,
    *,
    now: datetime,
) -> PartyReformEffect:
    """A new municipality lands in its derived stage, its obligations armed once."""
    landing = command.landing
    party = after.municipality.number
    if landing is None:
        raise RequestRejected("parties", f"{party} starts by a reform without a landing")
    if after.seq != 0:
        raise RequestRejected(
            "new_municipalities",
            f"{party} has a road of its own already ({after.stage.value}); "
            "a reform starts only a new municipality",
        )
    if landing.process_version != after.process_version:
        raise RequestRejected(
            "parties",
            f"{party} runs version {after.process_version}, the landing is for "
            f"version {landing.process_version}",
        )
    before = after.model_copy(deep=True)
    today = oslo_date(now)
    apply_transition(after, record.model_copy(update={"to_stage": landing.stage}))
    follow_obligations(after, policy, None, today, now=now)
    inherited = {d.obligation_id: d for d in landing.deadlines}
    opened: list[ObligationOpened] = []
    for obligation in after.obligations.values():
        if obligation.status not in ACTIVE_OBLIGATION_STATUSES:
            continue
        source = inherited.get(obligation.id)
        if source is not None:
            obligation.deadline, obligation.done = source.deadline, []
        opened.append(
            ObligationOpened(
                id=obligation.id,
                deadline=obligation.deadline,
                inherited_from=source.from_party if source is not None else None,
            )
        )
    passed_over = catch_up(after, policy, now)
    return effect.model_copy(
        update={
            "to_stage": landing.stage,
            "landing": landing,
            "obligations_opened": sorted(opened, key=lambda o: o.id),
            "timers": timer_changes(timers_of(before, policy), timers_of(after, policy), now)
            + passed_over,
        }
    )


def _note(state: MunicipalityState, record: TransitionRecord) -> None:
    """Record the reform on the party's road without moving its stage (or its pause)."""
    state.seq = record.seq
    state.last_transition = record
    state.records.append(record)


def _own_number(state: MunicipalityState) -> str | None:
    """A municipality's number now (its id unless renumbered); None for other kinds."""
    party = state.municipality
    if party.kind is not PartyKind.MUNICIPALITY:
        return None
    return state.current_number or party.number


def summary(command: ReformCommand) -> str:
    """The reform in a line, as the party's timeline shows it (English; pages translate)."""
    if command.role is ReformRole.ENDS:
        verb = "merged into" if command.kind is ReformKind.MERGER else "divided into"
        line = f"{verb} {', '.join(command.successors)}"
    elif command.role is ReformRole.STARTS:
        verb = "merger of" if command.kind is ReformKind.MERGER else "split from"
        line = f"new municipality: {verb} {', '.join(command.predecessors)}"
    elif command.role is ReformRole.RENUMBERED:
        line = f"renumbered to {command.new_number}"
    elif command.role is ReformRole.HOME_MOVED:
        line = f"its municipality is now {command.new_home}"
    else:
        line = command.kind.value.replace("_", " ")
    text = f"{line} (reform {command.reform_id})"
    return f"{text}: {command.comment}" if command.comment else text


# -- where predecessors stood, and where a new municipality starts -------------------


def standing_of(state: MunicipalityState) -> Standing:
    """Where the party stands: its stage, what it has reached and signed, what is open."""
    party = state.municipality
    signed = [
        Agreement(
            party=party.number,
            trigger=record.trigger,
            effective_on=record.effective_on,
            evidence=dict(record.evidence),
        )
        for record in _records(state)
        if record.trigger in SIGNING_TRIGGERS
    ]
    # What it inherited when it started by a reform counts as signed (for its own successors).
    for effect in state.reforms.values():
        if effect.landing is not None:
            signed = [*effect.landing.agreements, *signed]
    return Standing(
        party=party.number,
        name=party.name,
        number=_own_number(state) or party.number,
        stage=state.stage,
        paused_from=state.paused_from,
        process_version=state.process_version,
        reached=sorted(_reached(state), key=_road_order(process_of(state))),
        signed=signed,
        open_obligations=[
            OpenObligation(id=o.id, deadline=o.deadline)
            for o in sorted(state.obligations.values(), key=lambda o: o.id)
            if o.status in ACTIVE_OBLIGATION_STATUSES
        ],
        wave_id=state.wave.wave_id if state.wave else None,
    )


def _records(state: MunicipalityState) -> list[TransitionRecord]:
    if state.records:
        # The older ones a long road no longer carries whole (parties/carried.py) first.
        return [*state.earlier_records, *state.records]
    return [state.last_transition] if state.last_transition is not None else []


def _reached(state: MunicipalityState) -> set[Stage]:
    """The stages of its main road it has reached: up to where it stands, and every
    stage a transition in force took it to."""
    road = process_of(state).main_road
    where = state.paused_from if state.stage is Stage.PAUSED else state.stage
    reached = set(road[: road.index(where) + 1]) if where in road else set()
    reached |= {r.to_stage for r in _records(state) if r.to_stage in road}
    # A stage it reached counts the road before it too.
    furthest = max((road.index(s) for s in reached), default=-1)
    return set(road[: furthest + 1])


def _road_order(definition: ProcessDefinition) -> Callable[[Stage], int]:
    road = definition.main_road
    return lambda stage: road.index(stage) if stage in road else len(road)


def derive_landing(
    rule: StageRule,
    predecessors: list[Standing],
    target: ProcessDefinition,
) -> Landing:
    """Where a new municipality on `target` starts, by `rule` over its predecessors' standings.

    Each predecessor's position is the furthest stage of `target`'s main road it
    has reached. `most_advanced_common` takes the least of them (the furthest
    stage every predecessor has reached), `most_advanced` the greatest. A stage
    it cannot land in without a transition of its own (ready: that takes its
    own wave and checklist) steps back along the road. It inherits each
    predecessor's signatures that lead to the stage (and no further), and the
    deadline of each obligation the stage opens that a predecessor had open
    (the earliest, when several had it).
    """
    if not predecessors:
        raise RequestRejected("parties", "a new municipality needs at least one predecessor")
    road = target.main_road
    positions = {s.party: _position(s, road) for s in predecessors}
    chosen = (
        min(positions.values())
        if rule is StageRule.MOST_ADVANCED_COMMON
        else max(positions.values())
    )
    while chosen >= 0 and road[chosen] in _NO_LANDING:
        chosen -= 1
    stage = road[chosen] if chosen >= 0 else target.initial_stage
    reached_by_landing = set(road[: chosen + 1])
    agreements = [
        agreement
        for standing in predecessors
        for agreement in standing.signed
        if _leads_to(agreement, standing, target) in reached_by_landing
    ]
    rule_words = (
        "the furthest stage every predecessor has reached"
        if rule is StageRule.MOST_ADVANCED_COMMON
        else "the furthest stage any predecessor has reached"
    )
    each = ", ".join(
        f"{s.party} {s.stage.value}"
        + (f" (paused from {s.paused_from.value})" if s.paused_from else "")
        for s in predecessors
    )
    return Landing(
        stage=stage,
        process_version=target.version,
        rule=rule,
        explanation=f"{rule.value}: {rule_words} of {each}: {stage.value}",
        predecessors=predecessors,
        agreements=agreements,
        deadlines=_inherited_deadlines(predecessors, stage, target),
    )


def _position(standing: Standing, road: tuple[Stage, ...]) -> int:
    return max((road.index(s) for s in standing.reached if s in road), default=-1)


def _leads_to(agreement: Agreement, standing: Standing, target: ProcessDefinition) -> Stage | None:
    """The stage of `target`'s road the signature took its party to (None: none of it)."""
    own = process_definition(target.key, standing.process_version)
    for row in own.transitions:
        if row["trigger"] == agreement.trigger.value:
            dest = Stage(row["dest"])
            return dest if dest in target.main_road else None
    return None


def _inherited_deadlines(
    predecessors: list[Standing], stage: Stage, target: ProcessDefinition
) -> list[InheritedDeadline]:
    opens = {rule.id.value for rule in target.obligations if stage in rule.stages}
    found: dict[str, InheritedDeadline] = {}
    for standing in predecessors:
        for obligation in standing.open_obligations:
            if obligation.id not in opens or obligation.deadline is None:
                continue
            known = found.get(obligation.id)
            if known is None or obligation.deadline < known.deadline:
                found[obligation.id] = InheritedDeadline(
                    obligation_id=obligation.id,
                    deadline=obligation.deadline,
                    from_party=standing.party,
                )
    return [found[key] for key in sorted(found)]
