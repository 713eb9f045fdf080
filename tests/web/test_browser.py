"""The front end in a real browser against a real platform: sign in, home, play, seek,
resume, Continue Watching, the stream limit, my streams, the admin pages."""

from __future__ import annotations

import time
import uuid

from playwright.async_api import Browser, Page, expect

from tests.support import free_port, wsoptv_process
from tests.web.conftest import signed_in, video_time
from tests.web.platform import ADMIN_EMAIL, PASSWORD, Platform

HOME_BUDGET = 100 * 1024  # the home page's own HTML, CSS and script, before thumbnails


def unique(name: str) -> str:
    return f"{name}{uuid.uuid4().hex[:6]}"


async def row_titles(page: Page, row: str) -> list[str]:
    return await page.locator(f"section[data-row='{row}'] .card-title").all_text_contents()


async def test_sign_in_home_rows_and_a_session_that_survives_a_reload(
    browser: Browser, platform: Platform
) -> None:
    email = platform.register(unique("ann"))
    csp_errors: list[str] = []
    context, page = await signed_in(browser, platform, email)
    page.on("console", lambda m: csp_errors.append(m.text) if "Security Policy" in m.text else None)
    recent = await row_titles(page, "recently_added")
    assert sorted(recent) == sorted(platform.titles.values())
    assert await page.locator("section.row").count() >= 2

    # The refresh token is an HttpOnly cookie for the refresh route only; scripts see none.
    (cookie,) = [c for c in await context.cookies() if c["name"] == "wsoptv_refresh"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/api/auth/refresh"
    assert await page.evaluate("document.cookie") == ""

    # A reload keeps the session; the home page stays light and nothing jumps.
    await page.reload()
    await page.wait_for_selector("section.row[data-row]")
    assert await page.locator("#f-email").count() == 0
    weight = await page.evaluate(
        """() => {
            const own = (e) => {
                const url = new URL(e.name);
                return url.origin === location.origin && !url.pathname.startsWith('/api/');
            };
            const page = performance.getEntriesByType('navigation')[0].decodedBodySize;
            const assets = performance.getEntriesByType('resource').filter(own);
            return page + assets.reduce((n, e) => n + e.decodedBodySize, 0);
        }"""
    )
    assert 0 < weight < HOME_BUDGET, weight
    shift = await page.evaluate(
        """() => new Promise((resolve) => {
            let total = 0;
            new PerformanceObserver((list) => {
                for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
            }).observe({ type: 'layout-shift', buffered: true });
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
        })"""
    )
    assert shift < 0.05, shift

    # Signing out clears the cookie: a reload shows the sign-in form.
    await page.click("nav >> text=Sign out")
    await page.wait_for_selector("#f-email")
    await page.reload()
    await page.wait_for_selector("#f-email")
    assert not [c for c in await context.cookies() if c["name"] == "wsoptv_refresh"]
    assert csp_errors == []
    await context.close()


async def test_play_seek_resume_and_continue_watching(browser: Browser, platform: Platform) -> None:
    email = platform.register(unique("bob"))
    context, page = await signed_in(browser, platform, email)
    title = platform.titles[platform.feature_id]
    await page.goto(f"{platform.control_url}/#/title/{platform.feature_id}")
    await page.wait_for_selector("text=Set over set")
    assert "Riess vs Aguero" in await page.locator("ol.hands").inner_text()
    await page.click("#play")
    assert await video_time(page, 2.0) > 2.0

    # Jump to a hand: the seek lands where asked.
    await page.click("button[aria-label^='Jump to Set over set']")
    landed = await video_time(page, 29.0, 31.0, event="seeked")
    assert abs(landed - 30.0) < 0.5
    await video_time(page, 31.0)
    async with page.expect_response(
        lambda r: (
            r.url.endswith(f"/api/stream/{platform.feature_id}/progress")
            and r.request.method == "PUT"
        )
    ) as saved:
        await page.evaluate("document.querySelector('#video').pause()")
    position = (await (await saved.value).json())["position_seconds"]
    assert 31.0 <= position < 40.0

    # A reload asks to resume there, and does.
    await page.reload()
    resume = page.locator("#resume")
    await resume.wait_for()
    assert await resume.inner_text() == f"Resume from 0:{int(position):02d}"
    await resume.click()
    resumed = await video_time(page, position - 1.0, position + 5.0)
    assert abs(resumed - position) < 5.0

    # Continue Watching shows the title, with its progress.
    await page.goto(f"{platform.control_url}/#/")
    await page.wait_for_selector("section[data-row='continue_watching']")
    assert await row_titles(page, "continue_watching") == [title]
    bar = page.locator("section[data-row='continue_watching'] progress")
    assert (await bar.get_attribute("aria-label") or "").startswith("Watched ")
    await context.close()


async def test_a_fourth_stream_shows_the_limit_and_ending_one_plays(
    browser: Browser, platform: Platform
) -> None:
    email = platform.register(unique("cat"))
    with platform.api() as api:  # three streams elsewhere (other screens) fill the limit
        headers = platform.login(api, email)
        for _ in range(3):
            issued = api.post(f"/stream/{platform.feature_id}/token", headers=headers).json()
            first = api.get(issued["url"], headers={"Range": "bytes=0-99"})
            assert first.status_code == 206
    context, page = await signed_in(browser, platform, email)
    await page.goto(f"{platform.control_url}/#/watch/{platform.feature_id}")
    limit = page.locator("#stream-limit")
    await limit.wait_for()
    assert "the limit is 3" in await limit.inner_text()
    await expect(limit.locator("tr[data-sid]")).to_have_count(3)  # listed once fetched
    await limit.locator("button", has_text="End this stream").first.click()
    assert await video_time(page, 1.0) > 1.0

    # My streams lists the three live ones (two elsewhere, this player) and ends one.
    streams = await context.new_page()
    await streams.goto(f"{platform.control_url}/#/streams")
    await streams.wait_for_selector("tr[data-sid]")
    assert await streams.locator("tr[data-sid]").count() == 3

    # An admin sees them live on the dashboard.
    admin_context, admin = await signed_in(browser, platform, ADMIN_EMAIL)
    await admin.goto(f"{platform.control_url}/#/admin")
    live = admin.locator("#live-streams")
    await live.wait_for()
    assert int(await live.inner_text()) >= 3
    assert int(await admin.locator("#watching-users").inner_text()) >= 1

    await streams.locator("button", has_text="End this stream").first.click()
    await expect(streams.locator("tr[data-sid]")).to_have_count(2)
    await admin_context.close()
    await context.close()


async def test_pending_registration_then_an_admin_approves(
    browser: Browser, platform: Platform
) -> None:
    port = free_port()
    approval = f"http://127.0.0.1:{port}"
    env = {**platform.env, "CONTROL_PORT": str(port), "REGISTRATION_REQUIRES_APPROVAL": "true"}
    name = unique("dan")
    with wsoptv_process(["control"], env, health_url=f"{approval}/api/health"):
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{approval}/#/register")
        await page.fill("#f-email", f"{name}@wsoptv.test")
        await page.fill("#f-username", name)
        await page.fill("#f-password", PASSWORD)
        await page.click("form button[type=submit]")
        pending = page.locator(".pending")
        await pending.wait_for()
        assert "awaits approval" in await pending.inner_text()
        await context.close()

    admin_context, admin = await signed_in(browser, platform, ADMIN_EMAIL)
    await admin.goto(f"{platform.control_url}/#/admin/users")
    row = admin.locator(f"tr[data-user='{name}']")
    await row.locator("button", has_text="Approve").click()
    await admin.locator(f"tr[data-user='{name}'] >> text=active").wait_for()
    await admin_context.close()
    context, page = await signed_in(browser, platform, f"{name}@wsoptv.test")
    assert await page.locator("nav .who").inner_text() == name
    await context.close()


async def test_admin_scans_the_library_with_progress(browser: Browser, platform: Platform) -> None:
    context, page = await signed_in(browser, platform, ADMIN_EMAIL)
    await page.goto(f"{platform.control_url}/#/admin/library")
    await page.click("#scan")
    state = page.locator("#scan-state")
    await page.locator("#scan-state", has_text="succeeded").wait_for()
    assert "3 of 3 files" in await state.inner_text()
    bar = page.locator("#scan-progress")
    assert await bar.get_attribute("max") == await bar.evaluate("b => String(b.value)")
    await context.close()


async def test_keyboard_and_a_phone_sized_screen(browser: Browser, platform: Platform) -> None:
    email = platform.register(unique("eve"))
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = await context.new_page()
    await page.goto(f"{platform.control_url}/")
    await page.fill("#f-email", email)
    await page.fill("#f-password", PASSWORD)
    await page.press("#f-password", "Enter")
    await page.wait_for_selector("section.row[data-row]")
    overflow = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0
    images = await page.locator("img").evaluate_all(
        "all => all.filter(i => !i.hasAttribute('alt')).length"
    )
    assert images == 0
    await page.focus("section[data-row='recently_added'] a.card")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("article.title-page h1")
    assert "#/title/" in page.url
    await context.close()


async def test_admin_warms_a_title_onto_the_ssd(browser: Browser, platform: Platform) -> None:
    context, page = await signed_in(browser, platform, ADMIN_EMAIL)
    await page.goto(f"{platform.control_url}/#/admin/cache")
    await page.fill("#warm-id", str(platform.feature_id))
    await page.locator("#warm-id").press("Enter")
    await expect(page.locator("#toast")).to_contain_text("Copy to SSD queued")
    # The worker copies it; the page shows what is on the SSD when it is drawn (no event
    # tells the page: reload until it is there).
    title = platform.titles[platform.feature_id]
    row = page.locator("tr", has=page.locator("button", has_text="Evict"))
    deadline = time.monotonic() + 60
    while await row.filter(has_text=title).count() == 0:
        assert time.monotonic() < deadline, "the copy never showed on the cache page"
        await page.wait_for_timeout(250)
        await page.reload()
        await page.locator("h2", has_text="On the SSD").wait_for()
    await page.goto(f"{platform.control_url}/#/admin")
    await page.locator("#ssd-hit-ratio").wait_for()
    await expect(page.locator("table", has_text="On the SSD")).to_contain_text(title)
    await context.close()
