"""Registration, password rules, account statuses, identical failures, events."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from control.orchestration.bus import Event
from control.settings import ControlSettings
from tests.control.conftest import PASSWORD, app_with, error_code, running
from tests.control.orchestration.test_bus import Inbox


async def register(
    client: httpx.AsyncClient, name: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/auth/register",
        json={"email": f"{name}@example.org", "username": name, "password": password},
    )


async def test_password_rules_answer_422_with_reasons(client: httpx.AsyncClient) -> None:
    weak = await register(client, "ann", "short")
    assert (weak.status_code, error_code(weak)) == (422, "AUTH_WEAK_PASSWORD")
    assert "an upper-case letter" in weak.json()["error"]["details"]["requirements"]
    # 3 + 2 * 40 = 83 bytes: bcrypt would silently ignore the tail, so it is refused.
    too_long = await register(client, "ann", "Aa1" + "é" * 40)
    assert (too_long.status_code, error_code(too_long)) == (422, "AUTH_WEAK_PASSWORD")
    login = await client.post(
        "/api/auth/login", json={"email": "ann@example.org", "password": "Aa1" + "é" * 40}
    )
    assert (login.status_code, error_code(login)) == (422, "AUTH_PASSWORD_TOO_LONG")


async def test_malformed_bodies_are_400_validation_errors(client: httpx.AsyncClient) -> None:
    for body in (
        {"email": "not-an-email", "username": "ann", "password": PASSWORD},
        {"email": "a@b.org", "username": "has space", "password": PASSWORD},
        {"email": "a@b.org", "username": "ann"},
        {"email": "a@b.org", "username": "ann", "password": PASSWORD, "role": "admin"},
    ):
        response = await client.post("/api/auth/register", json=body)
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR"), body
    broken = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert (broken.status_code, error_code(broken)) == (400, "BAD_REQUEST")


async def test_duplicate_email_or_username_is_409_in_any_case(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    await make_account("ann")
    response = await client.post(
        "/api/auth/register",
        json={"email": "ANN@example.org", "username": "someone", "password": PASSWORD},
    )
    assert (response.status_code, error_code(response)) == (409, "AUTH_USER_EXISTS")


async def test_approval_mode_registers_pending_accounts_that_cannot_log_in(
    settings: ControlSettings, redis: object, db: asyncpg.Connection
) -> None:
    app = app_with(settings.model_copy(update={"registration_requires_approval": True}), None)
    async with running(app) as client:
        created = await register(client, "ann")
        assert created.status_code == 201 and created.json()["status"] == "pending"
        login = await client.post(
            "/api/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
        )
        assert (login.status_code, error_code(login)) == (403, "AUTH_ACCOUNT_PENDING")
        await db.execute("UPDATE users SET status = 'suspended' WHERE username = 'ann'")
        login = await client.post(
            "/api/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
        )
        assert (login.status_code, error_code(login)) == (403, "AUTH_ACCOUNT_SUSPENDED")


async def test_unknown_user_and_wrong_password_look_and_last_the_same(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    await make_account("ann")

    async def attempt(email: str) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = await client.post(
            "/api/auth/login", json={"email": email, "password": "Wrong-pass-1"}
        )
        return time.perf_counter() - started, response

    # Interleaved, so a burst of load from elsewhere hits both kinds alike.
    wrong_password, unknown_user = [], []
    for _ in range(3):
        wrong_password.append(await attempt("ann@example.org"))
        unknown_user.append(await attempt("nobody@example.org"))
    bodies = {
        (r.status_code, r.text.replace("nobody", "ann")) for _, r in wrong_password + unknown_user
    }
    assert len(bodies) == 1 and error_code(wrong_password[0][1]) == "AUTH_INVALID_CREDENTIALS"
    # Without the dummy hash an unknown user answers ~100x faster; with it, about as fast.
    ratio = min(t for t, _ in unknown_user) / min(t for t, _ in wrong_password)
    assert 0.33 < ratio < 3.0, ratio


async def test_auth_events_are_published(
    app: Litestar, client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    inbox = Inbox()
    app.state.bus.subscribe("auth.*", inbox)
    created = await register(client, "ann")
    await client.post("/api/auth/login", json={"email": "ann@example.org", "password": "Nope-123x"})
    await client.post("/api/auth/login", json={"email": "ann@example.org", "password": PASSWORD})
    events: list[Event] = await inbox.wait_for(3)
    assert [e.type for e in events] == [
        "auth.user_created",
        "auth.login.failed",
        "auth.login.success",
    ]
    assert {e.source for e in events} == {"auth"}
    user_id = created.json()["id"]
    assert events[0].payload == {"user_id": user_id, "username": "ann", "status": "active"}
    assert events[1].payload["reason"] == "invalid_credentials"
    assert events[2].payload["user_id"] == user_id


async def test_refresh_tokens_are_stored_only_as_hashes(
    client: httpx.AsyncClient, make_account: Callable[..., Any], db: asyncpg.Connection
) -> None:
    from tests.control.conftest import login

    tokens = await login(client, await make_account("ann"))
    rows = await db.fetch("SELECT token_hash::text AS h, * FROM refresh_sessions")
    assert len(rows) == 1
    assert bytes(rows[0]["token_hash"]) == hashlib.sha256(tokens["refresh_token"].encode()).digest()
    assert tokens["refresh_token"] not in str([dict(r) for r in rows])


async def test_a_deleted_account_is_404_on_every_me_route(
    client: httpx.AsyncClient, make_account: Callable[..., Any], db: asyncpg.Connection
) -> None:
    from tests.control.conftest import bearer, login

    account = await make_account("ann")
    tokens = await login(client, account)
    await db.execute("DELETE FROM users WHERE id = $1", account.id)
    for body in ({}, {"username": "anna"}):
        response = await client.patch("/api/auth/me", headers=bearer(tokens), json=body)
        assert (response.status_code, error_code(response)) == (404, "AUTH_USER_NOT_FOUND")
    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert (me.status_code, error_code(me)) == (404, "AUTH_USER_NOT_FOUND")
