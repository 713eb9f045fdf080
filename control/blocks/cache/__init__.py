"""The cache block: the L1 Redis cache every block reads through, kept fresh by bus events."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from control.blocks.cache.invalidation import CONTENT_EVENTS, PROGRESS_EVENT, Invalidator
from control.blocks.cache.l1 import L1Cache
from control.blocks.cache.metrics import CacheCollector
from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.contracts import L1_CACHE

# A cache must fail fast: a slow or dead Redis costs a request at most this, then the
# breaker serves from PostgreSQL without asking Redis again for a while.
REDIS_TIMEOUT_SECONDS = 0.5


async def _start(ctx: BlockContext) -> None:
    url = ctx.settings.cache_redis_url or ctx.settings.redis_url
    if url is None:
        raise RuntimeError("REDIS_URL is not set")
    # Its own client: short timeouts, no retries (the app's client waits as long as it must).
    client = Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
    cache = L1Cache(client)
    invalidator = Invalidator(cache)
    ctx.state.update(
        client=client,
        l1=cache,
        invalidator=invalidator,
        metrics=CacheCollector(cache),
        subscriptions=[
            ctx.bus.subscribe(CONTENT_EVENTS, invalidator.on_content_event),
            ctx.bus.subscribe(PROGRESS_EVENT, invalidator.on_progress_event),
        ],
    )


async def _stop(ctx: BlockContext) -> None:
    for subscription in ctx.state.pop("subscriptions", []):
        ctx.bus.unsubscribe(subscription)
    client: Redis = ctx.state["client"]
    await client.aclose()


async def _probe(ctx: BlockContext) -> None:
    # Redis being down is not a failure of this block: the cache then serves from the
    # source (see wsoptv_cache_redis_up); a failing probe would take its consumers down.
    if len(ctx.state.get("subscriptions", [])) != 2:
        raise RuntimeError("the invalidation subscriptions are missing")


BLOCK = Block(
    name="cache",
    provides=(Provision(L1_CACHE, lambda ctx: ctx.state["l1"]),),
    on_start=_start,
    on_stop=_stop,
    health=_probe,
    description="the L1 Redis cache (cache-aside, stampede-safe, event-invalidated)",
)
