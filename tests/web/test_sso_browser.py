"""Single sign-on in a real browser: Debian's chromium signs in through the provider's page.

The app is served by uvicorn (no workflow is needed: the dashboard reads SQL) and
the OpenID provider (tests/helpers/oidc.py) on its own port, so the browser
crosses origins as it would between the app and Entra ID or ID-porten: the
redirect to the provider, its sign-in form, the way back with the code, and
signing out at the provider (which the pages' `form-action` policy must let
through). Screenshots go to artifacts/screenshots/ as for the other browser tests.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright, expect
from pydantic import SecretStr

from onboarding.embedded.app import create_app
from onboarding.embedded.services import running_api
from onboarding.settings import Settings
from onboarding.store.database import make_engine
from onboarding.store.schema import create_schema
from tests.helpers.oidc import OidcProvider, running_provider
from tests.helpers.ports import free_port
from tests.helpers.web import check_page, chromium_path

pytestmark = pytest.mark.timeout(120)
expect.set_options(timeout=15_000)


@dataclass
class SsoSite:
    url: str
    provider: OidcProvider
    browser: Browser

    async def context(self) -> BrowserContext:
        return await self.browser.new_context(
            base_url=self.url, locale="en-GB", viewport={"width": 1360, "height": 900}
        )


@pytest.fixture(scope="module")
async def sso_site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SsoSite]:
    root = tmp_path_factory.mktemp("sso-web")
    engine = make_engine(f"sqlite:///{root}/onboarding.db")
    create_schema(engine)
    with running_provider() as provider:
        provider.add_user("kari", name="Kari Nordmann", groups=["onb-coordinators"])
        provider.add_user("per", name="Per Utenrolle", groups=["the-canteen"])
        settings = Settings(
            home=root,
            oidc_issuer=provider.issuer,
            oidc_client_id="onboarding-pages",
            oidc_client_secret=SecretStr("a-client-secret-for-tests"),
            oidc_roles={"onb-coordinators": "coordinator"},
        )
        app = create_app(settings, client=object(), engine=engine)  # type: ignore[arg-type]
        port = free_port()
        async with running_api(app, host="127.0.0.1", port=port), async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_path())
            try:
                yield SsoSite(f"http://127.0.0.1:{port}", provider, browser)
            finally:
                await browser.close()
                engine.dispose()


async def test_a_person_signs_in_at_the_providers_page_and_out_again(sso_site: SsoSite) -> None:
    context = await sso_site.context()
    page = await context.new_page()
    await page.goto("/waves")
    assert "/signin?next=/waves" in page.url
    await check_page(page, "sso-signin")
    async with page.expect_navigation():
        await page.click("#sso")
    assert page.url.startswith(sso_site.provider.issuer)
    await page.fill("input[name=sub]", "kari")
    async with page.expect_navigation(url="**/waves"):
        await page.click("button[type=submit]:has-text('Authorize')")
    await expect(page.locator(".who")).to_contain_text("Kari Nordmann")
    await expect(page.locator(".who .role-tag")).to_have_text("coordinator")
    [cookie] = [c for c in await context.cookies() if c["name"] == "onb_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # Signing out here sends the browser to the provider, which sends it back.
    async with page.expect_navigation():
        await page.click("form[action='/signout'] button")
    assert page.url.startswith(sso_site.provider.issuer)
    await page.locator("form button[type=submit]").first.click()
    await page.wait_for_url("**/signin*")
    await page.goto("/")
    assert "/signin" in page.url
    await context.close()


async def test_a_person_without_a_role_is_told_so_in_the_browser(sso_site: SsoSite) -> None:
    context = await sso_site.context()
    page = await context.new_page()
    await page.goto("/signin")
    async with page.expect_navigation():
        await page.click("#sso")
    await page.fill("input[name=sub]", "per")
    async with page.expect_navigation(url="**/signin/sso/callback*"):
        await page.click("button[type=submit]:has-text('Authorize')")
    await expect(page.locator("h1")).to_have_text("No role here")
    await expect(page.locator("#no-role")).to_contain_text("Per Utenrolle")
    await check_page(page, "sso-no-role")
    assert not [c for c in await context.cookies() if c["name"] == "onb_session"]
    await context.close()
