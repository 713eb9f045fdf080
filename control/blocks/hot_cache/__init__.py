"""The hot_cache block: the SSD tier (SPEC §6) — popular files copied from the NAS by the
worker (hot_copy), verified, and evicted by least recent player read (hot_evict); the
admin cache API (SPEC §4.3) and the tier's metrics.

A block of its own rather than part of `cache` (which owns L1): it reads the catalog
(`content_reader`) and queues jobs (`jobs`), while the content block needs `l1_cache`, so
inside `cache` it would make a dependency cycle. It owns the table `hot_copies` and the
Redis keys `wsoptv:hot:*`; the edge reports SSD reads to it (shared/hot_reads.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from prometheus_client.registry import Collector

from control.blocks.hot_cache.controllers import HotCacheController
from control.blocks.hot_cache.copy import remove_leftovers
from control.blocks.hot_cache.eviction import Watermarks
from control.blocks.hot_cache.jobs import JOBS
from control.blocks.hot_cache.metrics import HotCacheMetrics
from control.blocks.hot_cache.service import HotCache, HotSettings, sweep_forever
from control.orchestration.block import Block, BlockContext, Tables
from control.orchestration.bus import Subscription
from control.orchestration.contracts import CONTENT_READER, L1_CACHE, Need
from control.orchestration.contracts import JOBS as JOBS_CONTRACT
from shared.events import STREAM_STARTED


@dataclass(frozen=True, slots=True)
class HotCacheServices:
    hot: HotCache
    metrics: HotCacheMetrics
    subscription: Subscription
    sweeper: asyncio.Task[None]


async def start(ctx: BlockContext) -> HotCacheServices:
    settings = ctx.settings
    hot = HotCache(
        ctx.db,
        ctx.redis,
        ctx.bus,
        ctx.contract(JOBS_CONTRACT),
        ctx.contract(CONTENT_READER),
        ctx.contract(L1_CACHE),
        HotSettings(
            nas_root=settings.nas_root,
            ssd_root=settings.ssd_cache_root,
            hot_views=settings.hot_views,
            rate=settings.hot_copy_bytes_per_second,
            marks=Watermarks(
                settings.ssd_cache_bytes, settings.ssd_high_watermark, settings.ssd_low_watermark
            ),
        ),
    )
    # Partial copies of a worker that died mid-copy (the edge never serves hidden names;
    # a copy still being written holds a lock on its file and is left alone).
    if await asyncio.to_thread(settings.ssd_cache_root.is_dir):
        removed = await asyncio.to_thread(remove_leftovers, settings.ssd_cache_root)
        for path in removed:
            ctx.log.warning("removed a partial hot-cache copy: %s", path)
    metrics = HotCacheMetrics(ctx.db, ctx.redis, settings.ssd_cache_bytes)
    subscription = ctx.bus.subscribe(STREAM_STARTED, hot.on_stream_started)
    sweeper = asyncio.create_task(sweep_forever(hot, settings.hot_sweep_interval))
    return HotCacheServices(hot, metrics, subscription, sweeper)


async def stop(services: HotCacheServices) -> None:
    services.hot.bus.unsubscribe(services.subscription)
    services.sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await services.sweeper
    await services.metrics.close()


async def probe(services: HotCacheServices) -> None:
    await services.hot.db.fetchval("SELECT 1 FROM hot_copies LIMIT 1")


def collectors(services: HotCacheServices) -> tuple[Collector, ...]:
    return (services.metrics,)


BLOCK = Block(
    name="hot_cache",
    start=start,
    stop=stop,
    health=probe,
    requires=("cache", "content", "worker"),
    needs=(
        Need(L1_CACHE.name, "1.1"),
        Need(CONTENT_READER.name, "2.0"),
        Need(JOBS_CONTRACT.name, "1.0"),
    ),
    route_handlers=(HotCacheController,),
    collectors=collectors,
    tables=Tables(owns=("hot_copies",)),
    jobs=JOBS,
)
