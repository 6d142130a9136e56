"""/api/audit and the municipality timeline: who did what, when, across every event source.

Periods: the audit log's `from`/`to` are recording days (transaction time),
the timeline's are effective days (valid time); both whole days in
Europe/Oslo, both ends included.
"""

import asyncio
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from onboarding.api.deps import AdminActor, EngineDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.known_numbers import require_known
from onboarding.api.paging import LimitQuery, OffsetQuery
from onboarding.api.routes.municipalities import NumberPath
from onboarding.api.schemas import IsoDay
from onboarding.domain.errors import RequestRejected
from onboarding.domain.party import PARTY_ID_PATTERN
from onboarding.history.entries import AuditEntry, AuditFilters, AuditPage
from onboarding.history.export import ExportFormat, encode
from onboarding.history.log import audit_page, audit_stream, known_kinds, timeline

router = APIRouter(tags=["history"], responses=error_responses(401, 403, 422))

# The kinds are checked by `_kinds` (its message lists them); the document lists
# them too, so a client (or a fuzzer) knows the allowed values up front.
KindQuery = Annotated[
    list[str] | None,
    Query(
        description="only these kinds (repeatable): transition, correction, ...",
        json_schema_extra={"items": {"type": "string", "enum": known_kinds()}},
    ),
]
FromQuery = Annotated[IsoDay | None, Query(alias="from", description="first day, YYYY-MM-DD")]
ToQuery = Annotated[IsoDay | None, Query(description="last day, YYYY-MM-DD")]
Order = Literal["newest", "oldest"]


def _kinds(kind: list[str] | None) -> frozenset[str] | None:
    if not kind:
        return None
    allowed = known_kinds()
    for value in kind:
        if value not in allowed:
            raise RequestRejected("kind", f"unknown kind {value!r}; known: {', '.join(allowed)}")
    return frozenset(kind)


def _period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise RequestRejected("from", f"{start} is after to ({end})")


def _audit_filters(
    *,
    actor: str | None,
    kind: list[str] | None,
    municipality: str | None,
    wave: str | None,
    start: date | None,
    end: date | None,
) -> AuditFilters:
    _period(start, end)
    return AuditFilters(
        actor=actor,
        kinds=_kinds(kind),
        municipality=municipality,
        wave=wave,
        recorded_from=start,
        recorded_to=end,
    )


ActorQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="actor id (token:3) or name"),
]
MunicipalityQuery = Annotated[
    str | None,
    Query(
        pattern=PARTY_ID_PATTERN,
        description="only entries about this party: a municipality's number or any party's id",
        examples=["5001", "gp-923609016"],
    ),
]
WaveQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=100, description="only entries about this production wave"),
]


@router.get("/audit")
async def audit_log(
    engine: EngineDep,
    _: AdminActor,
    actor: ActorQuery = None,
    kind: KindQuery = None,
    municipality: MunicipalityQuery = None,
    wave: WaveQuery = None,
    from_: FromQuery = None,
    to: ToQuery = None,
    order: Order = "newest",
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> AuditPage:
    """The program's audit log by recording time: every source, filtered, paginated (admin)."""
    filters = _audit_filters(
        actor=actor, kind=kind, municipality=municipality, wave=wave, start=from_, end=to
    )
    return await asyncio.to_thread(
        audit_page,
        engine,
        filters,
        limit=limit,
        offset=offset,
        newest_first=order == "newest",
    )


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def export_audit_log(
    engine: EngineDep,
    _: AdminActor,
    format: ExportFormat = ExportFormat.CSV,
    actor: ActorQuery = None,
    kind: KindQuery = None,
    municipality: MunicipalityQuery = None,
    wave: WaveQuery = None,
    from_: FromQuery = None,
    to: ToQuery = None,
) -> StreamingResponse:
    """The whole (filtered) audit log, oldest first, streamed as CSV or JSON (admin)."""
    filters = _audit_filters(
        actor=actor, kind=kind, municipality=municipality, wave=wave, start=from_, end=to
    )
    body: Iterator[str] = encode(audit_stream(engine, filters), format)
    return StreamingResponse(
        body,
        media_type=format.media_type,
        headers={"Content-Disposition": f'attachment; filename="audit.{format.value}"'},
    )


@router.get("/municipalities/{number}/timeline", responses=error_responses(404))
async def municipality_timeline(
    number: NumberPath,
    engine: EngineDep,
    _: ViewerActor,
    kind: KindQuery = None,
    from_: FromQuery = None,
    to: ToQuery = None,
    order: Order = "oldest",
    predecessors: Annotated[
        bool,
        Query(
            description="also its predecessors' entries (municipalities merged or split into "
            "it, party_succession), each marked with whose it is (`predecessor`)"
        ),
    ] = True,
) -> list[AuditEntry]:
    """Everything that happened to the municipality, by effective date (both dates shown).

    Its predecessors' history too, marked as theirs (`predecessor`), unless
    `predecessors=false`.
    """
    await require_known(engine, number)
    _period(from_, to)
    return await asyncio.to_thread(
        timeline,
        engine,
        number=number,
        kinds=_kinds(kind),
        effective_from=from_,
        effective_to=to,
        newest_first=order == "newest",
        predecessors=predecessors,
    )
