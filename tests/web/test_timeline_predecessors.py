"""A municipality's timeline shows its predecessors' history, marked as theirs (issue #20).

Two municipalities with real workflows: the first signs the collaboration agreement, and
then a merger makes the second its successor (`party_succession`, as a reform's apply
writes it). The successor's timeline, over the API, on its page and in the command line's
table, carries the predecessor's entry with a mark naming it ("Testby 8123 (8123)").
"""

from datetime import date

import httpx
from sqlmodel import Session

from onboarding.cli.history_output import entries_table
from onboarding.store import reforms
from onboarding.store.tokens import Role
from tests.helpers.api import SIGN
from tests.helpers.web import Site, sign_in_form


async def test_the_timeline_shows_the_predecessors_history_marked_as_theirs(site: Site) -> None:
    old, new = await site.start(2)
    admin = {"Authorization": f"Bearer {site.secrets[Role.ADMIN]}"}
    async with httpx.AsyncClient(base_url=site.url, headers=admin) as api:
        signed = await api.post(f"/api/municipalities/{old}/transitions", json=SIGN)
        assert signed.status_code == 200, signed.text
        with Session(site.engine) as session:
            reforms.add_succession(
                session,
                predecessor=old,
                successor=new,
                reform_id=f"test-merger-{new}",
                kind="merger",
                effective_on=date(2020, 1, 1),
            )
            session.commit()

        answer = await api.get(f"/api/municipalities/{new}/timeline")
        assert answer.status_code == 200, answer.text
        (entry,) = [e for e in answer.json() if e["kind"] == "transition"]
        assert entry["municipality_number"] == old
        assert entry["predecessor"] == {
            "number": old,
            "name": f"Testby {old}",
            "reform_id": f"test-merger-{new}",
            "reform_kind": "merger",
            "effective_on": "2020-01-01",
        }
        alone = await api.get(f"/api/municipalities/{new}/timeline?predecessors=false")
        assert [e for e in alone.json() if e["kind"] == "transition"] == []
        # The predecessor's own timeline is its own: no marks.
        own = (await api.get(f"/api/municipalities/{old}/timeline")).json()
        assert own and all(e["predecessor"] is None for e in own)
        # The command line's table names whose each entry is.
        table = entries_table(answer.json())
        assert "OF" in table.splitlines()[0] and f"Testby {old} ({old})" in table

    async with httpx.AsyncClient(base_url=site.url, headers={"Accept-Language": "en"}) as http:
        assert (await sign_in_form(http, site.secrets[Role.VIEWER])).status_code == 303
        page = await http.get(f"/municipalities/{new}")
        assert page.status_code == 200
        assert f'data-predecessor="{old}"' in page.text
        assert f"Testby {old} ({old})</span>" in page.text
        assert "carried on by this municipality from 2020-01-01" in page.text
