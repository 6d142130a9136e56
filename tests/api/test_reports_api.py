"""/api/reports over HTTP: `kind` filters (omitted: every kind together) and the coverage report.

The counts themselves are checked against the audit log in
tests/store/test_reports_per_kind.py; here, what the API makes of the
parameters: the kind it names back, its milestones, a kind it does not know.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine

from onboarding.store import tokens
from onboarding.store.tokens import Role
from tests.store.test_reports_per_kind import write_region


@pytest.fixture
async def viewer(
    http: httpx.AsyncClient, sqlite_engine: Engine
) -> AsyncIterator[httpx.AsyncClient]:
    write_region(sqlite_engine)
    _, secret = tokens.create_token(sqlite_engine, name="reader", role=Role.VIEWER)
    http.headers["Authorization"] = f"Bearer {secret}"
    yield http


async def test_a_kind_counts_only_its_parties_on_its_own_road(viewer: httpx.AsyncClient) -> None:
    answer = await viewer.get("/api/reports/funnel", params={"as_of": "2022-05-07"})
    together = answer.json()
    assert answer.status_code == 200, answer.text
    offices = (
        await viewer.get("/api/reports/funnel", params={"as_of": "2022-05-07", "kind": "gp_office"})
    ).json()
    assert (together["kind"], offices["kind"]) == (None, "gp_office")
    assert list(offices["reached"]) == [
        "agreement_offered",
        "agreement_signed",
        "preparing",
        "ready",
        "live",
    ]
    assert "option_exercised" not in offices["reached"]
    # Trondheim and one GP office went live that day: together counts both.
    assert (together["live"], offices["live"]) == (2, 1)
    assert together["reached"]["live"] == 2
    assert together["total"] > offices["total"]


async def test_stages_and_milestones_take_the_kind(viewer: httpx.AsyncClient) -> None:
    params = {"as_of": "2024-04-27", "kind": "hospital"}
    stages = (await viewer.get("/api/reports/stages", params=params)).json()
    assert [(r["kind"], r["stage"]) for r in stages["municipalities"]] == [("hospital", "live")]
    series = (
        await viewer.get(
            "/api/reports/milestones",
            params={
                "from": "2022-01-01",
                "to": "2022-12-31",
                "interval": "quarter",
                "kind": "hospital",
            },
        )
    ).json()
    assert [p["reached"]["live"] for p in series["points"]] == [0, 0, 0, 1]


async def test_coverage_per_kind_and_together(viewer: httpx.AsyncClient) -> None:
    answer = await viewer.get("/api/reports/coverage", params={"as_of": "2024-04-27"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [row["kind"] for row in report["kinds"]] == [
        "municipality",
        "gp_office",
        "specialist",
        "hospital",
    ]
    assert report["together"]["parties"] == sum(row["parties"] for row in report["kinds"])
    assert report["together"]["live"] == sum(row["live"] for row in report["kinds"])


async def test_an_unknown_kind_or_a_future_day_is_refused(viewer: httpx.AsyncClient) -> None:
    wrong = await viewer.get("/api/reports/funnel", params={"kind": "fastlege"})
    assert wrong.status_code == 422 and "kind" in wrong.text
    future = await viewer.get("/api/reports/coverage", params={"as_of": "2999-01-01"})
    assert future.status_code == 422 and "is in the future" in future.text
