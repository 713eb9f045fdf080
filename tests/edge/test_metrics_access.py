"""The edge's GET /metrics is for operators, as control's: a client on this machine, or the
METRICS_TOKEN bearer (401 with a challenge / 403 otherwise, in the contract's error shape)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from deploy.infra import Endpoints
from edge.app import create_app
from tests.edge.client import request
from tests.edge.conftest import clip_settings, run_edges

TOKEN = "metrics-secret-0123456789abcdef"


async def test_without_a_token_a_remote_client_is_refused(tmp_path: Path, infra: Endpoints) -> None:
    app = create_app(clip_settings(tmp_path, infra, b"clip"))
    for client, status in ((("203.0.113.5", 4000), 403), (("127.0.0.1", 4000), 200)):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge") as http:
            response = await http.get("/metrics")
        assert response.status_code == status, client
        if status == 403:
            assert response.json()["error"]["code"] == "AUTH_FORBIDDEN"
            assert "edge_" not in response.text
        else:
            assert "edge_requests_total" in response.text


async def test_with_a_token_every_scrape_needs_it(tmp_path: Path, infra: Endpoints) -> None:
    with run_edges(tmp_path, infra, env={"METRICS_TOKEN": TOKEN}) as (edge,):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            refused = await request(edge.port, "/metrics", headers=headers)
            assert refused.status == 401, headers
            assert json.loads(refused.body)["error"]["code"] == "AUTH_REQUIRED"
            assert (refused.header("www-authenticate") or "").startswith("Bearer ")
        ok = await request(edge.port, "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status == 200 and b"edge_requests_total" in ok.body
