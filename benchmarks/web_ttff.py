"""Time to first frame in the browser (not a test): from pressing Play on a title page to
the first video frame on screen.

Starts its own embedded PostgreSQL and Redis in a temporary directory, then control and the
edge with a small real library (tests/web/platform.py), signs in as the admin in Debian's
headless Chromium and, for each run, opens the title page and measures inside the page:
the click on Play, the route change, the stream token (POST /api/stream/{id}/token), the
edge probe (a one-byte Range read that starts the stream), the <video> element's own
requests, and decoding up to the first frame (requestVideoFrameCallback). The baseline in
the same run is a <video> given the same kind of edge URL directly (token minted by the
API beforehand): what the page adds on top of the media stack.

Run: .venv/bin/python benchmarks/web_ttff.py [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.async_api import Page, async_playwright  # noqa: E402

from tests.web.platform import ADMIN_EMAIL, PASSWORD, Platform, launch_options, standalone_platform  # noqa: E402

PRESS_PLAY = """() => new Promise((resolve, reject) => {
    const started = performance.now();
    document.querySelector('#play').click();
    const seen = new MutationObserver(() => {
        const video = document.querySelector('#video');
        if (!video) return;
        seen.disconnect();
        video.requestVideoFrameCallback(() => resolve(performance.now() - started));
        video.addEventListener('error', () => reject(new Error('video error')));
    });
    seen.observe(document.body, { childList: true, subtree: true });
})"""

DIRECT = """(url) => new Promise((resolve, reject) => {
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const started = performance.now();
    video.requestVideoFrameCallback(() => {
        resolve(performance.now() - started);
        video.remove();
    });
    video.addEventListener('error', () => reject(new Error('video error')));
    video.src = url;
    video.play();
})"""


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.0f} | {p90:.0f} |"
        f" {ordered[0]:.0f} | {ordered[-1]:.0f} |"
    )


async def measure(platform: Platform, runs: int) -> tuple[list[float], list[float]]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        page: Page = await browser.new_page()
        await page.goto(f"{platform.control_url}/")
        await page.fill("#f-email", ADMIN_EMAIL)
        await page.fill("#f-password", PASSWORD)
        await page.click("form button[type=submit]")
        await page.wait_for_selector("section.row[data-row]")
        player: list[float] = []
        direct: list[float] = []
        with platform.api() as api:
            headers = platform.login(api, ADMIN_EMAIL)
            for _ in range(runs):
                await page.goto(f"{platform.control_url}/#/title/{platform.feature_id}")
                await page.wait_for_selector("#play")
                player.append(await page.evaluate(PRESS_PLAY))
                await page.goto(f"{platform.control_url}/#/streams")  # leaves: stream ended
                issued = api.post(f"/stream/{platform.feature_id}/token", headers=headers).json()
                direct.append(await page.evaluate(DIRECT, issued["url"]))
                api.delete(f"/stream/sessions/{issued['sid']}", headers=headers)
        await browser.close()
    return player, direct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with standalone_platform(root) as platform:
            player, direct = asyncio.run(measure(platform, args.runs))
    print("| path | runs | median ms | p90 ms | min ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(summary("press Play → first frame (page: route, token, probe, <video>)", player))
    print(summary("baseline: <video> with an edge URL → first frame", direct))
    print(f"page overhead (median): {statistics.median(player) - statistics.median(direct):.0f} ms")


if __name__ == "__main__":
    main()
