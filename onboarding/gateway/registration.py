"""Registering parties of the other kinds: checked against the read model, then their workflows.

A party is registered by starting its workflow (parties.start_party), which
writes its read-model row once a worker runs it. Registering is idempotent:
a party registered already with the same facts is "present", and nothing is
started; an id (or organisation number) taken by a party with other facts is
refused (PartyExists, HTTP 409) naming the field. Every party is checked
before any workflow starts, so an import is refused whole or registered whole.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.domain.errors import PartyExists, RequestRejected
from onboarding.domain.parties.process import process_key
from onboarding.domain.parties.registration import same_party
from onboarding.domain.party import Party
from onboarding.domain.policy import ReminderPolicy
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import latest
from onboarding.gateway.parties import EngineUnavailable, start_parties
from onboarding.store import identifiers, queries

# How long a registration waits for its new workflow's read-model row.
ROW_WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class Registered:
    """What registering a list of parties did: each id started now, or found present."""

    registered: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


def conflicts(engine: Engine, parties: Sequence[Party]) -> tuple[list[str], dict[str, PartyExists]]:
    """The ids registered already with the same facts, and a refusal by id of each that clashes."""
    present: list[str] = []
    refused: dict[str, PartyExists] = {}
    rows = {
        row.number: row for row in queries.list_parties(engine, numbers=[p.number for p in parties])
    }
    for party in parties:
        row = rows.get(party.number)
        if row is not None:
            registered = queries.party_of_row(row)
            if same_party(registered, party):
                present.append(party.number)
            else:
                refused[party.number] = PartyExists(
                    "org_number",
                    party.number,
                    f"{party.number} is registered already as {_facts(registered)}; "
                    "a registered party is not changed by registering it again",
                )
            continue
        assert party.org_number is not None, "only parties with an org number are registered"
        # Its own id is no clash: its registration committed after the rows were read
        # (a repeated import while the first one's workflows still register).
        others = [
            other
            for other in identifiers.resolve(engine, identifiers.ORG_NUMBER, party.org_number)
            if other != party.number
        ]
        if others:
            refused[party.number] = PartyExists(
                "org_number",
                others[0],
                f"organisation number {party.org_number} is {others[0]}'s already",
            )
    return present, refused


def _facts(party: Party) -> str:
    facts = [party.kind.value, repr(party.name), party.home_municipality, party.health_trust]
    facts += [party.specialty, f"{party.staff_count} staff" if party.staff_count else None]
    return ", ".join(str(f) for f in facts if f)


async def register(
    client: Client,
    engine: Engine,
    parties: Sequence[Party],
    *,
    task_queue: str,
    continue_as_new_after_events: int = 2_000,
    policy: ReminderPolicy | None = None,
    process: ProcessDefinition | None = None,
    concurrency: int = 10,
) -> Registered:
    """Start a workflow for each new party and wait for its row; PartyExists on a clash.

    Nothing is started if any party clashes (the first clash is raised).
    """
    present, refused = await asyncio.to_thread(conflicts, engine, parties)
    if refused:
        raise next(iter(refused.values()))
    new = [party for party in parties if party.number not in present]
    for party in new:
        # Each new party's process, looked up before any starts: a kind without one (or a
        # `process` of another kind) refuses them all rather than leaving some started.
        definition = process or latest(process_key(party.kind))
        if definition.key != process_key(party.kind):
            raise RequestRejected(
                "process_version",
                f"a {party.kind.value} walks the {process_key(party.kind)} process",
            )
    await start_parties(
        client,
        new,
        task_queue=task_queue,
        continue_as_new_after_events=continue_as_new_after_events,
        policy=policy,
        concurrency=concurrency,
        process=process,
    )
    await wait_for_rows(engine, [party.number for party in new])
    return Registered(registered=[p.number for p in new], present=present)


async def wait_for_rows(engine: Engine, numbers: Sequence[str]) -> None:
    """Wait until every party's workflow has written its read-model row.

    The routes of a party look it up there first, so a registration answers
    only once they find it. EngineUnavailable if the workers have not run the
    workflows in time (registering again is safe: it starts nothing twice).
    """
    waiting = set(numbers)
    deadline = time.monotonic() + ROW_WAIT_SECONDS
    while waiting:
        found = await asyncio.to_thread(queries.list_parties, engine, numbers=sorted(waiting))
        waiting -= {row.number for row in found}
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise EngineUnavailable(
                f"the workflows of {', '.join(sorted(waiting))} started but have not registered "
                "yet (are the workers running?); repeat the request to learn the outcome"
            )
        await asyncio.sleep(0.05)
