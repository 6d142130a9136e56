"""`onboarding up --demo` end to end: the real dev server, worker and API load the demo region.

The reports, read over HTTP like any client, must say what its sources say
on their dates, each over the region of its date (docs/demo-region.md,
docs/region-history.md); the open work of the load day is there (planned
waves, the work list, messages sent, refused by the relay on 127.0.0.1 and to
nobody) and on the pages in chromium; a second `--demo` on the same data dir is
refused. One to three minutes (the load itself is ~600 transitions, 69 reforms
and ~280 checklist items through the API); deselect with
`--deselect tests/e2e/test_demo_e2e.py`.
"""

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from onboarding.demo.rollout import shipped_rollout
from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.party import PartyKind
from onboarding.domain.reports import FunnelReport
from onboarding.domain.vocabulary import Stage
from tests.domain.test_demo_rollout import party_stage_on
from tests.helpers.notifications import Sink, smtp_server, smtp_settings
from tests.helpers.up import Up
from tests.helpers.web import check_page, chromium_path, sign_in

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(480)]

LIVE = Stage.LIVE


# The relay the demo sends through refuses the deputy director's address, as a
# relay refuses an address it has no mailbox for.
REFUSED = "ingrid.stedfortreder@hnt.example"


@pytest.fixture
def relay() -> Iterator[Sink]:
    with smtp_server(sink=Sink(refuse={REFUSED})) as sink:
        yield sink


@pytest.fixture
def demo(tmp_path: Path, relay: Sink) -> Iterator[Up]:
    settings = smtp_settings(relay.port)
    env = {
        "ONBOARDING_SMTP_HOST": "127.0.0.1",
        "ONBOARDING_SMTP_PORT": str(relay.port),
        "ONBOARDING_SMTP_SECURITY": "none",
        "ONBOARDING_SMTP_SENDER": str(settings.smtp_sender),
    }
    instance = Up(tmp_path / "data", "--demo", env=env)
    try:
        yield instance
    finally:
        instance.kill_leftovers()
        for log in sorted(tmp_path.glob("up-*.log")):
            print(f"--- {log.name} ---\n{log.read_text()}")


def test_the_demo_region_tells_the_counts_of_its_sources(demo: Up, relay: Sink) -> None:
    demo.start()
    demo.wait_healthy()
    # The API answers while the demo loads through it; the banner comes after. About
    # a minute on a quiet machine; beside a second CI run on two cores it took over
    # 120 s (workflow tasks over 5 s each), so the deadline is generous.
    demo.wait_announced(timeout=360)
    assert "Loaded the demo region" in demo.output()
    token = (demo.data_dir / "admin.token").read_text().strip()
    with httpx.Client(
        base_url=demo.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        # The published counts are the municipalities': every report here asks for them.
        def funnel(as_of: str, **params: str) -> FunnelReport:
            params = {"as_of": as_of, "kind": "municipality", **params}
            answer = http.get("/api/reports/funnel", params=params)
            assert answer.status_code == 200, answer.text
            return FunnelReport.model_validate(answer.json())

        # The region of each date (docs/region-history.md): 85 signed the collaboration
        # agreement in 2015/16 and again in 2017, 65 in 2021, 66 in 2022, 67 from 2024.
        for day, total in (("2016-06-30", 85), ("2017-12-31", 85), ("2021-06-30", 65)):
            region = funnel(day)
            assert (region.total, region.reached["collaboration_signed"]) == (total, total)
        assert funnel("2021-05-26").reached["option_exercised"] == 19
        october = funnel("2022-10-11")
        assert (october.total, october.signed, october.preparing) == (66, 18, 45)
        january = funnel("2024-01-03")
        assert (january.live, january.signed) == (20, 34)
        assert funnel("2024-04-27").live == 28
        assert funnel("2023-06-30").live == 10
        # Recorded as it happened (backdated by the demo loader alone, each record
        # marked): as known on a day, the region stood where it stood that day ...
        known = funnel("2022-10-11", known_on="2022-10-11")
        assert (known.total, known.signed, known.preparing) == (66, 18, 45)
        # ... and not a day earlier than each fact: the 2021 votes were not known in 2020.
        assert funnel("2021-05-26", known_on="2020-12-31").reached["option_exercised"] < 19
        stages: dict[str, Any] = http.get(
            "/api/reports/stages", params={"as_of": "2024-01-03"}
        ).json()
        by_number = {row["municipality_number"]: row for row in stages["municipalities"]}
        assert by_number["1580"]["stage"] == "live"  # Haram, from the split
        assert by_number["1580"]["since"] == "2024-01-01"
        assert by_number["5035"]["stage"] == "paused"  # Stjørdal (party 1714 since 2015)
        assert by_number["5035"]["number"] == "1714"
        assert by_number["1554"]["stage"] == "declined"  # Averøy, until 2024
        timeline = http.get("/api/municipalities/1554/timeline").json()
        decline = next(e for e in timeline if e["details"].get("trigger") == "decline")
        assert decline["effective_on"] == "2023-10-19"
        assert decline["actor"]["name"] == "Demo loader (docs/demo-region.md)"
        assert decline["recorded_at"].startswith("2023-10-19")
        assert decline["entered_at"].startswith(today_in_oslo().isoformat()[:4])
        assert "18.6" in decline["evidence"]["reason"]
        series = http.get(
            "/api/reports/milestones",
            params={
                "from": "2022-01-01",
                "to": "2024-04-30",
                "interval": "quarter",
                "kind": "municipality",
            },
        ).json()
        assert series["points"][-1]["reached"]["live"] == 28
        # Across the reforms: every municipality of each month's region had signed the
        # collaboration agreement (a renumbered one counts once, a merger's result
        # inherits the signature), and Trondheim's option vote of 2019 carries on into
        # the Trondheim of 2020 without a jump.
        across = http.get(
            "/api/reports/milestones",
            params={
                "from": "2016-03-01",
                "to": "2021-03-31",
                "interval": "month",
                "kind": "municipality",
            },
        ).json()["points"]
        assert all(p["reached"]["collaboration_signed"] == p["total"] for p in across)
        totals = {p["on"]: p["total"] for p in across}
        assert (totals["2017-12-31"], totals["2018-01-31"], totals["2020-01-31"]) == (85, 84, 65)
        option = {p["on"]: p["reached"]["option_exercised"] for p in across}
        assert (option["2019-12-31"], option["2020-01-31"]) == (1, 1)
        # The other kinds: the hospitals, the GP offices beside Trondheim and those with
        # open work, as the rollout file's facts say (replayed through their processes).
        # The facts end before today; the open work of the load day (below) moves on
        # from them, so they are checked as of yesterday.
        rollout = shipped_rollout()
        yesterday_day = today_in_oslo() - timedelta(days=1)
        for day in ("2022-05-07", "2022-11-12", "2024-11-09", yesterday_day.isoformat()):
            coverage = http.get("/api/reports/coverage", params={"as_of": day}).json()
            by_kind = {row["kind"]: row for row in coverage["kinds"]}
            for kind in (PartyKind.GP_OFFICE, PartyKind.SPECIALIST, PartyKind.HOSPITAL):
                parties = [p for p in rollout.parties if p.kind is kind]
                live = [p for p in parties if party_stage_on(p, date.fromisoformat(day)) is LIVE]
                row = by_kind[kind.value]
                assert (row["parties"], row["live"]) == (len(parties), len(live)), (day, kind)
                assert row["staff_live"]["staff"] == sum(p.staff_count or 0 for p in live)
        offices = funnel(yesterday_day.isoformat(), kind="gp_office")
        expected: dict[str, int] = {}
        for office in (p for p in rollout.parties if p.kind is PartyKind.GP_OFFICE):
            stage = party_stage_on(office, yesterday_day).value
            expected[stage] = expected.get(stage, 0) + 1
        assert {stage: n for stage, n in offices.stages.items() if n} == expected
        assert len(expected) >= 4  # offered, postponed, signed, preparing, live: open work
        st_olavs = http.get("/api/waves/2022-11-st-olavs").json()
        assert len(st_olavs["members"]) == 7  # the hospital and its six municipalities
        # Every go-live of the facts went through its wave, recorded after the fact.
        every_wave = {w["id"]: w for w in http.get("/api/waves").json()}
        waves = {i: w for i, w in every_wave.items() if i in {w.id for w in rollout.waves}}
        assert len(waves) == 7
        assert {w["status"] for w in waves.values()} == {"live"}
        assert all(w["recorded_after_the_fact"] for w in waves.values())
        assert waves["2023-11-romsdal"]["members"] == 9
        trondheim = http.get("/api/waves/2022-05-trondheim").json()
        assert [d["go_live_at"][:10] for d in trondheim["dates"]] == [
            "2021-11-13",
            "2022-04-30",
            "2022-05-07",
        ]
        story = http.get("/api/municipalities/5001/timeline").json()
        # The Trondheim of 2020 carries on Trondheim's (1601) and Klæbu's (1662) history.
        theirs = {e["predecessor"]["number"] for e in story if e["predecessor"]}
        assert theirs == {"1601", "1662"}
        klaebu = [e for e in story if (e["predecessor"] or {}).get("number") == "1662"]
        assert [e["details"].get("trigger") for e in klaebu if e["kind"] == "transition"][:3] == [
            "sign_collaboration",
            "require_resignature",
            "sign_collaboration",
        ]
        kinds = [e["kind"] for e in story]
        assert kinds.count("checklist_completion") == 6
        assert kinds.count("wave_rescheduled") == 2
        went = next(e for e in story if e["details"].get("trigger") == "go_live")
        assert (went["effective_on"], went["actor"]["id"]) == (
            "2022-05-07",
            "wave:2022-05-trondheim",
        )
        open_work_of_the_load_day(http, relay, every_wave)
    asyncio.run(pages_with_open_work(demo.url, token))
    assert demo.terminate() == 0
    # The data dir is not fresh any more: --demo refuses, naming the way out.
    demo.start()
    assert demo.process is not None
    assert demo.process.wait(timeout=30) == 1
    assert "--demo needs a fresh data dir" in demo.output()


def open_work_of_the_load_day(http: httpx.Client, relay: Sink, waves: dict[str, Any]) -> None:
    """What a coordinator finds right after the load (onboarding/demo/open_work.py)."""
    today = today_in_oslo()
    planned = [w for w in waves.values() if w["status"] == "planned"]
    assert len(planned) == 3
    assert all(date.fromisoformat(w["go_live_at"][:10]) > today for w in planned)
    assert not any(w["recorded_after_the_fact"] for w in planned)
    namdalen = next(w for w in planned if "Nord-Trøndelag" in w["name"])
    members = http.get(f"/api/waves/{namdalen['id']}").json()["members"]
    trusts = {
        http.get(f"/api/municipalities/{m['number']}").json()["health_trust"] for m in members
    }
    assert trusts == {"Helse Nord-Trøndelag HF"}
    # Every candidate of today's numbers found its party, renumbered or not
    # (open_work.py): the wave's twelve and Sunnmøre's nine.
    assert len(members) == 12, members
    sunnmore = next(w for w in planned if w["name"] == "Sunnmøre")
    assert len(http.get(f"/api/waves/{sunnmore['id']}").json()["members"]) == 9
    worklist = http.get("/api/worklist").json()
    counts = worklist["counts"]
    assert counts["overdue"] > 0 and counts["due"] > 0 and counts["blocked"] > 0, counts
    assert any(row["party"]["kind"] == "municipality" for row in worklist["overdue"])
    # The GP offices' wave went live on its own timer: the ready office with it, the
    # other missed it, and the top of the ladder heard of it through the relay.
    gp = next(w for w in waves.values() if w["id"].endswith("-gp-offices"))
    view = http.get(f"/api/waves/{gp['id']}").json()
    assert view["status"] == "live" and not view["recorded_after_the_fact"]
    assert "brought forward" in view["dates"][-1]["reason"]  # the move says why
    assert sorted(m["status"] for m in view["members"]) == ["live", "missed_go_live"]
    outbox = http.get("/api/notifications").json()
    by_status = {row["status"]: row for row in outbox}
    assert set(by_status) == {"sent", "failed", "no_recipient"}, outbox
    assert by_status["failed"]["recipient_email"] == REFUSED
    assert "550" in by_status["failed"]["last_error"]
    assert by_status["no_recipient"]["recipient_role"] == "council"
    assert [str(m["To"]) for m in relay.messages] == [
        "Per Programdirektør <per.programdirektor@helseplattformen.example>"
    ]
    assert counts["failed_notifications"] == 2


async def pages_with_open_work(url: str, token: str) -> None:
    """The pages a coordinator opens first show the open work, in chromium at 1366 px.

    Each is photographed into artifacts/screenshots/demo-*.png and checked by axe-core.
    """
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            context = await browser.new_context(
                base_url=url, locale="nb-NO", viewport={"width": 1366, "height": 900}
            )
            page = await context.new_page()
            await sign_in(page, token, path="/worklist")
            main = page.locator("main")
            await expect(main).to_contain_text("Sunnmøre")  # its members' overdue items
            await expect(main).to_contain_text("Levanger sentrum legesenter")
            await check_page(page, "demo-worklist-nb")
            await page.goto("/waves")
            await expect(main).to_contain_text("Helse Nord-Trøndelag: Namdalen")
            await check_page(page, "demo-waves-nb")
            await page.goto("/dashboard")
            await check_page(page, "demo-dashboard-nb")
            await page.goto("/admin/notifications")
            await expect(main).to_contain_text("ingrid.stedfortreder@hnt.example")
            await check_page(page, "demo-outbox-nb")
            # The history as the loader recorded it: each fact on its own day, marked.
            await page.goto("/admin/audit?municipality=1554")
            await expect(main.locator(".badge.backdated-entry").first).to_be_visible()
            await expect(main).to_contain_text("tilbakedatert")
            await check_page(page, "demo-audit-backdated-nb")
        finally:
            await browser.close()
