"""Browser tests of search (SPEC §4.1) and the worker's thumbnails, storyboards and jobs
(§4.2). Each first checks that the platform's OpenAPI document serves the route it uses,
so a route that went missing fails here with its name rather than as a timeout.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.web.conftest import signed_in
from tests.web.platform import ADMIN_EMAIL, Platform


@pytest.fixture(scope="module")
def routes(platform: Platform) -> set[str]:
    with platform.api() as api:
        document: dict[str, Any] = api.get(f"{platform.control_url}/schema/openapi.json").json()
    return set(document["paths"])


def need(routes: set[str], path: str, block: str) -> None:
    assert path in routes, f"{path} is not served: is the {block} block there?"


async def test_a_search_with_a_typo_finds_the_title(
    browser: Browser, platform: Platform, routes: set[str]
) -> None:
    need(routes, "/api/search", "search")
    context, page = await signed_in(browser, platform, ADMIN_EMAIL)
    await page.fill("#search-q", "Parad")  # suggestions complete what is being typed
    await page.locator("#suggestions li").first.wait_for()
    await page.fill("#search-q", "Paradse")  # "Paradise" with a letter left out
    await page.press("#search-q", "Enter")
    await page.locator("#result-count").wait_for()
    titles = await page.locator(".hits .card-title").all_text_contents()
    assert any("Paradise" in title for title in titles), titles
    assert await page.locator(".did-you-mean").count() == 1
    await context.close()


async def test_home_rows_show_thumbnails(
    browser: Browser, platform: Platform, routes: set[str]
) -> None:
    need(routes, "/api/admin/jobs", "worker")
    context, page = await signed_in(browser, platform, ADMIN_EMAIL)
    await page.goto(f"{platform.control_url}/#/admin/library")
    await page.click("#scan")  # probes and thumbnails follow the scan as jobs
    await page.goto(f"{platform.control_url}/#/")
    posters = page.locator("section[data-row='recently_added'] img")
    await expect(posters).to_have_count(len(platform.titles), timeout=60_000)
    for index in range(await posters.count()):
        poster = posters.nth(index)
        assert "/t/" in (await poster.get_attribute("src") or "")
        assert await poster.evaluate("img => img.complete && img.naturalWidth > 0")
    await context.close()


async def test_a_jobs_progress_moves_live(
    browser: Browser, platform: Platform, routes: set[str]
) -> None:
    need(routes, "/api/admin/jobs/events", "worker")
    context, jobs = await signed_in(browser, platform, ADMIN_EMAIL)
    await jobs.goto(f"{platform.control_url}/#/admin/jobs")
    await expect(jobs.locator("#jobs-live")).to_have_text("Live")
    await jobs.evaluate("() => { window.sameDocument = true; }")
    scanner = await context.new_page()
    await scanner.goto(f"{platform.control_url}/#/admin/library")
    await scanner.click("#scan")
    # The new job appears and finishes on the jobs page without a reload (SSE).
    row = jobs.locator("tr[data-status='succeeded']", has_text="library_scan").first
    await row.wait_for(timeout=60_000)
    assert await jobs.evaluate("() => window.sameDocument === true")  # no reload: an event
    await context.close()
