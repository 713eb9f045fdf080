"""GET /metrics is for operators: a client on this machine, or the METRICS_TOKEN bearer."""

from __future__ import annotations

from control.orchestration.registry import discover
from control.settings import ControlSettings
from tests.control.conftest import app_with, error_code, running

TOKEN = "metrics-secret-0123456789abcdef"


async def test_without_a_token_only_this_machine_reads_metrics(
    settings: ControlSettings, redis: object
) -> None:
    app = app_with(settings, discover())
    async with running(app, client_ip="203.0.113.5") as remote:
        refused = await remote.get("/metrics")
        assert (refused.status_code, error_code(refused)) == (403, "AUTH_FORBIDDEN")
        assert "wsoptv_" not in refused.text
    async with running(app, client_ip="127.0.0.1") as local:
        response = await local.get("/metrics")
        assert response.status_code == 200 and "wsoptv_block_up" in response.text


async def test_with_a_token_every_scrape_needs_it(settings: ControlSettings, redis: object) -> None:
    app = app_with(settings.model_copy(update={"metrics_token": TOKEN}), discover())
    async with running(app, client_ip="127.0.0.1") as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            refused = await client.get("/metrics", headers=headers)
            assert (refused.status_code, error_code(refused)) == (401, "AUTH_REQUIRED"), headers
        ok = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and "wsoptv_block_up" in ok.text
