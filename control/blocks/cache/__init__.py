"""The cache block: the L1 Redis cache every block reads through, kept fresh by bus events."""

from __future__ import annotations

from control.blocks.cache.l1 import L1Cache
from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.contracts import L1_CACHE


async def _start(ctx: BlockContext) -> None:
    ctx.state["l1"] = L1Cache(ctx.redis)


BLOCK = Block(
    name="cache",
    provides=(Provision(L1_CACHE, lambda ctx: ctx.state["l1"]),),
    on_start=_start,
    description="the L1 Redis cache (cache-aside, stampede-safe, event-invalidated)",
)
