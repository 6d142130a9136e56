"""Contact lists: a municipality's (/api/municipalities/{number}/contacts) and the program's.

A PUT replaces the whole list; an empty list removes every contact. Entries
are checked while the body is parsed, so a fault is named by its place in the
list (`[1].email`, `[0].role` with the allowed roles).
"""

from typing import Annotated

from fastapi import APIRouter, Body

from onboarding.api.deps import CoordinatorActor, EngineDep, ViewerActor
from onboarding.api.errors import error_responses
from onboarding.api.routes.municipalities import NumberPath
from onboarding.domain.contacts import (
    MAX_CONTACTS,
    Contact,
    MunicipalityContactIn,
    ProgramContactIn,
)
from onboarding.domain.errors import UnknownMunicipality
from onboarding.store import contacts, queries

router = APIRouter(tags=["contacts"], responses=error_responses(401, 403, 422))

MunicipalityContacts = Annotated[
    list[MunicipalityContactIn],
    Body(
        max_length=MAX_CONTACTS,
        description="the whole list; roles: municipality_contact, municipal_director",
    ),
]
ProgramContacts = Annotated[
    list[ProgramContactIn],
    Body(
        max_length=MAX_CONTACTS,
        description="the whole list; roles: program_coordinator, program_director, council",
    ),
]


@router.get("/municipalities/{number}/contacts", responses=error_responses(404))
def municipality_contacts(number: NumberPath, engine: EngineDep, _: ViewerActor) -> list[Contact]:
    """The municipality's contacts, in the order they were given."""
    if queries.get_municipality(engine, number=number) is None:
        raise UnknownMunicipality(number)
    return contacts.list_contacts(engine, municipality_number=number)


@router.put("/municipalities/{number}/contacts", responses=error_responses(404))
def replace_municipality_contacts(
    number: NumberPath, body: MunicipalityContacts, engine: EngineDep, actor: CoordinatorActor
) -> list[Contact]:
    """Replace the municipality's contacts; answers the stored list."""
    return contacts.replace_contacts(engine, municipality_number=number, contacts=body, actor=actor)


@router.get("/program/contacts")
def program_contacts(engine: EngineDep, _: ViewerActor) -> list[Contact]:
    """The program's contacts: coordinator, program director, council."""
    return contacts.list_contacts(engine, municipality_number=None)


@router.put("/program/contacts")
def replace_program_contacts(
    body: ProgramContacts, engine: EngineDep, actor: CoordinatorActor
) -> list[Contact]:
    """Replace the program's contacts; answers the stored list."""
    return contacts.replace_contacts(engine, municipality_number=None, contacts=body, actor=actor)
