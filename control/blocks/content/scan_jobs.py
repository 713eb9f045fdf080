"""Library scans started from the API: one at a time, in the background, progress in Redis.

The job's state lives in Redis (not in this process) so that any control process answers
`GET /api/admin/library/scan/{id}`. A lock key names the running job (redis-py's Lock, the
job id as its token); a heartbeat renews its short TTL while the scan runs (a slow NAS walk
included), so a process that dies mid-scan never blocks the next one for long. The import
itself also takes a PostgreSQL advisory lock (library.py), which `wsoptv scan` shares.
A failed job records a generic message and an error code; the details go to the log only.
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
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from control.blocks.content.errors import LibraryRootMissing, ScanAlreadyRunning, ScanJobNotFound
from control.blocks.content.library import ScanReport
from control.blocks.content.schemas import ScanCounts, ScanJobOut, ScanProgress
from shared.errors import WsoptvError

log = logging.getLogger("wsoptv.control.block.content.scan")
JOB_PREFIX = "wsoptv:content:scan:job:"
RUNNING_KEY = "wsoptv:content:scan:running"
JOB_TTL_SECONDS = 7 * 24 * 3600
LOCK_TTL_SECONDS = 120
SCAN_FAILED = "LIBRARY_SCAN_FAILED"
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
                "the library root is not a directory", details={"setting": "NAS_ROOT"}
            )
        job = ScanJobOut(
            id=uuid.uuid4().hex,
            status="running",
            root="NAS_ROOT",
            progress=ScanProgress(0, 0),
            started_at=_now(),
        )
        lock = Lock(self._redis, RUNNING_KEY, timeout=self._lock_ttl, thread_local=False)
        if not await lock.acquire(blocking=False, token=job.id):
            running = await self._redis.get(RUNNING_KEY)
            raise ScanAlreadyRunning(
                "a library scan is already running",
                details={"job_id": running.decode() if isinstance(running, bytes) else running},
            )
        await self._save(job)
        task = asyncio.create_task(self._run(job, root, lock), name=f"library-scan-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def get(self, job_id: str) -> ScanJobOut:
        raw = await self._redis.get(JOB_PREFIX + job_id)
        if raw is None:
            raise ScanJobNotFound(f"no library scan {job_id!r}", details={"job_id": job_id})
        return msgspec.json.decode(raw, type=ScanJobOut)

    async def _run(self, job: ScanJobOut, root: Path, lock: Lock) -> None:
        written = 0.0

        async def progress(done: int, total: int, _path: str) -> None:
            nonlocal written
            job.progress = ScanProgress(done, total)
            if done == total or time.monotonic() - written >= PROGRESS_WRITE_INTERVAL:
                written = time.monotonic()
                await self._save(job)

        report: ScanReport | None = None
        heartbeat = asyncio.create_task(self._heartbeat(job.id, lock))
        try:
            report = await self._scan(root, progress)
        except asyncio.CancelledError:
            job.status, job.error = "failed", "interrupted: the control process stopped"
            job.error_code = "LIBRARY_SCAN_INTERRUPTED"
            raise
        except Exception as exc:  # the job records the failure; nobody awaits this task
            # Exception texts name paths and internals: the log keeps them, the job does not.
            log.exception("library scan %s failed", job.id)
            job.status = "failed"
            job.error = "the library scan failed; the control log has the details"
            job.error_code = exc.code if isinstance(exc, WsoptvError) else SCAN_FAILED
        else:
            job.status, job.report = "succeeded", ScanCounts(**report.counts())
            log.info("library scan %s: %s", job.id, report.counts())
        finally:
            heartbeat.cancel()
            job.finished_at = _now()
            try:
                await self._save(job)
                await lock.release()
            # The lock expires by itself (or was lost already); the job reads as running till then.
            except (RedisError, LockError):
                log.exception("library scan %s: could not record the end", job.id)
        # After the final save: whoever reacts to the events finds the job finished.
        if report is not None:
            await self._announce(report, job.id)

    async def _heartbeat(self, job_id: str, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self._lock_ttl / 4)
            try:
                # Only while the lock is still ours (it may have expired and been re-taken).
                await lock.reacquire()
            except (RedisError, LockError) as exc:
                log.warning("library scan %s: lock not renewed: %s", job_id, exc)

    async def _save(self, job: ScanJobOut) -> None:
        await self._redis.set(JOB_PREFIX + job.id, msgspec.json.encode(job), ex=JOB_TTL_SECONDS)

    async def join(self) -> None:
        """Wait until the scans this process runs have finished (recorded and announced)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Cancel running scans (their jobs end as failed: interrupted)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
