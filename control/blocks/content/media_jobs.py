"""The content block's background jobs: library_scan, probe, thumbnails (run by workers).

library_scan imports the NAS and enqueues a probe for every added or changed file; a probe
that read the file enqueues its thumbnails. Each job is idempotent: a rerun after a crash
writes the same rows and the same files (images are renamed into place), never duplicates.
A file PyAV cannot read fails its probe with MEDIA_UNREADABLE and the content says so
(`media_error`); the scan goes on regardless.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from control.blocks.content import repository as repo
from control.blocks.content import thumbnails as images
from control.blocks.content.errors import (
    LibraryRootMissing,
    MediaFileMissing,
    MediaUnreadable,
    ScanJobNotFound,
)
from control.blocks.content.media import read_media
from control.orchestration.contracts import JobRecord, Jobs
from control.orchestration.jobs import Job, JobContext, JobResult

if TYPE_CHECKING:
    from control.blocks.content import ContentServices

Changed = Callable[[int], Awaitable[None]]


class MediaCatalog:
    """Probing and thumbnailing contents, and queueing that work."""

    def __init__(
        self, db: asyncpg.Pool, jobs: Jobs, nas_root: Path, thumbnail_root: Path, changed: Changed
    ) -> None:
        self.db = db
        self.jobs = jobs
        self.nas_root = nas_root
        self.thumbnail_root = thumbnail_root
        self._changed = changed

    async def queue_scan(self) -> JobRecord:
        """The library_scan job of NAS_ROOT (the queued or running one, if there is one)."""
        if not await asyncio.to_thread(self.nas_root.is_dir):
            raise LibraryRootMissing(
                "the library root is not a directory", details={"setting": "NAS_ROOT"}
            )
        return await self.jobs.enqueue("library_scan", {}, dedup_key="library_scan:")

    async def scan_job(self, job_id: int) -> JobRecord:
        job = await self.jobs.get(job_id)
        if job is None or job.type != "library_scan":
            raise ScanJobNotFound(f"no library scan {job_id}", details={"job_id": job_id})
        return job

    async def enqueue_probes(self, content_ids: Sequence[int]) -> int:
        for content_id in content_ids:
            await self.jobs.enqueue(
                "probe", {"content_id": content_id}, dedup_key=f"probe:{content_id}"
            )
        return len(content_ids)

    async def _target(self, content_id: int) -> repo.MediaTarget:
        async with self.db.acquire() as conn:
            target = await repo.media_target(conn, content_id)
        if target is None or not target.available:
            raise MediaFileMissing(
                f"content {content_id} has no file on the NAS", details={"id": content_id}
            )
        return target

    async def probe(self, content_id: int) -> dict[str, Any]:
        """Read the file and store what it is; MEDIA_UNREADABLE (recorded) when it is not media."""
        target = await self._target(content_id)
        try:
            info = await asyncio.to_thread(read_media, self.nas_root / target.file_path)
        except MediaUnreadable as exc:
            async with self.db.acquire() as conn:
                await repo.record_media(
                    conn,
                    content_id,
                    media=None,
                    duration_seconds=None,
                    quality=None,
                    error=exc.code,
                )
            await self._changed(content_id)
            raise
        async with self.db.acquire() as conn:
            await repo.record_media(
                conn,
                content_id,
                media=info.as_json(),
                duration_seconds=info.duration_seconds,
                quality=info.quality,
                error=None,
            )
        await self._changed(content_id)
        if info.video_codec is not None and info.duration_seconds:
            await self.jobs.enqueue(
                "thumbnails", {"content_id": content_id}, dedup_key=f"thumbnails:{content_id}"
            )
        return {"duration_seconds": info.duration_seconds, "quality": info.quality}

    async def thumbnails(
        self, content_id: int, progress: Callable[[int, int], Awaitable[None]]
    ) -> dict[str, Any]:
        """Poster and storyboard of the content's file, in a folder named after the file's
        size and mtime (so a changed file gets new, uncached URLs)."""
        target = await self._target(content_id)
        source = self.nas_root / target.file_path
        try:
            stat = await asyncio.to_thread(source.stat)
        except OSError as exc:
            raise MediaFileMissing(f"content {content_id}: file not readable") from exc
        relative = f"{content_id}/{stat.st_size:x}-{stat.st_mtime_ns:x}"
        folder = self.thumbnail_root / relative
        reader = await asyncio.to_thread(images.KeyframeReader, source)
        try:
            duration = target.duration_seconds
            if not duration or duration <= 0:
                raise MediaUnreadable("no duration: probe the file first")
            storyboard = images.plan(duration)
            total = storyboard.tiles + 1
            poster = await asyncio.to_thread(images.poster, reader, duration)
            await progress(1, total)
            tiles = []
            for done, at in enumerate(storyboard.times, start=2):
                tiles.append(await asyncio.to_thread(images.tile, reader, at))
                await progress(done, total)
        finally:
            await asyncio.to_thread(reader.close)
        images.check_count(storyboard, len(tiles))
        sprite = await asyncio.to_thread(images.sprite, tiles)
        index = images.webvtt(storyboard, len(tiles)).encode()
        await asyncio.to_thread(
            images.write_atomically,
            folder,
            {images.POSTER: poster, images.SPRITE: sprite, images.INDEX: index},
        )
        async with self.db.acquire() as conn:
            await repo.record_thumbnails(
                conn,
                content_id,
                thumbnail_path=f"{relative}/{images.POSTER}",
                storyboard_path=f"{relative}/{images.INDEX}",
            )
        await self._changed(content_id)
        await asyncio.to_thread(
            _remove_other_folders, self.thumbnail_root / str(content_id), folder
        )
        return {"tiles": len(tiles), "interval_seconds": storyboard.interval}


def _remove_other_folders(parent: Path, keep: Path) -> None:
    """Older versions of a content's images (its file changed since): no URL names them."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if entry.is_dir(follow_symlinks=False) and Path(entry.path) != keep:
                shutil.rmtree(entry.path, ignore_errors=True)


# the job functions ------------------------------------------------------------------------


async def library_scan(ctx: JobContext[ContentServices], *, root: str | None = None) -> JobResult:
    """Import NAS_ROOT (or the folder `root` inside it), then queue the probes."""
    services = ctx.services
    under = None if root is None else services.contents.nas_root / root

    async def on_progress(done: int, total: int, _path: str) -> None:
        await ctx.progress(done, total)

    report = await services.contents.scan_library(on_progress, under=under)
    await services.contents.announce_scan(report, str(ctx.job_id))
    report.probes_queued = await services.media.enqueue_probes(report.changed_file_ids)
    return {**report.counts(), "probes_queued": report.probes_queued}


async def probe(ctx: JobContext[ContentServices], *, content_id: int) -> JobResult:
    """Duration, container, codecs, size, frame rate, bitrate, keyframe interval, audio."""
    return await ctx.services.media.probe(content_id)


async def thumbnails(ctx: JobContext[ContentServices], *, content_id: int) -> JobResult:
    """A poster and a storyboard (sprite + WebVTT) from keyframe seeks."""
    return await ctx.services.media.thumbnails(content_id, ctx.progress)


JOBS: tuple[Job[ContentServices], ...] = (
    Job("library_scan", library_scan, queue="library", max_attempts=3),
    Job("probe", probe, queue="media", max_attempts=3),
    Job("thumbnails", thumbnails, queue="media", max_attempts=3),
)
