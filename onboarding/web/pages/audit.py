"""The admin's audit log page: every source of history, filtered, paged, exported.

The filters are a GET form (so a filtered view is a link to share); the export
links carry the same filters to `/admin/audit/export`, which streams the
existing export (onboarding.history.export) a batch at a time, as the API's does.
"""

import asyncio
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from onboarding.api.paging import OffsetQuery
from onboarding.domain.calendar import OSLO
from onboarding.history.entries import AuditFilters, AuditPage
from onboarding.history.export import ExportFormat, encode
from onboarding.history.log import audit_page, audit_stream, known_kinds
from onboarding.web.filters import party_number, period, sent_values
from onboarding.web.forms import FormErrors
from onboarding.web.history_text import describe
from onboarding.web.page import AdminPage, Page, PageRefused

router = APIRouter(prefix="/admin")

AUDIT_PAGE = 50
FILTER_NAMES = ("actor", "kind", "municipality", "wave", "from", "to")


@dataclass(frozen=True)
class AuditQuery:
    """The filter form as sent, its errors, and the filters it means when it has none."""

    values: dict[str, str]
    errors: FormErrors
    filters: AuditFilters

    def link(self, path: str, **extra: str | int) -> str:
        """`path` with the same filters (empty ones left out) and `extra` parameters."""
        params = {name: value for name, value in self.values.items() if value}
        params.update({name: str(value) for name, value in extra.items()})
        return f"{path}?{urlencode(params)}" if params else path


def read_filters(page: Page, values: dict[str, str]) -> AuditQuery:
    """The filters of the form; a wrong value is named by its field, as the API's 422 does."""
    errors = FormErrors()
    number = party_number(page.t, values, errors)
    kinds = None
    if values["kind"]:
        if values["kind"] in known_kinds():
            kinds = frozenset({values["kind"]})
        else:
            errors.add("kind", page.t("error.choose_listed"))
    first, last = period(page.t, values, errors)
    for name in ("actor", "wave"):
        if len(values[name]) > 200:
            errors.add(name, page.t("error.too_long", limit=200))
    return AuditQuery(
        values=values,
        errors=errors,
        filters=AuditFilters(
            actor=values["actor"] or None,
            kinds=kinds,
            municipality=number,
            wave=values["wave"] or None,
            recorded_from=first,
            recorded_to=last,
        ),
    )


TextQuery = Annotated[str | None, Query(max_length=1_000)]
FromQuery = Annotated[str | None, Query(alias="from", max_length=100)]


def filter_values(
    actor: TextQuery = None,
    kind: TextQuery = None,
    municipality: TextQuery = None,
    wave: TextQuery = None,
    from_: FromQuery = None,
    to: TextQuery = None,
) -> dict[str, str]:
    """The filter form's values as sent (stripped, empty when absent): one dependency for
    the page and its export, so both read the same parameters."""
    sent = (actor, kind, municipality, wave, from_, to)
    return sent_values(FILTER_NAMES, sent)


FilterValues = Annotated[dict[str, str], Depends(filter_values)]


@router.get("/audit")
async def audit_log_page(
    page: AdminPage, values: FilterValues, offset: OffsetQuery = 0
) -> Response:
    """The audit log by recording time, newest first, a page at a time, with export links."""
    query = read_filters(page, values)
    return await asyncio.to_thread(_audit, page, query, offset)


def _audit(page: Page, query: AuditQuery, offset: int) -> Response:
    result = (
        AuditPage(items=[], limit=AUDIT_PAGE, offset=offset, next_offset=None)
        if query.errors
        else audit_page(page.engine, query.filters, limit=AUDIT_PAGE, offset=offset)
    )
    previous = max(offset - AUDIT_PAGE, 0) if offset else None
    return page.render(
        "audit.html",
        status=422 if query.errors else 200,
        oslo=OSLO,
        describe=describe,
        query=query,
        values=query.values,
        errors=query.errors,
        result=result,
        kinds=known_kinds(),
        first_shown=offset + 1,
        last_shown=offset + len(result.items),
        previous_link=None if previous is None else query.link("/admin/audit", offset=previous),
        next_link=None
        if result.next_offset is None
        else query.link("/admin/audit", offset=result.next_offset),
        export_links={
            fmt.value: query.link("/admin/audit/export", format=fmt.value) for fmt in ExportFormat
        },
    )


@router.get("/audit/export")
def export_audit_log(
    page: AdminPage, values: FilterValues, format: str = ExportFormat.CSV.value
) -> Response:
    """The filtered audit log, oldest first, streamed as CSV or JSON (admin)."""
    try:
        chosen = ExportFormat(format)
    except ValueError:
        raise PageRefused(422, "audit.bad_format", value=format) from None
    query = read_filters(page, values)
    if query.errors:
        name, message = next(iter(query.errors.fields.items()))
        raise PageRefused(422, "audit.bad_filter", field=name, message=message)
    return StreamingResponse(
        encode(audit_stream(page.engine, query.filters), chosen),
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="audit.{chosen.value}"'},
    )
