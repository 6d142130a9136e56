"""Municipal reforms through the engine: a plan turned into each party's part, dry-run and apply.

`prepare` checks the plan against the read model and asks each party that
ends where it stands (the `preview_reform` query), derives each new
municipality's landing from its predecessors (domain/reforms/apply.py), and
lists what follows the successors: GP offices and specialists, scoped tokens,
contact lists, wave memberships. `dry_run` asks every existing party's
workflow for its effect (a query: nothing changes) and computes each new
municipality's from the fresh state its workflow will start with, with the
same function; `apply` runs the `reform` update on each party (idempotent by
reform id), starts the new municipalities' workflows, writes what follows to
the read model and records the reform last. A reform interrupted half way
(the API stopped) is finished by asking for it again: every step is
idempotent and the reform row, written last, is what makes its id taken.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from onboarding.domain.actor import Actor
from onboarding.domain.contacts import ContactIn
from onboarding.domain.errors import (
    OnboardingError,
    ReformExists,
    RequestRejected,
    UnknownMunicipality,
    UnknownReform,
)
from onboarding.domain.municipality import Municipality
from onboarding.domain.parties.models import MunicipalityWorkflowInput
from onboarding.domain.party import PartyKind
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.reform_plan import (
    Follow,
    FollowKind,
    Landing,
    PartyReformEffect,
    ReformCallResult,
    ReformCommand,
    ReformKind,
    ReformPlan,
    ReformPreview,
    ReformRecorded,
    ReformRole,
    Standing,
)
from onboarding.domain.process.registry import MUNICIPALITY, process_definition
from onboarding.domain.recording import Recording, recording
from onboarding.domain.reforms.apply import apply_reform, derive_landing
from onboarding.domain.reforms.plan import check_plan
from onboarding.domain.waves.models import AddMemberCommand
from onboarding.gateway import waves as wave_engine
from onboarding.gateway.parties import engine_errors, queried, start_party, starting_input
from onboarding.store import contacts as contact_store
from onboarding.store import queries, tokens
from onboarding.store import reforms as reform_store
from onboarding.store.database import session_scope
from onboarding.store.identifiers import MUNICIPALITY_NUMBER, resolve
from onboarding.store.tables.parties import MunicipalityRow
from workflows.names import party_workflow_id
from workflows.party import PartyWorkflow


@dataclass
class NewParty:
    """A municipality the reform creates: its start input and its part."""

    party: Municipality
    start: MunicipalityWorkflowInput
    command: ReformCommand


@dataclass
class Prepared:
    """A plan checked and turned into parts: what the dry-run shows and the apply does."""

    plan: ReformPlan
    actor: Actor
    # Existing parties and their parts, in the order they are applied.
    parts: list[tuple[str, ReformCommand]] = field(default_factory=list)
    new: list[NewParty] = field(default_factory=list)
    follows: list[Follow] = field(default_factory=list)
    numbers: dict[str, list[str]] = field(default_factory=dict)
    successions: list[tuple[str, str]] = field(default_factory=list)
    # Effects the preview already answered (the parties that end), by party.
    previewed: dict[str, ReformCallResult] = field(default_factory=dict)

    @property
    def from_parties(self) -> list[str]:
        return list(self.plan.parties)

    @property
    def to_parties(self) -> list[str]:
        plan = self.plan
        if plan.kind is ReformKind.MERGER:
            return [m.number for m in plan.new_municipalities]
        if plan.kind is ReformKind.SPLIT:
            return [*(m.number for m in plan.new_municipalities), *plan.existing_parts]
        if plan.kind is ReformKind.BOUNDARY_TRANSFER:
            return [plan.parties[1]]
        return list(plan.parties)

    def preview(
        self, effects: list[PartyReformEffect], refused: list[dict[str, object]]
    ) -> ReformPreview:
        return ReformPreview(
            id=self.plan.id,
            kind=self.plan.kind,
            effective_on=self.plan.effective_on,
            numbers=self.numbers,
            from_parties=self.from_parties,
            to_parties=self.to_parties,
            new_parties=[n.party.number for n in self.new],
            successions=self.successions,
            effects=effects,
            refused=refused,
            follows=self.follows,
        )


async def prepare(
    client: Client,
    engine: Engine,
    plan: ReformPlan,
    actor: Actor,
    *,
    policy: ReminderPolicy | None = None,
) -> Prepared:
    """Check `plan` and turn it into each party's part; RequestRejected (or ReformExists,
    UnknownMunicipality) says why it cannot be recorded."""
    check_plan(plan)
    rows = await asyncio.to_thread(_rows, engine, plan)
    prepared = Prepared(plan=plan, actor=actor)
    base: dict[str, Any] = {
        "reform_id": plan.id,
        "kind": plan.kind,
        "effective_on": plan.effective_on,
        "actor": actor,
        "evidence": plan.evidence,
        "comment": plan.comment,
        "recorded_at": plan.recorded_at,
    }
    numbers_before = [row.current_number or row.number for row in rows]
    prepared.numbers = {"from": numbers_before, "to": numbers_before}
    if plan.kind is ReformKind.RENUMBERING:
        assert plan.new_number is not None
        await asyncio.to_thread(_number_free, engine, plan, plan.new_number, "new_number")
        prepared.numbers["to"] = [plan.new_number]
        prepared.parts.append(
            (
                plan.parties[0],
                ReformCommand(role=ReformRole.RENUMBERED, new_number=plan.new_number, **base),
            )
        )
        return prepared
    if plan.kind not in (ReformKind.MERGER, ReformKind.SPLIT):
        # A boundary transfer, joining or leaving: recorded on each party's road.
        for party in plan.parties:
            prepared.parts.append((party, ReformCommand(role=ReformRole.NOTED, **base)))
        return prepared
    for index, new in enumerate(plan.new_municipalities):
        await asyncio.to_thread(
            _number_free, engine, plan, new.number, f"new_municipalities[{index}].number"
        )
    successors = prepared.to_parties
    existing = await _rows_of(engine, plan.existing_parts)
    prepared.numbers["to"] = [
        *(m.number for m in plan.new_municipalities),
        *(_number(existing, p) for p in plan.existing_parts),
    ]
    # Each party that ends: where it stands, from its own workflow.
    standings: list[Standing] = []
    for party in plan.parties:
        command = ReformCommand(role=ReformRole.ENDS, successors=successors, **base)
        answer = await preview(client, party, command)
        prepared.previewed[party] = answer
        prepared.parts.append((party, command))
        if answer.effect is None or answer.effect.standing is None:
            message = (answer.error or {}).get("message", "it does not fit")
            raise RequestRejected("parties", f"{party}: {message}")
        standings.append(answer.effect.standing)
    target = process_definition(MUNICIPALITY, max(s.process_version for s in standings))
    first = rows[0]
    for new in plan.new_municipalities:
        municipality = Municipality(
            number=new.number,
            name=new.name,
            county=new.county or first.county,
            health_trust=new.health_trust or first.health_trust,
        )
        landing = derive_landing(plan.stage_rule, standings, target)
        command = ReformCommand(
            role=ReformRole.STARTS, predecessors=list(plan.parties), landing=landing, **base
        )
        start = starting_input(municipality, target, policy=policy)
        prepared.new.append(NewParty(party=municipality, start=start, command=command))
    for part in plan.existing_parts:
        command = ReformCommand(role=ReformRole.NOTED, predecessors=list(plan.parties), **base)
        prepared.parts.append((part, command))
    prepared.successions = [(p, s) for p in plan.parties for s in successors]
    heir = successors[0]
    landing_of = {n.party.number: n.command.landing for n in prepared.new}
    await asyncio.to_thread(_follows, engine, prepared, standings, heir, landing_of.get(heir), base)
    return prepared


def _rows(engine: Engine, plan: ReformPlan) -> list[MunicipalityRow]:
    """The plan's parties' rows (municipalities all), after checking the id is free."""
    with Session(engine) as session:
        if reform_store.reform(session, plan.id) is not None:
            raise ReformExists(plan.id)
    rows = queries.list_parties(engine, numbers=[*plan.parties, *plan.existing_parts])
    by_id = {row.number: row for row in rows}
    for party in [*plan.parties, *plan.existing_parts]:
        row = by_id.get(party)
        if row is None:
            raise UnknownMunicipality(party)
        if row.kind != PartyKind.MUNICIPALITY.value:
            raise RequestRejected(
                "parties", f"{party} is a {row.kind}; reforms change municipalities"
            )
    return [by_id[p] for p in plan.parties]


async def _rows_of(engine: Engine, parties: Sequence[str]) -> dict[str, MunicipalityRow]:
    rows = await asyncio.to_thread(queries.list_parties, engine, numbers=list(parties))
    return {row.number: row for row in rows}


def _number(rows: dict[str, MunicipalityRow], party: str) -> str:
    row = rows[party]
    return row.current_number or row.number


def _number_free(engine: Engine, plan: ReformPlan, number: str, field_name: str) -> None:
    """A new number is nobody's id, and on the reform's date nobody's number but an ending
    party's (a merger may keep a predecessor's number: 5001 + 5030 -> 5001)."""
    if queries.get_municipality(engine, number=number) is not None:
        raise RequestRejected(
            field_name,
            f"{number} is the id of a registered party; a new municipality's id is its number, "
            "which must be free",
        )
    ending = set(plan.parties) if plan.kind in (ReformKind.MERGER, ReformKind.SPLIT) else set()
    holders = set(resolve(engine, MUNICIPALITY_NUMBER, number, on=plan.effective_on)) - ending
    if holders:
        raise RequestRejected(
            field_name,
            f"{number} is the number of {', '.join(sorted(holders))} on {plan.effective_on}",
        )


def _follows(
    engine: Engine,
    prepared: Prepared,
    standings: list[Standing],
    heir: str,
    landing: Landing | None,
    base: dict[str, Any],
) -> None:
    """What follows each ending party to `heir` (a merger's new municipality, a split's
    first part): its GP offices and specialists, scoped tokens, contacts and wave."""
    target_waves = (
        process_definition(MUNICIPALITY, landing.process_version).wave_stages
        if landing
        else frozenset()
    )
    for standing in standings:
        party = standing.party
        for row in queries.list_parties(engine, municipality=party):
            if row.number == party:
                continue
            command = ReformCommand(
                role=ReformRole.HOME_MOVED,
                new_home=heir,
                predecessors=[party],
                successors=[heir],
                **base,
            )
            prepared.parts.append((row.number, command))
            prepared.follows.append(
                Follow(
                    what=FollowKind.GP_OFFICE,
                    subject=row.number,
                    name=row.name,
                    from_party=party,
                    to_party=heir,
                )
            )
        for token in tokens.tokens_scoped_to(engine, party):
            prepared.follows.append(
                Follow(
                    what=FollowKind.TOKEN,
                    subject=str(token.id),
                    name=token.name,
                    from_party=party,
                    to_party=heir,
                    detail=f"scope {token.scope} gains {heir}",
                )
            )
        people = contact_store.list_contacts(engine, municipality_number=party)
        if people:
            prepared.follows.append(
                Follow(
                    what=FollowKind.CONTACTS,
                    subject=party,
                    name=", ".join(f"{c.name} ({c.role.value})" for c in people),
                    from_party=party,
                    to_party=heir,
                    detail=f"{len(people)} contact(s) added to {heir}'s list",
                )
            )
        if standing.wave_id is not None:
            carried = landing is not None and landing.stage in target_waves
            prepared.follows.append(
                Follow(
                    what=FollowKind.WAVE,
                    subject=standing.wave_id,
                    name=standing.wave_id,
                    from_party=party,
                    to_party=heir,
                    carried=carried,
                    detail=None
                    if carried
                    else f"{heir} starts in {landing.stage.value if landing else '?'}, "
                    "which no wave takes: add it when it is ready",
                )
            )


async def preview(client: Client, party: str, command: ReformCommand) -> ReformCallResult:
    """What the reform would do to one existing party now: its effect, or why it does not fit."""
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(party))
    return await queried(lambda: handle.query(PartyWorkflow.preview_reform, command), party)


async def dry_run(client: Client, prepared: Prepared) -> ReformPreview:
    """Every party's effect, as the apply would have it now; nothing changes."""
    effects: list[PartyReformEffect] = []
    refused: list[dict[str, object]] = []
    for party, command in prepared.parts:
        answer = prepared.previewed.get(party) or await preview(client, party, command)
        if answer.effect is not None:
            effects.append(answer.effect)
        else:
            refused.append({"party": party, **(answer.error or {})})
    now = datetime.now(UTC)
    for new in prepared.new:
        try:
            effect = apply_reform(
                new.start.state, new.start.policy, new.command, now=now, workflow_id="", run_id=""
            )[1]
        except OnboardingError as err:
            refused.append({"party": new.party.number, **err.to_detail()})
            continue
        effects.append(effect)
    return prepared.preview(_ordered(prepared, effects), refused)


def _ordered(prepared: Prepared, effects: list[PartyReformEffect]) -> list[PartyReformEffect]:
    """Parties that end (or change) first, then new ones, then the ones that follow."""
    order = {p: i for i, p in enumerate([*prepared.from_parties, *prepared.to_parties])}
    return sorted(effects, key=lambda e: (order.get(e.party, len(order)), e.party))


async def apply(
    client: Client,
    engine: Engine,
    prepared: Prepared,
    *,
    task_queue: str,
    continue_as_new_after_events: int = 2_000,
    policy: ReminderPolicy | None = None,
) -> ReformPreview:
    """Apply the reform to every party, write what follows, record it; its effects."""
    plan = prepared.plan
    # A part that does not fit refuses the whole reform before anything changes.
    checked = await dry_run(client, prepared)
    if checked.refused:
        first = checked.refused[0]
        raise RequestRejected("parties", f"{first.get('party')}: {first.get('message')}")
    effects: list[PartyReformEffect] = []
    ends = [(p, c) for p, c in prepared.parts if c.role is ReformRole.ENDS]
    others = [(p, c) for p, c in prepared.parts if c.role is not ReformRole.ENDS]
    for party, command in ends:
        effects.append(await _update(client, party, command))
    for new in prepared.new:
        await asyncio.to_thread(_enter_number, engine, new.party.number, plan)
        await start_party(
            client,
            new.party,
            task_queue=task_queue,
            continue_as_new_after_events=continue_as_new_after_events,
            policy=policy,
            process=process_definition(MUNICIPALITY, new.start.state.process_version),
        )
        effects.append(await _update(client, new.party.number, new.command))
    for party, command in others:
        effects.append(await _update(client, party, command))
    for follow in prepared.follows:
        if follow.what is FollowKind.WAVE and follow.carried:
            joins = AddMemberCommand(
                number=follow.to_party,
                reason=f"reform {plan.id}",
                actor=prepared.actor,
                recorded_at=plan.recorded_at,
            )
            await wave_engine.add_member(client, follow.subject, joins)
    effects = _ordered(prepared, effects)
    recorded = recording(plan.recorded_at, datetime.now(UTC))
    await asyncio.to_thread(_record, engine, prepared, effects, recorded)
    result = prepared.preview(effects, [])
    result.recorded_at = recorded.recorded_at
    return result


async def _update(client: Client, party: str, command: ReformCommand) -> PartyReformEffect:
    handle = client.get_workflow_handle_for(PartyWorkflow.run, party_workflow_id(party))
    with engine_errors(party):
        effect = await handle.execute_update(
            PartyWorkflow.reform, command, id=f"reform:{command.reform_id}"
        )
    # A repeat (an apply asked for again) answers the first effect.
    return effect.model_copy(update={"already_applied": False})


def _enter_number(engine: Engine, number: str, plan: ReformPlan) -> None:
    """A new municipality's number names it from the reform's date (before it registers)."""
    with session_scope(engine) as session:
        reform_store.add_number(session, number, number, valid_from=plan.effective_on)


def _record(
    engine: Engine, prepared: Prepared, effects: list[PartyReformEffect], recorded: Recording
) -> None:
    """What follows in the read model, then the reform itself (last: its id is then taken)."""
    plan, actor, day = prepared.plan, prepared.actor, prepared.plan.effective_on
    for follow in prepared.follows:
        if follow.what is FollowKind.TOKEN:
            tokens.extend_scope(
                engine, token_id=int(follow.subject), parties=[follow.to_party], by=actor
            )
        elif follow.what is FollowKind.CONTACTS:
            _copy_contacts(engine, follow.from_party, follow.to_party, actor)
    with session_scope(engine) as session:
        if plan.kind is ReformKind.RENUMBERING:
            assert plan.new_number is not None
            party = plan.parties[0]
            reform_store.renumber(
                session, party, old=prepared.numbers["from"][0], new=plan.new_number, on=day
            )
        if plan.kind is ReformKind.JOINED:
            reform_store.join_region(session, plan.parties[0], day, reform_id=plan.id)
        if plan.kind is ReformKind.LEFT:
            reform_store.leave_region(session, plan.parties[0], day, reform_id=plan.id)
        if plan.kind in (ReformKind.MERGER, ReformKind.SPLIT):
            for party in plan.parties:
                reform_store.leave_region(session, party, day, reform_id=plan.id)
            for new in prepared.new:
                reform_store.join_region(session, new.party.number, day, reform_id=plan.id)
            for predecessor, successor in prepared.successions:
                reform_store.add_succession(
                    session,
                    predecessor=predecessor,
                    successor=successor,
                    reform_id=plan.id,
                    kind=plan.kind.value,
                    effective_on=day,
                )
            for follow in prepared.follows:
                if follow.what is FollowKind.GP_OFFICE:
                    reform_store.move_home(session, follow.subject, follow.to_party)
        reform_store.record_reform(
            session,
            reform_store.ReformEntry(
                reform_id=plan.id,
                kind=plan.kind.value,
                effective_on=day,
                from_parties=prepared.from_parties,
                to_parties=prepared.to_parties,
                numbers=prepared.numbers,
                effects={
                    "parties": {e.party: e.model_dump(mode="json") for e in effects},
                    "follows": [f.model_dump(mode="json") for f in prepared.follows],
                    "successions": [list(pair) for pair in prepared.successions],
                    "new_parties": [n.party.number for n in prepared.new],
                },
                evidence=dict(plan.evidence),
                comment=plan.comment,
                actor=actor,
                recorded_at=recorded.recorded_at,
                entered_at=recorded.entered_at,
            ),
        )


def _copy_contacts(engine: Engine, source: str, target: str, actor: Actor) -> None:
    """Add `source`'s contacts to `target`'s list (each person once per role)."""
    have = contact_store.list_contacts(engine, municipality_number=target)
    seen = {(c.role, c.email.lower()) for c in have}
    added = [
        c
        for c in contact_store.list_contacts(engine, municipality_number=source)
        if (c.role, c.email.lower()) not in seen
    ]
    if not added:
        return
    merged = [ContactIn(role=c.role, name=c.name, email=c.email) for c in [*have, *added]]
    contact_store.replace_contacts(engine, municipality_number=target, contacts=merged, actor=actor)


def recorded(entry: reform_store.ReformEntry) -> ReformRecorded:
    """A reform as the read model keeps it, in the shape its apply answered."""
    effects = entry.effects.get("parties", {})
    return ReformRecorded(
        id=entry.reform_id,
        kind=ReformKind(entry.kind),
        effective_on=entry.effective_on,
        numbers=entry.numbers,
        from_parties=entry.from_parties,
        to_parties=entry.to_parties,
        new_parties=list(entry.effects.get("new_parties", [])),
        successions=[(a, b) for a, b in entry.effects.get("successions", [])],
        effects=[PartyReformEffect.model_validate(effect) for effect in effects.values()],
        follows=[Follow.model_validate(f) for f in entry.effects.get("follows", [])],
        recorded_at=entry.recorded_at,
        evidence=entry.evidence,
        comment=entry.comment,
        recorded_by=entry.actor,
        entered_at=entry.entered_at,
    )


def list_recorded(
    engine: Engine, *, party: str | None = None, kind: ReformKind | None = None
) -> list[ReformRecorded]:
    """The reforms recorded, by date, naming `party` (either side) and of `kind` if given."""
    with Session(engine) as session:
        entries = reform_store.reforms(
            session, party=party, kinds=[kind.value] if kind is not None else []
        )
    return [recorded(entry) for entry in entries]


def one_recorded(engine: Engine, reform_id: str) -> ReformRecorded:
    """The reform recorded with this id; UnknownReform if none."""
    with Session(engine) as session:
        entry = reform_store.reform(session, reform_id)
    if entry is None:
        raise UnknownReform(reform_id)
    return recorded(entry)
