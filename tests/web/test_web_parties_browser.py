"""A GP office's and a specialist's pages with a real worker, over HTTP and in Chromium.

The parties are registered through the gateway (`start_party`) as the API does,
so the pages ask their workflows (the GP office's own process, its stage, its
allowed triggers) exactly as they ask a municipality's.
"""

import re

import httpx
from playwright.async_api import expect

from onboarding.domain.party import PartyKind
from onboarding.store.tokens import Role
from tests.helpers.web import Site, check_page, sign_in_form

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_a_gp_offices_page_records_its_transition_and_its_municipality_lists_it(
    site: Site,
) -> None:
    (number,) = await site.start()
    office = await site.start_party(
        PartyKind.GP_OFFICE, name="Moholt legesenter", municipality_number=number, staff_count=9
    )
    async with httpx.AsyncClient(base_url=site.url, headers={"Accept-Language": "nb"}) as http:
        assert (await sign_in_form(http, site.secrets[Role.COORDINATOR])).status_code == 303
        page = await http.get(f"/parties/{office.number}")
        assert page.status_code == 200
        text = page.text
        # Its kind, its facts and its municipality, linked.
        assert '<span id="party-kind">Fastlegekontor</span>' in text
        assert f"<dd>{office.org_number}</dd>" in text and "<dd>9</dd>" in text
        assert f'<a href="/municipalities/{number}">Testby {number}</a>' in text
        # Its own process: the GP office's diagram, version and first step.
        assert 'href="/processes/gp_office/1"' in text and 'data-stage="agreement_offered"' in text
        offer = f"/parties/{office.number}/transitions/offer_standard_agreement"
        assert f'href="{offer}" data-trigger="offer_standard_agreement"' in text
        assert f'href="/parties/{office.number}/contacts"' in text
        # Not at the municipality address.
        assert (await http.get(f"/municipalities/{office.number}")).status_code == 422

        form = await http.get(offer)
        assert form.status_code == 200 and 'name="evidence.agreement_version"' in form.text
        match = CSRF.search(form.text)
        assert match
        recorded = await http.post(
            offer,
            data={
                "csrf_token": match.group(1),
                "effective_on": "2026-11-02",
                "evidence.agreement_version": "2023",
                "evidence.document_ref": "ARK-2026/1101",
            },
        )
        assert recorded.status_code == 303
        assert recorded.headers["location"] == (
            f"/parties/{office.number}?done=offer_standard_agreement"
        )
        after = (await http.get(recorded.headers["location"])).text
        assert '<span class="badge stage-agreement_offered">Standardavtale tilbudt</span>' in after
        # Every page below it answers at the party address: the deadline its offer
        # opened, the correction of the offer, its contacts; each leads back to it.
        deadline = f"/parties/{office.number}/obligations/sign_standard_agreement"
        assert f'href="{deadline}"' in after
        event = re.search(r'data-correct="(\d+)"', after)
        assert event, "no correction link on the offer"
        for below in (
            deadline,
            f"/parties/{office.number}/corrections/{event.group(1)}",
            f"/parties/{office.number}/contacts",
        ):
            answer = await http.get(below)
            assert answer.status_code == 200, below
            assert '<a href="/parties">Parter</a>' in answer.text
            assert f'<a href="/parties/{office.number}">Moholt legesenter</a>' in answer.text

        # The municipality's page lists its GP office, with the stage it stands in now.
        home = (await http.get(f"/municipalities/{number}")).text
        row = re.search(rf'<tr data-party="{office.number}"[^>]*>.*?</tr>', home, re.S)
        assert row, "the municipality's page does not list its GP office"
        assert 'data-stage="agreement_offered"' in row.group(0)
        assert f'<a href="/parties/{office.number}">Moholt legesenter</a>' in row.group(0)
        assert "<td>Fastlegekontor</td>" in row.group(0)
        assert f'href="/parties?municipality={number}"' in home
        # The same page at the party address, one handler.
        assert (await http.get(f"/parties/{number}")).text.count(
            f'data-party="{office.number}"'
        ) == 1

    # An admin's engine page of the GP office: its workflow's run.
    async with httpx.AsyncClient(base_url=site.url) as admin:
        assert (await sign_in_form(admin, site.secrets[Role.ADMIN])).status_code == 303
        engine = await admin.get(f"/parties/{office.number}/engine")
        assert engine.status_code == 200 and f"<code>{office.number}</code>" in engine.text


async def test_the_party_list_and_pages_in_the_browser_fit_and_pass_axe(site: Site) -> None:
    (number,) = await site.start()
    office = await site.start_party(
        PartyKind.GP_OFFICE, name="Lade legekontor", municipality_number=number, staff_count=6
    )
    specialist = await site.start_party(
        PartyKind.SPECIALIST,
        name="Lade øyelege",
        municipality_number=number,
        specialty="Øyesykdommer",
    )
    page = await site.signed_in(Role.COORDINATOR, locale="nb-NO")
    await page.click("nav a[href='/parties']")
    await expect(page.locator("h1")).to_have_text("Parter")
    # Filter by kind through the form: the server answers with the GP offices only.
    await page.select_option("[name='kind']", "gp_office")
    await page.fill("[name='municipality']", number)
    async with page.expect_navigation():
        await page.click("#parties-filter button[type=submit]")
    assert "kind=gp_office" in page.url
    rows = page.locator("#parties tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-party", office.number)
    await expect(rows.first.locator("td").nth(1)).to_have_text("Fastlegekontor")
    await check_page(page, "parties-gp-offices")
    await _fits(page)

    async with page.expect_navigation():
        await page.click(f"a[href='/parties/{office.number}']")
    await expect(page.locator("#party-kind")).to_have_text("Fastlegekontor")
    await expect(page.locator("#home-municipality a")).to_have_text(f"Testby {number}")
    await check_page(page, "party-gp-office")
    await _fits(page)

    await page.goto(f"/parties/{specialist.number}")
    await expect(page.locator("#party-facts")).to_contain_text("Øyesykdommer")
    await check_page(page, "party-specialist")

    await page.goto(f"/municipalities/{number}")
    local = page.locator("#local-parties-table tbody tr")
    await expect(local).to_have_count(2)
    await check_page(page, "municipality-with-gp-office")
    await _fits(page)

    await page.goto(f"/parties/{office.number}/transitions/offer_standard_agreement")
    await check_page(page, "party-transition-form")

    # In English, the kinds' English names.
    await page.goto("/language/en")
    await page.goto("/parties?kind=specialist")
    await expect(page.locator("#parties tbody tr").first.locator("td").nth(1)).to_have_text(
        "Private specialist"
    )
    await check_page(page, "parties-specialists-en")

    # The dashboard of the GP offices: their own stages and milestones.
    await page.goto("/dashboard")
    await page.select_option("#kind", "gp_office")
    async with page.expect_navigation():
        await page.click("form.as-of button[type=submit]")
    await expect(page.locator("#stages-heading")).to_contain_text("GP offices")
    await expect(page.locator("#kind-list")).to_have_attribute("href", "/parties?kind=gp_office")
    await check_page(page, "dashboard-gp-offices-en")
    await _fits(page)


async def _fits(page: object) -> None:
    """Nothing on the page is wider than the 1366 px window."""
    width = await page.evaluate("() => document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 1366, width
