"""The audit log, the timeline with corrections and the engine history in a real browser
(Debian's chromium driven by Playwright), against the same kind of site as
tests/web/test_web_browser.py: uvicorn, a real worker on the time-skipping test server,
real SQLite. Screenshots go to artifacts/screenshots/.
"""

import csv
import io
import json

import pytest
from playwright.async_api import Page, expect

from onboarding.domain.vocabulary import Stage
from onboarding.store import queries
from onboarding.store.tokens import Role
from tests.helpers.web import SCREENSHOTS, Site, check_page, record_in_form

pytestmark = pytest.mark.timeout(120)
expect.set_options(timeout=15_000)

SIGN = "sign_collaboration"


async def _sign(page: Page, number: str, ref: str, day: str | None = None) -> None:
    fields = {"evidence.agreement_version": "2022", "evidence.document_ref": ref}
    if day is not None:
        fields["effective_on"] = day
    await record_in_form(page, number, SIGN, fields)


async def test_audit_log_filter_export_and_accessibility(site: Site) -> None:
    first, second = await site.start(2)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = await site.signed_in(Role.ADMIN)
    await _sign(page, first, "ARK-A1", "2022-03-01")
    await _sign(page, second, "ARK-B1")

    await page.click("nav a[href='/admin/audit']")
    await expect(page.locator("h1")).to_have_text("Audit log")
    table = page.locator("#audit tbody")
    await expect(table).to_contain_text("ARK-A1")
    await expect(table).to_contain_text("ARK-B1")
    # Newest first: the second municipality's transition was recorded last.
    await expect(table.locator("tr").first).to_contain_text(second)

    await page.fill("[name='municipality']", first)
    async with page.expect_navigation():
        await page.click("#audit-filters button[type=submit]")
    assert f"municipality={first}" in page.url
    await expect(table.locator("tr")).to_have_count(1)
    await expect(table).to_contain_text("ARK-A1")
    await expect(table).not_to_contain_text("ARK-B1")
    # Backdated: the effective date beside the recording time.
    await expect(table).to_contain_text("1 Mar 2022")
    await expect(table).to_contain_text("effective")
    await check_page(page, "audit")

    async with page.expect_download() as event:
        await page.click("#export-csv")
    download = await event.value
    assert download.suggested_filename == "audit.csv"
    path = await download.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [row["municipality_number"] for row in rows] == [first]
    [row] = rows
    assert row["kind"] == "transition" and row["effective_on"] == "2022-03-01"
    assert json.loads(row["evidence"])["document_ref"] == "ARK-A1"
    assert row["actor_name"] == "Test admin"

    async with page.expect_download() as event:
        await page.click("#export-json")
    entries = json.loads((await (await event.value).path()).read_text(encoding="utf-8"))
    assert [e["municipality_number"] for e in entries] == [first]

    # A wrong filter is named by its field and shows no rows.
    await page.goto("/admin/audit?from=2027-06-01&to=2027-05-01")
    await expect(page.locator("#f-from-error")).to_contain_text("after")
    await check_page(page, "audit-errors")
    await page.context.close()


async def test_correct_a_transition_through_the_form_and_see_it_in_the_timeline(
    site: Site,
) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.COORDINATOR)
    await _sign(page, number, "ARK-C1", "2022-03-01")
    history = page.locator("#history tbody")
    transition = history.locator("tr[data-kind='transition']")
    await expect(transition).to_contain_text("ARK-C1")
    # Coordinators may correct; the engine history is the admin's.
    await expect(page.locator(f"a[href='/municipalities/{number}/engine']")).to_have_count(0)

    await transition.locator("a[data-correct]").click()
    await expect(page.locator("h1")).to_have_text("Correct a transition")
    await expect(page.locator("[name='effective_on']")).to_have_value("2022-03-01")
    await expect(page.locator("[name='evidence.document_ref']")).to_have_value("ARK-C1")
    # Without a reason the server names the field (the browser's own check switched off).
    await page.locator("#correction-form").evaluate("form => form.noValidate = true")
    await page.fill("[name='effective_on']", "2022-02-15")
    async with page.expect_navigation():
        await page.click("#correction-form button[type=submit]")
    await expect(page.locator("#f-reason-error")).to_be_visible()
    await page.fill("[name='reason']", "the council met on 15 February")
    async with page.expect_navigation():
        await page.click("#correction-form button[type=submit]")

    assert page.url.endswith(f"/municipalities/{number}?done=correction")
    await expect(page.get_by_role("status")).to_contain_text("correction is recorded")
    correction = history.locator("tr[data-kind='correction']")
    await expect(correction).to_have_count(1)
    await expect(correction).to_contain_text("the council met on 15 February")
    await expect(correction).to_contain_text("(effective date 1 Mar 2022 → 15 Feb 2022)")
    await expect(correction).to_contain_text("Test coordinator")
    # The transition is kept as recorded, marked as corrected.
    await expect(transition).to_contain_text("1 Mar 2022")
    await expect(transition).to_contain_text("corrected")

    # Void it: the stage goes back, and the void is in the timeline too.
    await transition.locator("a[data-correct]").click()
    await page.check("#action-void")
    await page.fill("[name='reason']", "recorded for the wrong municipality")
    async with page.expect_navigation():
        await page.click("#correction-form button[type=submit]")
    await expect(page.locator("#current-stage")).to_have_text("Prospective")
    await expect(history.locator("tr[data-kind='correction']")).to_have_count(2)
    await expect(history.locator("tr[data-kind='correction']").first).to_contain_text(
        "Voided “Sign collaboration agreement”"
    )
    row = queries.get_municipality(site.engine, number=number)
    assert row is not None and row.stage == Stage.PROSPECTIVE.value
    await check_page(page, "timeline-corrections")
    await page.context.close()


async def test_admin_pages_of_history_screenshots_and_accessibility(site: Site) -> None:
    [number] = await site.start()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = await site.signed_in(Role.ADMIN)
    await _sign(page, number, "ARK-D1", "2022-03-01")
    await page.goto(f"/municipalities/{number}")
    await check_page(page, "municipality-timeline")
    await page.click(f"a[href='/municipalities/{number}/engine']")
    await expect(page.locator("h1")).to_have_text("Engine history")
    await expect(page.locator("main")).to_contain_text("WORKFLOW_EXECUTION_STARTED")
    await expect(page.locator("main")).to_contain_text(f"municipality-{number}")
    await check_page(page, "engine-history")
    await page.goto(f"/municipalities/{number}")
    await page.locator("#history a[data-correct]").click()
    await expect(page.locator("h1")).to_have_text("Correct a transition")
    await check_page(page, "correction-form")
    await page.goto("/?as_of=2023-01-01&known_on=2023-01-01")
    await expect(page.locator("#known-on-note")).to_contain_text("As known on")
    await check_page(page, "dashboard-known-on")
    await page.context.close()

    norsk = await site.signed_in(Role.ADMIN, locale="nb-NO")
    await norsk.goto(f"/admin/audit?municipality={number}")
    await expect(norsk.locator("h1")).to_have_text("Revisjonslogg")
    await expect(norsk.locator("#audit tbody")).to_contain_text("1. mars 2022")
    await check_page(norsk, "audit-nb")
    # At 1366 px the table fits, and no word of "what happened" is broken: each cell
    # is at least as wide as its longest word (the longest here: "Dokumentreferanse").
    fits = await norsk.evaluate(
        """() => {
        const table = document.querySelector('#audit');
        const cells = [...table.querySelectorAll('td.what')];
        const fitsWords = cells.every(td => {
            const probe = document.createElement('span');
            probe.style.whiteSpace = 'nowrap';
            const words = td.innerText.split(/\\s+/);
            const longest = words.reduce((a, b) => (b.length > a.length ? b : a), '');
            probe.textContent = longest;
            td.appendChild(probe);
            const ok = probe.offsetWidth <= td.clientWidth;
            probe.remove();
            return ok;
        });
        return {width: document.documentElement.scrollWidth, fitsWords, cells: cells.length};
    }"""
    )
    assert fits["width"] <= 1366 and fits["cells"] > 0 and fits["fitsWords"], fits
    await norsk.context.close()
