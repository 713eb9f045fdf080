"""Every error leaves in the contract's shape with a stable code; no internals leak."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import InternalServerException
from litestar.params import FromQuery

from control.orchestration.block import Block, BlockContext
from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import app_with, error_code, running
from tests.control.sample_blocks import GUARDED


async def test_unknown_route_is_404_not_found(client: httpx.AsyncClient) -> None:
    for path in ("/api/nope", "/nope", "/api/auth/me/extra"):
        response = await client.get(path)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND"), path


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/auth/login")
    assert (response.status_code, error_code(response)) == (405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["allow"]


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/api/nope"), await client.get("/api/health")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    echoed = await client.get("/api/health", headers={"X-Request-ID": "trace-1234abcd"})
    assert echoed.headers["x-request-id"] == "trace-1234abcd"
    refused = await client.get("/api/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert refused.headers["x-request-id"] != "bad id\nwith newline"


async def test_unexpected_exception_is_500_internal_with_the_request_id_logged(
    settings: ControlSettings, redis: object, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(app_with(settings, [*discover(), GUARDED])) as client:
        with caplog.at_level(logging.INFO, logger="wsoptv"):
            response = await client.get("/api/guarded/crash")
    assert (response.status_code, error_code(response)) == (500, "INTERNAL")
    request_id = response.json()["error"]["details"]["request_id"]
    assert request_id == response.headers["x-request-id"]
    assert "passwd" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback is in the log only
    access = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert access and access[0].__dict__["status"] == 500


@dataclass(frozen=True)
class StoreServices:
    pool: asyncpg.Pool


async def _store_start(ctx: BlockContext) -> StoreServices:
    return StoreServices(ctx.db)


@get("/store/echo")
async def store_echo(value: FromQuery[str], pool: NamedDependency[asyncpg.Pool]) -> dict[str, Any]:
    return {"value": await pool.fetchval("SELECT $1::text", value)}


@get("/store/bug")
async def store_bug(pool: NamedDependency[asyncpg.Pool]) -> dict[str, Any]:
    # asyncpg refuses the argument itself: our mistake, not the client's.
    return {"value": await pool.fetchval("SELECT $1::text", 5)}


STORE = Block("store", start=_store_start, route_handlers=(store_echo, store_bug))


async def test_a_value_the_database_refuses_is_400_and_a_bad_query_argument_500(
    settings: ControlSettings, redis: object
) -> None:
    async with running(app_with(settings, [*discover(), STORE])) as client:
        assert (await client.get("/api/store/echo", params={"value": "ok"})).json() == {
            "value": "ok"
        }
        refused = await client.get("/api/store/echo", params={"value": "a\x00b"})
        assert (refused.status_code, error_code(refused)) == (400, "BAD_REQUEST")
        assert "request_id" in refused.json()["error"]["details"]
        bug = await client.get("/api/store/bug")
        assert (bug.status_code, error_code(bug)) == (500, "INTERNAL")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"email": "a@b.org", "password": "x", "y": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    ],
    ids=["bare", "in-a-field"],
)
async def test_deeply_nested_json_is_400_bad_request(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert (response.status_code, error_code(response)) == (400, "BAD_REQUEST")


@get("/faults/file", sync_to_thread=False)
def fault_file() -> None:
    raise PermissionError(13, "Permission denied", "/srv/secret/key")


@get("/faults/refused", sync_to_thread=False)
def fault_refused() -> None:
    raise ConnectionRefusedError(111, "Connection refused")


@get("/faults/http", sync_to_thread=False)
def fault_http() -> None:
    raise InternalServerException("pool state: secret internals")


FAULTS: Block[None] = Block("faults", route_handlers=(fault_file, fault_refused, fault_http))


@pytest.fixture
async def faults_client(
    settings: ControlSettings, redis: object
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app_with(settings, [*discover(), FAULTS])) as client:
        yield client


async def test_an_os_error_of_our_own_is_500_and_only_a_connection_error_503(
    faults_client: httpx.AsyncClient,
) -> None:
    own = await faults_client.get("/api/faults/file")
    assert (own.status_code, error_code(own)) == (500, "INTERNAL")
    assert "secret" not in own.text
    refused = await faults_client.get("/api/faults/refused")
    assert (refused.status_code, error_code(refused)) == (503, "DEPENDENCY_UNAVAILABLE")


async def test_a_5xx_http_exception_is_logged_with_the_request_id(
    faults_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wsoptv"):
        response = await faults_client.get("/api/faults/http")
    assert (response.status_code, error_code(response)) == (500, "INTERNAL")
    assert "secret" not in response.text
    request_id = response.json()["error"]["details"]["request_id"]
    assert request_id == response.headers["x-request-id"]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and "secret internals" in logged[0].getMessage()


async def test_a_missing_body_says_so(client: httpx.AsyncClient) -> None:
    for content in (b"", None):
        response = await client.post(
            "/api/auth/login", content=content, headers={"content-type": "application/json"}
        )
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
        assert response.json()["error"]["message"] == "the request body is missing"
