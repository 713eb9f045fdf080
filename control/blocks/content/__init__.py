"""The content block: series, contents, best hands, and the NAS library import."""

from __future__ import annotations

from control.blocks.content.controllers import (
    AdminContentController,
    ContentController,
    SeriesController,
)
from control.blocks.content.reader import CatalogReader
from control.blocks.content.scan_jobs import ScanJobs
from control.blocks.content.service import ContentService
from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.contracts import CONTENT_READER, L1_CACHE, TITLE_GENERATOR, Need


async def _start(ctx: BlockContext) -> None:
    service = ContentService(
        ctx.db,
        ctx.bus,
        ctx.contract(L1_CACHE),
        ctx.contract(TITLE_GENERATOR),
        ctx.settings.nas_root,
    )
    ctx.state.update(
        service=service, scans=ScanJobs(ctx.redis, service.scan_library, service.announce_scan)
    )


async def _stop(ctx: BlockContext) -> None:
    scans: ScanJobs = ctx.state["scans"]
    await scans.stop()


async def _probe(ctx: BlockContext) -> None:
    await ctx.db.fetchval("SELECT 1 FROM contents LIMIT 1")


BLOCK = Block(
    name="content",
    requires=("auth", "cache", "title_generator"),
    needs=(Need(L1_CACHE.name, "1.0"), Need(TITLE_GENERATOR.name, "1.0")),
    provides=(Provision(CONTENT_READER, lambda ctx: CatalogReader(ctx.db)),),
    route_handlers=(ContentController, SeriesController, AdminContentController),
    on_start=_start,
    on_stop=_stop,
    health=_probe,
    description="series, contents, best hands, and the NAS library import",
)
