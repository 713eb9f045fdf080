"""`wsoptv search reindex`: the search block's rebuild, with a progress bar.

Like `wsoptv scan`, the command line is not a block: it runs the search block's rebuild
against the configured (or embedded) servers, then bumps the catalog generation in Redis so
running control processes stop serving cached results of the old index.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from redis.asyncio import Redis
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from control.blocks.search.generation import Generation
from control.blocks.search.meili import MeiliSearch
from control.blocks.search.rebuild import RebuildReport, rebuild
from control.db.migrate import migrate
from control.settings import ControlSettings
from deploy.infra import Endpoints

log = logging.getLogger("wsoptv.search")


async def reindex(
    endpoints: Endpoints, settings: ControlSettings, progress: Progress | None = None
) -> RebuildReport:
    """Migrate, then rebuild the PostgreSQL index (and MeiliSearch's, when configured)."""
    await migrate(endpoints.database_url)
    task = progress.add_task("indexing", total=None) if progress is not None else None

    async def on_progress(done: int, total: int) -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=done, total=total)

    meili = None
    if settings.meilisearch_url:
        meili = MeiliSearch(
            settings.meilisearch_url, settings.meilisearch_key, settings.meilisearch_index
        )
    pool = await asyncpg.create_pool(endpoints.database_url, min_size=1, max_size=2)
    redis = Redis.from_url(endpoints.redis_url)
    try:
        return await rebuild(pool, meili, Generation(redis).bump, on_progress)
    finally:
        await redis.aclose()
        await pool.close()
        if meili is not None:
            await meili.close()


def reindex_with_progress(endpoints: Endpoints, settings: ControlSettings) -> RebuildReport:
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as progress:
        report = asyncio.run(reindex(endpoints, settings, progress))
    print(
        f"search index rebuilt: {report.indexed} content(s) indexed, "
        f"{report.removed} stale document(s) removed",
        flush=True,
    )
    return report
