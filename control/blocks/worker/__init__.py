"""The worker block: the job system every background feature runs on.

It owns the jobs table (the state of record) and the queues (Redis Streams, one consumer
group per queue), provides JOBS (enqueue with dedup, get) to other blocks and JOB_RUNNER
to `wsoptv worker`, serves /api/admin/jobs (list, get, retry, cancel, SSE of changes) and
reports the dependency "worker" in /api/health from the workers' heartbeats. The jobs
themselves belong to the blocks whose tables they write (content: library_scan, probe,
thumbnails).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from control.blocks.worker.controllers import JobController
from control.blocks.worker.events import JobEvents
from control.blocks.worker.metrics import JobMetrics, JobStats
from control.blocks.worker.presence import WorkerPresence
from control.blocks.worker.queues import JobQueues
from control.blocks.worker.runner import JobRunner
from control.blocks.worker.runs import RunnerSettings
from control.blocks.worker.service import JobService
from control.orchestration.block import Block, BlockContext, Degraded, Provision, Tables
from control.orchestration.contracts import JOB_RUNNER, JOBS


@dataclass(frozen=True, slots=True)
class WorkerServices:
    jobs: JobService
    job_events: JobEvents
    runner: JobRunner
    presence: WorkerPresence
    metrics: JobMetrics


async def start(ctx: BlockContext) -> WorkerServices:
    settings = ctx.settings
    if settings.redis_url is None:
        raise RuntimeError("REDIS_URL is not set")
    queues = JobQueues(ctx.redis)
    events = JobEvents(ctx.redis, settings.redis_url)
    service = JobService(ctx.db, queues, events, ctx.bus, ctx.jobs)
    presence = WorkerPresence(ctx.redis, settings.worker_seen_within)
    runner = JobRunner(
        service,
        queues,
        presence,
        JobStats(ctx.redis),
        settings.redis_url,
        RunnerSettings(
            reclaim_idle=settings.job_reclaim_idle,
            max_deliveries=settings.job_max_deliveries,
            backoff_base=settings.job_backoff_base,
            backoff_max=settings.job_backoff_max,
        ),
    )
    metrics = JobMetrics(ctx.db, queues, [job.queue for job in ctx.jobs.values()])
    await metrics.refresh()
    return WorkerServices(service, events, runner, presence, metrics)


async def stop(services: WorkerServices) -> None:
    await services.metrics.close()


async def probe(services: WorkerServices) -> None:
    """Down without the jobs table; degraded while Redis is unreachable (jobs are still
    recorded, and dispatched by the workers' sweep once Redis is back)."""
    await services.jobs.db.fetchval("SELECT 1 FROM jobs LIMIT 1")
    try:
        await services.jobs.queues.redis.ping()
    except (RedisError, OSError) as exc:
        raise Degraded(f"Redis is unreachable: {exc!r}") from exc


def dependency_probes(services: WorkerServices) -> Mapping[str, Callable[[], Awaitable[None]]]:
    return {"worker": services.presence.probe}


def collectors(services: WorkerServices) -> tuple[Collector, ...]:
    return (services.metrics,)


BLOCK = Block(
    name="worker",
    start=start,
    stop=stop,
    health=probe,
    requires=("auth",),
    provides=(
        Provision(JOBS, lambda s: s.jobs),
        Provision(JOB_RUNNER, lambda s: s.runner),
    ),
    route_handlers=(JobController,),
    collectors=collectors,
    tables=Tables(owns=("jobs",)),
    dependency_probes=dependency_probes,
)
