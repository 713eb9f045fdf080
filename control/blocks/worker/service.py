"""Enqueueing, reading, retrying and cancelling jobs: the JOBS contract and the admin API.

A job is written to PostgreSQL first (the state of record), then its id goes onto its
queue's stream. An enqueue interrupted between the two leaves a queued job without a
message; the workers' sweep finds it and dispatches it (runner.py), so no job is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec
from redis.exceptions import RedisError

from control.blocks.worker import repository as repo
from control.blocks.worker.errors import (
    JobAlreadyQueued,
    JobNotCancellable,
    JobNotFound,
    JobNotRetryable,
)
from control.blocks.worker.events import JobEvents
from control.blocks.worker.queues import JobQueues
from control.blocks.worker.repository import Dispatch
from control.blocks.worker.schemas import JobPage
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import JobRecord
from control.orchestration.jobs import Job

SOURCE = "worker"
log = logging.getLogger("wsoptv.control.block.worker")


class JobService:
    def __init__(
        self,
        db: asyncpg.Pool,
        queues: JobQueues,
        events: JobEvents,
        bus: MessageBus,
        declared: Mapping[str, Job[Any]],
    ) -> None:
        self.db = db
        self.queues = queues
        self.events = events
        self.bus = bus
        self.declared = dict(declared)

    # the JOBS contract ------------------------------------------------------------------------

    async def enqueue(
        self,
        type: str,
        payload: dict[str, Any] | None = None,
        *,
        dedup_key: str | None = None,
        delay: float = 0.0,
    ) -> JobRecord:
        """A new queued job, or the unfinished one with the same dedup key."""
        job = self.declared.get(type)
        if job is None:
            raise ValueError(f"no block declares a job of type {type!r}")
        body = dict(payload or {})
        if not all(isinstance(key, str) and key.isidentifier() for key in body):
            raise ValueError("a job payload's keys must be identifiers (they become arguments)")
        # JSON round trip now: an unserialisable payload fails the caller, not the worker.
        body = msgspec.json.decode(msgspec.json.encode(body))
        while True:
            async with self.db.acquire() as conn:
                created = await repo.insert(
                    conn,
                    type=type,
                    queue=job.queue,
                    payload=body,
                    max_attempts=job.max_attempts,
                    dedup_key=dedup_key,
                    delay=max(0.0, delay),
                )
                if created is not None:
                    break
                assert dedup_key is not None
                existing = await repo.unfinished_by_key(conn, dedup_key)
            if existing is not None:
                return existing
            # It finished between the insert and the read: insert again.
        await self.events.publish(created)
        await self.dispatch(Dispatch(created.id, created.queue, 1), delay)
        return created

    async def get(self, job_id: int) -> JobRecord | None:
        async with self.db.acquire() as conn:
            return await repo.get(conn, job_id)

    # dispatching ------------------------------------------------------------------------------

    async def dispatch(self, dispatch: Dispatch, delay: float = 0.0) -> None:
        """Put a job generation on its stream (now, or after `delay` s through the delayed
        set). A Redis failure is only logged: the sweep dispatches the job later."""
        try:
            if delay > 0:
                await self.queues.schedule(dispatch, delay)
                return
            message_id = await self.queues.dispatch(dispatch)
        except RedisError as exc:
            log.warning("job %s not dispatched yet (Redis): %s", dispatch.job_id, exc)
            return
        async with self.db.acquire() as conn:
            await repo.set_message(conn, dispatch.job_id, dispatch.generation, message_id)

    async def changed(self, job: JobRecord) -> None:
        """Stream the job's new state; failed and dead jobs are announced on the bus too."""
        await self.events.publish(job)
        if job.status in ("failed", "dead"):
            channel = f"worker.job_{job.status}"
            payload = {
                "job_id": job.id,
                "type": job.type,
                "error_code": job.error_code,
                "attempts": job.attempts,
            }
            await self.bus.publish(channel, Event(source=SOURCE, type=channel, payload=payload))

    # the admin API ----------------------------------------------------------------------------

    async def job(self, job_id: int) -> JobRecord:
        found = await self.get(job_id)
        if found is None:
            raise JobNotFound(f"no job {job_id}", details={"id": job_id})
        return found

    async def list_jobs(
        self, *, status: str | None, type: str | None, limit: int, offset: int
    ) -> JobPage:
        async with self.db.acquire() as conn:
            items, total = await repo.page(
                conn, status=status, type=type, limit=limit, offset=offset
            )
        return JobPage(items, total, limit, offset)

    async def retry(self, job_id: int) -> JobRecord:
        """Run a failed, dead or cancelled job again, with fresh attempts."""
        async with self.db.acquire() as conn:
            try:
                retried = await repo.retry(conn, job_id)
            except asyncpg.UniqueViolationError:
                key = await repo.dedup_key(conn, job_id)
                same = None if key is None else await repo.unfinished_by_key(conn, key)
                raise JobAlreadyQueued(
                    "the same work is already queued or running",
                    details={"job_id": same.id if same else None},
                ) from None
            if retried is None:
                current = await repo.get(conn, job_id)
        if retried is None:
            if current is None:
                raise JobNotFound(f"no job {job_id}", details={"id": job_id})
            raise JobNotRetryable(
                f"a {current.status} job cannot be retried (only failed, dead or cancelled)",
                details={"status": current.status},
            )
        job, dispatch = retried
        await self.changed(job)
        await self.dispatch(dispatch)
        return job

    async def cancel(self, job_id: int) -> JobRecord:
        """Cancel a queued job now; ask a running one to stop at its next progress point."""
        async with self.db.acquire() as conn:
            cancelled = await repo.cancel(conn, job_id)
            current = None if cancelled is not None else await repo.get(conn, job_id)
        if cancelled is None:
            if current is None:
                raise JobNotFound(f"no job {job_id}", details={"id": job_id})
            raise JobNotCancellable(
                f"a {current.status} job has ended already",
                details={"status": current.status},
            )
        await self.changed(cancelled)
        return cancelled
