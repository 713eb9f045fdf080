"""bcrypt runs off the event loop: a cheap request stays cheap during a burst of logins."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from control.blocks.auth.passwords import hash_password
from tests.control.conftest import PASSWORD, bearer, login


async def test_cheap_requests_stay_fast_during_ten_concurrent_logins(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    tokens = await login(client, account)
    started = time.perf_counter()
    await asyncio.to_thread(hash_password, PASSWORD, 12)
    one_hash = time.perf_counter() - started

    # Ten accounts: parallel logins of one account from one address count against its
    # failed-login limit until each has checked its password.
    bodies = [
        {"email": (await make_account(f"user{i}")).email, "password": PASSWORD} for i in range(10)
    ]
    logins = [asyncio.create_task(client.post("/api/auth/login", json=b)) for b in bodies]
    await asyncio.sleep(0)  # let the logins reach the server first
    latencies = []
    for _ in range(5):
        started = time.perf_counter()
        assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
        latencies.append(time.perf_counter() - started)
    overlapped = not all(task.done() for task in logins)
    results = await asyncio.gather(*logins)

    assert [r.status_code for r in results] == [200] * 10
    assert overlapped, "the logins finished before the cheap requests: nothing was measured"
    # Were bcrypt on the loop, each cheap request would wait for at least one whole hash.
    ratio = statistics.median(latencies) / one_hash
    assert ratio < 0.25, f"cheap request took {ratio:.2f} of one bcrypt hash"
