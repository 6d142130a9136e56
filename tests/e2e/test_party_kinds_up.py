"""Every kind of party through its whole road on `onboarding up`: the real dev server, over HTTP.

The scenario is tests/helpers/party_roads.py's, here with Trondheim of the
shipped region (process version 2) and the region's own tokens.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from onboarding.demo.wave_driver import Send
from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.party_roads import every_kind_goes_live
from tests.helpers.up import Served, up_with_tokens

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(480)]

TRONDHEIM = "5001"
# Municipality process v2, prospective to service agreement signed.
MUNICIPALITY_ROAD = (
    "sign_collaboration",
    "exercise_option",
    "start_preparation",
    "sign_call_off_agreement",
    "sign_service_agreement",
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with up_with_tokens(tmp_path / "data", "kinds") as instance:
        yield instance


def send_with(served: Served) -> Send:
    headers = {"Authorization": f"Bearer {served.tokens[Role.COORDINATOR]}"}

    async def send(method: str, path: str, body: Any) -> Any:
        # The wave driver speaks the municipality routes; every party, the
        # municipalities included, answers at /api/parties too.
        path = path.replace("/api/municipalities/", "/api/parties/")
        async with httpx.AsyncClient(base_url=served.url, headers=headers, timeout=30) as http:
            answer = await http.request(method, path, json=body)
        assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    return send


async def test_every_kind_walks_its_road_and_goes_live_on_the_dev_server(served: Served) -> None:
    send = send_with(served)
    members = await every_kind_goes_live(
        send,
        TRONDHEIM,
        MUNICIPALITY_ROAD,
        health_trust="St. Olavs hospital HF",
        wave_id="kinds-first-go-live",
        on=today_in_oslo(),
        registered=[],  # the dev server is the test's own
    )
    rows = await send("GET", "/api/parties?stage=live", None)
    assert {p["number"] for p in rows} >= set(members)
