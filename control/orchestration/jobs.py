"""Background jobs as blocks declare them, and what a job function sees while it runs.

A block owns the jobs that write its tables and declares them next to its routes:

    async def probe(ctx: JobContext[ContentServices], *, content_id: int) -> JobResult: ...

    BLOCK = Block(name="content", ..., jobs=(Job("probe", probe, queue="media"),))

A job function is a plain `async def job(ctx, **payload)`: the payload is the JSON object it
was enqueued with, `ctx.services` the block's started services, `ctx.progress(done, total)`
reports progress (and is where a cancel request stops it). What it returns is stored as the
job's result. Failing is raised, never looped by hand: `RetryJob` (or any unexpected
exception) retries with backoff until `max_attempts`, then the job is dead; a `JobFailed` or
any other domain error (`WsoptvError`) fails it at once, with its code. Jobs run at least
once: a job whose worker dies runs again, so its effects must be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from shared.errors import WsoptvError

S_co = TypeVar("S_co", covariant=True)
JobResult = Mapping[str, Any] | None
JobFunction = Callable[..., Awaitable[JobResult]]
DEFAULT_QUEUE = "default"


class JobContext(Protocol[S_co]):
    """What a running job sees: its identity, its block's services, progress and cancel."""

    @property
    def job_id(self) -> int: ...

    @property
    def attempt(self) -> int:
        """1 on the first run; a retry or a run after a worker died counts up."""
        ...

    @property
    def services(self) -> S_co: ...

    @property
    def log(self) -> logging.Logger: ...

    async def progress(self, done: int, total: int) -> None:
        """Record progress; raises JobCancelled when an admin asked the job to stop."""
        ...


@dataclass(frozen=True, slots=True)
class Job(Generic[S_co]):
    """A job type a block owns: `run(ctx, **payload)` on `queue`, tried `max_attempts` times."""

    type: str
    run: JobFunction
    queue: str = DEFAULT_QUEUE
    max_attempts: int = 3

    def __post_init__(self) -> None:
        if not self.type.isidentifier() or not self.queue.isidentifier():
            raise ValueError(f"job type and queue must be identifiers: {self.type!r}")
        if self.max_attempts < 1:
            raise ValueError(f"job {self.type!r}: max_attempts must be at least 1")


@dataclass(frozen=True, slots=True)
class BoundJob:
    """A declared job with the services of the block that started it (in a worker process)."""

    job: Job[Any]
    block: str
    services: Any


class JobFailed(WsoptvError):
    """Fail the job now, without retrying, with this error code (e.g. an unreadable file)."""

    code = "JOB_FAILED"
    status = 422


class RetryJob(Exception):
    """Retry the job after the backoff (or after `delay` seconds), up to max_attempts."""

    def __init__(self, reason: str, *, code: str = "JOB_RETRY", delay: float | None = None):
        super().__init__(reason)
        self.code = code
        self.delay = delay


class JobCancelled(Exception):
    """Raised inside a job at a progress point after an admin cancelled it."""
