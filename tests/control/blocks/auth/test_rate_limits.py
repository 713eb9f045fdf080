"""Rate limits in Redis: login per account+IP with backoff, registration per IP, API per IP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import PASSWORD, app_with, bearer, error_code, login, running
from tests.control.orchestration.test_bus import Inbox


def limited(settings: ControlSettings, **limits: int) -> ControlSettings:
    return settings.model_copy(update=limits)


async def test_failed_logins_lock_the_account_for_that_address_with_backoff(
    settings: ControlSettings, redis: Redis, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    app = app_with(limited(settings, login_limit_per_account_ip=2, login_window=10), discover())
    wrong = {"email": account.email, "password": "Wrong-pass-1"}
    right = {"email": account.email, "password": PASSWORD}
    async with running(app, client_ip="10.0.0.1") as client:
        for _ in range(2):
            assert (await client.post("/api/auth/login", json=wrong)).status_code == 401
        locked = await client.post("/api/auth/login", json=right)
        assert (locked.status_code, error_code(locked)) == (429, "RATE_LIMITED")
        assert 1 <= int(locked.headers["retry-after"]) <= 10
        # The lock expiring (simulated) and one more failure: the lockout doubles.
        for key in await redis.keys("rl:login:lock:*"):
            await redis.delete(key)
        assert (await client.post("/api/auth/login", json=wrong)).status_code == 401
        again = await client.post("/api/auth/login", json=right)
        assert 10 < int(again.headers["retry-after"]) <= 20
    async with running(app, client_ip="10.0.0.2") as elsewhere:
        assert (await elsewhere.post("/api/auth/login", json=right)).status_code == 200


async def test_a_successful_login_clears_the_failure_count(
    settings: ControlSettings, redis: Redis, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    app = app_with(limited(settings, login_limit_per_account_ip=2), discover())
    wrong = {"email": account.email, "password": "Wrong-pass-1"}
    async with running(app) as client:
        assert (await client.post("/api/auth/login", json=wrong)).status_code == 401
        ok = await client.post("/api/auth/login", json={**wrong, "password": PASSWORD})
        assert ok.status_code == 200
        assert (await client.post("/api/auth/login", json=wrong)).status_code == 401
        assert not await redis.keys("rl:login:lock:*")


async def test_login_attempts_per_address_are_limited(
    settings: ControlSettings, redis: Redis
) -> None:
    app = app_with(limited(settings, login_limit_per_ip=2), discover())
    async with running(app) as client:
        for name in ("a", "b"):
            body = {"email": f"{name}@example.org", "password": "A" * 80}  # 422, no hashing
            assert (await client.post("/api/auth/login", json=body)).status_code == 422
        third = await client.post(
            "/api/auth/login", json={"email": "c@example.org", "password": "x"}
        )
        assert (third.status_code, error_code(third)) == (429, "RATE_LIMITED")


async def test_registrations_per_address_are_limited(
    settings: ControlSettings, redis: Redis
) -> None:
    app = app_with(limited(settings, register_limit_per_ip=1), discover())
    body = {"email": "a@example.org", "username": "ann", "password": "weak"}
    async with running(app) as client:
        assert (await client.post("/api/auth/register", json=body)).status_code == 422
        second = await client.post("/api/auth/register", json=body)
        assert (second.status_code, error_code(second)) == (429, "RATE_LIMITED")
        assert int(second.headers["retry-after"]) > 0


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/no-such-route"])
async def test_general_per_address_limit_covers_the_whole_api(
    settings: ControlSettings, redis: Redis, path: str
) -> None:
    app = app_with(limited(settings, rate_limit_per_ip=3), discover())
    async with running(app) as client:
        for _ in range(3):
            assert (await client.get(path)).status_code in (401, 404)
        over = await client.get(path)
        assert (over.status_code, error_code(over)) == (429, "RATE_LIMITED")
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert over.json()["error"]["details"]["limit"] == 3
        assert (await client.get("/api/health")).status_code == 200
    async with running(app, client_ip="10.9.9.9") as other:
        assert (await other.get(path)).status_code in (401, 404)


async def test_a_parallel_burst_of_wrong_passwords_gets_only_the_limit_through(
    settings: ControlSettings, redis: Redis, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    app = app_with(limited(settings, login_limit_per_account_ip=5), discover())
    async with running(app) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/auth/login", json={"email": account.email, "password": f"Wrong-{i}-aA1"}
                )
                for i in range(20)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [401] * 5 + [429] * 15
        right = await client.post(
            "/api/auth/login", json={"email": account.email, "password": PASSWORD}
        )
        assert (right.status_code, error_code(right)) == (429, "RATE_LIMITED")


async def test_current_password_guesses_are_limited_and_reported(
    settings: ControlSettings, redis: Redis, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    app = app_with(limited(settings, login_limit_per_account_ip=3), discover())
    inbox = Inbox()
    app.state.bus.subscribe("auth.login.failed", inbox)
    async with running(app) as client:
        tokens = await login(client, account)  # a stolen access token, say

        def change(current: str) -> Any:
            body = {"current_password": current, "new_password": "New-Secret-42"}
            return client.patch("/api/auth/me", headers=bearer(tokens), json=body)

        guesses = await asyncio.gather(*(change(f"Guess-{i}-aA1") for i in range(6)))
        statuses = sorted(r.status_code for r in guesses)
        assert statuses == [403] * 3 + [429] * 3
        right = await change(PASSWORD)
        assert (right.status_code, error_code(right)) == (429, "RATE_LIMITED")
        events = await inbox.wait_for(3)
        assert {e.payload["reason"] for e in events} == {"wrong_current_password"}
        assert {e.payload["user_id"] for e in events} == {account.id}
        # Logging in is a separate count: the owner can still log in from here.
        assert (
            await client.post(
                "/api/auth/login", json={"email": account.email, "password": PASSWORD}
            )
        ).status_code == 200


async def test_failed_logins_from_one_ipv6_64_share_a_lockout(
    settings: ControlSettings, redis: Redis, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    app = app_with(limited(settings, login_limit_per_account_ip=2), discover())
    wrong = {"email": account.email, "password": "Wrong-pass-1"}
    for address in ("2001:db8::1", "2001:db8::2"):
        async with running(app, client_ip=address) as client:
            assert (await client.post("/api/auth/login", json=wrong)).status_code == 401
    async with running(app, client_ip="2001:db8::3") as client:
        right = await client.post("/api/auth/login", json={**wrong, "password": PASSWORD})
        assert (right.status_code, error_code(right)) == (429, "RATE_LIMITED")
