"""Every kind of party through its whole road through the API, on the time-skipping server.

The scenario is tests/helpers/party_roads.py's (the end-to-end test runs it on
the real dev server), here with a made-up municipality on version 1.
"""

import uuid
from typing import Any

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.api import Api
from tests.helpers.party_roads import every_kind_goes_live

MUNICIPALITY_ROAD = (
    "sign_collaboration",
    "exercise_option",
    "start_preparation",
    "sign_service_agreement",
)


async def test_every_kind_walks_its_road_and_goes_live_through_the_api(api: Api) -> None:
    [municipality] = await api.start()

    async def send(method: str, path: str, body: Any) -> Any:
        path = path.replace("/api/municipalities/", "/api/parties/")
        answer = await api.http.request(method, path, json=body, headers=api.auth(Role.COORDINATOR))
        assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    await every_kind_goes_live(
        send,
        municipality,
        MUNICIPALITY_ROAD,
        health_trust="St. Olavs hospital",
        wave_id=f"kinds-{uuid.uuid4().hex[:8]}",
        on=today_in_oslo(),
        registered=api.started,  # terminated when the test ends
    )
    # The test's own read model: one party of each kind, each live.
    coverage = await send("GET", "/api/reports/coverage", None)
    assert {row["kind"]: (row["parties"], row["live"]) for row in coverage["kinds"]} == {
        "municipality": (1, 1),
        "gp_office": (1, 1),
        "specialist": (1, 1),
        "hospital": (1, 1),
    }
    assert coverage["together"]["live"] == 4
