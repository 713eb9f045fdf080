"""GET /api/admin/jobs/events over real HTTP (uvicorn): every change of a job, in order,
and nothing lost across a disconnect when the client resumes with Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from redis.asyncio import Redis

from control.app import create_app
from control.blocks.worker.events import EVENTS
from control.orchestration.contracts import JOBS, Jobs
from control.settings import ControlSettings
from tests.control.blocks.worker.conftest import blocks, worker_running
from tests.control.blocks.worker.sample_jobs import Recorder
from tests.control.conftest import PASSWORD
from tests.support import free_port


@pytest.fixture
async def served(settings: ControlSettings, redis: Redis) -> AsyncIterator[tuple[str, Jobs]]:
    """The control app behind uvicorn on a free port (httpx's ASGI transport buffers whole
    responses, so a stream needs a real server); its base URL and JOBS contract."""
    app = create_app(settings, blocks=blocks())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for it)
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}", app.state.registry.provided(JOBS)
    finally:
        server.should_exit = True
        await task


async def events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Parsed SSE messages ({id, event, data}); the comments ({comment}) too."""
    message: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if not line:
            if message:
                yield message
            message = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            field, _, value = line.partition(": ")
            message[field] = value


async def test_a_client_sees_every_change_in_order_and_resumes_after_a_disconnect(
    served: tuple[str, Jobs],
    settings: ControlSettings,
    make_account: Any,
    recorder: Recorder,
    redis: Redis,
) -> None:
    base, jobs = served
    await make_account("root", role="admin")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        tokens = await http.post(
            "/api/auth/login", json={"email": "root@example.org", "password": PASSWORD}
        )
        admin = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        assert (await http.get("/api/admin/jobs/events")).status_code == 401
        seen: list[dict[str, Any]] = []
        async with worker_running(settings):
            async with http.stream("GET", "/api/admin/jobs/events", headers=admin) as first:
                assert first.headers["content-type"].startswith("text/event-stream")
                stream = events(first)
                assert (await anext(stream)) == {"comment": "subscribed"}
                job = await jobs.enqueue("gated", {"key": "sse"})
                async for message in stream:
                    if "data" not in message:
                        continue
                    seen.append(message)
                    if json.loads(message["data"])["progress"]["total"] == 2:
                        break  # running, with its first progress: now drop the connection
            last_id = seen[-1]["id"]
            recorder.gates["sse"].set()  # the job goes on while nobody listens
            headers = {**admin, "Last-Event-ID": last_id}
            async with http.stream("GET", "/api/admin/jobs/events", headers=headers) as again:
                async for message in events(again):
                    if "data" not in message:
                        continue
                    seen.append(message)
                    if json.loads(message["data"])["status"] == "succeeded":
                        break
    changes = [json.loads(message["data"]) for message in seen]
    assert all(change["id"] == job.id for change in changes)
    assert all(message["event"] == "job" for message in seen)
    # Exactly what the stream recorded for the job, in its order: nothing lost, no repeat.
    recorded = [entry_id for entry_id, _ in await redis.xrange(EVENTS) or []]
    assert [message["id"] for message in seen] == [
        entry_id.decode() if isinstance(entry_id, bytes) else entry_id for entry_id in recorded
    ]
    statuses = [change["status"] for change in changes]
    assert statuses[0] == "queued" and statuses[-1] == "succeeded"
    assert statuses[1:-1] == ["running"] * (len(statuses) - 2)
    done = [change["progress"]["done"] for change in changes]
    assert done == sorted(done) and done[-1] == 2
