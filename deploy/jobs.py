"""The job system from the command line: `wsoptv jobs list|retry`, and the probes a
`wsoptv scan` queues (the same JobService the worker block serves the admin API with)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from control.blocks.worker.events import JobEvents
from control.blocks.worker.queues import JobQueues
from control.blocks.worker.service import JobService
from control.db.pool import create_pool
from control.orchestration.bus import MessageBus
from control.orchestration.contracts import JobRecord
from control.orchestration.registry import BlockRegistry, discover
from deploy.infra import Endpoints


@asynccontextmanager
async def job_service(endpoints: Endpoints) -> AsyncIterator[JobService]:
    """A JobService on its own connections, knowing every job type the blocks declare."""
    db = await create_pool(endpoints.database_url, 2)
    redis = Redis.from_url(endpoints.redis_url)
    try:
        declared = BlockRegistry(discover()).declared_jobs()
        events = JobEvents(redis, endpoints.redis_url)
        yield JobService(db, JobQueues(redis), events, MessageBus(redis), declared)
    finally:
        await redis.aclose()
        await db.close()


def describe(job: JobRecord) -> str:
    progress = f"{job.progress.done}/{job.progress.total}" if job.progress.total else "-"
    error = f" {job.error_code}" if job.error_code else ""
    return (
        f"{job.id:>7}  {job.type:<13} {job.status:<10} {job.attempts}/{job.max_attempts}  "
        f"{progress:>11}  {job.created_at:%Y-%m-%d %H:%M:%S}{error}"
    )
