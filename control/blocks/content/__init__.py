"""The content block: series, contents, best hands, the NAS library import and the media
jobs that write the catalog (library_scan, probe, thumbnails)."""

from __future__ import annotations

from dataclasses import dataclass

from control.blocks.content.controllers import (
    AdminContentController,
    ContentController,
    SeriesController,
)
from control.blocks.content.media_jobs import JOBS as MEDIA_JOBS
from control.blocks.content.media_jobs import MediaCatalog
from control.blocks.content.reader import CatalogReader
from control.blocks.content.service import ContentService, content_changed
from control.orchestration.block import Block, BlockContext, Provision, Tables
from control.orchestration.contracts import (
    CONTENT_READER,
    JOBS,
    L1_CACHE,
    TITLE_GENERATOR,
    Need,
)
from shared.thumbnails import ThumbnailUrls


@dataclass(frozen=True, slots=True)
class ContentServices:
    contents: ContentService
    media: MediaCatalog
    reader: CatalogReader


async def start(ctx: BlockContext) -> ContentServices:
    settings = ctx.settings
    cache, jobs = ctx.contract(L1_CACHE), ctx.contract(JOBS)

    async def changed(content_id: int) -> None:
        await content_changed(ctx.bus, cache, "content.updated", content_id)

    media = MediaCatalog(ctx.db, jobs, settings.nas_root, settings.thumbnail_root, changed)
    service = ContentService(
        ctx.db,
        ctx.bus,
        cache,
        ctx.contract(TITLE_GENERATOR),
        settings.nas_root,
        media=media,
        urls=ThumbnailUrls(settings.key_ring(), settings.edge_public_url),
    )
    return ContentServices(contents=service, media=media, reader=CatalogReader(ctx.db))


async def probe(services: ContentServices) -> None:
    await services.contents.db.fetchval("SELECT 1 FROM contents LIMIT 1")


BLOCK = Block(
    name="content",
    start=start,
    health=probe,
    version="2.1.0",
    requires=("auth", "cache", "title_generator", "worker"),
    needs=(
        Need(L1_CACHE.name, "1.0"),
        Need(TITLE_GENERATOR.name, "1.0"),
        Need(JOBS.name, "1.0"),
    ),
    provides=(Provision(CONTENT_READER, lambda s: s.reader),),
    route_handlers=(ContentController, SeriesController, AdminContentController),
    tables=Tables(owns=("contents", "series", "best_hands", "library_exclusions")),
    jobs=MEDIA_JOBS,
)
