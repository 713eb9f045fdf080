"""Eviction end to end: least recently *read* copies go first, never below the low
watermark, and a stream reading a copy while it is removed keeps playing."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx
import pytest

from tests.control.blocks.hot_cache.conftest import MIB, BusEvents, HotPlatform, range_get

CAPACITY = 6 * MIB + MIB // 2  # high watermark 6.175 MiB, low watermark 5.85 MiB


@pytest.fixture
def overrides() -> dict[str, str]:
    return {"SSD_CACHE_BYTES": str(CAPACITY)}


async def copy(platform: HotPlatform, content_id: int) -> dict[str, Any]:
    job = await platform.jobs.enqueue("hot_copy", {"content_id": content_id})
    done = await platform.waiter.finished(job.id)
    assert done.status == "succeeded", done
    assert done.result is not None
    return done.result


def on_ssd(platform: HotPlatform) -> set[str]:
    return {p.name for p in platform.ssd.rglob("*") if p.is_file()}


async def test_the_least_recently_read_copies_go_first(platform: HotPlatform) -> None:
    sizes = {"A": 1, "B": 1, "C": 1, "D": 1, "E": 1, "F": 2, "G": 3}
    ids = {
        n: await platform.add_content(f"v/{n}.mp4", os.urandom(s * MIB)) for n, s in sizes.items()
    }
    names = {content_id: name for name, content_id in ids.items()}
    async with (
        httpx.AsyncClient(timeout=10) as client,
        BusEvents(platform.redis, "cache.content_evicted") as events,
        asyncio.timeout(90),
    ):
        with platform.worker() as worker:
            await platform.ready(worker)
            for name in "ABCDE":  # copied in this order: A is the oldest copy
                assert (await copy(platform, ids[name]))["evicted"] == 0
            # Players read C, then E, then A (B and D: never read since they were copied).
            last = 0.0
            for name in "CEA":
                path = f"v/{name}.mp4"
                response = await range_get(client, platform.url(ids[name], path), 0, 1023)
                assert response.headers["x-cache-tier"] == "ssd"
                last = await platform.read_reported(path, after=last)

            # 5 MiB + F's 2 MiB passes the high watermark: B goes (read least recently: never,
            # and copied before D), not A (copied first but read last).
            assert (await copy(platform, ids["F"]))["evicted"] == 1
            evicted = await events.next("cache.content_evicted", lambda p: True)
            assert names[evicted["content_id"]] == "B" and evicted["reason"] == "watermark"
            assert on_ssd(platform) == {"A.mp4", "C.mp4", "D.mp4", "E.mp4", "F.mp4"}

            # G's 3 MiB: D, C, E go in that order, and no more (6 MiB left >= low watermark).
            assert (await copy(platform, ids["G"]))["evicted"] == 3
            order = [
                names[(await events.next("cache.content_evicted", lambda p: True))["content_id"]]
                for _ in range(3)
            ]
            assert order == ["D", "C", "E"]
            assert on_ssd(platform) == {"A.mp4", "F.mp4", "G.mp4"}
            used = sum(p.stat().st_size for p in platform.ssd.rglob("*") if p.is_file())
            assert CAPACITY * 0.90 <= used <= CAPACITY * 0.95
            rows = await platform.db.fetch("SELECT file_path FROM hot_copies ORDER BY file_path")
            assert [r["file_path"] for r in rows] == ["v/A.mp4", "v/F.mp4", "v/G.mp4"]


@pytest.mark.parametrize("overrides", [{"SSD_CACHE_BYTES": str(1 << 30)}])
async def test_a_stream_reading_a_copy_that_is_evicted_keeps_playing(
    platform: HotPlatform,
) -> None:
    path = "v/long.mp4"
    data = os.urandom(24 * MIB)
    content_id = await platform.add_content(path, data)
    async with (
        httpx.AsyncClient(timeout=10) as client,
        BusEvents(platform.redis, "cache.content_evicted") as events,
        asyncio.timeout(60),
    ):
        with platform.worker() as worker:
            await platform.ready(worker)
            await copy(platform, content_id)
            player = platform.url(content_id, path)
            async with client.stream("GET", player) as whole:
                assert whole.headers["x-cache-tier"] == "ssd"
                etag = whole.headers["etag"]
                body = bytearray()
                chunks = whole.aiter_raw()
                body += await anext(chunks)
                job = await platform.jobs.enqueue(
                    "hot_evict", {"content_id": content_id, "reason": "admin"}
                )
                evicted = await events.next("cache.content_evicted", lambda p: True)
                assert evicted["content_id"] == content_id and evicted["reason"] == "admin"
                assert not (platform.ssd / path).exists()
                async for chunk in chunks:  # the edge still holds the deleted copy open
                    body += chunk
            assert bytes(body) == data
            assert (await platform.waiter.finished(job.id)).status == "succeeded"

            # The next requests of the same stream move to the NAS with the same ETag.
            deadline = time.monotonic() + 5
            while True:
                moved = await range_get(
                    client, player, 5 * MIB, 5 * MIB + 65535, **{"If-Range": etag}
                )
                assert moved.status_code == 206 and moved.headers["etag"] == etag
                assert moved.content == data[5 * MIB : 5 * MIB + 65536]
                if moved.headers["x-cache-tier"] == "nas":
                    break
                assert time.monotonic() < deadline, "the edge kept serving the removed copy"
                await asyncio.sleep(0.1)
