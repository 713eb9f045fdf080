"""A worker process with one extra block, `chaos`, whose job records its runs in Redis.

Run by test_chaos.py as `python -m tests.control.blocks.worker.chaos_worker` (the same
run_worker that `wsoptv worker` runs, plus this block). The job's effect is idempotent (it
sets a key to a value the payload decides), as every job's must be: a run cut short by a
SIGKILL runs again elsewhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from control.orchestration.block import Block, BlockContext
from control.orchestration.jobs import Job, JobContext, JobResult
from control.orchestration.registry import discover
from control.settings import ControlSettings
from control.worker import run_worker

RUNS, ENDS, EFFECTS = "chaos:runs", "chaos:ends", "chaos:effects"


@dataclass(frozen=True, slots=True)
class ChaosServices:
    redis: Redis


async def start(ctx: BlockContext) -> ChaosServices:
    return ChaosServices(ctx.redis)


async def chaos(ctx: JobContext[ChaosServices], *, n: int, ms: int) -> JobResult:
    redis = ctx.services.redis
    pid = os.getpid()
    await redis.rpush(RUNS, json.dumps({"job": ctx.job_id, "pid": pid, "start": time.time()}))
    await asyncio.sleep(ms / 1000)  # the work
    await redis.hset(EFFECTS, str(n), str(n * n))
    await redis.rpush(ENDS, json.dumps({"job": ctx.job_id, "pid": pid, "end": time.time()}))
    return {"square": n * n}


CHAOS_BLOCK: Block[ChaosServices] = Block(
    name="chaos", start=start, jobs=(Job("chaos", chaos, queue="chaos", max_attempts=25),)
)

if __name__ == "__main__":
    run_worker(ControlSettings(), concurrency=2, blocks=[*discover(), CHAOS_BLOCK])
