"""POST /api/admin/library/scan: a background import of NAS_ROOT, followed through its job."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from control.blocks.content.scan_jobs import RUNNING_KEY
from litestar import Litestar
from redis.asyncio import Redis

from control.orchestration.bus import Event
from tests.control.blocks.content.replica import Replica, build_replica
from tests.control.conftest import error_code


@pytest.fixture
def replica(nas_root: Path) -> Replica:
    return build_replica(nas_root)


async def scan_and_wait(
    app: Litestar, client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[dict[str, Any], Counter[str]]:
    """Start a scan, await its summary event on the bus; the job and the events seen."""
    seen: Counter[str] = Counter()
    finished = asyncio.Event()

    async def on_event(event: Event) -> None:
        seen[event.type] += 1
        if event.type == "content.library_scanned":
            seen.update({f"{k}:{v}" for k, v in event.payload.items()})
            finished.set()

    subscription = app.state.bus.subscribe("content.*", on_event)
    try:
        started = await client.post("/api/admin/library/scan", headers=headers)
        assert started.status_code == 202, started.text
        job = started.json()
        assert job["status"] == "running" and job["report"] is None
        await asyncio.wait_for(finished.wait(), 30)
    finally:
        app.state.bus.unsubscribe(subscription)
    # The summary event follows the job's final write.
    status = await client.get(f"/api/admin/library/scan/{job['id']}", headers=headers)
    assert seen[f"job_id:{job['id']}"] == 1
    finished_job: dict[str, Any] = status.json()
    return finished_job, seen


async def test_a_scan_imports_the_library_and_reports_through_its_job(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    replica: Replica,
) -> None:
    videos = len(replica.videos)
    job, seen = await scan_and_wait(app, client, admin_headers)
    assert job["status"] == "succeeded" and job["error"] is None
    assert job["progress"] == {"done": videos, "total": videos}
    assert job["report"] == {
        "found": videos,
        "added": videos,
        "updated": 0,
        "unchanged": 0,
        "missing": 0,
    }
    assert job["finished_at"] >= job["started_at"]
    assert seen["content.created"] == videos
    assert seen[f"added:{videos}"] == 1
    listed = await client.get("/api/contents", params={"limit": 100}, headers=user_headers)
    assert listed.json()["total"] == videos
    again, seen_again = await scan_and_wait(app, client, admin_headers)
    assert again["report"] == {
        "found": videos,
        "added": 0,
        "updated": 0,
        "unchanged": videos,
        "missing": 0,
    }
    assert seen_again["content.created"] == seen_again["content.updated"] == 0


async def test_a_removed_file_is_announced_as_updated(
    app: Litestar,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    user_headers: dict[str, str],
    replica: Replica,
) -> None:
    await scan_and_wait(app, client, admin_headers)
    path = next(iter(replica.real))
    (replica.root / path).unlink()
    job, seen = await scan_and_wait(app, client, admin_headers)
    assert job["report"]["missing"] == 1 and seen["content.updated"] == 1
    listed = await client.get("/api/contents", params={"limit": 100}, headers=user_headers)
    assert path not in {item["file_path"] for item in listed.json()["items"]}


async def test_one_scan_at_a_time(
    client: httpx.AsyncClient, admin_headers: dict[str, str], redis: Redis
) -> None:
    await redis.set(RUNNING_KEY, "elsewhere", ex=60)  # another process is scanning
    response = await client.post("/api/admin/library/scan", headers=admin_headers)
    assert (response.status_code, error_code(response)) == (409, "LIBRARY_SCAN_RUNNING")
    assert response.json()["error"]["details"] == {"job_id": "elsewhere"}


async def test_unknown_job_and_missing_root(
    client: httpx.AsyncClient, admin_headers: dict[str, str], nas_root: Path
) -> None:
    unknown = await client.get("/api/admin/library/scan/nope", headers=admin_headers)
    assert (unknown.status_code, error_code(unknown)) == (404, "LIBRARY_SCAN_NOT_FOUND")
    await asyncio.to_thread(nas_root.rmdir)
    response = await client.post("/api/admin/library/scan", headers=admin_headers)
    assert (response.status_code, error_code(response)) == (503, "LIBRARY_ROOT_MISSING")
