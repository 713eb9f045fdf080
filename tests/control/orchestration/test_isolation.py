"""A block that is down answers 503 BLOCK_UNAVAILABLE; every other block keeps serving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from control.orchestration.registry import discover
from control.settings import ControlSettings
from deploy.infra import Endpoints
from tests.control.conftest import app_with, bearer, error_code, login, running
from tests.control.sample_blocks import BROKEN_AT_START, FLAKY


async def test_a_block_failing_at_start_is_isolated(
    settings: ControlSettings, redis: object, make_account: Callable[..., Any]
) -> None:
    app = app_with(settings, [*discover(), BROKEN_AT_START])
    async with running(app) as client:
        broken = await client.get("/api/broken/ping")
        assert broken.status_code == 503
        assert error_code(broken) == "BLOCK_UNAVAILABLE"
        assert broken.json()["error"]["details"] == {"block": "broken", "status": "failed"}

        account = await make_account("ann")
        tokens = await login(client, account)
        assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200

        health = (await client.get("/api/health")).json()
        assert health["status"] == "degraded"
        assert health["blocks"]["broken"]["status"] == "failed"
        # Why goes to the log and to the registry, not to the public health answer.
        assert "error" not in health["blocks"]["broken"]
        assert "breaks on purpose" in app.state.registry.describe("broken")["error"]
        assert health["blocks"]["auth"]["status"] == "healthy"


async def test_a_failing_health_probe_takes_the_block_out_until_it_recovers(
    settings: ControlSettings, redis: object
) -> None:
    app = app_with(settings, [*discover(), FLAKY])
    async with running(app) as client:
        assert (await client.get("/api/flaky/ping")).json() == {"pong": "flaky"}
        app.state.registry.services("flaky").sick = True

        health = await client.get("/api/health")
        assert health.status_code == 200  # a block down is degraded, not a dependency down
        assert health.json()["blocks"]["flaky"]["status"] == "unhealthy"
        assert "error" not in health.json()["blocks"]["flaky"]
        flaky = app.state.registry.describe("flaky")
        assert flaky["error"] == "ConnectionError: lost its backend"
        down = await client.get("/api/flaky/ping")
        assert (down.status_code, error_code(down)) == (503, "BLOCK_UNAVAILABLE")
        assert (await client.get("/api/health")).json()["blocks"]["auth"]["status"] == "healthy"

        app.state.registry.services("flaky").sick = False
        await client.get("/api/health")
        assert (await client.get("/api/flaky/ping")).status_code == 200


async def test_auth_down_makes_guarded_routes_of_other_blocks_503_not_500(
    infra: Endpoints, database_url: str, redis: object
) -> None:
    from tests.control.conftest import settings_for
    from tests.control.sample_blocks import GUARDED

    # No key ring: the auth block cannot start; a guarded route elsewhere must say why.
    settings = settings_for(database_url, infra.redis_url, access_token_keys="")
    app = app_with(settings, [*discover(), GUARDED])
    async with running(app) as client:
        response = await client.get("/api/guarded/any", headers={"Authorization": "Bearer x"})
        assert response.status_code == 503 and error_code(response) == "BLOCK_UNAVAILABLE"
        health = (await client.get("/api/health")).json()
        assert "error" not in health["blocks"]["auth"]
        assert "ACCESS_TOKEN_KEYS" in app.state.registry.describe("auth")["error"]
        assert health["blocks"]["stream"]["status"] == "blocked"
