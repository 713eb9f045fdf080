"""The whole session lifecycle against real PostgreSQL and Redis (SPEC §4 auth)."""

from __future__ import annotations

from typing import Any

import httpx
from redis.asyncio import Redis

from tests.control.conftest import PASSWORD, bearer, error_code


async def test_register_login_me_refresh_reuse_logout(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    registered = await client.post(
        "/api/auth/register",
        json={"email": "Ann@Example.org", "username": "ann", "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    user = registered.json()
    assert (user["username"], user["role"], user["status"]) == ("ann", "user", "active")
    assert "password" not in str(user)

    tokens = await client.post(
        "/api/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert tokens.status_code == 200, tokens.text
    first = tokens.json()
    assert set(first) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (first["token_type"], first["expires_in"]) == ("bearer", 15 * 60)

    me = await client.get("/api/auth/me", headers=bearer(first))
    assert me.status_code == 200 and me.json()["id"] == user["id"]

    rotated = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/auth/me", headers=bearer(second))).status_code == 200

    # The spent token again: reuse. The whole family goes, including the rotated child.
    reused = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and error_code(reused) == "AUTH_REFRESH_REUSED"
    child = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert child.status_code == 401 and error_code(child) == "AUTH_REFRESH_REVOKED"
    revoked_access = await client.get("/api/auth/me", headers=bearer(second))
    assert error_code(revoked_access) == "AUTH_TOKEN_REVOKED"

    # A fresh session, then logout: its access token is blacklisted, its family revoked.
    third = await login_json(client)
    assert (await client.post("/api/auth/logout", headers=bearer(third))).status_code == 204
    # Blacklisted only as long as the token could live (15 min), then Redis forgets it.
    [jti_key] = await redis.keys("auth:revoked:jti:*")
    assert 0 < await redis.ttl(jti_key) <= 15 * 60 + 1
    after = await client.get("/api/auth/me", headers=bearer(third))
    assert after.status_code == 401 and error_code(after) == "AUTH_TOKEN_REVOKED"
    refresh_after = await client.post(
        "/api/auth/refresh", json={"refresh_token": third["refresh_token"]}
    )
    assert error_code(refresh_after) == "AUTH_REFRESH_REVOKED"


async def login_json(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/login", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
