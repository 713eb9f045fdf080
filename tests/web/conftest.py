"""Browser tests: Debian's Chromium, driven by Playwright, against a platform of real
processes (control, edge, PostgreSQL, Redis) on free ports.

Skipped with the reason when /usr/bin/chromium is missing (deploy/setup.sh installs it
with the test extra). The platform uses a Redis database of its own (index 9), so the
other tests' flushes never reach it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from deploy.infra import Endpoints
from tests.web.platform import CHROMIUM, PASSWORD, Platform, launch_options, run_platform

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


def _database(url: str, name: str) -> str:
    return f"{url.rpartition('/')[0]}/{name}"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def platform_database(infra: Endpoints) -> AsyncIterator[str]:
    name = f"web_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield _database(infra.database_url, name)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def platform(
    tmp_path_factory: pytest.TempPathFactory, infra: Endpoints, platform_database: str
) -> Iterator[Platform]:
    redis_url = re.sub(r"/\d+$", "/9", infra.redis_url)
    with run_platform(tmp_path_factory.mktemp("web"), platform_database, redis_url) as running:
        yield running


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(**launch_options())
        try:
            yield launched
        finally:
            await launched.close()


async def signed_in(
    browser: Browser, platform: Platform, email: str
) -> tuple[BrowserContext, Page]:
    """A fresh browser profile signed in through the sign-in form, on the home page."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{platform.control_url}/")
    await page.fill("#f-email", email)
    await page.fill("#f-password", PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("section.row[data-row]")
    return context, page


async def video_time(
    page: Page, above: float, below: float = 1e9, event: str = "timeupdate"
) -> float:
    """Wait, in the page, until the video's currentTime lies between `above` and `below`,
    checked on each `event` of the element; returns it. (The page's CSP forbids eval, which
    Playwright's wait_for_function needs: this is one evaluated function instead.)"""
    await page.wait_for_selector("#video", state="attached")
    result: float = await page.evaluate(
        """([above, below, event]) => new Promise((resolve) => {
            const v = document.querySelector('#video');
            const check = () => {
                if (v.currentTime > above && v.currentTime < below) {
                    v.removeEventListener(event, check);
                    resolve(v.currentTime);
                }
            };
            v.addEventListener(event, check);
            check();
        })""",
        [above, below, event],
    )
    return result
