"""Hot-cache metrics, summed over every worker and exported by control's /metrics.

Copies and evictions happen in worker processes (no HTTP port): each adds to one Redis hash,
`wsoptv:hot:stats`; the edges add their per-tier body bytes to `wsoptv:edge:tier_bytes`
(shared/hot_reads.py). Scrapes are synchronous, so they read a snapshot that a scrape older
than SNAPSHOT_MAX_AGE refreshes in the background (control/web/snapshot_metrics.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import asyncpg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.hot_cache import repository as repo
from control.web.snapshot_metrics import SnapshotCollector
from shared.hot_reads import TIER_BYTES, TierBytes
from shared.redis_values import redis_text

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

log = logging.getLogger("wsoptv.control.block.hot_cache.metrics")
STATS = "wsoptv:hot:stats"
# name in the hash -> (metric, help)
COUNTERS = {
    "copies": ("wsoptv_hot_copies", "Verified copies renamed into place on the SSD."),
    "copy_bytes": ("wsoptv_hot_copy_bytes", "Bytes copied to the SSD by finished copies."),
    "copy_seconds": ("wsoptv_hot_copy_seconds", "Time spent in finished copies (s)."),
    "throttle_wait_seconds": (
        "wsoptv_hot_copy_throttle_wait_seconds",
        "Time finished copies slept to keep HOT_COPY_BYTES_PER_SECOND (s).",
    ),
    "copy_failures": ("wsoptv_hot_copy_failures", "Copies that failed or were cut short."),
    "evictions": ("wsoptv_hot_evictions", "Copies removed from the SSD."),
    "evicted_bytes": ("wsoptv_hot_evicted_bytes", "Bytes removed from the SSD."),
}


class HotStats:
    """What one process adds to the shared counters (errors are logged, never raised)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def add(self, **amounts: float) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name, amount in amounts.items():
                    pipe.hincrbyfloat(STATS, name, amount)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("hot-cache metrics not recorded: %s", exc)


@dataclass(slots=True)
class Snapshot:
    stats: dict[str, float] = field(default_factory=dict)
    tiers: TierBytes = field(default_factory=lambda: TierBytes(0, 0))
    cached: tuple[int, int] = (0, 0)


class HotCacheMetrics(SnapshotCollector[Snapshot]):
    def __init__(self, db: asyncpg.Pool, redis: Redis, capacity: int) -> None:
        super().__init__(Snapshot(), log)
        self._db, self._redis, self._capacity = db, redis, capacity

    async def take(self) -> Snapshot:
        async with self._db.acquire() as conn:
            cached = await repo.cached_bytes(conn)
        raw = await self._redis.hgetall(STATS)
        tiers = TierBytes.parse(await self._redis.hgetall(TIER_BYTES))
        return Snapshot({redis_text(k): float(v) for k, v in raw.items()}, tiers, cached)

    def families(self, snap: Snapshot) -> Iterator[Metric]:
        for name, (metric, help_text) in COUNTERS.items():
            yield CounterMetricFamily(metric, help_text, value=snap.stats.get(name, 0.0))
        used, files = snap.cached
        yield GaugeMetricFamily("wsoptv_hot_ssd_used_bytes", "Bytes of verified SSD copies.", used)
        yield GaugeMetricFamily("wsoptv_hot_ssd_files", "Verified copies on the SSD.", files)
        yield GaugeMetricFamily(
            "wsoptv_hot_ssd_capacity_bytes", "SSD_CACHE_BYTES.", float(self._capacity)
        )
        sent = CounterMetricFamily(
            "wsoptv_edge_tier_bytes",
            "Body bytes the edges sent, by tier (summed over every edge process).",
            labels=["tier"],
        )
        sent.add_metric(["ssd"], snap.tiers.ssd)
        sent.add_metric(["nas"], snap.tiers.nas)
        yield sent
