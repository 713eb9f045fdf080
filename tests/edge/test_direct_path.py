"""The protocol's direct path (edge/direct.py): `GET|HEAD /v/...` without ASGI, over real sockets.

Most behaviour is covered by the other edge tests, which all run against the real server
and so through this path; these pin what is particular to it: no task per request, order
with ASGI requests on one connection, proxy headers, connection handling, refusals.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from deploy.infra import Endpoints
from edge.protocol import MAX_HEAD_BYTES
from shared.token import mint_stream_token
from tests.edge.client import read_response, request
from tests.edge.conftest import RING, Edge, serve_in_process

DATA = random.Random(21).randbytes(300_000)


def token(sid: str, *, ip_network: str | None = None) -> str:
    """A token for the in-process edge's clip."""
    return mint_stream_token(
        RING, sub=f"user-{sid}", cid="c", sid=sid, path="clip.mp4", ip_network=ip_network
    )


@pytest.fixture
async def counted_tasks() -> AsyncIterator[list[int]]:
    """How many tasks the running loop creates (a one-item list, counted while the test runs)."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    created = [0]

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        created[0] += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        yield created
    finally:
        loop.set_task_factory(previous)


async def test_steady_state_requests_create_no_task(
    tmp_path: Path, infra: Endpoints, counted_tasks: list[int]
) -> None:
    async with serve_in_process(tmp_path, infra, DATA) as port:
        path = f"/v/{token('no-task')}"
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes=0-9\r\n\r\n".encode())
        await read_response(reader)  # the stream starts: the limiter asks Redis (one task)
        before = counted_tasks[0]
        for i in range(200):
            writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes={i}-{i}\r\n\r\n".encode())
            _, body = await read_response(reader)
            assert body == DATA[i : i + 1]
        writer.write(f"HEAD {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        assert f"content-length: {len(DATA)}".encode() in head
        # No RequestResponseCycle task per request (uvicorn makes one for every request).
        assert counted_tasks[0] - before == 0
        writer.close()
        await writer.wait_closed()


async def test_pipelined_direct_and_asgi_requests_answer_in_order(edge: Edge) -> None:
    edge.write("direct/order.mp4", DATA)
    path = f"/v/{edge.token('direct/order.mp4')}"
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes=0-99999\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: e\r\n\r\n"
        f"OPTIONS {path} HTTP/1.1\r\nHost: e\r\n\r\n"
        f"GET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes=5-9\r\n\r\n".encode()
    )
    head, body = await read_response(reader)
    assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[:100000]
    head, body = await read_response(reader)
    assert head.startswith(b"HTTP/1.1 200 ") and json.loads(body)["redis"] is True
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 204 ")
    head, body = await read_response(reader)
    assert head.startswith(b"HTTP/1.1 206 ") and body == DATA[5:10]
    writer.close()
    await writer.wait_closed()


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET {path} HTTP/1.0\r\nHost: e\r\n\r\n",
        b"GET {path} HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n",
    ],
    ids=["http-1.0", "connection-close"],
)
async def test_a_connection_that_asks_to_close_is_closed_after_the_body(
    edge: Edge, request_head: bytes
) -> None:
    edge.write("direct/close.mp4", DATA)
    path = f"/v/{edge.token('direct/close.mp4')}".encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(request_head.replace(b"{path}", path))
    reply = await asyncio.wait_for(reader.read(-1), timeout=10)  # EOF after the body
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"connection: close" in head.lower()
    assert body == DATA
    writer.close()


async def test_a_get_with_a_body_is_answered_and_the_connection_stays_usable(edge: Edge) -> None:
    edge.write("direct/body.mp4", DATA)
    path = f"/v/{edge.token('direct/body.mp4')}"
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\nRange: bytes=0-1\r\n\r\n"
        f"ignorGET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes=2-3\r\n\r\n".encode()
    )
    assert (await read_response(reader))[1] == DATA[0:2]
    assert (await read_response(reader))[1] == DATA[2:4]
    writer.close()
    await writer.wait_closed()


async def test_forwarded_client_is_read_only_from_trusted_proxies(
    tmp_path: Path, infra: Endpoints
) -> None:
    bound = token("behind-proxy", ip_network="198.51.100.0/24")
    async with serve_in_process(
        tmp_path,
        infra,
        DATA,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    ) as port:
        inside = await request(
            port, f"/v/{bound}", headers={"X-Forwarded-For": "198.51.100.7", "Range": "bytes=0-0"}
        )
        assert (inside.status, inside.body) == (206, DATA[:1])
        outside = await request(port, f"/v/{bound}", headers={"X-Forwarded-For": "203.0.113.9"})
        assert outside.status == 403
    async with serve_in_process(tmp_path, infra, DATA, proxy_headers=False) as port:
        # Without a trusted proxy the header is the client's own claim: ignored.
        spoofed = await request(port, f"/v/{bound}", headers={"X-Forwarded-For": "198.51.100.7"})
        assert spoofed.status == 403


async def test_plain_httptools_serves_the_same_bytes_through_asgi(
    tmp_path: Path, infra: Endpoints
) -> None:
    """`--http httptools` (no zerocopysend, no direct path): the ASGI hot path, pread chunks."""
    async with serve_in_process(tmp_path, infra, DATA, http=HttpToolsProtocol) as port:
        path = f"/v/{token('plain')}"
        whole = await request(port, path)
        assert (whole.status, whole.body) == (200, DATA)
        part = await request(port, path, headers={"Range": "bytes=1000-1999"})
        assert (part.status, part.body) == (206, DATA[1000:2000])
        assert (await request(port, "/v/x.y.z")).status == 401


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"GET /v/" + b"u" * 9000 + b" HTTP/1.1\r\nHost: e\r\n\r\n", 414, "URI_TOO_LONG"),
        (b"GET /v/x HTTP/1.1\r\nX-Long: " + b"a" * 8192 + b"\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
        (b"GET /v/x HTTP/1.1\r\n" + b"a: b\r\n" * (MAX_HEAD_BYTES // 6 + 1), 431, None),
        (b"\x00\x01\x02 nonsense\r\n\r\n", 400, "BAD_REQUEST"),
    ],
    ids=["long-target", "long-header-line", "endless-head", "garbage"],
)
async def test_protocol_refusals_carry_the_error_body(
    edge: Edge, raw: bytes, status: int, code: str | None
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(raw)
    await writer.drain()
    data = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), timeout=10):
            data += chunk
    except ConnectionResetError:
        pass
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status), head
    assert b"content-type: application/json" in head
    assert b"content-length: %d" % len(body) in head
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == (code or "HEADERS_TOO_LARGE")


async def test_each_connection_holds_one_descriptor(edge: Edge) -> None:
    """Waiting for writability needs no dup of the socket: 10,000 streams, 10,000 sockets."""
    edge.write("direct/fds.mp4", os.urandom(4 * 2**20))
    path = f"/v/{edge.token('direct/fds.mp4')}"
    await request(edge.port, path, headers={"Range": "bytes=0-0"})  # file cache and lease
    before = edge.server_fds()
    stalled = []
    for _ in range(40):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", edge.port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
        stalled.append(sock)
    for sock in stalled:
        # The head is out, so the body is in sendfile, stuck on a reader that reads no more.
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(1024)
    assert before + 40 <= edge.server_fds() < before + 40 + 5
    for sock in stalled:
        sock.close()
