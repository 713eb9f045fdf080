"""The SSD hot cache (SPEC §6): popular files placed on the SSD, verified, evicted by reads.

Placement: a content with at least HOT_VIEWS started streams in 7 days that has no current
copy gets a `hot_copy` job (dedup per file and NAS mtime), queued on `stream.started`
events and by a periodic sweep (pub/sub events can be missed), or by an admin. Eviction:
above the high watermark, the copies players read least recently go, down to the low
watermark (after every copy, in `hot_evict` jobs queued by the sweep, and before a copy
to make room). Copies and evictions of all workers take turns under one PostgreSQL
advisory lock, so the space accounting never races; a worker that dies releases it with
its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.hot_cache import popularity
from control.blocks.hot_cache import repository as repo
from control.blocks.hot_cache.copy import CopyBusy, CopyResult, copy_verified, remove_copy
from control.blocks.hot_cache.errors import CacheTooSmall, SourceMissing
from control.blocks.hot_cache.eviction import OnSsd, Watermarks, victims
from control.blocks.hot_cache.inventory import scan, ssd_path
from control.blocks.hot_cache.metrics import HotStats
from control.blocks.hot_cache.schemas import CacheOverview, Candidate, HotEntry, SsdState
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import (
    ContentNotFound,
    ContentReader,
    JobRecord,
    Jobs,
    L1Cache,
    PlayableContent,
)
from control.orchestration.jobs import RetryJob
from shared.hot_reads import TIER_BYTES, TierBytes

log = logging.getLogger("wsoptv.control.block.hot_cache")
SOURCE = "hot_cache"
CACHED, EVICTED = "cache.content_cached", "cache.content_evicted"
# pg_advisory_lock key of "the SSD is being changed" (an arbitrary constant: 'hotcache').
LOCK_KEY = 0x686F7463616368
LOCK_POLL_SECONDS = 0.2
PROGRESS_EVERY = 0.25  # seconds between progress reports of a copy (the cancel check too)
CANDIDATES_SHOWN = 50
RECHECK_SECONDS = 10.0

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class HotSettings:
    nas_root: Path
    ssd_root: Path
    hot_views: int
    rate: int  # HOT_COPY_BYTES_PER_SECOND, 0: unthrottled
    marks: Watermarks


class CopyCancelled(Exception):
    """Raised in the copying thread at its next chunk when the job was cancelled."""


def _same_file(target: Path, size: int, mtime_ns: int) -> bool:
    try:
        info = target.stat()
    except OSError:
        return False
    return info.st_size == size and info.st_mtime_ns == mtime_ns


def _ms(when: int | None) -> datetime | None:
    return None if when is None else datetime.fromtimestamp(when / 1000, UTC)


class HotCache:
    def __init__(
        self,
        db: asyncpg.Pool,
        redis: Redis,
        bus: MessageBus,
        jobs: Jobs,
        catalog: ContentReader,
        l1: L1Cache,
        settings: HotSettings,
    ) -> None:
        self.db, self.redis, self.bus = db, redis, bus
        self.jobs, self.catalog, self.l1 = jobs, catalog, l1
        self.settings = settings
        self.stats = HotStats(redis)
        self._checked: dict[int, float] = {}  # content id -> when a start last queued it

    # placement: events, the sweep, admins ------------------------------------------------

    async def on_stream_started(self, event: Event) -> None:
        """A started stream may have made its content hot (the view is already counted)."""
        raw = event.payload.get("content_id")
        if not (isinstance(raw, str | int) and str(raw).isdigit()):
            return
        content_id = int(raw)
        # A hot content starts many streams: once queued (or found on the SSD), the next
        # RECHECK_SECONDS of its starts cost nothing here (the sweep catches what this skips).
        now = time.monotonic()
        if now - self._checked.get(content_id, -RECHECK_SECONDS) < RECHECK_SECONDS:
            return
        if await popularity.views_of(self.redis, content_id) >= self.settings.hot_views:
            if len(self._checked) >= 10_000:
                self._checked.clear()
            self._checked[content_id] = now
            await self.queue_copy(content_id)

    async def queue_copy(self, content_id: int) -> JobRecord | None:
        """The hot_copy job of a content not on the SSD yet (None: nothing to do)."""
        content = await self.catalog.playable(content_id)
        if content is None:
            return None
        try:
            return await self._enqueue_copy(content)
        except (SourceMissing, CacheTooSmall):
            return None  # never copied: an admin who asks by hand is told why

    async def warm(self, content_id: int) -> JobRecord:
        """Copy now, whatever the views (POST /api/admin/cache/warm)."""
        content = await self.catalog.playable(content_id)
        if content is None:
            raise ContentNotFound(f"no content {content_id}", details={"id": content_id})
        job = await self._enqueue_copy(content)
        if job is None:  # already there: report the job that put it there, if any, or a no-op
            job = await self.jobs.enqueue(
                "hot_copy", {"content_id": content_id}, dedup_key=f"hot_copy:{content_id}:"
            )
        return job

    async def _enqueue_copy(self, content: PlayableContent) -> JobRecord | None:
        _source, target, info = await self._paths(content)
        if await asyncio.to_thread(_same_file, target, info.st_size, info.st_mtime_ns):
            return None
        return await self.jobs.enqueue(
            "hot_copy",
            {"content_id": content.id},
            dedup_key=f"hot_copy:{content.file_path}:{info.st_mtime_ns}",
        )

    async def _paths(self, content: PlayableContent) -> tuple[Path, Path, os.stat_result]:
        """The NAS file, its SSD copy's path and the NAS file's stat; HOT_SOURCE_MISSING,
        CACHE_TOO_SMALL."""
        source = ssd_path(self.settings.nas_root, content.file_path)
        try:
            info = await asyncio.to_thread(source.stat)
        except OSError:
            raise SourceMissing(
                "the content's file cannot be read", details={"file_path": content.file_path}
            ) from None
        self._check_fits(info.st_size)
        return source, ssd_path(self.settings.ssd_root, content.file_path), info

    def _check_fits(self, size: int) -> None:
        marks = self.settings.marks
        if not marks.fits(size):
            raise CacheTooSmall(
                "the file is larger than the SSD cache's room below its low watermark",
                details={"size_bytes": size, "room_bytes": marks.low_bytes},
            )

    async def evict_by_hand(self, content_id: int) -> JobRecord:
        """Remove a content's copy (DELETE /api/admin/cache/{content_id})."""
        if await self.catalog.playable(content_id) is None:
            async with self.db.acquire() as conn:
                if not await repo.copies_of(conn, content_id):
                    raise ContentNotFound(f"no content {content_id}", details={"id": content_id})
        return await self.jobs.enqueue(
            "hot_evict",
            {"content_id": content_id, "reason": "admin"},
            dedup_key=f"hot_evict:{content_id}",
        )

    async def sweep(self) -> int:
        """Queue what events may have missed: copies of hot contents, removals of copies
        whose NAS file changed or vanished since (the edge would serve the old bytes), and an
        eviction when the SSD is over its high watermark. How many jobs it queued."""
        queued = 0
        hot = await popularity.views_7d(self.redis)
        async with self.db.acquire() as conn:
            rows = await repo.list_copies(conn)
            used, _files = await repo.cached_bytes(conn)
        cached = {row.content_id for row in rows}
        for row in await asyncio.to_thread(self._stale, rows):
            await self.jobs.enqueue(
                "hot_evict",
                {"content_id": row.content_id, "reason": "stale"},
                dedup_key=f"hot_evict:{row.content_id}",
            )
            queued += 1
        for content_id, views in sorted(hot.items(), key=lambda item: -item[1]):
            if views >= self.settings.hot_views and content_id not in cached:
                queued += await self.queue_copy(content_id) is not None
        if used > self.settings.marks.high_bytes:
            await self.jobs.enqueue("hot_evict", {"reason": "watermark"}, dedup_key="hot_evict:")
            queued += 1
        return queued

    def _stale(self, rows: list[repo.CopyRow]) -> list[repo.CopyRow]:
        """The copies whose NAS file is no longer the one copied (blocking: a thread)."""
        stale = []
        for row in rows:
            try:
                info = ssd_path(self.settings.nas_root, row.file_path).stat()
            except (OSError, ValueError):
                stale.append(row)
                continue
            if (info.st_size, info.st_mtime_ns) != (row.size_bytes, row.mtime_ns):
                stale.append(row)
        return stale

    # the jobs' work (in a worker) --------------------------------------------------------

    async def place(self, content_id: int, progress: Progress) -> dict[str, Any]:
        """Copy a content's file to the SSD, verified, making room first (hot_copy)."""
        content = await self.catalog.playable(content_id)
        if content is None:
            raise ContentNotFound(f"no content {content_id}", details={"id": content_id})
        source, target, info = await self._paths(content)
        async with self._exclusive(progress, info.st_size):
            if await asyncio.to_thread(_same_file, target, info.st_size, info.st_mtime_ns):
                return {"copied": False, "file_path": content.file_path}
            if await asyncio.to_thread(target.exists):  # an older version of the NAS file
                await self._remove(content.file_path, content.id, "stale")
            evicted = await self._evict_down_to(
                self.settings.marks.high_bytes, extra=info.st_size, keep=content.file_path
            )
            result = await self._copy(source, target, progress)
            async with self.db.acquire() as conn:
                await repo.record_copy(
                    conn,
                    file_path=content.file_path,
                    content_id=content.id,
                    size_bytes=result.size,
                    mtime_ns=result.mtime_ns,
                    digest=result.digest,
                )
            await self.stats.add(
                copies=1,
                copy_bytes=result.size,
                copy_seconds=result.seconds,
                throttle_wait_seconds=result.throttle_wait_seconds,
            )
            await self._publish(
                CACHED,
                {
                    "content_id": content.id,
                    "file_path": content.file_path,
                    "size_bytes": result.size,
                },
            )
            evicted += await self._evict_to_watermark()
        return {
            "copied": True,
            "file_path": content.file_path,
            "size_bytes": result.size,
            "seconds": round(result.seconds, 3),
            "throttle_wait_seconds": round(result.throttle_wait_seconds, 3),
            "evicted": evicted,
        }

    async def evict(
        self, content_id: int | None, reason: str, progress: Progress
    ) -> dict[str, Any]:
        """Remove a content's copies (`content_id`), or whatever brings the SSD from above
        its high watermark down to its low one (hot_evict)."""
        async with self._exclusive(progress, 0):
            if content_id is None:
                return {"evicted": await self._evict_to_watermark()}
            async with self.db.acquire() as conn:
                paths = {row.file_path for row in await repo.copies_of(conn, content_id)}
            content = await self.catalog.playable(content_id)
            if content is not None:
                paths.add(content.file_path)
            removed = [p for p in sorted(paths) if await self._remove(p, content_id, reason)]
            return {"evicted": len(removed)}

    async def _copy(self, source: Path, target: Path, progress: Progress) -> CopyResult:
        """copy_verified in a thread; progress every PROGRESS_EVERY s (where a cancel or a
        stopping worker interrupts it: the thread removes its temporary file)."""
        done, total = [0], [0]
        cancelled = threading.Event()

        def on_chunk(copied: int, size: int) -> None:
            done[0], total[0] = copied, size
            if cancelled.is_set():
                raise CopyCancelled

        copying = asyncio.ensure_future(
            asyncio.to_thread(
                copy_verified, source, target, rate=self.settings.rate, progress=on_chunk
            )
        )
        try:
            while not copying.done():
                await asyncio.wait({copying}, timeout=PROGRESS_EVERY)
                await progress(done[0], total[0])
            return copying.result()
        except CopyBusy as exc:
            raise RetryJob(str(exc), code="HOT_COPY_BUSY") from exc
        except BaseException:
            cancelled.set()
            with contextlib.suppress(BaseException):
                await asyncio.shield(copying)
            await self.stats.add(copy_failures=1)
            raise

    @asynccontextmanager
    async def _exclusive(self, progress: Progress, total: int) -> AsyncIterator[None]:
        """One copy or eviction at a time across every worker (a session advisory lock:
        a worker that dies releases it with its connection)."""
        async with self.db.acquire() as conn:
            waited = 0.0
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                await asyncio.sleep(LOCK_POLL_SECONDS)
                waited += LOCK_POLL_SECONDS
                if waited >= 1.0:  # a cancel stops a job waiting for its turn too
                    await progress(0, total)
                    waited = 0.0
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)

    async def _on_ssd(self) -> tuple[list[OnSsd], int]:
        inventory = await asyncio.to_thread(scan, self.settings.ssd_root)
        reads = await popularity.last_reads(self.redis, [c.path for c in inventory.copies])
        copies = [OnSsd(c.path, c.size, c.copied_ms, reads.get(c.path)) for c in inventory.copies]
        return copies, inventory.used

    async def _evict_to_watermark(self) -> int:
        """Above the high watermark: remove down to the low one."""
        copies, used = await self._on_ssd()
        if used <= self.settings.marks.high_bytes:
            return 0
        return await self._remove_all(victims(copies, used, self.settings.marks.low_bytes))

    async def _evict_down_to(self, limit: int, *, extra: int, keep: str) -> int:
        """Make room for `extra` bytes under `limit`, never removing `keep`."""
        copies, used = await self._on_ssd()
        chosen = victims(copies, used + extra, limit, frozenset({keep}))
        return await self._remove_all(chosen)

    async def _remove_all(self, chosen: list[OnSsd]) -> int:
        removed = 0
        for copy in chosen:
            removed += await self._remove(copy.path, None, "watermark")
        return removed

    async def _remove(self, path: str, content_id: int | None, reason: str) -> bool:
        """Delete one copy (players reading it keep their descriptor; their next requests
        go to the NAS with the same ETag) and its records; whether a file was there."""
        size = await asyncio.to_thread(remove_copy, ssd_path(self.settings.ssd_root, path))
        async with self.db.acquire() as conn:
            row = await repo.forget_copy(conn, path)
        with contextlib.suppress(RedisError, OSError):
            await popularity.forget_reads(self.redis, [path])
        if not size and row is None:
            return False
        if row is not None:
            content_id = row.content_id
        await self.stats.add(evictions=1, evicted_bytes=size)
        await self._publish(
            EVICTED,
            {"content_id": content_id, "file_path": path, "size_bytes": size, "reason": reason},
        )
        log.info("hot cache: removed %s (%d bytes, %s)", path, size, reason)
        return bool(size)

    async def _publish(self, channel: str, payload: dict[str, Any]) -> None:
        await self.bus.publish(channel, Event(source=SOURCE, type=channel, payload=payload))

    # the admin page ------------------------------------------------------------------------

    async def overview(self) -> CacheOverview:
        """SSD usage, the copies with views and last reads, the candidates, the L1 cache."""
        settings = self.settings
        async with self.db.acquire() as conn:
            rows = await repo.list_copies(conn)
        inventory, views, reads, sent, l1 = await asyncio.gather(
            asyncio.to_thread(scan, settings.ssd_root),
            popularity.views_7d(self.redis),
            popularity.last_reads(self.redis, [row.file_path for row in rows]),
            self.redis.hgetall(TIER_BYTES),
            self.l1.summary(),
        )
        cached = {row.content_id for row in rows}
        hot_ids = sorted(
            (cid for cid, n in views.items() if n >= settings.hot_views and cid not in cached),
            key=lambda cid: (-views[cid], cid),
        )[:CANDIDATES_SHOWN]
        titles = await self.catalog.titles(sorted({*cached, *hot_ids}))
        tiers = TierBytes.parse(sent)
        return CacheOverview(
            ssd=SsdState(
                used_bytes=inventory.used,
                capacity_bytes=settings.marks.capacity,
                files=len(inventory.copies),
                high_watermark=settings.marks.high,
                low_watermark=settings.marks.low,
                ssd_bytes_sent=tiers.ssd,
                nas_bytes_sent=tiers.nas,
                hit_ratio_bytes=tiers.hit_ratio,
            ),
            l1=l1,
            hot=[
                HotEntry(
                    content_id=row.content_id,
                    title=titles.get(row.content_id),
                    file_path=row.file_path,
                    size_bytes=row.size_bytes,
                    views_7d=views.get(row.content_id, 0),
                    cached_at=row.cached_at,
                    last_access_at=_ms(reads.get(row.file_path)),
                )
                for row in rows
            ],
            candidates=[Candidate(cid, titles.get(cid), views[cid]) for cid in hot_ids],
        )


async def sweep_forever(cache: HotCache, every: float) -> None:
    """cache.sweep() every `every` seconds, by one process of all that run it (a Redis
    lock per interval); failures are logged and the next round tries again."""
    while True:
        await asyncio.sleep(every)
        try:
            if await cache.redis.set(SWEEP_LOCK, os.getpid(), nx=True, px=int(every * 900)):
                started = time.monotonic()
                queued = await cache.sweep()
                log.debug(
                    "hot-cache sweep queued %d jobs in %.3f s", queued, time.monotonic() - started
                )
        except (RedisError, OSError, asyncpg.PostgresError) as exc:
            log.warning("hot-cache sweep failed: %r", exc)


SWEEP_LOCK = "wsoptv:hot:sweep"
