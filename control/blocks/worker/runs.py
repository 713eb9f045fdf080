"""One run of a job: the context its function gets, the backoff before a retry.

A run's progress writes are fenced by its run id like every other write it makes: one that
finds the run gone (another worker took the job over) raises RunLost, and one that finds
an admin's cancel request raises JobCancelled, so both stop the job at a progress point.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any

from control.blocks.worker import repository as repo
from control.blocks.worker.repository import Run
from control.blocks.worker.service import JobService
from control.orchestration.jobs import JobCancelled

PROGRESS_WRITE_INTERVAL = 0.25  # at most four progress writes a second per job


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    reclaim_idle: float  # s a message may go without a renewed claim before it is reclaimed
    max_deliveries: int  # deliveries of one message before its job is dead (crash loop)
    backoff_base: float  # s before the first retry; doubled each attempt
    backoff_max: float


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with equal jitter: within [d/2, d], d = base * 2^(attempt-1)."""
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return float(delay / 2 + random.uniform(0, delay / 2))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class RunLost(Exception):
    """This run's claim went to another worker: it must stop and write nothing."""


@dataclass(slots=True)
class RunContext:
    """The JobContext a job function gets."""

    run: Run
    services: Any
    log: logging.Logger
    _service: JobService
    _written: float = 0.0

    @property
    def job_id(self) -> int:
        return self.run.job.id

    @property
    def attempt(self) -> int:
        return self.run.job.attempts

    async def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if not finished and now - self._written < PROGRESS_WRITE_INTERVAL:
            return
        self._written = now
        async with self._service.db.acquire() as conn:
            job = await repo.progress(conn, self.job_id, self.run.run_id, max(0, done), total)
        if job is None:
            raise RunLost(f"job {self.job_id}: the run lost its claim")
        await self._service.events.publish(job)
        if job.cancel_requested:
            raise JobCancelled(f"job {self.job_id} was cancelled")
