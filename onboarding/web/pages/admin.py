"""Admin pages: users and their tokens, the notification outbox, links to the Temporal UI.

Tokens are created and revoked with the same store functions as /api/users; a
new token's secret is shown once, on the answer to the form, never stored.
"""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse, Response

from onboarding.domain.calendar import OSLO, start_of_day_in_oslo
from onboarding.domain.errors import RequestRejected
from onboarding.domain.notifications import NotificationStatus
from onboarding.store import outbox, tokens
from onboarding.store.tables.access import ApiTokenRow
from onboarding.store.tokens import Role
from onboarding.web.filters import listed, party_number, period
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import AdminPage, Page
from onboarding.web.temporal_ui import workflows_url

router = APIRouter(prefix="/admin")

OUTBOX_PAGE = 200


@router.get("/users")
async def users_page(page: AdminPage, done: str | None = None) -> Response:
    """Every token, active or not, and the form to create one."""
    return await asyncio.to_thread(_users, page, FormErrors(), {}, None, done)


def _users(
    page: Page,
    errors: FormErrors,
    values: dict[str, str],
    created: tuple[ApiTokenRow, str] | None,
    done: str | None = None,
) -> Response:
    response = page.render(
        "users.html",
        status=422 if errors else (201 if created else 200),
        tokens=tokens.list_tokens(page.engine),
        roles=[role.value for role in Role],
        errors=errors,
        values=values,
        created=created,
        done=done,
        now=datetime.now(UTC),
        workflows_url=workflows_url(page.settings),
    )
    # A page showing a secret must not be kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/users")
async def create_user(page: AdminPage) -> Response:
    """Create a token; the answer shows its secret once."""
    form = await page.form()
    values = {name: text(form, name) for name in ("name", "role", "scope", "expires_on")}
    errors = FormErrors()
    expires_at = None
    if values["expires_on"]:
        try:
            day = date.fromisoformat(values["expires_on"])
        except ValueError:
            errors.add("expires_on", page.t("error.date_format"))
        else:
            # Valid through the chosen day in Oslo.
            expires_at = datetime.combine(day + timedelta(days=1), time(), tzinfo=OSLO)
            if expires_at <= datetime.now(UTC):
                errors.add("expires_on", page.t("error.past_date"))
    if errors:
        return await asyncio.to_thread(_users, page, errors, values, None)
    try:
        created = await asyncio.to_thread(
            tokens.create_token,
            page.engine,
            name=values["name"],
            role=values["role"],
            scope=values["scope"],
            expires_at=expires_at,
            by=page.actor,
        )
    except RequestRejected as err:
        errors.add(err.field, err.message)
        return await asyncio.to_thread(_users, page, errors, values, None)
    return await asyncio.to_thread(_users, page, errors, {}, created)


@router.post("/users/{token_id}/revoke")
async def revoke_user(token_id: Annotated[int, Path(ge=1)], page: AdminPage) -> Response:
    """Revoke a token (not the one in hand); its sessions end at their next request."""
    await page.form()
    try:
        await asyncio.to_thread(
            tokens.revoke_token_as, page.engine, token_id=token_id, actor=page.actor
        )
    except RequestRejected:
        return RedirectResponse("/admin/users?done=self", status_code=303)
    return RedirectResponse("/admin/users?done=revoked", status_code=303)


@router.get("/notifications")
async def outbox_page(
    page: AdminPage,
    municipality: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
) -> Response:
    """The outbox, newest first, filtered by municipality, status and due dates."""
    return await asyncio.to_thread(_outbox, page, municipality, status, from_, to)


def _outbox(
    page: Page, municipality: str | None, status: str | None, from_: str | None, to: str | None
) -> Response:
    errors = FormErrors()
    values = {
        "municipality": municipality or "",
        "status": status or "",
        "from": from_ or "",
        "to": to or "",
    }
    number = party_number(page.t, values, errors)
    chosen = listed(page.t, values, errors, "status", NotificationStatus)
    first, last = period(page.t, values, errors)
    rows = []
    if not errors:
        rows = outbox.list_notifications(
            page.engine,
            municipality_number=number,
            status=chosen,
            due_from=start_of_day_in_oslo(first) if first else None,
            due_before=start_of_day_in_oslo(last + timedelta(days=1)) if last else None,
            limit=OUTBOX_PAGE,
        )
    return page.render(
        "outbox.html",
        status=422 if errors else 200,
        rows=rows,
        values=values,
        errors=errors,
        statuses=[(s.value, page.t(f"notification_status.{s.value}")) for s in NotificationStatus],
        limit=OUTBOX_PAGE,
        workflows_url=workflows_url(page.settings),
    )
