"""The flat_catalog block: the home screen (GET /api/home), a read model over the catalog.

It writes no table: it reads the content block's catalog and the stream block's watch
progress straight from PostgreSQL (declared below), and the edge's view counts from Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

from control.blocks.flat_catalog.controllers import HomeController
from control.blocks.flat_catalog.service import HomeService
from control.orchestration.block import Block, BlockContext, Tables
from control.orchestration.contracts import L1_CACHE, Need
from shared.thumbnails import ThumbnailUrls


@dataclass(frozen=True, slots=True)
class HomeServices:
    home: HomeService


async def start(ctx: BlockContext) -> HomeServices:
    urls = ThumbnailUrls(ctx.settings.key_ring(), ctx.settings.edge_public_url)
    return HomeServices(HomeService(ctx.db, ctx.redis, ctx.contract(L1_CACHE), urls))


async def probe(services: HomeServices) -> None:
    await services.home.probe()


BLOCK = Block(
    name="flat_catalog",
    start=start,
    health=probe,
    requires=("auth", "cache"),
    needs=(Need(L1_CACHE.name, "1.0"),),
    route_handlers=(HomeController,),
    tables=Tables(reads=("contents", "series", "best_hands", "watch_progress")),
)
