"""The work list page over HTTP without a browser (it reads only SQL): who starts on it,
its filter errors, and a long list cut to its first rows with the counts whole."""

from datetime import date

import httpx
from sqlalchemy import Engine

from onboarding.domain.vocabulary import Stage, Trigger
from onboarding.store import projection, tokens
from onboarding.store.tokens import Role
from onboarding.web.pages.worklist import SECTION_LIMIT
from tests.helpers.store import projected, register
from tests.helpers.web import sign_in_form


async def signed_in(http: httpx.AsyncClient, engine: Engine, role: Role) -> None:
    _, secret = tokens.create_token(engine, name=f"Test {role.value}", role=role)
    http.cookies.clear()  # a fresh browser: no earlier session
    assert (await sign_in_form(http, secret)).status_code == 303


def stale_parties(engine: Engine, count: int) -> None:
    """`count` municipalities that signed in 2017 and have not moved since: stuck."""
    for n in range(8000, 8000 + count):
        register(engine, str(n))
        projection.record_transition(
            engine,
            projected(
                str(n),
                1,
                Trigger.SIGN_COLLABORATION,
                Stage.PROSPECTIVE,
                Stage.COLLABORATION_SIGNED,
                date(2017, 3, 15),
            ),
        )


async def test_the_start_page_by_role_and_a_long_list_cut(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> None:
    stale_parties(sqlite_engine, SECTION_LIMIT + 3)
    await signed_in(http, sqlite_engine, Role.COORDINATOR)
    start = await http.get("/", headers={"Accept-Language": "en"})
    assert start.status_code == 200
    assert "<h1>Work list</h1>" in start.text
    assert f'data-count="stuck">{SECTION_LIMIT + 3}<' in start.text
    assert start.text.count('data-reason="stale"') == SECTION_LIMIT
    assert f"Showing the first {SECTION_LIMIT} of {SECTION_LIMIT + 3}." in start.text
    # A dashboard link with a date still shows the dashboard.
    dated = await http.get("/", params={"as_of": "2020-01-01"})
    assert "worklist-counts" not in dated.text and dated.status_code == 200

    narrowed = await http.get("/worklist", params={"health_trust": "Helse Bergen HF"})
    assert 'data-count="stuck">0<' in narrowed.text
    wrong = await http.get("/worklist", params={"days": "400", "stage": "asleep"})
    assert wrong.status_code == 422
    # In bokmål, the default: each wrong field named in the page's language.
    assert "fra 0 til 366" in wrong.text and "Velg et av alternativene i listen." in wrong.text
    assert "worklist-counts" not in wrong.text

    await signed_in(http, sqlite_engine, Role.VIEWER)
    viewer = await http.get("/", headers={"Accept-Language": "en"})
    assert "<h1>Region overview</h1>" in viewer.text
    assert 'href="/worklist"' in viewer.text
