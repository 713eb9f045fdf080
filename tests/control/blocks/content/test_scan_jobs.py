"""ScanJobs: progress visible while a scan runs, one scan at a time, clean interruption."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import msgspec
import pytest
from redis.asyncio import Redis

from control.blocks.content.errors import LibraryRootMissing, ScanAlreadyRunning
from control.blocks.content.library import ScanReport
from control.blocks.content.scan_jobs import RUNNING_KEY, ScanJobs

ProgressFn = Callable[[int, int, str], Awaitable[None]]


class SteppedScan:
    """A scanner the test drives: it reports 1 of 3 files, then waits to be let go."""

    def __init__(self) -> None:
        self.reported = asyncio.Event()
        self.release = asyncio.Event()
        self.announced: asyncio.Queue[tuple[ScanReport, str]] = asyncio.Queue()

    async def scan(self, root: Path, progress: ProgressFn) -> ScanReport:
        await progress(0, 3, "")
        await progress(1, 3, "a.mp4")
        self.reported.set()
        await self.release.wait()
        await progress(3, 3, "c.mp4")
        return ScanReport(found=3, added=3, added_ids=[1, 2, 3])

    async def announce(self, report: ScanReport, job_id: str) -> None:
        await self.announced.put((report, job_id))


async def test_progress_is_visible_while_the_scan_runs(redis: Redis, tmp_path: Path) -> None:
    stepped = SteppedScan()
    jobs = ScanJobs(redis, stepped.scan, stepped.announce)
    job = await jobs.start(tmp_path)
    await stepped.reported.wait()
    running = await jobs.get(job.id)
    assert running.status == "running" and running.report is None
    assert (running.progress.done, running.progress.total) in {(0, 3), (1, 3)}
    with pytest.raises(ScanAlreadyRunning):
        await jobs.start(tmp_path)
    stepped.release.set()
    report, job_id = await asyncio.wait_for(stepped.announced.get(), 10)
    assert job_id == job.id and report.added == 3
    done = await jobs.get(job.id)
    assert done.status == "succeeded" and done.finished_at is not None
    assert (done.progress.done, done.progress.total) == (3, 3)
    assert done.report is not None and done.report.added == 3
    assert await redis.get(RUNNING_KEY) is None  # the next scan may start


async def test_stopping_the_process_fails_the_job_and_frees_the_lock(
    redis: Redis, tmp_path: Path
) -> None:
    stepped = SteppedScan()
    jobs = ScanJobs(redis, stepped.scan, stepped.announce)
    job = await jobs.start(tmp_path)
    await stepped.reported.wait()
    await jobs.stop()
    stopped = await jobs.get(job.id)
    assert stopped.status == "failed" and "interrupted" in (stopped.error or "")
    assert await redis.get(RUNNING_KEY) is None
    assert stepped.announced.empty()


async def test_a_failing_scan_records_a_generic_message_and_a_code(
    redis: Redis, tmp_path: Path
) -> None:
    announced: list[str] = []

    async def broken(root: Path, progress: ProgressFn) -> ScanReport:
        raise OSError("NAS went away")

    async def announce(report: ScanReport, job_id: str) -> None:
        announced.append(job_id)

    jobs = ScanJobs(redis, broken, announce)
    job = await jobs.start(tmp_path)
    await jobs.join()
    failed = await jobs.get(job.id)
    assert (failed.status, failed.error_code) == ("failed", "LIBRARY_SCAN_FAILED")
    # The exception's text (paths, internals) stays in the log, out of the admin API.
    assert failed.error is not None and "NAS went away" not in failed.error
    assert failed.root == "NAS_ROOT" and str(tmp_path) not in failed.error
    assert announced == [] and await redis.get(RUNNING_KEY) is None


async def test_a_long_scan_keeps_its_lock(redis: Redis, tmp_path: Path) -> None:
    stepped = SteppedScan()
    jobs = ScanJobs(redis, stepped.scan, stepped.announce, lock_ttl=1)
    job = await jobs.start(tmp_path)
    await stepped.reported.wait()
    await asyncio.sleep(2.5)  # the passing time is what is tested: well past the lock's TTL
    assert await redis.get(RUNNING_KEY) == job.id.encode()
    with pytest.raises(ScanAlreadyRunning):
        await jobs.start(tmp_path)
    stepped.release.set()
    await jobs.join()
    assert await redis.get(RUNNING_KEY) is None


async def test_a_scan_failing_with_a_domain_error_records_its_code(
    redis: Redis, tmp_path: Path
) -> None:
    async def unmounted(root: Path, progress: ProgressFn) -> ScanReport:
        raise LibraryRootMissing(f"the library root {str(root)!r} is not a directory")

    async def announce(report: ScanReport, job_id: str) -> None:
        raise AssertionError("a failed scan announces nothing")

    jobs = ScanJobs(redis, unmounted, announce)
    job = await jobs.start(tmp_path)
    await jobs.join()
    failed = await jobs.get(job.id)
    assert (failed.status, failed.error_code) == ("failed", "LIBRARY_ROOT_MISSING")
    assert str(tmp_path) not in msgspec.json.encode(failed).decode()
