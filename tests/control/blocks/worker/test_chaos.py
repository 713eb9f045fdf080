"""Chaos: 200 jobs over 3 worker processes while 20 SIGKILLs hit them at random moments.

Every job ends succeeded, exactly once in effect; none is lost; no job ever runs in two
workers at once (the runs each job records do not overlap, a killed run ending at its
kill); and a run cut short by a kill starts again within the reclaim idle time plus a
margin.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg
from redis.asyncio import Redis

from control.blocks.worker.events import EVENTS, JobEvents
from control.blocks.worker.queues import JobQueues
from control.blocks.worker.service import JobService
from control.orchestration.bus import MessageBus
from control.orchestration.registry import BlockRegistry, discover
from deploy.infra import Endpoints
from tests.control.blocks.worker.chaos_worker import CHAOS_BLOCK, EFFECTS, ENDS, RUNS
from tests.support import REPO

JOBS, WORKERS, KILLS = 200, 3, 20
RECLAIM_IDLE = 2.0
# A reclaim is checked every quarter of the idle time, then waits for a free slot (a run is
# at most 0.3 s); the rest is for a loaded 2-core machine.
RECLAIM_MARGIN = 3.0


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.control.blocks.worker.chaos_worker"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def all_succeeded(events: JobEvents, ids: set[int]) -> None:
    """Follow the job change stream until every job in `ids` has succeeded."""
    done: set[int] = set()
    blocking = events.blocking()
    try:
        async with asyncio.timeout(180):
            async for change in events.follow(blocking, "0-0", block_ms=1000):
                if change is not None:
                    job = json.loads(change[1])
                    if job["status"] == "succeeded":
                        done.add(job["id"])
                    if done >= ids:
                        return
    finally:
        await blocking.aclose()


async def test_jobs_survive_workers_killed_at_random(
    infra: Endpoints, database_url: str, data_env: dict[str, str], redis: Redis, tmp_path: Path
) -> None:
    env = {
        **data_env,
        "STREAM_TOKEN_KEYS": f"s1:{secrets.token_urlsafe(32)}",
        "ACCESS_TOKEN_KEYS": f"a1:{secrets.token_urlsafe(32)}",
        "JOB_RECLAIM_IDLE": str(RECLAIM_IDLE),
        "JOB_MAX_DELIVERIES": "50",
        "JOB_BACKOFF_BASE": "0.1",
        "DATABASE_POOL_SIZE": "4",
        "LOG_LEVEL": "warning",
    }
    rng = random.Random(20261203)
    db = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    declared = BlockRegistry([*discover(), CHAOS_BLOCK]).declared_jobs()
    service = JobService(
        db, JobQueues(redis), JobEvents(redis, infra.redis_url), MessageBus(redis), declared
    )
    log = tmp_path / "workers.log"
    workers = [spawn(env, log) for _ in range(WORKERS)]
    kills: dict[int, float] = {}
    try:
        ids = [
            (await service.enqueue("chaos", {"n": n, "ms": rng.randint(50, 300)})).id
            for n in range(JOBS)
        ]
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.3, 0.8))  # a random moment of the run
            victim = workers.pop(rng.randrange(len(workers)))
            kills[victim.pid] = time.time()
            victim.send_signal(signal.SIGKILL)
            await asyncio.to_thread(victim.wait)
            workers.append(spawn(env, log))
        await all_succeeded(JobEvents(redis, infra.redis_url), set(ids))
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            await asyncio.to_thread(proc.wait, 15)
    rows = await db.fetch("SELECT id, status, result, payload FROM jobs ORDER BY id")
    await db.close()

    # None lost, each succeeded with its own result, and the effect is there once per job.
    assert [row["id"] for row in rows] == ids
    assert {row["status"] for row in rows} == {"succeeded"}
    for row in rows:
        n = json.loads(row["payload"])["n"]
        assert json.loads(row["result"]) == {"square": n * n}
    effects = await redis.hgetall(EFFECTS)
    assert {int(k): int(v) for k, v in effects.items()} == {n: n * n for n in range(JOBS)}
    # The change stream ends every job at succeeded (a worker killed between recording and
    # streaming an outcome has it streamed again by the worker that reclaims the message).
    last: dict[int, str] = {}
    for _, fields in await redis.xrange(EVENTS) or []:
        assert fields is not None
        change = json.loads(fields[b"job"])
        last[change["id"]] = change["status"]
    assert all(last[job_id] == "succeeded" for job_id in ids)

    # Runs of one job never overlap; a killed run is reclaimed in time.
    ends = {
        (e["job"], e["pid"]): e["end"] for e in map(json.loads, await redis.lrange(ENDS, 0, -1))
    }
    runs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for run in map(json.loads, await redis.lrange(RUNS, 0, -1)):
        runs[run["job"]].append(run)
    killed_runs = 0
    for job_id, job_runs in runs.items():
        job_runs.sort(key=lambda run: run["start"])
        for run, after in itertools.pairwise(job_runs):
            end = ends.get((job_id, run["pid"]))
            if end is None:
                assert run["pid"] in kills, f"job {job_id}: a run ended without a kill or an end"
                end = kills[run["pid"]]
                killed_runs += 1
                assert after["start"] <= end + RECLAIM_IDLE + RECLAIM_MARGIN, (
                    f"job {job_id} reclaimed {after['start'] - end:.2f} s after its worker died"
                )
            assert after["start"] >= end, f"job {job_id} ran in two workers at once"
    assert killed_runs > 0  # the kills did hit running jobs
