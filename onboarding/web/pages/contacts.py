"""A party's contacts: the edit form, replacing the list as the API's PUT does."""

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from onboarding.domain.contacts import MAX_CONTACTS, MunicipalityContactIn
from onboarding.domain.errors import RequestRejected
from onboarding.domain.notifications import MUNICIPALITY_ROLES
from onboarding.store import contacts
from onboarding.store.tables.parties import MunicipalityRow
from onboarding.web.forms import FormErrors, text
from onboarding.web.page import CoordinatorPage, Page
from onboarding.web.pages.municipality import party_row
from onboarding.web.party_paths import PartyPath, party_path, party_route

router = APIRouter()

# Blank rows offered below the existing contacts, for new ones.
BLANK_ROWS = 2
_CONTACT_LIST = TypeAdapter(list[MunicipalityContactIn])


@dataclass(frozen=True)
class ContactLine:
    """One row of the form: its position and what it holds."""

    index: int
    role: str
    name: str
    email: str


@party_route(router, "GET", "/contacts")
async def contacts_form(number: PartyPath, page: CoordinatorPage) -> Response:
    """The contact list as a form: one row per contact and blank rows for new ones."""
    row = await asyncio.to_thread(party_row, page, number)
    current = await asyncio.to_thread(
        contacts.list_contacts, page.engine, municipality_number=number
    )
    lines = [ContactLine(i, c.role.value, c.name, c.email) for i, c in enumerate(current)]
    return _render(page, row, lines, FormErrors())


@party_route(router, "POST", "/contacts")
async def save_contacts(number: PartyPath, page: CoordinatorPage) -> Response:
    """Replace the list by the form's non-blank rows; errors name the row (`[1].email`)."""
    form = await page.form()
    row = await asyncio.to_thread(party_row, page, number)
    count = min(int(text(form, "rows") or 0), MAX_CONTACTS + BLANK_ROWS)
    lines = [
        ContactLine(
            i, text(form, f"[{i}].role"), text(form, f"[{i}].name"), text(form, f"[{i}].email")
        )
        for i in range(count)
    ]
    # A row left blank is no contact; the positions are renumbered without it.
    kept = [line for line in lines if line.name or line.email]
    kept = [ContactLine(i, line.role, line.name, line.email) for i, line in enumerate(kept)]
    errors = FormErrors()
    try:
        entries = _CONTACT_LIST.validate_python(
            [{"role": line.role, "name": line.name, "email": line.email} for line in kept]
        )
        await asyncio.to_thread(
            contacts.replace_contacts,
            page.engine,
            municipality_number=number,
            contacts=entries,
            actor=page.actor,
        )
    except ValidationError as err:
        errors.add_validation(err)
    except RequestRejected as err:
        errors.add(err.field, err.message)
    if errors:
        return _render(page, row, kept, errors, blank=0)
    return RedirectResponse(f"{party_path(number)}?done=contacts", status_code=303)


def _render(
    page: Page,
    row: MunicipalityRow,
    lines: list[ContactLine],
    errors: FormErrors,
    blank: int = BLANK_ROWS,
) -> Response:
    start = len(lines)
    lines = lines + [ContactLine(start + i, "", "", "") for i in range(blank)]
    return page.render(
        "contacts.html",
        status=422 if errors else 200,
        municipality=row,
        lines=lines,
        roles=[role.value for role in MUNICIPALITY_ROLES],
        errors=errors,
    )
