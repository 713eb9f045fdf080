"""The cache block: the L1 Redis cache every block reads through, kept fresh by bus events."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.registry import Collector
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from control.blocks.cache.invalidation import CONTENT_EVENTS, PROGRESS_EVENT, Invalidator
from control.blocks.cache.l1 import L1Cache
from control.blocks.cache.metrics import CacheCollector
from control.orchestration.block import Block, BlockContext, Degraded, Provision
from control.orchestration.bus import RECONNECTED, MessageBus, Subscription
from control.orchestration.contracts import L1_CACHE

# A cache must fail fast: a slow or dead Redis costs a request at most this, then the
# breaker serves from PostgreSQL without asking Redis again for a while.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class CacheServices:
    l1: L1Cache
    invalidator: Invalidator
    client: Redis
    bus: MessageBus
    subscriptions: tuple[Subscription, ...]


async def start(ctx: BlockContext) -> CacheServices:
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
    subscriptions = (
        ctx.bus.subscribe(CONTENT_EVENTS, invalidator.on_content_event),
        ctx.bus.subscribe(PROGRESS_EVENT, invalidator.on_progress_event),
        ctx.bus.subscribe(RECONNECTED, invalidator.on_bus_reconnected),
    )
    return CacheServices(cache, invalidator, client, ctx.bus, subscriptions)


async def stop(services: CacheServices) -> None:
    for subscription in services.subscriptions:
        services.bus.unsubscribe(subscription)
    await services.client.aclose()


async def probe(services: CacheServices) -> None:
    """Down when invalidations stop reaching it; degraded (still serving, from PostgreSQL)
    while its Redis is unreachable or other processes' events cannot arrive."""
    missing = set(services.subscriptions) - set(services.bus.subscriptions)
    if missing:
        raise RuntimeError("the cache's invalidation subscriptions are gone")
    try:
        await services.client.ping()
    except (RedisError, OSError) as exc:
        raise Degraded(f"its Redis is unreachable, reads go to PostgreSQL: {exc!r}") from exc
    if not services.bus.listening:
        raise Degraded("other processes' invalidations are not arriving (bus listener down)")


def collectors(services: CacheServices) -> tuple[Collector, ...]:
    return (CacheCollector(services.l1),)


BLOCK = Block(
    name="cache",
    start=start,
    stop=stop,
    health=probe,
    provides=(Provision(L1_CACHE, lambda s: s.l1),),
    collectors=collectors,
)
