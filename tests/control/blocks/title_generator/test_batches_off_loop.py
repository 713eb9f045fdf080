"""Title batches are parsed off the event loop, and a process takes a bounded number."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from litestar import Litestar

from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import app_with, bearer, error_code, login, running

# Long names make a batch cost about a second of CPU: far longer than the requests below.
NAME = ("WSOP 2025 Main Event Day 2A Part 2 Hellmuth vs Negreanu " * 20)[:1000] + ".mp4"
PATH = ("ARCHIVE/WSOP/2025/Main Event/" * 150)[:4000] + "/x.mp4"
HEAVY = {"items": [{"file_name": NAME, "file_path": PATH}] * 500}


async def test_other_requests_are_answered_while_a_batch_is_parsed(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    headers = bearer(await login(client, await make_account("ann")))
    batch = asyncio.create_task(
        client.post("/api/titles/generate/batch", json=HEAVY, headers=headers)
    )
    answered_meanwhile = 0
    # With the parsing on the event loop, no other request could finish before the batch.
    while not batch.done() and answered_meanwhile < 5:
        health = await client.get("/api/health")
        assert health.status_code == 200
        answered_meanwhile += not batch.done()
    response = await batch
    assert response.status_code == 200 and len(response.json()["results"]) == 500
    assert answered_meanwhile == 5


async def test_a_process_takes_a_bounded_number_of_batches(
    settings: ControlSettings, redis: object, make_account: Callable[..., Any]
) -> None:
    app: Litestar = app_with(
        settings.model_copy(update={"title_batches_per_process": 1}), discover()
    )
    async with running(app) as client:
        headers = bearer(await login(client, await make_account("ann")))
        answers = await asyncio.gather(
            *(
                client.post("/api/titles/generate/batch", json=HEAVY, headers=headers)
                for _ in range(2)
            )
        )
        assert sorted(a.status_code for a in answers) == [200, 503]
        busy = next(a for a in answers if a.status_code == 503)
        assert error_code(busy) == "TITLES_BUSY" and int(busy.headers["retry-after"]) >= 1
