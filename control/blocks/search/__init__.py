"""The search block: typo-tolerant full-text search and suggestions over the catalog.

A read model of the content block's tables (contents, series, best_hands), indexed in its
own tables (migration 0005) and kept current by content events; MeiliSearch ranks instead of
PostgreSQL when MEILISEARCH_URL is set (PostgreSQL stays current and answers while it is
down). `wsoptv search reindex` rebuilds (rebuild.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from control.blocks.search.controllers import SearchController
from control.blocks.search.errors import SearchBackendDown
from control.blocks.search.generation import Generation
from control.blocks.search.indexer import CONTENT_EVENTS, Indexer
from control.blocks.search.meili import MeiliSearch
from control.blocks.search.pg_index import PostgresIndex
from control.blocks.search.pg_search import PostgresSearch
from control.blocks.search.popularity import PopularityRefresher
from control.blocks.search.rebuild import catch_up
from control.blocks.search.service import SearchService
from control.orchestration.block import Block, BlockContext, Tables
from control.orchestration.bus import MessageBus, Subscription
from control.orchestration.contracts import L1_CACHE, Need


@dataclass(frozen=True, slots=True)
class SearchServices:
    search: SearchService
    indexer: Indexer
    popularity: PopularityRefresher
    meili: MeiliSearch | None
    bus: MessageBus
    subscriptions: tuple[Subscription, ...]
    tasks: tuple[asyncio.Task[None], ...]  # the popularity refresh; the start-up fill


async def start(ctx: BlockContext) -> SearchServices:
    settings = ctx.settings
    meili = None
    if settings.meilisearch_url:
        meili = MeiliSearch(
            settings.meilisearch_url, settings.meilisearch_key, settings.meilisearch_index
        )
        try:
            await meili.ensure_index()
        except SearchBackendDown as exc:  # PostgreSQL answers meanwhile; the probe says so
            ctx.log.error("search: MeiliSearch not ready, PostgreSQL answers: %s", exc)
    generation = Generation(ctx.redis)
    index = PostgresIndex(ctx.db)
    indexer = Indexer(ctx.db, index, meili, generation.bump)
    search = SearchService(
        ctx.db,
        ctx.contract(L1_CACHE),
        generation,
        PostgresSearch(ctx.db),
        meili,
        settings.key_ring(),
        settings.edge_public_url,
    )

    async def fill() -> None:
        try:
            await catch_up(ctx.db, meili, generation.bump)
        except Exception:  # tried again when MeiliSearch comes (back) up
            ctx.log.exception("search: catching up with the catalog failed")

    popularity = PopularityRefresher(
        ctx.redis, index, meili, indexer, settings.search_popularity_interval, fill
    )
    subscriptions = (ctx.bus.subscribe(CONTENT_EVENTS, indexer.on_content_event),)
    tasks = (
        asyncio.create_task(popularity.run(), name="search-popularity"),
        asyncio.create_task(fill(), name="search-fill"),
    )
    return SearchServices(search, indexer, popularity, meili, ctx.bus, subscriptions, tasks)


async def stop(services: SearchServices) -> None:
    for subscription in services.subscriptions:
        services.bus.unsubscribe(subscription)
    for task in services.tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with contextlib.suppress(Exception):  # a batch that failed is retried by the next start
        await services.indexer.settled()
    if services.meili is not None:
        await services.meili.close()


async def probe(services: SearchServices) -> None:
    """Down when PostgreSQL cannot search or content events no longer arrive; degraded while
    MeiliSearch is down (PostgreSQL answers)."""
    if not set(services.subscriptions) <= set(services.bus.subscriptions):
        raise RuntimeError("the search index's content subscription is gone")
    await services.search.probe()


BLOCK = Block(
    name="search",
    start=start,
    stop=stop,
    health=probe,
    requires=("auth", "cache"),
    needs=(Need(L1_CACHE.name, "1.0"),),
    route_handlers=(SearchController,),
    tables=Tables(
        owns=("search_documents", "search_lexicon", "search_deletions", "search_suggestions"),
        reads=("contents", "series", "best_hands"),
    ),
)
