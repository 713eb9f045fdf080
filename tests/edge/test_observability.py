"""/metrics and /healthz (SPEC §3)."""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket

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


async def test_sent_bytes_count_only_what_reached_the_socket(edge: Edge) -> None:
    size = 32 * 2**20
    edge.write("obs/aborted.mp4", random.Random(12).randbytes(size))
    path = f"/v/{edge.token('obs/aborted.mp4')}"
    before = (await request(edge.port, "/metrics")).body.decode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", edge.port))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock, limit=64 * 1024)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(2**20)
    writer.transport.abort()  # the player goes away after 1 MiB of 32
    served = 'edge_requests_total{status="200"}'
    for _ in range(100):  # the response is counted when the server has noticed the reset
        after = (await request(edge.port, "/metrics")).body.decode()
        if sample(after, served) > sample(before, served):
            break
        await asyncio.sleep(0.05)
    assert sample(after, served) - sample(before, served) == 1
    counted = sample(after, 'edge_sent_bytes_total{tier="nas"}') - sample(
        before, 'edge_sent_bytes_total{tier="nas"}'
    )
    # What the kernel took: the 1 MiB read plus what sat in the socket buffers, not 32 MiB.
    assert 2**20 <= counted < size / 2, counted
