"""The pages in a real browser: Debian's chromium driven by Playwright, against the app
served by uvicorn with a real worker on the time-skipping test server and real SQLite.

Select with `pytest tests/web/test_web_browser.py`. Screenshots of each main page
go to artifacts/screenshots/ (gitignored). The `site` fixture is in tests/web/conftest.py.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from onboarding.domain.calendar import today_in_oslo
from onboarding.domain.municipality import Municipality
from onboarding.domain.notifications import DueMessage, MessageKind, RecipientRole
from onboarding.domain.process.registry import MUNICIPALITY, latest
from onboarding.domain.vocabulary import Stage
from onboarding.domain.vocabulary import Trigger as T
from onboarding.gateway import parties as gateway
from onboarding.store import contacts, outbox, queries, tokens
from onboarding.store.tokens import Role
from tests.helpers import command
from tests.helpers.web import (
    SCREENSHOTS,
    Site,
    check_page,
    record_in_form,
    sign_in,
)

pytestmark = pytest.mark.timeout(120)
# Pages that ask the workflow take longer on a loaded 2-core CI machine than the default 5 s allows.
expect.set_options(timeout=15_000)


# -- sign-in and sessions -------------------------------------------------------


async def test_sign_in_with_a_token_and_sign_out(site: Site) -> None:
    context = await site.context()
    page = await context.new_page()
    await page.goto("/")
    assert page.url.endswith("/signin?next=/")
    # The first Tab reaches the skip link, which moves focus to the main content.
    await page.keyboard.press("Tab")
    await expect(page.locator(".skip-link")).to_be_focused()
    await page.fill("#token", "onb_not-a-real-token")
    await page.click("form[action='/signin'] button[type=submit]")
    await expect(page.get_by_role("alert")).to_contain_text("unknown, revoked or expired")

    await page.fill("#token", site.secrets[Role.COORDINATOR])
    async with page.expect_navigation():
        await page.click("form[action='/signin'] button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Region overview")
    [cookie] = [c for c in await context.cookies() if c["name"] == "onb_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert site.secrets[Role.COORDINATOR] not in cookie["value"]

    async with page.expect_navigation():
        await page.click("form[action='/signout'] button")
    assert "/signin" in page.url
    # The old cookie is dead even if a browser kept it.
    await context.add_cookies([{**cookie}])  # type: ignore[list-item]
    await page.goto("/")
    assert "/signin" in page.url
    await context.close()


async def test_revoking_the_token_ends_its_sessions(site: Site) -> None:
    token, secret = tokens.create_token(site.engine, name="Leaver", role=Role.COORDINATOR)
    context = await site.context()
    page = await context.new_page()
    await sign_in(page, secret)
    await expect(page.locator("h1")).to_have_text("Region overview")

    admin = await site.signed_in(Role.ADMIN)
    await admin.goto("/admin/users")
    async with admin.expect_navigation():
        await admin.click(f"tr[data-token-id='{token.id}'] button")
    await expect(admin.get_by_role("status")).to_contain_text("revoked")

    await page.goto("/")
    assert "/signin" in page.url
    await context.close()
    await admin.context.close()


async def test_a_version_2_municipality_signs_its_call_off_agreement(site: Site) -> None:
    [number] = await site.start(process=latest(MUNICIPALITY))
    for trigger in (T.SIGN_COLLABORATION, T.EXERCISE_OPTION, T.START_PREPARATION):
        await gateway.transition(site.client, number, command(trigger))
    page = await site.signed_in(Role.COORDINATOR)
    await page.goto(f"/municipalities/{number}")
    await expect(page.locator("#process-version")).to_contain_text("Process version 2")
    # Version 2's road: the call-off agreement comes before the service agreement.
    await expect(page.locator("a[data-trigger='sign_service_agreement']")).to_have_count(0)
    await page.click("a[data-trigger='sign_call_off_agreement']")
    for name in ("evidence.document_ref", "evidence.signed_by"):
        await expect(page.locator(f"[name='{name}']")).to_have_attribute("required", "")
    await page.fill("[name='evidence.document_ref']", "ARK-2021/1012")
    await page.fill("[name='evidence.signed_by']", "Ola Normann, rådmann")
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")
    await expect(page.locator("#current-stage")).to_have_text("Call-off agreement signed")
    await page.click("#process-version a")
    await expect(page.locator("#diff-table")).to_contain_text("call_off_signed")


# -- recording a transition -----------------------------------------------------


async def test_record_a_transition_through_the_form(site: Site) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.COORDINATOR)
    await page.goto(f"/municipalities/{number}")
    current = page.locator("svg.diagram g.node.current")
    await expect(current).to_have_attribute("data-stage", "prospective")

    await page.click("a[data-trigger='sign_collaboration']")
    await expect(page.locator("h1")).to_have_text("Sign collaboration agreement")
    # The evidence fields come from the process definition, each labelled and required.
    for name in ("evidence.agreement_version", "evidence.document_ref"):
        field = page.locator(f"[name='{name}']")
        await expect(field).to_have_attribute("required", "")
        label_for = await field.get_attribute("id")
        await expect(page.locator(f"label[for='{label_for}']")).to_be_visible()
    await page.fill("[name='evidence.agreement_version']", "2022")
    await page.fill("[name='evidence.document_ref']", "ARK-2022/0042")
    await page.fill("[name='comment']", "signed at the council meeting")
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")

    assert page.url.endswith(f"/municipalities/{number}?done=sign_collaboration")
    await expect(page.get_by_role("status")).to_contain_text("recorded")
    await expect(page.locator("#current-stage")).to_have_text("Collaboration agreement signed")
    await expect(current).to_have_attribute("data-stage", "collaboration_signed")
    await expect(page.locator("#history tbody tr")).to_have_count(1)
    await expect(page.locator("#history")).to_contain_text("ARK-2022/0042")

    [record] = queries.history(site.engine, number=number)
    assert record.to_stage is Stage.COLLABORATION_SIGNED
    assert record.actor.name == "Test coordinator"
    assert record.comment == "signed at the council meeting"
    await page.context.close()


async def test_a_future_date_is_refused_naming_the_field(site: Site) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.COORDINATOR)
    await page.goto(f"/municipalities/{number}/transitions/sign_collaboration")
    tomorrow = (today_in_oslo() + timedelta(days=1)).isoformat()
    await page.fill("[name='evidence.agreement_version']", "2022")
    await page.fill("[name='evidence.document_ref']", "ARK-2022/0042")
    date_input = page.locator("[name='effective_on']")
    await date_input.fill(tomorrow)

    # In the browser: the input's own constraint (max = today) stops the form.
    assert await date_input.evaluate("el => el.validity.rangeOverflow")
    await page.click("#transition-form button[type=submit]")
    assert "/transitions/sign_collaboration" in page.url
    assert queries.history(site.engine, number=number) == []

    # On the server: without the browser's check, the engine refuses and the form says why.
    await date_input.evaluate("el => el.removeAttribute('max')")
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")
    summary = page.locator("#error-summary")
    await expect(summary).to_contain_text("Effective date")
    await expect(summary).to_contain_text("future")
    await expect(date_input).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-effective_on-error")).to_contain_text("future")
    # What was typed is kept.
    await expect(page.locator("[name='evidence.document_ref']")).to_have_value("ARK-2022/0042")
    assert queries.history(site.engine, number=number) == []

    # Corrected, the same form records it.
    await date_input.fill(today_in_oslo().isoformat())
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")
    await expect(page.locator("#current-stage")).to_have_text("Collaboration agreement signed")
    assert len(queries.history(site.engine, number=number)) == 1
    await page.context.close()


async def test_missing_evidence_is_named_by_the_server(site: Site) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.COORDINATOR)
    await page.goto(f"/municipalities/{number}/transitions/sign_collaboration")
    await page.locator("#transition-form").evaluate("form => form.noValidate = true")
    await page.fill("[name='evidence.agreement_version']", "2022")
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")
    await expect(page.locator("#error-summary")).to_contain_text("Document reference")
    await expect(page.locator("#f-evidence-document_ref-error")).to_contain_text("Required for")
    assert queries.history(site.engine, number=number) == []
    await page.context.close()


# -- roles and CSRF ---------------------------------------------------------------


async def test_a_viewer_sees_no_write_buttons_and_cannot_post(site: Site) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.VIEWER)
    await page.goto(f"/municipalities/{number}")
    await expect(page.locator("h1")).to_contain_text(f"Testby {number}")
    await expect(page.locator("a[data-trigger]")).to_have_count(0)
    await expect(page.get_by_text("Edit contacts")).to_have_count(0)
    await expect(page.get_by_text("You have read access")).to_be_visible()

    response = await page.goto(f"/municipalities/{number}/transitions/sign_collaboration")
    assert response is not None and response.status == 403
    # Even with the session's own CSRF token, the post is refused for the role.
    csrf = await _csrf_of(page)
    response = await page.request.post(
        f"/municipalities/{number}/transitions/sign_collaboration",
        form={
            "csrf_token": csrf,
            "effective_on": today_in_oslo().isoformat(),
            "evidence.agreement_version": "2022",
            "evidence.document_ref": "ARK-1",
        },
    )
    assert response.status == 403
    assert queries.history(site.engine, number=number) == []
    await page.context.close()


async def _csrf_of(page: Page) -> str:
    value = await page.locator("form[action='/signout'] [name='csrf_token']").input_value()
    assert value
    return value


async def test_a_post_without_the_csrf_token_is_refused(site: Site) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.COORDINATOR)
    body = {
        "effective_on": today_in_oslo().isoformat(),
        "evidence.agreement_version": "2022",
        "evidence.document_ref": "ARK-1",
    }
    path = f"/municipalities/{number}/transitions/sign_collaboration"
    missing = await page.request.post(path, form=body)
    wrong = await page.request.post(path, form={**body, "csrf_token": "forged"})
    assert missing.status == 403 and wrong.status == 403
    assert "CSRF" in await missing.text()
    assert queries.history(site.engine, number=number) == []
    # The same post with the session's token goes through.
    ok = await page.request.post(path, form={**body, "csrf_token": await _csrf_of(page)})
    assert ok.status == 200 and ok.url.endswith("done=sign_collaboration")
    assert len(queries.history(site.engine, number=number)) == 1
    await page.context.close()


# -- language ---------------------------------------------------------------------


async def test_language_follows_the_browser_then_the_switch(site: Site) -> None:
    page = await site.signed_in(Role.VIEWER, locale="nb-NO")
    await expect(page.locator("html")).to_have_attribute("lang", "nb")
    await expect(page.locator("h1")).to_have_text("Regionoversikt")
    async with page.expect_navigation():
        await page.click("a[hreflang='en']")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Region overview")
    await page.goto("/admin/notifications")  # another page: the choice is kept (403 page here)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    async with page.expect_navigation():
        await page.click("a[hreflang='nb']")
    await expect(page.locator("html")).to_have_attribute("lang", "nb")
    await page.context.close()

    english = await site.signed_in(Role.VIEWER, locale="en-US")
    await expect(english.locator("html")).to_have_attribute("lang", "en")
    await english.context.close()


# -- dashboard ----------------------------------------------------------------------


async def test_the_region_table_sorts_and_filters_without_reloading(site: Site) -> None:
    numbers = await site.start(2)
    page = await site.signed_in(Role.COORDINATOR)
    await record_in_form(
        page,
        numbers[0],
        "sign_collaboration",
        {"evidence.agreement_version": "2022", "evidence.document_ref": "ARK-9"},
    )
    await page.goto("/")
    await page.evaluate("window.notReloaded = true")
    rows = page.locator("#region-table tbody tr")
    total = await rows.count()
    assert total >= 2

    await page.select_option("#filter-stage", "collaboration_signed")
    visible = page.locator("#region-table tbody tr:not([hidden])")
    await expect(visible.filter(has_text=numbers[0])).to_have_count(1)
    await expect(visible.filter(has_text=numbers[1])).to_have_count(0)
    await page.select_option("#filter-stage", "")
    await page.fill("#filter-text", numbers[1])
    await expect(visible).to_have_count(1)
    await expect(page.locator("#region-count")).to_contain_text(f"Showing 1 of {total}")
    await page.fill("#filter-text", "")

    header = page.locator("th[data-key='number']")
    # By keyboard: the column headers are buttons.
    await header.locator("button").focus()
    await page.keyboard.press("Enter")
    await expect(header).to_have_attribute("aria-sort", "descending")
    shown = await page.locator("#region-table tbody tr td:first-child").all_inner_texts()
    assert shown == sorted(shown, reverse=True)
    assert await page.evaluate("window.notReloaded") is True
    await page.context.close()


async def test_as_of_date_in_the_future_is_refused(site: Site) -> None:
    page = await site.signed_in(Role.VIEWER)
    tomorrow = (today_in_oslo() + timedelta(days=1)).isoformat()
    response = await page.goto(f"/?as_of={tomorrow}")
    assert response is not None and response.status == 422
    await expect(page.locator("#as_of-error")).to_contain_text("future")
    await page.context.close()


# -- deadlines, contacts, admin -------------------------------------------------------


async def test_set_a_deadline_and_edit_contacts(site: Site) -> None:
    [number] = await site.start()
    page = await site.signed_in(Role.COORDINATOR)
    await record_in_form(
        page,
        number,
        "sign_collaboration",
        {"evidence.agreement_version": "2022", "evidence.document_ref": "ARK-7"},
    )
    deadline = today_in_oslo() + timedelta(days=200)
    await page.click("a[href$='/obligations/exercise_option']")
    await page.fill("[name='deadline']", deadline.isoformat())
    await page.fill("[name='reason']", "the program's option date")
    async with page.expect_navigation():
        await page.click("#deadline-form button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("deadline is saved")
    await expect(page.locator("main")).to_contain_text("the program's option date")

    await page.click("text=Edit contacts")
    await page.fill("[name='[0].name']", "Kari Nordmann")
    await page.fill("[name='[0].email']", "kari@")
    await page.locator("form[action$='/contacts']").evaluate("form => form.noValidate = true")
    async with page.expect_navigation():
        await page.click("form[action$='/contacts'] button[type=submit]")
    await expect(page.locator("#error-summary")).to_contain_text("[0].email")
    assert contacts.list_contacts(site.engine, municipality_number=number) == []
    await page.fill("[name='[0].email']", "kari@testby.kommune.no")
    async with page.expect_navigation():
        await page.click("form[action$='/contacts'] button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("contacts are saved")
    [saved] = contacts.list_contacts(site.engine, municipality_number=number)
    assert saved.email == "kari@testby.kommune.no" and saved.updated_by == "Test coordinator"
    await page.context.close()


async def test_admin_creates_a_token_shown_once(site: Site) -> None:
    page = await site.signed_in(Role.ADMIN)
    await page.goto("/admin/users")
    await page.fill("[name='name']", "Per Hansen")
    await page.select_option("[name='role']", "viewer")
    async with page.expect_navigation():
        await page.click("form[action='/admin/users'] button[type=submit]")
    secret = await page.locator("#new-token").input_value()
    assert re.fullmatch(r"onb_[A-Za-z0-9_\-]{40,}", secret)
    found = tokens.find_active_token(site.engine, secret=secret)
    assert found is not None and found.role == "viewer"
    await page.goto("/admin/users")
    assert secret not in await page.content()
    await expect(page.get_by_role("link", name="Open Temporal")).to_have_attribute(
        "href", "http://127.0.0.1:8233/namespaces/default/workflows"
    )
    await page.context.close()


# -- every main page: screenshot and accessibility ---------------------------------


async def test_main_pages_screenshots_and_accessibility(site: Site) -> None:
    [number] = await site.start()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = await site.context()
    page = await context.new_page()
    pages: list[tuple[str, str]] = [("signin", "/signin")]
    await page.goto("/signin")
    await check_page(page, "signin")
    await sign_in(page, site.secrets[Role.ADMIN])
    await record_in_form(
        page,
        number,
        "sign_collaboration",
        {"evidence.agreement_version": "2022", "evidence.document_ref": "ARK-3"},
    )
    pages = [
        ("dashboard", "/"),
        ("municipality", f"/municipalities/{number}"),
        ("transition-form", f"/municipalities/{number}/transitions/exercise_option"),
        ("deadline-form", f"/municipalities/{number}/obligations/exercise_option"),
        ("contacts-form", f"/municipalities/{number}/contacts"),
        ("users", "/admin/users"),
        # Every kind of party's process, and the roads of the kinds issue #19 added.
        ("processes", "/processes"),
        ("process-gp-office", "/processes/gp_office/1"),
        ("process-hospital", "/processes/hospital/1"),
    ]
    for name, path in pages:
        response = await page.goto(path)
        assert response is not None and response.status == 200, (path, response)
        await check_page(page, name)
    # A form showing its errors is checked too.
    await page.goto(f"/municipalities/{number}/transitions/exercise_option")
    await page.locator("#transition-form").evaluate("form => form.noValidate = true")
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")
    await check_page(page, "transition-form-errors")
    await context.close()


async def test_the_outbox_filters_by_municipality_and_status(site: Site) -> None:
    first, second = await site.start(2)
    for number in (first, second):
        row = queries.get_municipality(site.engine, number=number)
        assert row is not None
        outbox.enqueue(
            site.engine,
            DueMessage(
                municipality=Municipality(
                    number=number, name=row.name, county=row.county, health_trust=row.health_trust
                ),
                obligation_id="exercise_option",
                obligation_label="Exercise the option",
                kind=MessageKind.REMINDER,
                message_key="reminder-30d",
                offset_days=30,
                deadline=date(2027, 6, 11),
                due_at=datetime(2027, 5, 12, 6, 0, tzinfo=UTC),
                recipient_roles=[RecipientRole.MUNICIPALITY_CONTACT],
            ),
            base_url=site.url,
        )
    page = await site.signed_in(Role.ADMIN)
    await page.goto("/admin/notifications")
    table = page.locator("#outbox tbody")
    await expect(table).to_contain_text(first)
    await expect(table).to_contain_text(second)
    await page.fill("[name='municipality']", first)
    await page.select_option("[name='status']", "no_recipient")
    async with page.expect_navigation():
        await page.click("form[action='/admin/notifications'] button[type=submit]")
    await expect(table.locator("tr")).to_have_count(1)
    await expect(table).to_contain_text(first)
    # Due at 06:00 UTC is 08:00 in Oslo.
    await expect(table).to_contain_text("12 May 2027 08:00")
    await check_page(page, "outbox")

    await page.goto("/admin/notifications?from=2027-06-01&to=2027-05-01")
    await expect(page.locator("#f-from-error")).to_contain_text("after")
    await page.context.close()


async def _submit_unchecked(page: Page, fields: dict[str, str]) -> None:
    """Fill the transition form and post it past the browser's own checks."""
    await page.evaluate(
        """() => {
        const form = document.querySelector('#transition-form');
        form.noValidate = true;
        form.querySelectorAll('[maxlength]').forEach(el => el.removeAttribute('maxlength'));
        form.querySelectorAll('input[type=date]').forEach(el => el.type = 'text');
    }"""
    )
    for name, value in fields.items():
        await page.fill(f"[name='{name}']", value)
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")


ENGLISH = re.compile(r"is in the future|is before|required|not allowed|characters|took effect")


async def test_every_error_on_a_transition_form_is_in_the_pages_language(site: Site) -> None:
    [number] = await site.start()
    english = await site.signed_in(Role.COORDINATOR)
    signed_on = date(2022, 3, 1)
    await record_in_form(
        english,
        number,
        "sign_collaboration",
        {
            "effective_on": signed_on.isoformat(),
            "evidence.agreement_version": "2022",
            "evidence.document_ref": "ARK-2022/7",
        },
    )
    page = await site.signed_in(Role.COORDINATOR, locale="nb-NO")
    form = f"/municipalities/{number}/transitions/exercise_option"
    errors = page.locator("main .alert.error, main .field-error")
    tomorrow = today_in_oslo() + timedelta(days=1)
    cases = [
        # (fields, the field's error id, what it says in bokmål)
        ({"evidence.case_ref": ""}, "#f-evidence-case_ref-error", "Må fylles ut for Utløs opsjon"),
        (
            {"evidence.case_ref": "2022/1", "effective_on": tomorrow.isoformat()},
            "#f-effective_on-error",
            f"{tomorrow.day}. ",
        ),
        (
            {"evidence.case_ref": "2022/1", "effective_on": "2022-02-01"},
            "#f-effective_on-error",
            "1. februar 2022 er før 1. mars 2022, da forrige overgang "
            "(Signer samarbeidsavtale og fullmakt) fikk virkning",
        ),
        ({"evidence.case_ref": "x" * 201}, "#f-evidence-case_ref-error", "Kan ha høyst 200 tegn"),
        ({"evidence.case_ref": "2022/1", "comment": "x" * 4001}, "#f-comment-error", "høyst 4000"),
        (
            {"evidence.case_ref": "2022/1", "effective_on": "1. mars"},
            "#f-effective_on-error",
            "Ikke en gyldig dato",
        ),
    ]
    for fields, where, says in cases:
        await page.goto(form)
        await _submit_unchecked(page, fields)
        await expect(page.locator(where)).to_contain_text(says)
        await expect(page.locator("#error-summary")).to_contain_text(says)
        for text in await errors.all_inner_texts():
            assert not ENGLISH.search(text), (fields, text)
    await expect(page.locator("#f-effective_on-error")).to_have_count(1)
    # A refusal of the process itself: the stage moved on while the form was open.
    await page.goto(form)
    await record_in_form(
        english,
        number,
        "exercise_option",
        {"evidence.case_ref": "2022/2", "effective_on": "2022-04-01"},
    )
    await _submit_unchecked(page, {"evidence.case_ref": "2022/3"})
    await expect(page.locator("#error-summary")).to_contain_text(
        "Utløs opsjon er ikke tillatt fra trinnet Opsjon utløst"
    )
    for text in await errors.all_inner_texts():
        assert not ENGLISH.search(text), text
    await check_page(page, "transition-errors-nb")
    # The English page says the same in English, with its own dates.
    await english.goto(f"/municipalities/{number}/transitions/start_preparation")
    await _submit_unchecked(english, {"effective_on": "2022-03-15"})
    await expect(english.locator("#f-effective_on-error")).to_contain_text(
        "15 Mar 2022 is before 1 Apr 2022, when the previous transition (Exercise option) "
        "took effect"
    )
    await page.context.close()
    await english.context.close()


# -- the API documentation -------------------------------------------------------


async def test_the_api_docs_render_from_the_package_under_the_csp(site: Site) -> None:
    context = await site.context()
    page = await context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    response = await page.goto("/docs")
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    # Operations of the OpenAPI document, drawn by Swagger UI.
    await expect(page.locator(".opblock").first).to_be_visible()
    assert await page.locator(".opblock").count() > 40
    await expect(
        page.locator(".opblock-summary-path", has_text="/transitions").first
    ).to_be_visible()
    # An operation opens with its parameters and responses, still under the CSP.
    await page.locator(".opblock-summary-path", has_text="/transitions").first.click()
    await expect(page.locator(".opblock-body .responses-wrapper").first).to_be_visible()
    await page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
    assert refused == []
    assert all(url.startswith(site.url) for url in requests), requests
    await context.close()
