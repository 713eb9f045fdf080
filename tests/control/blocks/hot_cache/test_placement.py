"""Placement end to end: started streams make a file hot, a worker copies it, the edge
serves the copy from the SSD with the same bytes and validators."""

from __future__ import annotations

import asyncio
import os
import time

import httpx

from tests.control.blocks.hot_cache.conftest import MIB, BusEvents, HotPlatform, range_get

CLIP = "ARCHIVE/WSOP/2025/Main Event/Day 1 (Part 1).mp4"


async def test_five_started_streams_put_the_file_on_the_ssd(platform: HotPlatform) -> None:
    data = os.urandom(3 * MIB + 12345)
    content_id = await platform.add_content(CLIP, data)
    player = platform.url(content_id, CLIP)
    async with (
        httpx.AsyncClient(timeout=10) as client,
        BusEvents(platform.redis, "cache.*") as events,
        asyncio.timeout(60),
    ):
        with platform.worker() as worker:
            await platform.ready(worker)
            first = await range_get(client, player, 0, 65535)  # the player's stream: view 1
            assert first.status_code == 206 and first.headers["x-cache-tier"] == "nas"
            etag = first.headers["etag"]
            for _ in range(4):  # four more started streams: views 2..5
                other = await range_get(client, platform.url(content_id, CLIP), 0, 0)
                assert other.status_code == 206
            cached = await events.next(
                "cache.content_cached", lambda p: p["content_id"] == content_id
            )
            assert cached["size_bytes"] == len(data)
            copy = platform.ssd / CLIP
            assert copy.read_bytes() == data
            assert copy.stat().st_mtime_ns == (platform.nas / CLIP).stat().st_mtime_ns
            assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temporary left

            # The edge re-checks a path's tier once a second (no event tells it): the player
            # keeps its stream, its If-Range still matches, and the bytes now come from the SSD.
            deadline = time.monotonic() + 5
            while True:
                moved = await range_get(client, player, MIB, MIB + 65535, **{"If-Range": etag})
                assert moved.status_code == 206, moved.text
                assert moved.content == data[MIB : MIB + 65536]
                assert moved.headers["etag"] == etag
                if moved.headers["x-cache-tier"] == "ssd":
                    break
                assert time.monotonic() < deadline, "the edge never switched to the SSD copy"
                await asyncio.sleep(0.1)
            whole = await client.get(platform.url(content_id, CLIP))
            assert whole.status_code == 200 and whole.headers["x-cache-tier"] == "ssd"
            assert whole.content == data and whole.headers["etag"] == etag

            # The edge reports that a player read the copy (for least-recently-read eviction).
            await platform.read_reported(CLIP)
            # Byte counts are flushed every HOT_READ_FLUSH_INTERVAL: the flush that reported the
            # path may precede the one carrying the whole file's bytes (no event to await).
            deadline = time.monotonic() + 10
            while True:
                tiers = await platform.redis.hgetall("wsoptv:edge:tier_bytes")
                if int(tiers.get(b"ssd", 0)) >= len(data):
                    break
                assert time.monotonic() < deadline, tiers
                await asyncio.sleep(0.1)
            assert int(tiers[b"nas"]) > 0

            # A sixth stream queues nothing more: the copy is there.
            before = await platform.db.fetchval("SELECT count(*) FROM jobs WHERE type = 'hot_copy'")
            await range_get(client, platform.url(content_id, CLIP), 0, 0)
            await asyncio.sleep(0.5)  # an event that must not have an effect: nothing to await
            after = await platform.db.fetchval("SELECT count(*) FROM jobs WHERE type = 'hot_copy'")
            assert after == before == 1
