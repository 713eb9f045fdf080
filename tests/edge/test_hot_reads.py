"""The edge's hot-cache reports: SSD reads and per-tier bytes, written to Redis in batches."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from edge.hot_reads import HotReadReporter
from edge.metrics import EdgeMetrics
from shared.hot_reads import READS, TIER_BYTES, TierBytes
from tests.support import free_port


async def test_a_flush_writes_what_was_read_and_sent_since_the_last_one(redis: Redis) -> None:
    metrics = EdgeMetrics()
    reporter = HotReadReporter(redis, metrics)
    metrics.ssd_reads |= {"a/x.mp4", "b/y.mp4"}
    metrics.bytes_sent["ssd"] += 1000
    metrics.bytes_sent["nas"] += 10
    await reporter.flush()
    assert set(await redis.zrange(READS, 0, -1)) == {b"a/x.mp4", b"b/y.mp4"}
    assert TierBytes.parse(await redis.hgetall(TIER_BYTES)) == TierBytes(1000, 10)
    assert metrics.ssd_reads == set()

    first = await redis.zscore(READS, "a/x.mp4")
    metrics.ssd_reads.add("a/x.mp4")
    metrics.bytes_sent["ssd"] += 24
    await reporter.flush()  # deltas only: counters of several processes add up in Redis
    assert TierBytes.parse(await redis.hgetall(TIER_BYTES)) == TierBytes(1024, 10)
    assert first is not None and (await redis.zscore(READS, "a/x.mp4") or 0) >= first
    assert TierBytes(1024, 10).hit_ratio == round(1024 / 1034, 6)
    assert TierBytes(0, 0).hit_ratio is None


async def test_a_failed_flush_keeps_its_reports_for_the_next(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = EdgeMetrics()
    dead = Redis(port=free_port(), socket_connect_timeout=0.2)
    try:
        reporter = HotReadReporter(dead, metrics)
        metrics.ssd_reads.add("c/z.mp4")
        metrics.bytes_sent["ssd"] += 5
        await reporter.flush()  # Redis unreachable: nothing raised, nothing lost
        assert metrics.ssd_reads == {"c/z.mp4"}
        reporter._redis = redis  # Redis is back
        await reporter.flush()
    finally:
        await dead.aclose()
    assert await redis.zscore(READS, "c/z.mp4") is not None
    assert TierBytes.parse(await redis.hgetall(TIER_BYTES)) == TierBytes(5, 0)
    assert "hot-cache read report failed" in caplog.text
