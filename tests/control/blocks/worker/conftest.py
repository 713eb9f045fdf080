"""Worker fixtures: the control app and an in-process worker with the sample jobs' block."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from control.app import create_app
from control.blocks.worker.events import JobEvents
from control.orchestration.block import Block
from control.orchestration.contracts import JOBS, JobRecord, Jobs
from control.orchestration.registry import discover
from control.settings import ControlSettings
from control.worker import serve_worker
from deploy.infra import Endpoints
from tests.control.blocks.worker import sample_jobs
from tests.control.conftest import bearer, login, settings_for

# Short enough for tests, long enough that a busy 2-core machine never starves a claim.
RECLAIM_IDLE = 1.5
BACKOFF_BASE = 0.2
FINAL = ("succeeded", "failed", "dead", "cancelled")


def blocks() -> list[Block[Any]]:
    return [*discover(), sample_jobs.SAMPLE_BLOCK]


@pytest.fixture
def settings(infra: Endpoints, database_url: str, tmp_path: Path) -> ControlSettings:
    (tmp_path / "nas").mkdir(exist_ok=True)
    return settings_for(
        database_url,
        infra.redis_url,
        nas_root=tmp_path / "nas",
        thumbnail_root=tmp_path / "thumbnails",
        job_reclaim_idle=RECLAIM_IDLE,
        job_backoff_base=BACKOFF_BASE,
        job_backoff_max=5.0,
        worker_seen_within=5.0,
    )


@pytest.fixture
async def app(settings: ControlSettings, redis: Any) -> Litestar:
    return create_app(settings, blocks=blocks())


@pytest.fixture
def recorder() -> sample_jobs.Recorder:
    return sample_jobs.reset()


@pytest.fixture
async def admin_headers(client: Any, make_account: Callable[..., Any]) -> dict[str, str]:
    return bearer(await login(client, await make_account("root", role="admin")))


@pytest.fixture
def jobs(app: Litestar, client: Any) -> Jobs:
    """The JOBS contract of the running app (enqueue, get)."""
    return app.state.registry.provided(JOBS)  # type: ignore[no-any-return]


@asynccontextmanager
async def worker_running(
    settings: ControlSettings, *, concurrency: int = 2
) -> AsyncIterator[asyncio.Task[None]]:
    """`wsoptv worker` in this event loop, stopped (gracefully) on exit."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve_worker(settings, concurrency=concurrency, stop=stop, ready=ready, blocks=blocks())
    )
    try:
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait([waiting, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # it failed to start: say why
        assert ready.is_set(), "the worker did not start in 30 s"
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest.fixture
async def worker(settings: ControlSettings, client: Any) -> AsyncIterator[asyncio.Task[None]]:
    async with worker_running(settings) as task:
        yield task


class JobWaiter:
    """Waits for a job to reach a state by following the job events stream (the changes
    are events: no polling)."""

    def __init__(self, jobs: Jobs, redis_url: str) -> None:
        self.jobs = jobs
        self.events = JobEvents(Redis.from_url(redis_url), redis_url)

    async def until(
        self, job_id: int, done: Callable[[JobRecord], bool], within: float = 30
    ) -> JobRecord:
        start = await self.events.last_id()
        job = await self.jobs.get(job_id)
        assert job is not None
        if done(job):
            return job
        blocking = self.events.blocking()
        try:
            async with asyncio.timeout(within):
                async for change in self.events.follow(blocking, start, block_ms=1000):
                    if change is None:
                        continue
                    seen = msgspec.json.decode(change[1], type=JobRecord)
                    if seen.id == job_id and done(seen):
                        return seen
        finally:
            await blocking.aclose()
        raise AssertionError("unreachable")

    async def finished(self, job_id: int, within: float = 30) -> JobRecord:
        return await self.until(job_id, lambda job: job.status in FINAL, within)

    async def close(self) -> None:
        await self.events.redis.aclose()


@pytest.fixture
async def waiter(jobs: Jobs, infra: Endpoints) -> AsyncIterator[JobWaiter]:
    waiter = JobWaiter(jobs, infra.redis_url)
    try:
        yield waiter
    finally:
        await waiter.close()
