"""The content block: series, contents, best hands, and the NAS library import."""

from __future__ import annotations

from dataclasses import dataclass

from control.blocks.content.controllers import (
    AdminContentController,
    ContentController,
    SeriesController,
)
from control.blocks.content.reader import CatalogReader
from control.blocks.content.scan_jobs import ScanJobs
from control.blocks.content.service import ContentService
from control.orchestration.block import Block, BlockContext, Provision, Tables
from control.orchestration.contracts import CONTENT_READER, L1_CACHE, TITLE_GENERATOR, Need


@dataclass(frozen=True, slots=True)
class ContentServices:
    contents: ContentService
    scans: ScanJobs
    reader: CatalogReader


async def start(ctx: BlockContext) -> ContentServices:
    service = ContentService(
        ctx.db,
        ctx.bus,
        ctx.contract(L1_CACHE),
        ctx.contract(TITLE_GENERATOR),
        ctx.settings.nas_root,
    )
    return ContentServices(
        contents=service,
        scans=ScanJobs(ctx.redis, service.scan_library, service.announce_scan),
        reader=CatalogReader(ctx.db),
    )


async def stop(services: ContentServices) -> None:
    await services.scans.stop()


async def probe(services: ContentServices) -> None:
    await services.contents.db.fetchval("SELECT 1 FROM contents LIMIT 1")


BLOCK = Block(
    name="content",
    start=start,
    stop=stop,
    health=probe,
    version="2.0.0",
    requires=("auth", "cache", "title_generator"),
    needs=(Need(L1_CACHE.name, "1.0"), Need(TITLE_GENERATOR.name, "1.0")),
    provides=(Provision(CONTENT_READER, lambda s: s.reader),),
    route_handlers=(ContentController, SeriesController, AdminContentController),
    tables=Tables(owns=("contents", "series", "best_hands", "library_exclusions")),
)
