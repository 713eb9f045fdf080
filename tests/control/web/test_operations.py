"""Health, metrics, CORS and the OpenAPI document."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis

from control.app import create_app
from control.blocks.worker.presence import WorkerPresence
from control.orchestration.bus import Event
from control.settings import ControlSettings
from deploy.embedded import EmbeddedRedis
from tests.control.conftest import error_code, running, settings_for
from tests.support import free_port


async def test_health_lists_blocks_and_dependencies(
    client: httpx.AsyncClient, redis: Redis
) -> None:
    await WorkerPresence(redis, 30).beat("a-worker")  # a worker process was seen just now
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["blocks"]) == {
        "admin",
        "auth",
        "cache",
        "content",
        "flat_catalog",
        "hot_cache",
        "search",
        "stream",
        "title_generator",
        "worker",
    }
    assert body["blocks"]["auth"]["status"] == "healthy" and body["blocks"]["stream"]["wave"] == 3
    for name in ("postgres", "redis"):
        dependency = body["dependencies"][name]
        assert dependency["status"] == "up" and dependency["required"] is True
        assert dependency["latency_ms"] >= 0
    assert "meilisearch" not in body["dependencies"]  # not configured: PostgreSQL search
    assert body["dependencies"]["worker"]["status"] == "up"
    assert body["dependencies"]["worker"]["required"] is False


async def test_health_is_503_when_redis_goes_down(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    own_redis = EmbeddedRedis(tmp_path, free_port())
    app = create_app(settings_for(database_url, own_redis.start()))
    try:
        async with running(app) as client:
            assert (await client.get("/api/health")).status_code == 200
            own_redis.stop()
            body = {"email": "a@example.org", "password": "Aa345678"}
            # Before any probe notices: the request that hits Redis says a dependency is down.
            login = await client.post("/api/auth/login", json=body)
            assert (login.status_code, error_code(login)) == (503, "DEPENDENCY_UNAVAILABLE")
            with caplog.at_level(logging.WARNING, logger="wsoptv"):
                response = await client.get("/api/health")
            assert response.status_code == 503
            report = response.json()
            assert report["status"] == "down"
            # Status only: the exception (hosts, ports, library text) goes to the log.
            assert report["dependencies"]["redis"] == {"status": "down", "required": True}
            assert any("dependency redis is down" in r.getMessage() for r in caplog.records)
            assert report["blocks"]["auth"]["status"] == "unhealthy"
            assert "error" not in report["blocks"]["auth"]
            assert report["dependencies"]["postgres"]["status"] == "up"
            # The probe found auth unhealthy: its routes now answer for the block.
            login = await client.post("/api/auth/login", json=body)
            assert (login.status_code, error_code(login)) == (503, "BLOCK_UNAVAILABLE")
    finally:
        own_redis.stop()


async def test_metrics_count_requests_bus_events_and_pool(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    await client.get("/api/auth/me")
    await client.get("/api/no-such-route")
    await app.state.bus.publish("demo.ping", Event(source="test", type="demo.ping", payload={}))
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'wsoptv_control_requests_total{method="GET",route="/api/auth/me",status="401"} 1.0' in text
    )
    assert 'route="unmatched",status="404"' in text
    assert (
        'wsoptv_control_request_seconds_bucket{le="0.005",method="GET",route="/api/auth/me"}'
        in text
    )
    assert 'wsoptv_bus_events_published_total{channel="demo.ping"} 1.0' in text
    assert 'wsoptv_db_pool_connections{state="max"} 5.0' in text
    assert 'wsoptv_block_up{block="auth"} 1.0' in text


async def test_cors_allows_only_configured_origins(
    settings: ControlSettings, redis: object
) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://tv.example.org"]}))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with running(app) as client:
        allowed = await client.options(
            "/api/auth/login", headers={"Origin": "https://tv.example.org", **preflight}
        )
        assert allowed.status_code in (200, 204)
        assert allowed.headers["access-control-allow-origin"] == "https://tv.example.org"
        other = await client.options(
            "/api/auth/login", headers={"Origin": "https://evil.example.com", **preflight}
        )
        assert "access-control-allow-origin" not in other.headers
        simple = await client.get("/api/health", headers={"Origin": "https://tv.example.org"})
        assert simple.headers["access-control-allow-origin"] == "https://tv.example.org"
        assert "retry-after" in simple.headers["access-control-expose-headers"].lower()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_openapi_lists_every_route_with_schemas_and_error_responses(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    # Routes name typed path parameters ("{id:int}"); OpenAPI names them plainly ("{id}").
    api_routes = {
        (re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), method.lower())
        for route in app.routes
        if route.path.startswith("/api") or route.path == "/metrics"
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }
    # Actions without a body (logout, start a scan) take no "data" parameter.
    without_body = {
        (re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), method.lower())
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if "data" not in handler.parsed_fn_signature.parameters
        for method in handler.http_methods
    }
    assert api_routes, "no routes found"
    for path, method in sorted(api_routes):
        operation = paths[path][method]
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (path, method)
        if path.startswith("/api"):
            assert any(code[0] in "45" for code in responses), (path, method)
        if path.startswith("/api/auth"):
            errors = [code for code in responses if code[0] in "45"]
            assert {"400", "429", "503"} <= set(errors), (path, method, errors)
            for code in errors:
                schema = _resolve(
                    document, responses[code]["content"]["application/json"]["schema"]
                )
                assert set(schema["properties"]) == {"error"}, (path, method, code)
        if method in ("post", "patch") and (path, method) not in without_body:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert _resolve(document, body)["properties"], (path, method)
    assert "bearer" in document["components"]["securitySchemes"]
    login = paths["/api/auth/login"]["post"]["responses"]["200"]["content"]["application/json"]
    # A token pair, or for a cookie session (refresh_cookie) the access token alone.
    schema = login["schema"]
    variants = [_resolve(document, s) for s in schema.get("oneOf", schema.get("anyOf", [schema]))]
    assert any(
        {"access_token", "refresh_token", "token_type", "expires_in"} <= set(v["properties"])
        for v in variants
    )


async def test_a_rate_limited_answer_is_readable_by_the_front_end(
    settings: ControlSettings, redis: object
) -> None:
    update = {"cors_origins": ["https://tv.example.org"], "rate_limit_per_ip": 1}
    origin = {"Origin": "https://tv.example.org"}
    async with running(create_app(settings.model_copy(update=update))) as client:
        await client.get("/api/auth/me", headers=origin)
        limited = await client.get("/api/auth/me", headers=origin)
        assert limited.status_code == 429
        assert limited.headers["access-control-allow-origin"] == "https://tv.example.org"
        foreign = await client.get("/api/auth/me", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in foreign.headers
