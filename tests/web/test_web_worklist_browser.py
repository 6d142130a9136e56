"""The work list and the process view in a real browser (Debian's chromium driven by
Playwright): uvicorn, a real worker on the time-skipping test server, real SQLite.
Screenshots at 1366 px go to artifacts/screenshots/ (check_page, with axe-core).
"""

from datetime import timedelta

import httpx
import pytest
from playwright.async_api import expect

from onboarding.domain.calendar import today_in_oslo
from onboarding.store.tokens import Role
from tests.helpers.dates import business_day_on_or_after
from tests.helpers.web import SCREENSHOTS, Site, check_page, record_in_form

pytestmark = pytest.mark.timeout(180)
expect.set_options(timeout=15_000)

SIGN = {"evidence.agreement_version": "2022", "evidence.document_ref": "ARK-1"}
MONTHS_NB = ("jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.")
MONTHS_NB += ("nov.", "des.")


async def test_the_work_list_is_the_coordinators_start_page(site: Site) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    due_soon, other = await site.start(2)
    page = await site.signed_in(Role.COORDINATOR, locale="nb-NO")
    for number in (due_soon, other):
        await record_in_form(page, number, "sign_collaboration", SIGN)
    due = business_day_on_or_after(today_in_oslo() + timedelta(days=5))
    async with httpx.AsyncClient(base_url=site.url) as http:
        moved = await http.put(
            f"/api/municipalities/{due_soon}/obligations/exercise_option",
            json={"deadline": due.isoformat(), "reason": "opsjonsfrist"},
            headers={"Authorization": f"Bearer {site.secrets[Role.COORDINATOR]}"},
        )
        assert moved.status_code == 200, moved.text

    await page.goto("/")
    await expect(page.locator("h1")).to_have_text("Arbeidsliste")
    await expect(page.locator("[data-count='due']")).to_have_text("1")
    await expect(page.locator("[data-count='overdue']")).to_have_text("0")
    row = page.locator(f"#due-table tr[data-party='{due_soon}']")
    await expect(row).to_contain_text(f"{due.day}. {MONTHS_NB[due.month - 1]} {due.year}")
    await expect(row).to_contain_text("Kommune")
    await expect(row.locator("a")).to_have_attribute("href", f"/municipalities/{due_soon}")
    await expect(page.locator(f"#due-table tr[data-party='{other}']")).to_have_count(0)
    # The dashboard stays one click away.
    await expect(page.locator("nav a[href='/dashboard']")).to_have_text("Oversikt")
    await check_page(page, "worklist-nb")

    # Filters are a GET form, checked on the server: another kind lists nothing.
    await page.select_option("[name='kind']", "hospital")
    async with page.expect_navigation():
        await page.click("form[action='/worklist'] button[type=submit]")
    assert "kind=hospital" in page.url
    await expect(page.locator("[data-count='due']")).to_have_text("0")
    await page.goto("/worklist?days=tusen")
    await expect(page.locator("#f-days-error")).to_contain_text("0 til 366")
    await page.context.close()

    viewer = await site.signed_in(Role.VIEWER)
    await viewer.goto("/")
    await expect(viewer.locator("h1")).to_have_text("Region overview")
    await viewer.goto("/worklist")
    await expect(viewer.locator("h1")).to_have_text("Work list")
    await check_page(viewer, "worklist-en")
    await viewer.context.close()


async def test_the_process_view_counts_parties_and_shows_a_partys_path(site: Site) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    [number] = await site.start(1)
    page = await site.signed_in(Role.COORDINATOR)
    await record_in_form(page, number, "sign_collaboration", SIGN)

    await page.goto("/processes/municipality/2")
    signed = page.locator(".diagram a:has(g[data-stage='collaboration_signed'])")
    # Every municipality of this module's site: this one, and the two of the test before.
    counted = int(await signed.locator(".count-label").text_content() or "0")
    assert counted >= 1
    await expect(signed).to_have_attribute(
        "href", "/parties?kind=municipality&stage=collaboration_signed"
    )
    await expect(signed).to_have_attribute(
        "aria-label", f"Collaboration agreement signed: {counted} parties in this stage"
    )
    await check_page(page, "process-view")
    # Click-through: the party list of that kind and stage, this municipality on it.
    async with page.expect_navigation():
        await signed.click()
    rows = page.locator("tr[data-party]")
    await expect(rows).to_have_count(counted)
    await expect(page.locator("tr[data-party][data-stage='collaboration_signed']")).to_have_count(
        counted
    )
    await expect(page.locator(f"tr[data-party='{number}'] a").first).to_have_attribute(
        "href", f"/municipalities/{number}"
    )
    # An older version's page draws no counts (the read model keeps no version).
    await page.goto("/processes/municipality/1")
    await expect(page.locator(".diagram .count-label")).to_have_count(0)

    await page.goto(f"/municipalities/{number}")
    await expect(page.locator(".diagram g.node.passed[data-stage='prospective']")).to_have_count(1)
    await expect(page.locator(".diagram g.node.current")).to_have_attribute(
        "data-stage", "collaboration_signed"
    )
    # The one step it took, prospective to collaboration_signed, is drawn as passed.
    await expect(page.locator(".diagram g.edge.passed")).to_have_count(1)
    await check_page(page, "party-path")
    await page.context.close()
