"""The Temporal web UI in Debian's chromium: what a workflow's page shows, decoded.

Used by tests/e2e/test_up_e2e.py against the dev server's own UI, which
decodes payloads through the codec path `onboarding up` gives it.
"""

import asyncio
import time
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from tests.helpers.web import chromium_path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


async def check_workflow_page(ui_url: str, workflow_id: str, *, shows: list[str]) -> None:
    """Open the workflow's page and its User Metadata tab; each text of `shows` must appear.

    Payloads are sealed in Temporal, so a decoded input, summary or details can
    only be seen if the UI reached the codec.
    """
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            page = await browser.new_page(viewport={"width": 1366, "height": 900})
            await page.goto(f"{ui_url}/namespaces/default/workflows/{workflow_id}")
            main = page.locator("main")
            await expect(main).to_contain_text('"name": "', timeout=30_000)
            await page.screenshot(path=str(SCREENSHOTS / "temporal-ui-decoded-input.png"))
            await page.get_by_text("User Metadata").click()
            await _until_shown(page, shows, timeout=30)
            await page.screenshot(path=str(SCREENSHOTS / "temporal-ui-summary.png"))
        finally:
            await browser.close()


async def _until_shown(page: Page, texts: list[str], *, timeout: float) -> None:
    """Until every text is on the page: the UI renders summary and details (markdown)
    in frames of their own, so every frame's text is read."""
    deadline = time.monotonic() + timeout
    while True:
        seen = " ".join([await frame.inner_text("body") for frame in page.frames])
        missing = [text for text in texts if text not in seen]
        if not missing:
            return
        assert time.monotonic() < deadline, f"{missing} not shown; the page says: {seen[-600:]}"
        await asyncio.sleep(0.3)
