"""HTTP routes of the worker block (SPEC §4.2: /api/admin/jobs...); admin only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from control.blocks.worker.events import JobEvents, valid_event_id
from control.blocks.worker.schemas import JobPage
from control.blocks.worker.service import JobService
from control.orchestration.contracts import JobRecord, JobStatus
from control.orchestration.identity import AdminOnlyController
from control.web.openapi import error_responses
from control.web.params import Id, Limit, Offset

JobType = Annotated[
    str | None, QueryParameter(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
]
EventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        max_length=50,
        required=False,
        description="Resume after this event (the last `id:` the client saw).",
    ),
]
# An idle stream sends a comment this often, so a vanished client is noticed.
KEEPALIVE_MS = 10_000


class JobController(AdminOnlyController):
    path = "/admin/jobs"
    tags = ["jobs", "admin"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @get("/", responses=error_responses(401, 403))
    async def list_jobs(
        self,
        jobs: NamedDependency[JobService],
        status: Annotated[JobStatus | None, QueryParameter()] = None,
        type: JobType = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> JobPage:
        """Jobs, newest first, filtered by status and type."""
        return await jobs.list_jobs(status=status, type=type, limit=limit, offset=offset)

    @get("/{job_id:int}", responses=error_responses(401, 403, 404))
    async def get_job(self, job_id: Id, jobs: NamedDependency[JobService]) -> JobRecord:
        """One job (JOB_NOT_FOUND otherwise)."""
        return await jobs.job(job_id)

    @post("/{job_id:int}/retry", status_code=202, responses=error_responses(401, 403, 404, 409))
    async def retry_job(self, job_id: Id, jobs: NamedDependency[JobService]) -> JobRecord:
        """Run a failed, dead or cancelled job again with fresh attempts (JOB_NOT_RETRYABLE
        otherwise; JOB_ALREADY_QUEUED when the same work is queued or running)."""
        return await jobs.retry(job_id)

    @post("/{job_id:int}/cancel", status_code=202, responses=error_responses(401, 403, 404, 409))
    async def cancel_job(self, job_id: Id, jobs: NamedDependency[JobService]) -> JobRecord:
        """Cancel a queued job now; a running one stops at its next progress point
        (`cancel_requested` until then). JOB_NOT_CANCELLABLE once it has ended."""
        return await jobs.cancel(job_id)

    @get("/events", responses=error_responses(401, 403), media_type="text/event-stream")
    async def job_events(
        self,
        job_events: NamedDependency[JobEvents],
        last_event_id: EventId = None,
    ) -> ServerSentEvent:
        """Server-sent events, one per job change (`data`: the job as it now stands, `id`:
        resume point). Send `Last-Event-ID` to continue after a disconnect."""
        start = valid_event_id(last_event_id) or await job_events.last_id()
        return ServerSentEvent(_stream(job_events, start))


async def _stream(events: JobEvents, start: str) -> AsyncIterator[ServerSentEventMessage]:
    # The first bytes go out at once, so a client knows it is subscribed from `start` on.
    yield ServerSentEventMessage(comment="subscribed", retry=2000, data=None)
    blocking = events.blocking()
    try:
        async for change in events.follow(blocking, start, block_ms=KEEPALIVE_MS):
            if change is None:
                yield ServerSentEventMessage(comment="keep-alive", data=None)
                continue
            event_id, job = change
            yield ServerSentEventMessage(data=job.decode(), event="job", id=event_id)
    finally:
        await blocking.aclose()
