"""The addresses of the pages about one party: `/parties/{id}/...` for every kind, and
`/municipalities/{number}/...` for municipalities, as before there were other kinds.

Each page about a party is one handler served at both addresses (`party_route`);
the municipality address takes a municipality's number only. Links and
redirects go through `party_path`: a municipality keeps the address its pages
have always had (bookmarks, mails, the audit log's links), a party of another
kind is under /parties.
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path

from onboarding.domain.party import PARTY_ID_PATTERN, PartyKind, kind_of

PartyPath = Annotated[str, Path(pattern=PARTY_ID_PATTERN)]
MUNICIPALITY_PATTERN = r"^[0-9]{4}$"

PARTIES = "/parties/{number}"
MUNICIPALITIES = "/municipalities/{number}"

Handler = TypeVar("Handler", bound=Callable[..., Any])


def _municipality_number(number: Annotated[str, Path(pattern=MUNICIPALITY_PATTERN)]) -> None:
    """Only a municipality's number under /municipalities (a 422 naming the field otherwise)."""


def party_route(router: APIRouter, method: str, tail: str = "") -> Callable[[Handler], Handler]:
    """Serve the decorated handler at /parties/{number}`tail` and /municipalities/{number}`tail`.

    The handler's `number` is a PartyPath; the municipality address adds the
    check that it is a municipality's number.
    """

    def register(handler: Handler) -> Handler:
        router.add_api_route(PARTIES + tail, handler, methods=[method])
        router.add_api_route(
            MUNICIPALITIES + tail,
            handler,
            methods=[method],
            dependencies=[Depends(_municipality_number)],
        )
        return handler

    return register


def party_path(number: str) -> str:
    """The page of the party whose id is `number`."""
    if kind_of(number) is PartyKind.MUNICIPALITY:
        return MUNICIPALITIES.format(number=number)
    return PARTIES.format(number=number)
