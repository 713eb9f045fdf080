"""Library scans started from the API: one at a time, in the background, progress in Redis.

The job's state lives in Redis (not in this process) so that any control process answers
`GET /api/admin/library/scan/{id}`. A lock key names the running job; a heartbeat renews
its short TTL while the scan runs (a slow NAS walk included), so a process that dies
mid-scan never blocks the next one for long.
The worker issue turns this into a queued job; the API stays the same.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.content.errors import LibraryRootMissing, ScanAlreadyRunning, ScanJobNotFound
from control.blocks.content.library import ScanReport
from control.blocks.content.schemas import ScanCounts, ScanJobOut, ScanProgress

log = logging.getLogger("wsoptv.control.block.content.scan")
JOB_PREFIX = "wsoptv:content:scan:job:"
RUNNING_KEY = "wsoptv:content:scan:running"
JOB_TTL_SECONDS = 7 * 24 * 3600
LOCK_TTL_SECONDS = 120
PROGRESS_WRITE_INTERVAL = 0.25  # at most four Redis writes a second, whatever the NAS size
Scanner = Callable[[Path, Callable[[int, int, str], Awaitable[None]]], Awaitable[ScanReport]]
Announcer = Callable[[ScanReport, str], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(UTC)


class ScanJobs:
    def __init__(
        self, redis: Redis, scan: Scanner, announce: Announcer, *, lock_ttl: int = LOCK_TTL_SECONDS
    ) -> None:
        self._redis = redis
        self._lock_ttl = lock_ttl
        self._scan = scan
        self._announce = announce
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, root: Path) -> ScanJobOut:
        """Start scanning `root` in the background; ScanAlreadyRunning if a scan runs."""
        if not await asyncio.to_thread(root.is_dir):
            raise LibraryRootMissing(
                f"the library root {str(root)!r} is not a directory", details={"root": str(root)}
            )
        job = ScanJobOut(
            id=uuid.uuid4().hex,
            status="running",
            root=str(root),
            progress=ScanProgress(0, 0),
            started_at=_now(),
        )
        if not await self._redis.set(RUNNING_KEY, job.id, nx=True, ex=self._lock_ttl):
            running = await self._redis.get(RUNNING_KEY)
            raise ScanAlreadyRunning(
                "a library scan is already running",
                details={"job_id": running.decode() if isinstance(running, bytes) else running},
            )
        await self._save(job)
        task = asyncio.create_task(self._run(job, root), name=f"library-scan-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def get(self, job_id: str) -> ScanJobOut:
        raw = await self._redis.get(JOB_PREFIX + job_id)
        if raw is None:
            raise ScanJobNotFound(f"no library scan {job_id!r}", details={"job_id": job_id})
        return msgspec.json.decode(raw, type=ScanJobOut)

    async def _run(self, job: ScanJobOut, root: Path) -> None:
        written = 0.0

        async def progress(done: int, total: int, _path: str) -> None:
            nonlocal written
            job.progress = ScanProgress(done, total)
            if done == total or time.monotonic() - written >= PROGRESS_WRITE_INTERVAL:
                written = time.monotonic()
                await self._save(job)

        report: ScanReport | None = None
        heartbeat = asyncio.create_task(self._heartbeat(job.id))
        try:
            report = await self._scan(root, progress)
        except asyncio.CancelledError:
            job.status, job.error = "failed", "interrupted: the control process stopped"
            raise
        except Exception as exc:  # the job records the failure; nobody awaits this task
            log.exception("library scan %s failed", job.id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        else:
            job.status, job.report = "succeeded", ScanCounts(**report.counts())
            log.info("library scan %s: %s", job.id, report.counts())
        finally:
            heartbeat.cancel()
            job.finished_at = _now()
            try:
                await self._save(job)
                await self._release(job.id)
            except RedisError:  # the lock expires by itself; the job reads as running till then
                log.exception("library scan %s: could not record the end", job.id)
        # After the final save: whoever reacts to the events finds the job finished.
        if report is not None:
            await self._announce(report, job.id)

    async def _heartbeat(self, job_id: str) -> None:
        while True:
            await asyncio.sleep(self._lock_ttl / 4)
            try:
                # Only while the lock is still ours (it may have expired and been re-taken).
                await self._redis.eval(
                    "if redis.call('get', KEYS[1]) == ARGV[1] then "
                    "return redis.call('expire', KEYS[1], ARGV[2]) end return 0",
                    1,
                    RUNNING_KEY,
                    job_id,
                    self._lock_ttl,
                )
            except RedisError as exc:
                log.warning("library scan %s: lock not renewed: %s", job_id, exc)

    async def _save(self, job: ScanJobOut) -> None:
        await self._redis.set(JOB_PREFIX + job.id, msgspec.json.encode(job), ex=JOB_TTL_SECONDS)

    async def _release(self, job_id: str) -> None:
        await self._redis.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end "
            "return 0",
            1,
            RUNNING_KEY,
            job_id,
        )

    async def join(self) -> None:
        """Wait until the scans this process runs have finished (recorded and announced)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Cancel running scans (their jobs end as failed: interrupted)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
