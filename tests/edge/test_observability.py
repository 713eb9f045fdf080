"""/metrics and /healthz (SPEC §3)."""

from __future__ import annotations

import json
import re

from tests.edge.client import request
from tests.edge.conftest import Edge


def sample(metrics: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_statuses_bytes_tokens_and_latency(edge: Edge) -> None:
    edge.write("obs/a.mp4", b"0123456789")
    before = (await request(edge.port, "/metrics")).body.decode()
    assert (await request(edge.port, f"/v/{edge.token('obs/a.mp4')}")).status == 200
    assert (await request(edge.port, "/v/not-a-token")).status == 401
    reply = await request(edge.port, "/metrics")
    assert reply.status == 200
    assert (reply.header("content-type") or "").startswith("text/plain")
    after = reply.body.decode()
    for name, delta in (
        ('edge_requests_total{status="200"}', 1),
        ('edge_requests_total{status="401"}', 1),
        ('edge_sent_bytes_total{tier="nas"}', 10),
        ('edge_token_failures_total{reason="malformed"}', 1),
        ("edge_request_duration_seconds_count", 2),
    ):
        assert sample(after, name) - sample(before, name) == delta, name
    assert sample(after, "edge_active_leases") >= 1
    assert sample(after, "edge_limiter_redis_up") == 1


async def test_healthz_reports_redis_and_roots(edge: Edge) -> None:
    reply = await request(edge.port, "/healthz")
    assert reply.status == 200
    assert json.loads(reply.body) == {
        "status": "ok",
        "redis": True,
        "limiter": "redis",
        "roots": {"nas": True, "ssd": True},
    }
