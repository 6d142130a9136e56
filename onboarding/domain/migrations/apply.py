"""A migration applied to one party's state: its version, stage, obligations and timers (pure).

The workflow's preview query and its migrate update run the same function on
the same state, so a dry-run lists what the apply then does. Nothing here
reads a clock: `now` comes from the workflow.

What moves: the version; the stage, through the plan's stage map where the
target lacks it; the policy (the target's obligations and checklist, then the
plan's changes); the obligations, which follow the stage under the new
policy (opened, cancelled, their deadlines kept); a wave member's checklist,
derived again from the wave's date. A reminder whose time is already gone
when a deadline is re-derived is passed over, as when a deadline is set; one
the new schedule makes due now that was never due before goes out at once.
"""

from datetime import date, datetime

from pydantic import ValidationError

from onboarding.domain.calendar import oslo_date
from onboarding.domain.errors import RequestRejected
from onboarding.domain.notifications import MessageKind
from onboarding.domain.obligations.schedule import (
    ACTIVE_OBLIGATION_STATUSES,
    ObligationStatus,
    ScheduledMessage,
    pending,
)
from onboarding.domain.parties.models import MunicipalityState
from onboarding.domain.parties.obligations import follow_obligations
from onboarding.domain.parties.process import fit_policy, process_of
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.migration_plan import (
    MigrationEffect,
    MigrationPlan,
    PolicyChanges,
    TimerChange,
    TimerEffect,
)
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import process_definition, versions
from onboarding.domain.vocabulary import Stage
from onboarding.domain.waves.readiness import arm_checklist

_Timers = dict[tuple[str, str], ScheduledMessage]


def migrate(
    state: MunicipalityState, policy: ReminderPolicy, plan: MigrationPlan, *, now: datetime
) -> tuple[MunicipalityState, ReminderPolicy, MigrationEffect]:
    """The state and policy after `plan`, and its effect; `state` itself is not changed.

    A plan the party has had already changes nothing and answers its first
    effect (marked `already_applied`). RequestRejected names the field of the
    plan that does not fit this party.
    """
    first = state.migrations.get(plan.id)
    if first is not None:
        return state, policy, first.model_copy(update={"already_applied": True})
    source = process_of(state)
    target = check_plan(plan, source)
    # A paused party keeps its pause: the stage it paused from is what maps.
    stage = state.stage if state.stage is Stage.PAUSED else _mapped(plan, target, state.stage)
    paused_from = (
        _mapped(plan, target, state.paused_from) if state.paused_from is not None else None
    )
    if paused_from is not None and paused_from not in target.pausable_stages:
        raise RequestRejected(
            "stage_map",
            f"municipality {state.municipality.number} is paused from {paused_from.value}, "
            f"which {target.name} cannot pause from; map it to one of "
            f"{', '.join(s.value for s in target.pausable_stages)}",
        )
    new_policy = _policy_for(source, target, policy, plan.policy)
    if target is source and new_policy == policy:
        raise RequestRejected(
            "to_version",
            f"municipality {state.municipality.number} runs {source.name} with this "
            "policy already: the plan changes nothing",
        )
    after = state.model_copy(deep=True)
    after.process_version = target.version
    after.stage, after.paused_from = stage, paused_from
    today = oslo_date(now)
    for obligation in after.obligations.values():
        known = new_policy.rule(obligation.id) or new_policy.checklist_rule(obligation.id)
        if known is None and obligation.status in ACTIVE_OBLIGATION_STATUSES:
            obligation.status, obligation.closed_on = ObligationStatus.CANCELLED, today
            obligation.paused_on = None
    if after.stage is Stage.PAUSED and after.paused_from is not None:
        _follow_while_paused(after, new_policy, today=today, now=now)
    else:
        follow_obligations(after, new_policy, None, today, now=now)
    if after.wave is not None:
        arm_checklist(after, new_policy, today=today, now=now)
    passed_over = catch_up(after, new_policy, now)
    effect = MigrationEffect(
        migration_id=plan.id,
        number=state.municipality.number,
        from_version=source.version,
        to_version=target.version,
        from_stage=state.stage,
        to_stage=stage,
        obligations_opened=sorted(active_obligations(after) - active_obligations(state)),
        obligations_cancelled=sorted(active_obligations(state) - active_obligations(after)),
        timers=timer_changes(timers_of(state, policy), timers_of(after, new_policy), now)
        + passed_over,
    )
    return after, new_policy, effect


def _follow_while_paused(
    state: MunicipalityState, policy: ReminderPolicy, *, today: date, now: datetime
) -> None:
    """Obligations as the new version has them for the stage it paused from, all paused.

    On resume the party finds what it would have had on that stage; meanwhile
    no clock runs (a pause stops every obligation's clock).
    """
    assert state.paused_from is not None
    for obligation in state.obligations.values():
        rule = policy.rule(obligation.id)
        if (
            obligation.status is ObligationStatus.PAUSED
            and rule is not None
            and state.paused_from not in rule.stages
        ):
            obligation.status, obligation.closed_on = ObligationStatus.CANCELLED, today
            obligation.paused_on = None
    state.stage = state.paused_from
    follow_obligations(state, policy, None, today, now=now)
    state.stage = Stage.PAUSED
    for obligation in state.obligations.values():
        if obligation.status is ObligationStatus.OPEN:
            obligation.status, obligation.paused_on = ObligationStatus.PAUSED, today


def check_plan(plan: MigrationPlan, source: ProcessDefinition | None = None) -> ProcessDefinition:
    """The target of `plan`, after checking what can be checked of it before any party.

    The key and version exist; the stage map names stages of the source (when
    given) and lands only in stages of the target a party can stand in without
    a transition (not paused, not past the go-live guard, not an end); a stage
    map needs a new version (moving a stage within one is a transition's job);
    the policy changes fit the target's template. RequestRejected names the field.
    """
    try:
        versions(plan.key)
    except RequestRejected as err:
        raise RequestRejected("key", err.message) from None
    try:
        target = process_definition(plan.key, plan.to_version)
    except RequestRejected as err:
        raise RequestRejected("to_version", err.message) from None
    if source is not None:
        if plan.key != source.key:
            raise RequestRejected(
                "key", f"the party runs {source.name}, not a {plan.key!r} process"
            )
        if target.version < source.version:
            raise RequestRejected(
                "to_version",
                f"the party runs {source.name}; a migration moves forward, "
                f"not back to v{target.version}",
            )
    forbidden = {Stage.PAUSED, Stage.READY, *target.terminal_stages}
    for key, landed in plan.stage_map.items():
        field = f"stage_map.{key.value}"
        if source is not None and not source.has_stage(key):
            raise RequestRejected(field, f"{key.value} is not a stage of {source.name}")
        if key in (Stage.PAUSED, *target.terminal_stages):
            hint = "; map the stage it paused from instead" if key is Stage.PAUSED else ""
            raise RequestRejected(field, f"a party in {key.value} stays there{hint}")
        if not target.has_stage(landed) or landed in forbidden:
            allowed = [s.value for s in target.stages if s not in forbidden]
            raise RequestRejected(
                field,
                f"a party cannot land in {landed.value} without a transition; "
                f"allowed: {', '.join(allowed)}",
            )
        if source is not None and target is source:
            raise RequestRejected(
                "stage_map", "within one version a stage moves by a transition, not a migration"
            )
    # The changes must fit the target's own template (a party's policy is checked again).
    _policy_for(target, target, fit_policy(target, ReminderPolicy()), plan.policy)
    return target


def _mapped(plan: MigrationPlan, target: ProcessDefinition, stage: Stage) -> Stage:
    landed = plan.stage_map.get(stage, stage)
    if not target.has_stage(landed):
        raise RequestRejected(
            f"stage_map.{stage.value}",
            f"the party is in {stage.value}, which {target.name} does not have; map it to "
            f"one of {', '.join(s.value for s in target.stages if s is not Stage.PAUSED)}",
        )
    return landed


def catch_up(state: MunicipalityState, policy: ReminderPolicy, now: datetime) -> list[TimerEffect]:
    """Reminders the new schedule puts in the past are passed over, not sent late; of the
    escalations it puts in the past, the highest fires at once (the level the obligation
    has reached) and the lower ones are passed over."""
    effects: list[TimerEffect] = []
    for obligation in state.obligations.values():
        due = [m for m in pending(obligation, policy) if m.at <= now]
        escalations = [m for m in due if m.kind is MessageKind.ESCALATION]
        highest = max(escalations, key=lambda m: m.level or 0, default=None)
        for message in due:
            if message is highest:
                continue
            obligation.done.append(obligation.done_key(message))
            effects.append(
                TimerEffect(
                    obligation_id=obligation.id,
                    message_key=message.message_key,
                    kind=message.kind,
                    change=TimerChange.PASSED_OVER,
                    after=message.at,
                )
            )
    return effects


def _policy_for(
    source: ProcessDefinition,
    target: ProcessDefinition,
    policy: ReminderPolicy,
    changes: PolicyChanges,
) -> ReminderPolicy:
    data = policy.model_dump()
    if target is not source:
        # A new version brings its own obligations and checklist.
        data["obligations"] = [rule.model_dump() for rule in target.obligations]
        data["checklist"] = [item.model_dump() for item in target.checklist]
    for name in ("reminder_offsets_days", "escalation_ladder", "send_time"):
        value = getattr(changes, name)
        if value is not None:
            data[name] = value
    items = {item["id"]: item for item in data["checklist"]}
    for index, offset in enumerate(changes.checklist or []):
        if offset.id not in items:
            raise RequestRejected(
                f"policy.checklist[{index}].id",
                f"{offset.id.value} is not on {target.name}'s checklist; "
                f"allowed: {', '.join(str(i) for i in items)}",
            )
        items[offset.id]["days_before_go_live"] = offset.days_before_go_live
    try:
        return ReminderPolicy.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RequestRejected(f"policy.{where}" if where else "policy", first["msg"]) from None


def active_obligations(state: MunicipalityState) -> set[str]:
    return {o.id for o in state.obligations.values() if o.status in ACTIVE_OBLIGATION_STATUSES}


def timers_of(state: MunicipalityState, policy: ReminderPolicy) -> _Timers:
    return {
        (obligation.id, message.message_key): message
        for obligation in state.obligations.values()
        for message in pending(obligation, policy)
    }


def timer_changes(before: _Timers, after: _Timers, now: datetime) -> list[TimerEffect]:
    changes: list[TimerEffect] = []
    for key in sorted({*before, *after}):
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and old.at == new.at:
            continue
        message = new or old
        assert message is not None
        if new is None:
            change = TimerChange.CANCELLED
        elif new.at <= now:
            change = TimerChange.FIRES_NOW
        else:
            change = TimerChange.REARMED
        changes.append(
            TimerEffect(
                obligation_id=key[0],
                message_key=key[1],
                kind=message.kind,
                change=change,
                before=old.at if old else None,
                after=new.at if new else None,
            )
        )
    return changes
