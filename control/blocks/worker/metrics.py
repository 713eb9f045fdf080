"""Job metrics, summed over every worker process and exported by control's /metrics.

Workers have no HTTP port: each adds what it does (runs by outcome, durations, reclaims,
retries) to one Redis hash, so a single scrape of any control process sees all workers.
Jobs by type and status come from PostgreSQL, queue depth and the oldest entry's age from
the streams. Scrapes are synchronous, so they read a snapshot that a scrape older than
SNAPSHOT_MAX_AGE refreshes in the background (control/web/snapshot_metrics.py; the first
one at block start).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import asyncpg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from control.blocks.worker import repository as repo
from control.blocks.worker.queues import STATS, JobQueues
from control.web.snapshot_metrics import SnapshotCollector
from shared.redis_values import redis_text

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

log = logging.getLogger("wsoptv.control.block.worker.metrics")
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


class JobStats:
    """What one worker process adds to the shared counters."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def run(self, job_type: str, outcome: str, seconds: float) -> None:
        fields = {f"runs|{job_type}|{outcome}": 1, f"duration_count|{job_type}": 1}
        bucket = next((b for b in DURATION_BUCKETS if seconds <= b), None)
        if bucket is not None:
            fields[f"duration_bucket|{job_type}|{bucket}"] = 1
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name, amount in fields.items():
                    pipe.hincrby(STATS, name, amount)
                pipe.hincrbyfloat(STATS, f"duration_sum|{job_type}", seconds)
                await pipe.execute()
        except RedisError as exc:
            log.warning("job metrics not recorded: %s", exc)

    async def count(self, name: str, amount: int = 1) -> None:
        try:
            await self.redis.hincrby(STATS, name, amount)
        except RedisError as exc:
            log.warning("job metrics not recorded: %s", exc)


@dataclass(slots=True)
class Snapshot:
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    depth: dict[str, tuple[int, int, float | None]] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)


class JobMetrics(SnapshotCollector[Snapshot]):
    def __init__(self, db: asyncpg.Pool, queues: JobQueues, queue_names: Sequence[str]) -> None:
        super().__init__(Snapshot(), log)
        self._db = db
        self._queues = queues
        self._names = sorted(set(queue_names))

    async def take(self) -> Snapshot:
        snapshot = Snapshot()
        async with self._db.acquire() as conn:
            snapshot.by_status = await repo.counts(conn)
        for name in self._names:
            with contextlib.suppress(ResponseError):  # no stream or group yet
                snapshot.depth[name] = await self._queues.depth(name)
        raw = await self._queues.redis.hgetall(STATS)
        snapshot.stats = {redis_text(k): float(v) for k, v in raw.items()}
        return snapshot

    def families(self, snap: Snapshot) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "wsoptv_jobs", "Jobs by type and status (PostgreSQL).", labels=["type", "status"]
        )
        for job_type, status, count in snap.by_status:
            jobs.add_metric([job_type, status], count)
        depth = GaugeMetricFamily(
            "wsoptv_jobs_queue_depth", "Stream entries not yet delivered.", labels=["queue"]
        )
        pending = GaugeMetricFamily(
            "wsoptv_jobs_pending", "Entries delivered and being run.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "wsoptv_jobs_oldest_pending_seconds",
            "Age of the oldest entry still on the stream (waiting or running).",
            labels=["queue"],
        )
        for name, (waiting, running, age) in snap.depth.items():
            depth.add_metric([name], waiting)
            pending.add_metric([name], running)
            oldest.add_metric([name], age or 0.0)
        yield from (jobs, depth, pending, oldest)
        yield from _from_stats(snap.stats)


def _from_stats(stats: dict[str, float]) -> Iterator[Metric]:
    runs = CounterMetricFamily(
        "wsoptv_job_runs", "Finished runs by type and outcome.", labels=["type", "outcome"]
    )
    retries = CounterMetricFamily("wsoptv_job_retries", "Retries scheduled.", labels=["type"])
    reclaims = CounterMetricFamily(
        "wsoptv_job_reclaims", "Messages reclaimed from workers that stopped renewing them."
    )
    reclaims.add_metric([], stats.get("reclaims", 0.0))
    buckets: dict[str, dict[float, float]] = {}
    sums: dict[str, float] = {}
    for name, value in stats.items():
        kind, _, rest = name.partition("|")
        if kind == "runs":
            job_type, _, outcome = rest.partition("|")
            runs.add_metric([job_type, outcome], value)
        elif kind == "retries":
            retries.add_metric([rest], value)
        elif kind == "duration_bucket":
            job_type, _, upper = rest.partition("|")
            buckets.setdefault(job_type, {})[float(upper)] = value
        elif kind == "duration_sum":
            sums[rest] = value
        elif kind == "duration_count":
            buckets.setdefault(rest, {})[float("inf")] = value
    durations = HistogramMetricFamily(
        "wsoptv_job_duration_seconds", "Run durations by job type.", labels=["type"]
    )
    for job_type, counts in buckets.items():
        cumulative: list[tuple[str, float]] = []
        seen = 0.0
        for limit in DURATION_BUCKETS:
            seen += counts.get(limit, 0.0)
            cumulative.append((str(limit), seen))
        cumulative.append(("+Inf", counts.get(float("inf"), seen)))
        durations.add_metric([job_type], cumulative, sum_value=sums.get(job_type, 0.0))
    yield from (runs, retries, reclaims, durations)
