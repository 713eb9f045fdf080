"""`wsoptv scan` (and the scan after `wsoptv up` / `wsoptv demo`): NAS_ROOT into the catalog.

The command line is not a block, so it composes the blocks' functions itself: the content
block's import and the title generator the content block is given at run time (the same
ParserTitleGenerator behind the TITLE_GENERATOR contract), then the probes of the added and
changed files, queued for the workers like the library_scan job queues them. The scan's
events go out on the bus through Redis, so running control processes drop stale entries.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg
from redis.asyncio import Redis
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from control.blocks.content.library import ScanReport, import_library
from control.blocks.content.media_jobs import MediaCatalog
from control.blocks.content.service import announce_scan
from control.blocks.title_generator import ParserTitleGenerator
from control.db.migrate import migrate
from control.orchestration.bus import MessageBus
from deploy.infra import Endpoints
from deploy.jobs import job_service

log = logging.getLogger("wsoptv.scan")


async def scan_into_catalog(
    endpoints: Endpoints,
    root: Path,
    progress: Progress | None = None,
    *,
    under: Path | None = None,
) -> ScanReport:
    """Migrate, import every video under `under` (default: all of `root`, NAS_ROOT), announce
    the changes; the report. Paths are stored relative to `root`; `under` must lie inside it.
    The import waits for any other running import (the API's scan job included)."""
    await migrate(endpoints.database_url)
    task = progress.add_task("scanning", total=None) if progress is not None else None

    async def on_progress(done: int, total: int, relative_path: str) -> None:
        if progress is not None and task is not None:
            name = relative_path.rsplit("/", 1)[-1][:40]
            progress.update(task, completed=done, total=total, description=name or "scanning")

    conn = await asyncpg.connect(endpoints.database_url)
    try:
        report = await import_library(
            conn, root, ParserTitleGenerator().generate, under=under, on_progress=on_progress
        )
    finally:
        await conn.close()
    if progress is not None and task is not None:
        progress.update(task, description="scanned")
    redis = Redis.from_url(endpoints.redis_url)
    bus = MessageBus(redis)
    try:
        await announce_scan(bus, report, None)
    finally:
        await redis.aclose()
    if bus.stats.fanout_failures:  # the catalog is right; only running caches may lag (TTL)
        log.warning(
            "%d scan event(s) not sent (Redis unreachable): running control processes "
            "may serve cached entries until they expire",
            bus.stats.fanout_failures,
        )
    async with job_service(endpoints) as jobs:
        media = MediaCatalog(jobs.db, jobs, root, root, _unchanged)
        report.probes_queued = await media.enqueue_probes(report.changed_file_ids)
    return report


async def _unchanged(_content_id: int) -> None:
    """Queueing probes changes no content (MediaCatalog reports changes through this)."""


def describe(report: ScanReport) -> str:
    return (
        f"found {report.found} video(s): {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.missing} newly missing; "
        f"{report.probes_queued} probe job(s) queued"
    )


def scan_with_progress(endpoints: Endpoints, root: Path, under: Path | None = None) -> ScanReport:
    """scan_into_catalog with a progress bar on the terminal, then the report on one line."""
    with Progress(
        TextColumn("{task.description:<42}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as progress:
        report = asyncio.run(scan_into_catalog(endpoints, root, progress, under=under))
    print(f"{under or root}: {describe(report)}", flush=True)
    return report
