"""JSON routes take JSON only: a form or text/plain body is 415, never parsed.

A browser sends a form or a `text/plain` POST cross-site without a CORS preflight; when the
server parsed such bodies as JSON, any web page could register accounts from a visitor's
browser (the outside review's finding).
"""

from __future__ import annotations

import json

import httpx
import pytest
from redis.asyncio import Redis

from tests.control.conftest import error_code

REGISTRATION = {"email": "csrf@example.org", "username": "csrf", "password": "Correct-Horse-9"}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
        "application/jsonx",
        "json",
    ],
)
async def test_a_body_that_is_not_declared_json_is_415_and_does_nothing(
    client: httpx.AsyncClient, redis: Redis, content_type: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        "/api/auth/register", content=json.dumps(REGISTRATION), headers=headers
    )
    assert (response.status_code, error_code(response)) == (415, "UNSUPPORTED_MEDIA_TYPE")
    # Nothing was created: the same registration as JSON still succeeds.
    ok = await client.post("/api/auth/register", json=REGISTRATION)
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_media_types_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post(
        "/api/auth/register",
        content=json.dumps(REGISTRATION),
        headers={"content-type": content_type},
    )
    assert response.status_code == 201, response.text


async def test_a_route_without_a_body_ignores_the_content_type(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"content-type": "text/plain"})
    assert response.status_code == 200


async def test_a_missing_body_is_still_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login")
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
    assert response.json()["error"]["message"] == "the request body is missing"
