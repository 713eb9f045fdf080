"""The library through the job system: POST /api/admin/library/scan queues library_scan; a
worker imports the NAS replica, probes every new file (real clips: media read; sparse
placeholders: MEDIA_UNREADABLE, recorded on the content, the scan unaffected) and draws
posters and storyboards of the playable ones, which contents and home rows link to."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from control.blocks.content import thumbnails as images
from control.orchestration.contracts import JOBS, JobRecord, Jobs
from control.settings import ControlSettings
from edge.thumbnails import ThumbnailEndpoint
from tests.control.blocks.content.replica import Replica, build_replica
from tests.control.blocks.worker.conftest import JobWaiter, worker_running
from tests.control.conftest import error_code

FINAL = ("succeeded", "failed", "dead", "cancelled")


@pytest.fixture
def replica(nas_root: Path) -> Replica:
    return build_replica(nas_root)


@pytest.fixture
async def jobs(app: Litestar, client: httpx.AsyncClient) -> Jobs:
    return app.state.registry.provided(JOBS)  # type: ignore[no-any-return]


@pytest.fixture
async def waiter(jobs: Jobs, settings: ControlSettings) -> AsyncIterator[JobWaiter]:
    assert settings.redis_url is not None
    waiter = JobWaiter(jobs, settings.redis_url)
    try:
        yield waiter
    finally:
        await waiter.close()


async def all_jobs(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> list[Any]:
    page = await client.get("/api/admin/jobs", params={"limit": 100, **query}, headers=headers)
    items: list[Any] = page.json()["items"]
    total = page.json()["total"]
    for offset in range(100, total, 100):
        more = await client.get(
            "/api/admin/jobs", params={"limit": 100, "offset": offset, **query}, headers=headers
        )
        items += more.json()["items"]
    return items


async def settle(waiter: JobWaiter, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Wait until no job is queued or running (each job followed to its end)."""
    while True:
        unfinished = [
            job
            for status in ("queued", "running")
            for job in await all_jobs(client, headers, status=status)
        ]
        if not unfinished:
            return
        for job in unfinished:
            await waiter.finished(job["id"], within=60)


async def test_a_scan_job_imports_probes_and_thumbnails_the_library(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    replica: Replica,
    settings: ControlSettings,
    waiter: JobWaiter,
) -> None:
    started = await client.post("/api/admin/library/scan", headers=admin_headers)
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["type"], job["status"], job["payload"]) == ("library_scan", "queued", {})
    # The same work while it is unfinished: the same job.
    twice = await client.post("/api/admin/library/scan", headers=admin_headers)
    assert twice.json()["id"] == job["id"]
    async with worker_running(settings):
        scanned = await waiter.finished(job["id"], within=60)
        await settle(waiter, client, admin_headers)
    videos = len(replica.videos)
    assert scanned.status == "succeeded" and scanned.progress.done == videos
    assert scanned.result == {
        "found": videos,
        "added": videos,
        "updated": 0,
        "unchanged": 0,
        "missing": 0,
        "probes_queued": videos,
    }
    alias = await client.get(f"/api/admin/library/scan/{job['id']}", headers=admin_headers)
    assert (
        alias.json()
        == (await client.get(f"/api/admin/jobs/{job['id']}", headers=admin_headers)).json()
    )

    probes = await all_jobs(client, admin_headers, type="probe")
    assert len(probes) == videos
    failed = [p for p in probes if p["status"] == "failed"]
    assert {p["error_code"] for p in failed} == {"MEDIA_UNREADABLE"}
    assert len(failed) == videos - len(replica.real)
    thumbs = await all_jobs(client, admin_headers, type="thumbnails")
    assert [t["status"] for t in thumbs] == ["succeeded"] * len(replica.real)

    listed = await client.get("/api/admin/contents", params={"limit": 100}, headers=admin_headers)
    by_path: dict[str, Any] = {}
    for offset in range(0, videos, 100):
        page = await client.get(
            "/api/admin/contents", params={"limit": 100, "offset": offset}, headers=admin_headers
        )
        by_path |= {item["file_path"]: item for item in page.json()["items"]}
    assert listed.status_code == 200 and len(by_path) == videos
    for path, seconds in replica.real.items():
        content = by_path[path]
        assert content["duration_seconds"] == pytest.approx(seconds, abs=0.1)
        assert content["quality"] == "sd" and content["media_error"] is None
        media = content["media"]
        assert (media["container"], media["video_codec"]) == ("mp4", "h264")
        assert (media["width"], media["height"], media["frame_rate"]) == (320, 180, 25.0)
        # Keyframes every 2 s: a clip must hold two of them to show the interval.
        assert media["keyframe_interval_seconds"] == (2.0 if seconds > 2 else None)
        assert media["audio_tracks"][0]["codec"] == "aac" and media["bitrate"] > 0
        tiles = math.ceil(seconds / images.MIN_INTERVAL_SECONDS)
        folder = settings.thumbnail_root / content["thumbnail_path"].rpartition("/")[0]
        assert (folder / images.POSTER).read_bytes()[:2] == b"\xff\xd8"
        index = (folder / images.INDEX).read_text()
        assert index.startswith("WEBVTT") and index.count(" --> ") == tiles
        assert content["thumbnail_url"].startswith(f"{settings.edge_public_url}/t/")
        assert content["storyboard_url"].endswith("/storyboard.vtt")
    sparse = [c for path, c in by_path.items() if path not in replica.real]
    assert all(c["media_error"] == "MEDIA_UNREADABLE" and c["media"] is None for c in sparse)
    assert all(c["thumbnail_url"] is None for c in sparse)

    # Home rows link the posters too.
    home = (await client.get("/api/home", headers=user_headers)).json()
    items = [item for row in home["rows"] for item in row["items"]]
    assert {i["thumbnail_url"] for i in items if i["thumbnail_path"]} == {
        by_path[p]["thumbnail_url"] for p in replica.real
    }

    # A browser's <img>: no header at all, the URL alone opens it at the edge.
    edge = ThumbnailEndpoint(settings.key_ring(), settings.thumbnail_root)
    transport = httpx.ASGITransport(app=edge)
    async with httpx.AsyncClient(transport=transport, base_url=settings.edge_public_url) as img:
        first = by_path[next(iter(replica.real))]
        poster = await img.get(first["thumbnail_url"])
        assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
        assert poster.content[:2] == b"\xff\xd8" and "immutable" in poster.headers["cache-control"]
        vtt = await img.get(first["storyboard_url"])
        assert vtt.headers["content-type"].startswith("text/vtt")
        sprite = await img.get(first["storyboard_url"].replace("storyboard.vtt", "storyboard.jpg"))
        assert sprite.status_code == 200 and sprite.content[:2] == b"\xff\xd8"


async def test_a_vanished_file_goes_missing_on_the_next_scan(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    replica: Replica,
    settings: ControlSettings,
    waiter: JobWaiter,
) -> None:
    async with worker_running(settings):
        first = (await client.post("/api/admin/library/scan", headers=admin_headers)).json()
        await waiter.finished(first["id"], within=60)
        path = next(iter(replica.real))
        (replica.root / path).unlink()
        second = (await client.post("/api/admin/library/scan", headers=admin_headers)).json()
        assert second["id"] != first["id"]
        done: JobRecord = await waiter.finished(second["id"], within=60)
        await settle(waiter, client, admin_headers)
    assert done.result is not None and done.result["missing"] == 1
    assert done.result["probes_queued"] == 0  # nothing new or changed
    listed = await client.get("/api/contents", params={"limit": 100}, headers=user_headers)
    assert path not in {item["file_path"] for item in listed.json()["items"]}


async def test_unknown_scan_job_and_missing_root(
    client: httpx.AsyncClient, admin_headers: dict[str, str], nas_root: Path
) -> None:
    unknown = await client.get("/api/admin/library/scan/4242", headers=admin_headers)
    assert (unknown.status_code, error_code(unknown)) == (404, "LIBRARY_SCAN_NOT_FOUND")
    await asyncio.to_thread(nas_root.rmdir)
    response = await client.post("/api/admin/library/scan", headers=admin_headers)
    assert (response.status_code, error_code(response)) == (503, "LIBRARY_ROOT_MISSING")
