"""A real server for the browser tests: the app under uvicorn on a free port, a real worker
on the time-skipping test server, real SQLite, and Debian's chromium driven by Playwright.

Municipality numbers 7000-7999 are this module's (the engine tests use 8000-8999,
the API tests 9000-9999), and organisation numbers starting 97; each is used once
per session.
"""

import asyncio
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from sqlalchemy import Engine
from temporalio.client import Client

from onboarding.domain.municipality import Municipality
from onboarding.domain.party import Party, PartyKind, org_number_check_digit, party_id
from onboarding.domain.process.model import ProcessDefinition
from onboarding.gateway import parties as gateway
from onboarding.settings import Settings
from onboarding.store import queries
from onboarding.store.tokens import Role
from tests.helpers import V1

_FREE_NUMBERS = iter(random.sample(range(7000, 8000), 1000))
# The first eight digits of organisation numbers: those that have a check digit.
_FREE_ORGS = iter(
    first
    for first in map(str, random.sample(range(97_000_000, 98_000_000), 2000))
    if org_number_check_digit(first) is not None
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def chromium_path() -> str:
    """Debian's chromium; the project's `make browser` installs it. Never downloaded."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError(
            "chromium is not installed: run `make browser` (apt-get install chromium)"
        )
    return path


@dataclass
class Site:
    """The running app, its collaborators and a token per role."""

    url: str
    engine: Engine
    client: Client
    settings: Settings
    browser: Browser
    secrets: dict[Role, str]
    started: list[str] = field(default_factory=list)

    async def start(self, count: int = 1, *, process: ProcessDefinition = V1) -> list[str]:
        """Start `count` made-up municipalities and wait until their rows exist.

        They run version 1 of the process unless `process` says otherwise.
        """
        numbers = [str(next(_FREE_NUMBERS)) for _ in range(count)]
        municipalities = [
            Municipality(
                number=n,
                name=f"Testby {n}",
                county="Trøndelag",
                health_trust="St. Olavs hospital HF",
            )
            for n in numbers
        ]
        self.started.extend(numbers)
        await gateway.load_region(
            self.client, municipalities, task_queue=self.settings.task_queue, process=process
        )
        await self._registered(numbers)
        return numbers

    async def start_party(self, kind: PartyKind, **fields: Any) -> Party:
        """Start a made-up party of `kind` (not a municipality) with a fresh organisation
        number, on its kind's newest process, and wait until its row exists.

        `fields` are the Party's (a GP office needs its `municipality_number`).
        """
        first = next(_FREE_ORGS)
        org = f"{first}{org_number_check_digit(first)}"
        party = Party(
            number=party_id(kind, org_number=org),
            name=fields.pop("name", f"Test {kind.value} {org}"),
            county="Trøndelag",
            health_trust="St. Olavs hospital HF",
            kind=kind,
            org_number=org,
            **fields,
        )
        self.started.append(party.number)
        await gateway.start_party(self.client, party, task_queue=self.settings.task_queue)
        await self._registered([party.number])
        return party

    async def _registered(self, numbers: list[str]) -> None:
        deadline = time.monotonic() + 10
        while any(queries.get_municipality(self.engine, number=n) is None for n in numbers):
            assert time.monotonic() < deadline, f"rows of {numbers} never appeared"
            await asyncio.sleep(0.02)

    async def context(self, *, locale: str = "en-GB", **kwargs: Any) -> BrowserContext:
        """A fresh browser context (no cookies), in `locale` (Accept-Language follows it)."""
        return await self.browser.new_context(
            base_url=self.url, locale=locale, viewport={"width": 1366, "height": 900}, **kwargs
        )

    async def signed_in(self, role: Role, *, locale: str = "en-GB") -> Page:
        """A page in a fresh context, signed in with the token of `role`, on the dashboard."""
        context = await self.context(locale=locale)
        page = await context.new_page()
        await sign_in(page, self.secrets[role])
        return page


async def sign_in(page: Page, secret: str, *, path: str = "/") -> None:
    """Sign in through the form (following the redirect to the sign-in page)."""
    await page.goto(path)
    await page.fill("#token", secret)
    async with page.expect_navigation():
        await page.click("form[action='/signin'] button[type=submit]")


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated, not added as a <script>: the pages' CSP refuses inline scripts.
    await page.evaluate(AXE_JS.read_text())
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


async def record_in_form(page: Page, number: str, trigger: str, fields: dict[str, str]) -> None:
    """Record `trigger` through the municipality page's transition form."""
    await page.goto(f"/municipalities/{number}")
    await page.click(f"a[data-trigger='{trigger}']")
    for name, value in fields.items():
        await page.fill(f"[name='{name}']", value)
    async with page.expect_navigation():
        await page.click("#transition-form button[type=submit]")


async def photograph(page: Page, path: Path, attempts: int = 3) -> None:
    """A full-page screenshot, tried again when Chromium has no frame to capture.

    Under load headless Chromium now and then answers Page.captureScreenshot with
    "Unable to capture screenshot" (its compositor had not produced a frame yet); the
    page itself is fine, so the capture is tried again after the next frame.
    """
    for attempt in range(1, attempts + 1):
        try:
            await page.screenshot(path=str(path), full_page=True)
            return
        except PlaywrightError as error:
            if "Unable to capture screenshot" not in str(error) or attempt == attempts:
                raise
            await page.wait_for_load_state("load")
            await page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
            await asyncio.sleep(0.5 * attempt)


async def check_page(page: Page, name: str) -> None:
    """Photograph the page into artifacts/screenshots/ and fail on serious axe-core violations."""
    await photograph(page, SCREENSHOTS / f"{name}.png")
    violations = await axe_violations(page)
    assert violations == [], (name, [(v["id"], v["help"], v["nodes"][:2]) for v in violations])


async def sign_in_form(
    http: httpx.AsyncClient, secret: str, next_path: str = "/"
) -> httpx.Response:
    """Sign in over HTTP (no browser) through the form, with its CSRF token."""
    form = await http.get("/signin")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match
    return await http.post(
        "/signin", data={"csrf_token": match.group(1), "token": secret, "next": next_path}
    )
