"""The flat_catalog block: the home screen (GET /api/home), a read model over the catalog."""

from __future__ import annotations

from control.blocks.flat_catalog.controllers import HomeController
from control.blocks.flat_catalog.service import HomeService
from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import L1_CACHE, Need


async def _start(ctx: BlockContext) -> None:
    ctx.state["service"] = HomeService(ctx.db, ctx.redis, ctx.contract(L1_CACHE))


async def _probe(ctx: BlockContext) -> None:
    await ctx.db.fetchval("SELECT 1 FROM contents LIMIT 1")


BLOCK = Block(
    name="flat_catalog",
    requires=("auth", "cache"),
    needs=(Need(L1_CACHE.name, "1.0"),),
    route_handlers=(HomeController,),
    on_start=_start,
    health=_probe,
    description="the home screen's rows (GET /api/home), cached in L1",
)
