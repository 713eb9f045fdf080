"""Screenshots of the main pages for the README (not a test).

Starts its own platform like the browser tests (embedded PostgreSQL and Redis in a temporary
directory, control and edge, the small demo library), signs in with Debian's headless
Chromium and saves PNGs next to this file (desktop 1280x800, one phone-sized page).

Run: .venv/bin/python docs/screenshots/make.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from playwright.async_api import Page, async_playwright  # noqa: E402

from tests.web.platform import ADMIN_EMAIL, PASSWORD, Platform, launch_options, standalone_platform  # noqa: E402


async def sign_in(page: Page, platform: Platform) -> None:
    await page.goto(f"{platform.control_url}/")
    await page.fill("#f-email", ADMIN_EMAIL)
    await page.fill("#f-password", PASSWORD)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("section.row[data-row]")


async def shoot(platform: Platform) -> None:
    base = platform.control_url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{base}/")
        await page.wait_for_selector("#f-email")
        await page.screenshot(path=HERE / "sign-in.png")
        await sign_in(page, platform)
        # Some progress, so the home page has a Continue Watching row.
        await page.goto(f"{base}/#/watch/{platform.feature_id}?t=30")
        await page.wait_for_selector("#video")
        await page.evaluate(
            "() => new Promise((r) => { const v = document.querySelector('#video');"
            " v.addEventListener('timeupdate', () => v.currentTime > 31 && r()); })"
        )
        await page.screenshot(path=HERE / "player.png")
        async with page.expect_response(lambda r: r.request.method == "PUT"):
            await page.evaluate("() => document.querySelector('#video').pause()")
        await page.goto(f"{base}/#/")
        await page.wait_for_selector("section[data-row='continue_watching']")
        await page.screenshot(path=HERE / "home.png")
        pages = {
            "title": (f"#/title/{platform.feature_id}", "ol.hands"),
            "my-streams": ("#/streams", "h1"),
            "admin-dashboard": ("#/admin", "#live-streams"),
            "admin-users": ("#/admin/users", "tr[data-user]"),
            "admin-content": (f"#/admin/contents/{platform.feature_id}", "form.hands-edit"),
        }
        for name, (path, ready) in pages.items():
            await page.goto(f"{base}/{path}")
            await page.wait_for_selector(ready)
            await page.screenshot(path=HERE / f"{name}.png")
        phone = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        await sign_in(phone, platform)
        await phone.screenshot(path=HERE / "home-phone.png")
        await browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with standalone_platform(root) as platform:
            asyncio.run(shoot(platform))
    for png in sorted(HERE.glob("*.png")):
        print(f"{png.name}: {png.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
