"""The wave pages in a real browser (Debian's chromium via Playwright), against the app
with a real worker on the time-skipping test server and real SQLite.

One wave at a time: each test creates its wave through the form and terminates
it at the end, so the shared test server never carries many timers.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from onboarding.domain.calendar import OSLO, today_in_oslo
from onboarding.domain.vocabulary import Trigger
from onboarding.gateway import parties as gateway
from onboarding.store import waves as wave_store
from onboarding.store.tokens import Role
from tests.helpers import command
from tests.helpers.waves import terminate_wave
from tests.helpers.web import SCREENSHOTS, Site, check_page

pytestmark = pytest.mark.timeout(180)
expect.set_options(timeout=15_000)


@pytest.fixture
async def wave_ids(site: Site) -> AsyncIterator[list[str]]:
    """Wave ids a test creates; their workflows are terminated afterwards."""
    created: list[str] = []
    yield created
    for wave_id in created:
        await terminate_wave(site.client, wave_id)


async def _optioned(site: Site) -> str:
    """A municipality that may join a wave (option exercised)."""
    [number] = await site.start()
    for trigger in (Trigger.SIGN_COLLABORATION, Trigger.EXERCISE_OPTION):
        await gateway.transition(site.client, number, command(trigger))
    return number


def _local(days: int) -> datetime:
    """A Friday-night-like go-live `days` from today, in Norwegian time."""
    day = today_in_oslo() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 22, 0, tzinfo=OSLO)


async def _create_wave(page: Page, wave_id: str, name: str, go_live: datetime) -> None:
    await page.goto("/waves")
    await page.fill("#f-create-name", name)
    await page.fill("#f-create-id", wave_id)
    await page.fill("#f-create-go_live_at", go_live.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#f-create-health_trust", "Helse Møre og Romsdal HF")
    async with page.expect_navigation():
        await page.click("#create-wave-form button[type=submit]")


async def test_a_wave_from_creation_to_reschedule_and_checklist(
    site: Site,
    wave_ids: list[str],
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    number = await _optioned(site)
    page = await site.signed_in(Role.COORDINATOR)
    wave_id = f"w-{uuid.uuid4().hex[:8]}"
    wave_ids.append(wave_id)
    first, second = _local(400), _local(500)

    # Create through the form; the list shows it with its date in Norwegian time.
    await _create_wave(page, wave_id, "Sunnmøre", first)
    assert page.url.endswith(f"/waves/{wave_id}?done=created")
    await expect(page.get_by_role("status")).to_contain_text("wave is created")
    await expect(page.locator("#wave-go-live")).to_contain_text(first.strftime("%H:%M"))
    await expect(page.locator("#wave-status")).to_have_text("Planned")

    # Add a member: it shows with its stage and an empty checklist.
    await page.select_option("#f-add-number", number)
    async with page.expect_navigation():
        await page.click("#add-member-form button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("is in the wave")
    row = page.locator(f"#members tr[data-number='{number}']")
    await expect(row).to_contain_text("Option exercised")
    await expect(row).to_contain_text("0 of 6")
    await expect(page.locator(f"#blockers li[data-number='{number}']")).to_contain_text(
        "Service agreement not signed"
    )

    # A past date is refused naming the field; first by the browser, then by the engine.
    yesterday = _local(-1).strftime("%Y-%m-%dT%H:%M")
    date_input = page.locator("#f-reschedule-go_live_at")
    await date_input.fill(yesterday)
    await page.fill("#f-reschedule-reason", "the hospital is not ready")
    assert await date_input.evaluate("el => el.validity.rangeUnderflow")
    await date_input.evaluate("el => el.removeAttribute('min')")
    async with page.expect_navigation():
        await page.click("#reschedule-form button[type=submit]")
    await expect(page.locator("#error-summary")).to_contain_text("Go-live")
    await expect(page.locator("#f-reschedule-go_live_at-error")).to_contain_text("past")
    await expect(date_input).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-reschedule-reason")).to_have_value("the hospital is not ready")
    view = wave_store.get_wave(site.engine, wave_id=wave_id)
    assert view is not None and len(wave_store.wave_events(site.engine, wave_id=wave_id)) == 2

    # The list's chart before the move: one date, nothing struck.
    await page.goto("/waves")
    chart_row = page.locator(f"#waves-chart g.wave-row[data-wave='{wave_id}']")
    await expect(chart_row.locator(".wave-old")).to_have_count(0)
    await expect(chart_row.locator(".wave-current")).to_have_attribute(
        "data-date", first.date().isoformat()
    )

    # Reschedule through the form: the old date is listed struck, the chart moves.
    await page.goto(f"/waves/{wave_id}")
    await date_input.fill(second.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#f-reschedule-reason", "the hospital's cutover moved half a year")
    async with page.expect_navigation():
        await page.click("#reschedule-form button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("wave is moved")
    dates = page.locator("#wave-dates tbody tr")
    await expect(dates).to_have_count(2)
    await expect(dates.nth(0)).to_contain_text("the hospital's cutover moved half a year")
    await expect(dates.nth(1).locator("s")).to_contain_text(str(first.year))
    await expect(page.locator("#wave-history")).to_contain_text("Rescheduled")

    await page.goto("/waves")
    await expect(chart_row.locator(".wave-old")).to_have_attribute(
        "data-date", first.date().isoformat()
    )
    await expect(chart_row.locator(".wave-current")).to_have_attribute(
        "data-date", second.date().isoformat()
    )
    await expect(chart_row.locator("line.wave-move")).to_have_count(1)
    await expect(page.locator(f"#waves-table tr[data-wave='{wave_id}'] s")).to_have_count(1)
    await check_page(page, "waves")

    # The municipality's page: its wave, its checklist, an item marked done.
    await page.goto(f"/municipalities/{number}")
    await expect(page.locator("#municipality-wave a")).to_have_attribute(
        "href", f"/waves/{wave_id}"
    )
    await expect(page.locator("#go-live-blockers")).to_contain_text("Service agreement not signed")
    item = page.locator("#checklist-items tr[data-item='technical_infrastructure']")
    await item.locator("[name='evidence.document_ref']").fill("ARK-2026/0101")
    async with page.expect_navigation():
        await item.locator("button[type=submit]").click()
    await expect(page.get_by_role("status")).to_contain_text("marked done")
    await expect(item).to_contain_text("ARK-2026/0101")
    await expect(item.locator("form")).to_have_count(0)
    await expect(page.locator("#go-live-blockers")).not_to_contain_text(
        "Technical infrastructure in place"
    )
    [done] = wave_store.checklist_completions(site.engine, number=number)
    assert done.item == "technical_infrastructure" and done.actor.name == "Test coordinator"
    # approve_go_live is listed as blocked, with what it lacks, and its form says the same.
    blocked = page.locator("#blocked-triggers li[data-blocked='approve_go_live']")
    await expect(blocked).to_contain_text("Service agreement not signed")
    await expect(blocked).to_contain_text("Checklist item not done")
    await check_page(page, "municipality-checklist")
    await blocked.get_by_role("link").click()
    await expect(page.locator("#blocked-by")).to_contain_text("Service agreement not signed")
    await expect(page.locator("main")).not_to_contain_text("not allowed from stage")
    await expect(page.locator("#transition-form")).to_have_count(0)
    await check_page(page, "transition-blocked")

    await page.goto(f"/waves/{wave_id}")
    await expect(page.locator(f"#members tr[data-number='{number}']")).to_contain_text("1 of 6")
    await check_page(page, "wave")

    # A viewer sees the same wave and no form.
    viewer = await site.signed_in(Role.VIEWER)
    await viewer.goto(f"/waves/{wave_id}")
    await expect(viewer.locator("#wave-dates tbody tr")).to_have_count(2)
    await expect(viewer.locator("main form")).to_have_count(0)
    await expect(viewer.get_by_text("You have read access")).to_be_visible()
    await viewer.goto("/waves")
    await expect(viewer.locator("#create-wave-form")).to_have_count(0)
    # Even with the session's own CSRF token, a viewer's post is refused for the role.
    events = len(wave_store.wave_events(site.engine, wave_id=wave_id))
    csrf = await viewer.locator("form[action='/signout'] [name='csrf_token']").input_value()
    refused = await viewer.request.post(
        f"/waves/{wave_id}/reschedule",
        form={
            "csrf_token": csrf,
            "go_live_at": _local(600).strftime("%Y-%m-%dT%H:%M"),
            "reason": "r",
        },
    )
    assert refused.status == 403
    assert len(wave_store.wave_events(site.engine, wave_id=wave_id)) == events == 3
    await viewer.context.close()
    await page.context.close()


async def test_checklist_date_refused_postpone_move_and_remove(
    site: Site,
    wave_ids: list[str],
) -> None:
    number = await _optioned(site)
    page = await site.signed_in(Role.COORDINATOR, locale="nb-NO")
    wave_id = f"w-{uuid.uuid4().hex[:8]}"
    wave_ids.append(wave_id)
    await _create_wave(page, wave_id, "Namdalen", _local(300))
    await page.select_option("#f-add-number", number)
    async with page.expect_navigation():
        await page.click("#add-member-form button[type=submit]")

    # Checklist: a date in the future is refused by the engine, on the item's own form.
    tomorrow = (today_in_oslo() + timedelta(days=1)).isoformat()
    await page.goto(f"/municipalities/{number}/checklist/integrations_tested")
    done_on = page.locator("[name='done_on']")
    await done_on.evaluate("el => el.removeAttribute('max')")
    await done_on.fill(tomorrow)
    async with page.expect_navigation():
        await page.click("#checklist-form button[type=submit]")
    # In bokmål, as the page is (the engine says it in English: onboarding/web/refusals.py).
    await expect(page.locator("#f-done_on-error")).to_contain_text("er fram i tid")
    await expect(page.locator("#error-summary")).to_contain_text("Utført dato")
    assert wave_store.checklist_completions(site.engine, number=number) == []

    # Go/no-go: postpone needs a date; with one, the wave moves and the decision is kept.
    await page.goto(f"/waves/{wave_id}")
    await page.check("input[name='decision'][value='postpone']")
    await page.fill("#f-decision-evidence-document_ref", "Styringsgruppen 2026-11-20")
    await page.fill("#f-decision-reason", "integrasjonene er ikke klare")
    async with page.expect_navigation():
        await page.click("#decision-form button[type=submit]")
    await expect(page.locator("#f-decision-go_live_at-error")).to_contain_text("new go-live")
    later = _local(480)
    await page.fill("#f-decision-go_live_at", later.strftime("%Y-%m-%dT%H:%M"))
    async with page.expect_navigation():
        await page.click("#decision-form button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("utsatt")
    await expect(page.locator("#decisions")).to_contain_text("Styringsgruppen 2026-11-20")
    await expect(page.locator("#wave-dates tbody tr")).to_have_count(2)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await check_page(page, "wave-nb")

    # Move the member to a second wave (the reason is required), then remove it there.
    other = f"w-{uuid.uuid4().hex[:8]}"
    wave_ids.append(other)
    await _create_wave(page, other, "Innherred", _local(700))
    await page.goto(f"/waves/{wave_id}")
    await page.select_option("#f-move-to_wave", other)
    await page.locator("#move-member-form").evaluate("form => form.noValidate = true")
    async with page.expect_navigation():
        await page.click("#move-member-form button[type=submit]")
    await expect(page.locator("#f-move-reason-error")).to_contain_text("Må fylles ut")
    await page.fill("#f-move-reason", "kommunen trenger et halvt år til")
    async with page.expect_navigation():
        await page.click("#move-member-form button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("flyttet")
    await expect(page.locator("#members")).to_have_count(0)
    await expect(page.locator("#wave-history")).to_contain_text("Medlem flyttet ut")
    await page.goto(f"/waves/{other}")
    await expect(page.locator(f"#members tr[data-number='{number}']")).to_be_visible()
    await page.select_option("#f-remove-number", number)
    async with page.expect_navigation():
        await page.click("#remove-member-form button[type=submit]")
    await expect(page.locator("#members")).to_have_count(0)
    assert [m.number for m in wave_store.wave_members(site.engine, wave_id=other)] == []
    await page.context.close()
