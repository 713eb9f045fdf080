"""The job system with an in-process worker: dedup, retries with backoff, dead, retry from
the API, cancel (queued and running), permanent failures, the lost-message sweep, health."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest
from litestar import Litestar

from control.blocks.worker import repository as repo
from control.orchestration.bus import Event
from control.orchestration.contracts import Jobs
from control.settings import ControlSettings
from tests.control.blocks.worker.conftest import BACKOFF_BASE, JobWaiter, worker_running
from tests.control.blocks.worker.sample_jobs import Recorder
from tests.control.conftest import error_code


async def test_the_same_work_enqueued_twice_is_one_job(jobs: Jobs) -> None:
    first = await jobs.enqueue("flaky", {"key": "a"}, dedup_key="flaky:a", delay=60)
    again = await jobs.enqueue("flaky", {"key": "a"}, dedup_key="flaky:a")
    other = await jobs.enqueue("flaky", {"key": "b"}, dedup_key="flaky:b")
    assert again.id == first.id and other.id != first.id
    assert (first.status, first.attempts, first.max_attempts) == ("queued", 0, 4)
    with pytest.raises(ValueError, match="no block declares"):
        await jobs.enqueue("no_such_job")


@pytest.mark.usefixtures("worker")
async def test_a_job_runs_and_records_its_result(jobs: Jobs, waiter: JobWaiter) -> None:
    job = await jobs.enqueue("flaky", {"key": "ok"})
    done = await waiter.finished(job.id)
    assert (done.status, done.result, done.attempts, done.error_code) == (
        "succeeded",
        {"key": "ok"},
        1,
        None,
    )
    assert done.worker and done.started_at and done.finished_at
    # Finished: the same dedup key makes a new job.
    assert (await jobs.enqueue("flaky", {"key": "ok"}, dedup_key="k")).id != job.id


async def test_an_always_failing_job_is_dead_after_max_attempts_with_backoff(
    app: Litestar,
    jobs: Jobs,
    waiter: JobWaiter,
    recorder: Recorder,
    worker: Any,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    recorder.failing.add("bad")
    dead_events: list[Event] = []
    heard = asyncio.Event()

    async def on_dead(event: Event) -> None:
        dead_events.append(event)
        heard.set()

    app.state.bus.subscribe("worker.job_dead", on_dead)
    job = await jobs.enqueue("flaky", {"key": "bad"})
    dead = await waiter.finished(job.id)
    assert (dead.status, dead.attempts, dead.error_code) == ("dead", 4, "JOB_ERROR")
    # The client gets a generic message; the traceback (and the path in it) is in the log.
    assert dead.error is not None and "secret" not in dead.error
    starts = recorder.starts[job.id]
    assert len(starts) == 4
    for attempt, (before, after) in enumerate(itertools.pairwise(starts), start=1):
        ceiling = BACKOFF_BASE * 2 ** (attempt - 1)
        # Equal jitter: within [d/2, d] of the failure, plus the delayed set's poll and a run.
        assert ceiling / 2 <= after - before <= ceiling + 1.0, (attempt, after - before)
    await asyncio.wait_for(heard.wait(), 10)
    assert dead_events[0].payload == {
        "job_id": job.id,
        "type": "flaky",
        "error_code": "JOB_ERROR",
        "attempts": 4,
    }

    # Retried from the API, it runs again with fresh attempts (and now succeeds).
    recorder.failing.clear()
    retried = await client.post(f"/api/admin/jobs/{job.id}/retry", headers=admin_headers)
    assert retried.status_code == 202, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("queued", 0)
    done = await waiter.finished(job.id)
    assert (done.status, done.attempts, done.result) == ("succeeded", 1, {"key": "bad"})
    again = await client.post(f"/api/admin/jobs/{job.id}/retry", headers=admin_headers)
    assert (again.status_code, error_code(again)) == (409, "JOB_NOT_RETRYABLE")
    assert again.json()["error"]["details"] == {"status": "succeeded"}


@pytest.mark.usefixtures("worker")
async def test_a_domain_error_fails_the_job_at_once_with_its_code(
    app: Litestar, jobs: Jobs, waiter: JobWaiter, recorder: Recorder
) -> None:
    heard: asyncio.Queue[Event] = asyncio.Queue()

    async def on_failed(event: Event) -> None:
        await heard.put(event)

    app.state.bus.subscribe("worker.job_failed", on_failed)
    job = await jobs.enqueue("broken", {"code": "MEDIA_UNREADABLE"})
    failed = await waiter.finished(job.id)
    assert (failed.status, failed.attempts, failed.error_code) == (
        "failed",
        1,
        "MEDIA_UNREADABLE",
    )
    assert len(recorder.starts[job.id]) == 1  # never retried
    event = await asyncio.wait_for(heard.get(), 10)
    assert event.payload["job_id"] == job.id and event.payload["error_code"] == "MEDIA_UNREADABLE"


async def test_cancel_stops_a_queued_job(
    jobs: Jobs,
    waiter: JobWaiter,
    recorder: Recorder,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: ControlSettings,
) -> None:
    job = await jobs.enqueue("flaky", {"key": "never"})
    cancelled = await client.post(f"/api/admin/jobs/{job.id}/cancel", headers=admin_headers)
    assert cancelled.status_code == 202, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    # A worker that starts now drops its message: the job never runs.
    marker = await jobs.enqueue("flaky", {"key": "after"})
    async with worker_running(settings):
        await waiter.finished(marker.id)
    assert job.id not in recorder.starts
    assert (await jobs.get(job.id)).status == "cancelled"  # type: ignore[union-attr]
    again = await client.post(f"/api/admin/jobs/{job.id}/cancel", headers=admin_headers)
    assert (again.status_code, error_code(again)) == (409, "JOB_NOT_CANCELLABLE")


@pytest.mark.usefixtures("worker")
async def test_cancel_stops_a_running_job_at_its_next_progress_point(
    jobs: Jobs,
    waiter: JobWaiter,
    recorder: Recorder,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    job = await jobs.enqueue("gated", {"key": "long"})
    await asyncio.wait_for(recorder.started["long"].wait(), 30)
    asked = await client.post(f"/api/admin/jobs/{job.id}/cancel", headers=admin_headers)
    assert asked.status_code == 202
    assert (asked.json()["status"], asked.json()["cancel_requested"]) == ("running", True)
    recorder.gates["long"].set()  # the job reaches its next progress point
    done = await waiter.finished(job.id)
    # It never returned: the progress point that saw the request raised JobCancelled.
    assert (done.status, done.error_code, done.result) == ("cancelled", "JOB_CANCELLED", None)


async def test_admin_routes_list_and_guard_jobs(
    jobs: Jobs, client: httpx.AsyncClient, admin_headers: dict[str, str], make_account: Any
) -> None:
    first = await jobs.enqueue("flaky", {"key": "1"}, delay=60)
    second = await jobs.enqueue("broken", {"code": "X"}, delay=60)
    page = await client.get("/api/admin/jobs", headers=admin_headers)
    assert page.status_code == 200
    assert [item["id"] for item in page.json()["items"]] == [second.id, first.id]
    only = await client.get(
        "/api/admin/jobs", params={"type": "broken", "status": "queued"}, headers=admin_headers
    )
    assert [item["id"] for item in only.json()["items"]] == [second.id]
    one = await client.get(f"/api/admin/jobs/{first.id}", headers=admin_headers)
    assert one.json()["payload"] == {"key": "1"} and one.json()["progress"] == {
        "done": 0,
        "total": 0,
    }
    missing = await client.get("/api/admin/jobs/999999", headers=admin_headers)
    assert (missing.status_code, error_code(missing)) == (404, "JOB_NOT_FOUND")
    bad = await client.get("/api/admin/jobs", params={"status": "nope"}, headers=admin_headers)
    assert bad.status_code == 400
    assert (await client.get("/api/admin/jobs")).status_code == 401
    from tests.control.conftest import bearer, login

    viewer = bearer(await login(client, await make_account("viewer")))
    forbidden = await client.post(f"/api/admin/jobs/{first.id}/retry", headers=viewer)
    assert (forbidden.status_code, error_code(forbidden)) == (403, "AUTH_FORBIDDEN")


async def test_a_job_whose_message_never_reached_redis_is_swept_and_runs(
    app: Litestar, jobs: Jobs, waiter: JobWaiter, settings: ControlSettings
) -> None:
    # An enqueue interrupted between its INSERT and its XADD: a queued row, no message.
    async with app.state.db.acquire() as conn:
        orphan = await repo.insert(
            conn,
            type="flaky",
            queue="samples",
            payload={"key": "orphan"},
            max_attempts=4,
            dedup_key=None,
            delay=0,
        )
    assert orphan is not None
    async with worker_running(settings):
        runner = app.state.registry.services("worker").runner
        assert await runner.sweep(older_than=0) == 1
        done = await waiter.finished(orphan.id)
    assert done.status == "succeeded" and done.result == {"key": "orphan"}


async def test_health_shows_whether_a_worker_is_alive(
    client: httpx.AsyncClient, settings: ControlSettings
) -> None:
    before = (await client.get("/api/health")).json()
    assert before["dependencies"]["worker"] == {"status": "down", "required": False}
    assert before["status"] == "degraded"
    async with worker_running(settings):
        during = (await client.get("/api/health")).json()
        assert during["dependencies"]["worker"]["status"] == "up"
        assert during["blocks"]["worker"]["status"] == "healthy"
        metrics = (await client.get("/metrics")).text
    assert "wsoptv_jobs_queue_depth" in metrics


async def test_a_job_whose_runs_keep_dying_with_their_worker_ends_dead(
    app: Litestar, jobs: Jobs, waiter: JobWaiter, settings: ControlSettings, recorder: Recorder
) -> None:
    # A worker took the job's message and died mid-run on its last attempt: the message is
    # pending under a consumer that will never renew it, the row says running.
    job = await jobs.enqueue("flaky", {"key": "doomed"})
    queues = app.state.registry.services("worker").jobs.queues
    await queues.ensure_groups(["samples"])
    (message,) = await queues.read(queues.redis, "dead-worker", ["samples"], 1, 100)
    assert message.dispatch is not None and message.dispatch.job_id == job.id
    async with app.state.db.acquire() as conn, conn.transaction():
        run = await repo.start(conn, message.dispatch, message.message_id, "dead-worker")
        assert run is not None
        await conn.execute("UPDATE jobs SET attempts = max_attempts WHERE id = $1", job.id)
    async with worker_running(settings):  # reclaims it after JOB_RECLAIM_IDLE
        dead = await waiter.finished(job.id)
    assert (dead.status, dead.error_code) == ("dead", "JOB_CRASH_LOOP")
    assert job.id not in recorder.starts  # a crash loop is not run once more


@pytest.mark.usefixtures("worker")
async def test_job_metrics_sum_every_worker(
    app: Litestar, jobs: Jobs, waiter: JobWaiter, client: httpx.AsyncClient
) -> None:
    await waiter.finished((await jobs.enqueue("flaky", {"key": "m"})).id)
    await app.state.registry.services("worker").metrics.refresh()
    text = (await client.get("/metrics")).text
    assert 'wsoptv_jobs{status="succeeded",type="flaky"} 1.0' in text
    assert 'wsoptv_job_runs_total{outcome="succeeded",type="flaky"} 1.0' in text
    assert 'wsoptv_job_duration_seconds_count{type="flaky"} 1.0' in text
    assert "wsoptv_job_reclaims_total 0.0" in text
    assert 'wsoptv_jobs_queue_depth{queue="samples"} 0.0' in text
