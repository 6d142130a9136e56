"""/api/parties: every kind of party listed, one registered, or many imported from a CSV file.

A party's own routes (/api/parties/{number}/...) are the municipality routes,
served for every kind (onboarding/api/party_routes.py). Municipalities are
registered by loading the region (/api/region/load); GP offices, private
specialists and hospitals here, one at a time or from a file, each checked
against the region before any workflow starts.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from onboarding.api.deps import (
    CoordinatorActor,
    EngineDep,
    SettingsDep,
    TemporalDep,
    ViewerActor,
    VisibleScope,
)
from onboarding.api.errors import error_responses
from onboarding.api.party_schemas import (
    PartiesImported,
    PartyRegistrationRequest,
    PartySummary,
)
from onboarding.domain.errors import RequestRejected
from onboarding.domain.parties.import_file import COLUMNS, ImportRefused, Problem, parse_import
from onboarding.domain.parties.models import MunicipalityView
from onboarding.domain.parties.process import process_key
from onboarding.domain.parties.registration import party_of
from onboarding.domain.party import MunicipalityNumber, OrgNumber, PartyKind
from onboarding.domain.process.model import ProcessDefinition
from onboarding.domain.process.registry import process_definition
from onboarding.domain.vocabulary import Stage
from onboarding.gateway import parties as gateway
from onboarding.gateway import registration
from onboarding.store import identifiers, queries

router = APIRouter(prefix="/parties", tags=["parties"], responses=error_responses(401, 403, 422))

# An import file's largest size: 10,000 lines of a few hundred bytes each.
MAX_IMPORT_BYTES = 4_000_000

CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "UTF-8 CSV, one party a line, with the header " + ",".join(COLUMNS),
        "content": {
            "text/csv": {
                "schema": {"type": "string", "maxLength": MAX_IMPORT_BYTES},
                "example": ",".join(COLUMNS)
                + "\ngp_office,923609016,Moholt legesenter,5001,,,12\n",
            }
        },
    }
}


@router.get("")
def list_parties(
    engine: EngineDep,
    _: ViewerActor,
    scope: VisibleScope,
    kind: PartyKind | None = None,
    municipality: Annotated[
        MunicipalityNumber | None,
        Query(description="only the parties whose home municipality this is (itself included)"),
    ] = None,
    stage: Stage | None = None,
    org_number: Annotated[
        OrgNumber | None, Query(description="only the party this organisation number names")
    ] = None,
) -> list[PartySummary]:
    """Every party by id, filtered; a municipality token sees only its scope's parties.

    A municipality-scoped token gets its municipalities and the GP offices and
    specialists that belong to them; one scoped to a party id, that party.
    """
    numbers = None
    if org_number is not None:
        numbers = identifiers.resolve(engine, identifiers.ORG_NUMBER, org_number)
    rows = queries.list_parties(
        engine, kind=kind, municipality=municipality, stage=stage, numbers=numbers, visible_to=scope
    )
    last = queries.last_transitions(engine, numbers=[row.number for row in rows])
    return [PartySummary.from_row(row, last.get(row.number)) for row in rows]


@router.post("", status_code=201, responses=error_responses(409, 503))
async def register_party(
    body: PartyRegistrationRequest,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
    _: CoordinatorActor,
) -> MunicipalityView:
    """Register a GP office, private specialist or hospital; answers its state (201).

    Registering the same party again changes nothing and gets the same answer;
    another party under the id (the organisation number) is a 409 naming it.
    """
    region = await asyncio.to_thread(queries.region, engine)
    party = party_of(body, region)
    await registration.register(
        client,
        engine,
        [party],
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=settings.reminder_policy(),
        process=_process(body.kind, body.process_version),
    )
    return await gateway.current_state(client, party.number)


@router.post(
    "/import",
    responses=error_responses(409, 503),
    openapi_extra=CSV_BODY,
    max_body_size=MAX_IMPORT_BYTES,
)
async def import_parties(
    request: Request,
    engine: EngineDep,
    client: TemporalDep,
    settings: SettingsDep,
    _: CoordinatorActor,
) -> PartiesImported:
    """Register every party of a CSV file, or none: each bad line is named with its field.

    Lines already registered with the same facts count as present; the file is
    checked whole (fields, municipalities, health trusts, no organisation
    number twice, no clash with a registered party) before anything starts.
    """
    text = _csv_text(await request.body())
    region = await asyncio.to_thread(queries.region, engine)
    lines = parse_import(text, region)
    parties = [line.party for line in lines]
    # A clash with a registered party is a bad line like any other (all named at once).
    clashes = (await asyncio.to_thread(registration.conflicts, engine, parties))[1]
    if clashes:
        raise ImportRefused(
            [
                Problem(
                    line.line, clashes[line.party.number].field, str(clashes[line.party.number])
                )
                for line in lines
                if line.party.number in clashes
            ]
        )
    done = await registration.register(
        client,
        engine,
        parties,
        task_queue=settings.task_queue,
        continue_as_new_after_events=settings.continue_as_new_after_events,
        policy=settings.reminder_policy(),
    )
    return PartiesImported(
        registered=len(done.registered),
        present=len(done.present),
        numbers=[party.number for party in parties],
    )


def _csv_text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        # Names are Norwegian (æ, ø, å): a Latin-1 file would come out garbled.
        raise RequestRejected(
            "file", f"must be UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8"
        ) from None


def _process(kind: PartyKind, version: int | None) -> ProcessDefinition | None:
    if version is None:
        return None
    try:
        return process_definition(process_key(kind), version)
    except RequestRejected as err:
        raise RequestRejected("process_version", err.message) from None
