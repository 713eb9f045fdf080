"""Token rules: parallel refresh, token kinds, expiry, password change, role guards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from control.settings import ControlSettings
from shared.token import KeyRing, mint, mint_stream_token
from tests.control.conftest import PASSWORD, app_with, bearer, error_code, login, running
from tests.control.sample_blocks import GUARDED


async def test_parallel_refreshes_of_one_token_never_both_win(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    tokens = await login(client, await make_account("ann"))
    body = {"refresh_token": tokens["refresh_token"]}
    results = await asyncio.gather(*(client.post("/api/auth/refresh", json=body) for _ in range(4)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 401}
    assert {error_code(r) for r in results if r.status_code == 401} == {"AUTH_REFRESH_REUSED"}


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/refresh", json={"refresh_token": "x" * 43})
    assert (response.status_code, error_code(response)) == (401, "AUTH_REFRESH_INVALID")


async def test_stream_tokens_and_foreign_tokens_are_refused(
    client: httpx.AsyncClient, settings: ControlSettings
) -> None:
    ring = KeyRing.parse(settings.access_token_keys)
    stream = mint_stream_token(ring, sub="1", cid="2", sid=str(uuid.uuid4()), path="a.mp4")
    wrong_audience = mint(
        ring,
        {"sub": "1", "role": "admin", "jti": "j", "fam": str(uuid.uuid4())},
        typ="access",
        audience="wsoptv-edge",
        ttl_seconds=60,
    )
    foreign = mint(
        KeyRing.parse("t1:" + "A" * 43),
        {"sub": "1", "role": "admin", "jti": "j", "fam": "f"},
        typ="access",
        audience="wsoptv-control",
        ttl_seconds=60,
    )
    for token, reason in (
        (stream, "wrong_type"),
        (wrong_audience, "wrong_audience"),
        (foreign, "bad_signature"),
        ("not.a.jwt", "malformed"),
    ):
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, error_code(response)) == (401, "AUTH_TOKEN_INVALID")
        assert response.json()["error"]["details"] == {"reason": reason}
    missing = await client.get("/api/auth/me")
    assert (missing.status_code, error_code(missing)) == (401, "AUTH_REQUIRED")


async def test_expired_access_token_says_so(
    client: httpx.AsyncClient, settings: ControlSettings
) -> None:
    ring = KeyRing.parse(settings.access_token_keys)
    claims = {"sub": "1", "role": "user", "jti": "j", "fam": str(uuid.uuid4())}
    old = mint(ring, claims, typ="access", audience="wsoptv-control", ttl_seconds=60, now=1e9)
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert (response.status_code, error_code(response)) == (401, "AUTH_TOKEN_EXPIRED")


async def test_password_change_revokes_the_other_sessions_only(
    client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    account = await make_account("ann")
    here, elsewhere = await login(client, account), await login(client, account)
    wrong = await client.patch(
        "/api/auth/me",
        headers=bearer(here),
        json={"current_password": "Wrong-pass-1", "new_password": "New-Secret-42"},
    )
    assert (wrong.status_code, error_code(wrong)) == (403, "AUTH_WRONG_PASSWORD")
    changed = await client.patch(
        "/api/auth/me",
        headers=bearer(here),
        json={"current_password": PASSWORD, "new_password": "New-Secret-42", "username": "anna"},
    )
    assert changed.status_code == 200 and changed.json()["username"] == "anna"

    assert (await client.get("/api/auth/me", headers=bearer(here))).status_code == 200
    gone = await client.get("/api/auth/me", headers=bearer(elsewhere))
    assert error_code(gone) == "AUTH_TOKEN_REVOKED"
    stale = await client.post(
        "/api/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]}
    )
    assert error_code(stale) == "AUTH_REFRESH_REVOKED"
    kept = await client.post("/api/auth/refresh", json={"refresh_token": here["refresh_token"]})
    assert kept.status_code == 200
    relogin = await client.post(
        "/api/auth/login", json={"email": account.email, "password": "New-Secret-42"}
    )
    assert relogin.status_code == 200


@pytest.fixture
async def guarded_client(settings: ControlSettings, redis: object) -> Any:
    from control.orchestration.registry import discover

    async with running(app_with(settings, [*discover(), GUARDED])) as client:
        yield client


async def test_role_guards(
    guarded_client: httpx.AsyncClient, make_account: Callable[..., Any]
) -> None:
    client = guarded_client
    anonymous = await client.get("/api/guarded/any")
    assert (anonymous.status_code, error_code(anonymous)) == (401, "AUTH_REQUIRED")
    expected = {
        "user": {"any": 200, "staff": 403, "admin": 403},
        "moderator": {"any": 200, "staff": 200, "admin": 403},
        "admin": {"any": 200, "staff": 200, "admin": 200},
    }
    for role, routes in expected.items():
        tokens = await login(client, await make_account(f"a_{role}", role=role))
        for route, status in routes.items():
            response = await client.get(f"/api/guarded/{route}", headers=bearer(tokens))
            assert response.status_code == status, (role, route)
            if status == 403:
                assert error_code(response) == "AUTH_FORBIDDEN"
        me = await client.get("/api/guarded/any", headers=bearer(tokens))
        assert me.json()["role"] == role


async def test_another_block_ends_a_users_sessions_through_the_contract(
    settings: ControlSettings, redis: object, make_account: Callable[..., Any]
) -> None:
    from control.orchestration.registry import discover
    from tests.control.sample_blocks import SUSPENDER

    async with running(app_with(settings, [*discover(), SUSPENDER])) as client:
        admin = await login(client, await make_account("root", role="admin"))
        ann = await make_account("ann")
        sessions = [await login(client, ann), await login(client, ann)]
        ended = await client.post(f"/api/suspender/{ann.id}", headers=bearer(admin))
        assert ended.json() == {"revoked": 2}
        for tokens in sessions:
            me = await client.get("/api/auth/me", headers=bearer(tokens))
            assert error_code(me) == "AUTH_TOKEN_REVOKED"
        assert (await client.get("/api/auth/me", headers=bearer(admin))).status_code == 200
