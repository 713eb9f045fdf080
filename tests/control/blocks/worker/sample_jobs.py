"""Jobs of a test block, run by an in-process worker: they record their runs and wait on
events the test sets, so each test drives a job's life step by step."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

from control.orchestration.block import Block
from control.orchestration.jobs import Job, JobContext, JobFailed, JobResult


@dataclass
class Recorder:
    starts: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    failing: set[str] = field(default_factory=set)
    started: dict[str, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))
    gates: dict[str, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))


RECORDER = Recorder()


def reset() -> Recorder:
    global RECORDER
    RECORDER = Recorder()
    return RECORDER


async def flaky(ctx: JobContext[None], *, key: str) -> JobResult:
    """Fails (an unexpected exception, so it is retried) while its key is in `failing`."""
    RECORDER.starts[ctx.job_id].append(time.monotonic())
    if key in RECORDER.failing:
        raise RuntimeError(f"boom in /secret/path/{key}")
    return {"key": key}


async def broken(ctx: JobContext[None], *, code: str) -> JobResult:
    """Fails for good with a domain error's code."""
    RECORDER.starts[ctx.job_id].append(time.monotonic())
    raise JobFailed("the input is wrong", code=code)


async def gated(ctx: JobContext[None], *, key: str) -> JobResult:
    """Reports progress, then waits for the test before its next progress point."""
    await ctx.progress(0, 2)
    RECORDER.started[key].set()
    await RECORDER.gates[key].wait()
    await ctx.progress(1, 2)
    await ctx.progress(2, 2)
    return {"key": key}


SAMPLE_BLOCK: Block[None] = Block(
    name="sample_jobs",
    jobs=(
        Job("flaky", flaky, queue="samples", max_attempts=4),
        Job("broken", broken, queue="samples"),
        Job("gated", gated, queue="samples"),
    ),
)
