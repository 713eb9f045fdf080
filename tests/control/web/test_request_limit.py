"""The per-address API limit: no spelling of a path escapes it."""

from __future__ import annotations

import pytest

from control.app import create_app
from control.settings import ControlSettings
from tests.control.conftest import error_code, running


@pytest.mark.parametrize("path", ["//api/auth/me", "///api//auth/me", "/api/auth//me"])
async def test_repeated_slashes_do_not_escape_the_per_address_limit(
    settings: ControlSettings, redis: object, path: str
) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_per_ip": 2}))
    # An absolute URL: httpx would read a path of "//api/..." as a host name.
    url = f"http://control{path}"
    async with running(app) as client:
        for _ in range(2):
            assert (await client.get(url)).status_code == 401  # Litestar routes it to auth
        over = await client.get(url)
        assert (over.status_code, error_code(over)) == (429, "RATE_LIMITED")
        # The address as a whole is over its limit, however it spells the path.
        assert (await client.get("/api/auth/me")).status_code == 429


async def test_health_and_metrics_stay_unlimited(settings: ControlSettings, redis: object) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_per_ip": 1}))
    async with running(app) as client:
        await client.get("/api/auth/me")
        assert (await client.get("/api/auth/me")).status_code == 429
        for path in ("/api/health", "/metrics", "//api/health"):
            assert (await client.get(f"http://control{path}")).status_code == 200, path


async def test_ipv6_clients_are_limited_per_64_prefix(
    settings: ControlSettings, redis: object
) -> None:
    # An IPv6 subscriber usually owns a whole /64: one address each would be no limit at all.
    app = create_app(settings.model_copy(update={"rate_limit_per_ip": 2}))
    async with running(app, client_ip="2001:db8:1:2::1") as first:
        for _ in range(2):
            assert (await first.get("/api/auth/me")).status_code == 401
    async with running(app, client_ip="2001:db8:1:2:ffff::9") as same_prefix:
        assert (await same_prefix.get("/api/auth/me")).status_code == 429
    async with running(app, client_ip="2001:db8:1:3::1") as next_prefix:
        assert (await next_prefix.get("/api/auth/me")).status_code == 401
