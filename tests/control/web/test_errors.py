"""Every error leaves in the contract's shape with a stable code; no internals leak."""

from __future__ import annotations

import logging

import httpx
import pytest

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
