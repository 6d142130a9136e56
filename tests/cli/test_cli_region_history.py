"""Loading the region's history from the command line and the API (admin), idempotently.

`onboarding region history load` against the served API (uvicorn, a real worker, a
time-skipping server of this module alone: the history's real numbers are workflow ids):
up to a day first, then the rest, then again (nothing to load). Only an admin may.
"""

from datetime import date

import httpx

from onboarding.domain.parties.region import shipped_plan
from onboarding.domain.party import PartyKind
from onboarding.store import point_in_time
from onboarding.store.tokens import Role
from tests.helpers import region_count
from tests.helpers.cli import Served, one_line_error


async def test_the_history_loads_through_the_cli_and_the_api_once(served: Served) -> None:
    plan = shipped_plan()
    served.harness.started.extend(
        [m.number for m in (*plan.first_day, *(m for m, _ in plan.joining))]
        + [m.number for r in plan.reforms for m in r.new]
    )
    refused = await served.run("region", "history", "load", role=Role.COORDINATOR)
    assert refused.exit_code == 1
    assert "403" in one_line_error(refused) or "admin" in one_line_error(refused)
    bad = await served.run("region", "history", "load", "--stage-rule", "x", role=Role.ADMIN)
    assert one_line_error(bad).startswith("error: --stage-rule: 'x' is not one of")

    first = await served.run(
        "region", "history", "load", "--through", "2019-12-31", "--json", role=Role.ADMIN
    )
    assert first.exit_code == 0, first.output
    assert '"registered": 86' in first.stdout
    rest = await served.run("region", "history", "load", role=Role.ADMIN)
    assert rest.exit_code == 0, rest.output
    assert rest.stdout.startswith("Registered 0 municipalities and recorded ")
    assert "2024-01-01-split-1507-to-1508-1580" in rest.stdout

    admin = {"Authorization": f"Bearer {served.secrets[Role.ADMIN]}"}
    async with httpx.AsyncClient(base_url=served.url, headers=admin, timeout=120) as api:
        again = await api.post("/api/region/history/load")
        assert again.status_code == 200, again.text
        body = again.json()
        assert (body["registered"], body["reforms"], body["already"]) == (
            0,
            [],
            len(plan.reforms),
        )
        assert body["message"].startswith("Nothing to load")
        wrong = await api.post("/api/region/history/load", json={"through": "2019-02-30"})
        assert wrong.status_code == 422 and wrong.json()["field"] == "through"
        funnel = await api.get(
            "/api/reports/funnel", params={"as_of": "2016-06-30", "kind": "municipality"}
        )
        assert funnel.json()["total"] == 85
        timeline = (await api.get("/api/municipalities/5001/timeline")).json()
        theirs = {e["predecessor"]["number"] for e in timeline if e["predecessor"]}
        assert theirs == {"1601", "1662"}  # Trondheim and Klæbu, before 2020
    for day in (date(2016, 6, 30), date(2021, 6, 30), date(2024, 6, 30)):
        report = point_in_time.funnel(served.engine, as_of=day, kind=PartyKind.MUNICIPALITY)
        assert report.total == len(region_count.region_on(day))
