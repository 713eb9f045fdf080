"""The zerocopysend protocol (edge/protocol.py) against the pinned uvicorn, over real sockets."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from deploy.infra import Endpoints
from edge.protocol import MAX_HEAD_BYTES, ZeroCopyCycle, ZeroCopyHttpToolsProtocol
from tests.edge.client import read_response
from tests.edge.conftest import Edge, run_edges
from tests.support import free_port

MIB = 2**20


def test_subclasses_the_pinned_uvicorn() -> None:
    # The protocol relies on uvicorn internals; a new uvicorn must be re-tested before use.
    assert uvicorn.__version__ == "0.54.0"
    assert issubclass(ZeroCopyHttpToolsProtocol, HttpToolsProtocol)
    assert issubclass(ZeroCopyCycle, RequestResponseCycle)
    for name in ("response_started", "response_complete", "expected_content_length"):
        assert name in RequestResponseCycle.__init__.__code__.co_names


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def test_pipelined_requests_come_back_whole_and_in_order(edge: Edge) -> None:
    data = random.Random(9).randbytes(2 * MIB)
    edge.write("proto/pipelined.mp4", data)
    path = f"/v/{edge.token('proto/pipelined.mp4')}"
    ranges = [(0, MIB - 1), (5, 9), (MIB, 2 * MIB - 1)]
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(
        b"".join(
            f"GET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes={a}-{b}\r\n\r\n".encode()
            for a, b in ranges
        )
        + f"GET {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode()
    )
    await writer.drain()
    for first, last in ranges:
        head, body = await read_response(reader)
        assert f"content-range: bytes {first}-{last}/{len(data)}".encode() in head
        assert body == data[first : last + 1]
    _, whole = await read_response(reader)
    assert whole == data
    writer.close()
    await writer.wait_closed()


async def test_slow_readers_do_not_grow_server_memory(edge: Edge) -> None:
    size = 32 * MIB
    data = random.Random(10).randbytes(size)
    edge.write("proto/slow.mp4", data)
    path = f"/v/{edge.token('proto/slow.mp4')}"
    pid = edge.procs[0].pid
    before = rss_bytes(pid)
    connections = []
    for _ in range(20):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.connect(("127.0.0.1", edge.port))
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock, limit=64 * 1024)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
        await writer.drain()
        connections.append((reader, writer))
    await asyncio.sleep(0.5)  # 20 x 32 MiB asked for; the clients read nothing meanwhile
    stalled = rss_bytes(pid)
    # A server that buffered the bodies would hold 640 MiB here.
    assert stalled - before < 24 * MIB, (before, stalled)
    expected = hashlib.sha256(data).digest()
    for reader, writer in connections:
        _, body = await read_response(reader)
        assert hashlib.sha256(body).digest() == expected
        writer.close()
        await writer.wait_closed()


async def keep_alive_server(tmp_path: Path) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """Our protocol on uvicorn in this process, 1 s keep-alive, serving one file by sendfile."""
    media = tmp_path / "ka.bin"
    media.write_bytes(b"k" * 1000)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        assert "http.response.zerocopysend" in scope["extensions"]
        fd = os.open(media, os.O_RDONLY)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1000")],
                }
            )
            await send({"type": "http.response.zerocopysend", "file": fd, "offset": 0})
        finally:
            os.close(fd)

    port = free_port()
    config = uvicorn.Config(
        app,
        port=port,
        http=ZeroCopyHttpToolsProtocol,
        lifespan="off",
        timeout_keep_alive=1,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn.Server has no started event)
        await asyncio.sleep(0.01)
    return server, task, port


async def test_keep_alive_timeout_still_closes_idle_connections(tmp_path: Path) -> None:
    server, task, port = await keep_alive_server(tmp_path)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Busy for three timeouts' worth of time: the connection must stay open.
        for _ in range(6):
            writer.write(b"GET / HTTP/1.1\r\nHost: k\r\n\r\n")
            _, body = await read_response(reader)
            assert body == b"k" * 1000
            await asyncio.sleep(0.5)
        # Then idle: the server closes it (EOF) after about a second.
        assert await asyncio.wait_for(reader.read(), timeout=5) == b""
        writer.close()
    finally:
        server.should_exit = True
        await task


HEAD_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def impatient_edge(tmp_path_factory: pytest.TempPathFactory, infra: Endpoints) -> Iterator[Edge]:
    """An edge that gives a client HEAD_TIMEOUT seconds to send a request head."""
    with run_edges(
        tmp_path_factory.mktemp("impatient"),
        infra,
        env={"EDGE_REQUEST_HEAD_TIMEOUT": str(HEAD_TIMEOUT)},
    ) as (only,):
        yield only


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes (a reset after its last bytes is a close)."""
    data = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(1 << 20), timeout=10):
            data += chunk
    except ConnectionResetError:
        pass
    return data


async def test_unfinished_header_line_is_refused_and_memory_stays_bounded(edge: Edge) -> None:
    # httptools keeps a header line until its CRLF: one that never ends must be cut off by
    # the edge's own count of head bytes, not buffered.
    pid = edge.procs[0].pid
    before = rss_bytes(pid)
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(b"GET /v/x HTTP/1.1\r\nHost: e\r\nX-Endless: ")
    for _ in range(16 * 16):
        writer.write(b"a" * (64 * 1024))
        await writer.drain()
    reply = await read_until_closed(reader)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]
    # 16 MiB were sent (the server discards what follows a refusal): none of it was kept.
    assert rss_bytes(pid) - before < 4 * MIB


async def test_head_that_keeps_coming_in_short_lines_is_refused(edge: Edge) -> None:
    # Each line is small and the header fields stay under their 32 KiB, but the raw head
    # passes MAX_HEAD_BYTES and never ends.
    lines = b"a: b\r\n" * (MAX_HEAD_BYTES // 6 + 1)
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(b"GET /v/x HTTP/1.1\r\nHost: e\r\n" + lines)
    await writer.drain()  # the refused rest is read and discarded: no reset
    reply = await read_until_closed(reader)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]


async def test_stalled_request_head_is_closed_after_the_head_timeout(
    impatient_edge: Edge,
) -> None:
    edge = impatient_edge
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    started = time.monotonic()
    writer.write(b"GET /v/x HTTP/1.1\r\nHost: e\r\nX-Slow: a")
    await writer.drain()
    assert await read_until_closed(reader) == b""
    elapsed = time.monotonic() - started
    writer.close()
    # Closed no sooner than the timeout and no later than two of them (plus scheduling).
    assert HEAD_TIMEOUT * 0.9 <= elapsed < HEAD_TIMEOUT * 2 + 1.5, elapsed


async def test_connection_that_never_sends_a_request_is_closed(impatient_edge: Edge) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", impatient_edge.port)
    started = time.monotonic()
    assert await read_until_closed(reader) == b""
    assert time.monotonic() - started < HEAD_TIMEOUT * 2 + 1.5
    writer.close()


async def test_head_timeout_spares_a_connection_that_keeps_sending_requests(
    impatient_edge: Edge,
) -> None:
    edge = impatient_edge
    edge.write("proto/patient.mp4", b"p" * 100)
    path = f"/v/{edge.token('proto/patient.mp4')}"
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HEAD_TIMEOUT * 4
    while loop.time() < deadline:  # each head is whole well within the timeout
        writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\n".encode())
        await asyncio.sleep(HEAD_TIMEOUT / 5)  # a slow but not stalled client
        writer.write(b"Range: bytes=0-9\r\n\r\n")
        _, body = await read_response(reader)
        assert body == b"p" * 10
    writer.close()
    await writer.wait_closed()


@pytest.mark.parametrize(
    "behind",
    [
        pytest.param(b"\x01\x02 garbage\r\n\r\n", id="garbage"),
        pytest.param(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * MAX_HEAD_BYTES, id="endless-head"),
        pytest.param(b"GET /" + b"u" * 9000, id="long-url"),
    ],
)
@pytest.mark.parametrize("queued", [True, False], ids=["queued-request", "nothing-queued"])
@pytest.mark.parametrize("split", [False, True], ids=["one-write", "two-writes"])
async def test_refused_pipelined_request_never_lands_inside_a_streaming_body(
    edge: Edge, behind: bytes, queued: bool, split: bool
) -> None:
    data = random.Random(11).randbytes(16 * MIB)
    edge.write("proto/interleave.mp4", data)
    path = f"/v/{edge.token('proto/interleave.mp4')}"
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect(("127.0.0.1", edge.port))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock, limit=64 * 1024)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")  # the body is on its way, far from done
    assert head.startswith(b"HTTP/1.1 200 ")
    pipelined = f"GET {path} HTTP/1.1\r\nHost: e\r\nRange: bytes=0-1\r\n\r\n".encode()
    writer.write(pipelined if queued else b"")
    if split:
        # The bad request arrives in a later read than the queued one (nothing tells the
        # client when the server has read: a pause makes the two writes two reads).
        await writer.drain()
        await asyncio.sleep(0.1)
    writer.write(behind)
    await writer.drain()
    rest = await read_until_closed(reader)
    writer.close()
    # The whole body, byte-exact, and nothing after it: the queued request is not answered
    # and no refusal is written once the connection is condemned.
    assert len(rest) == len(data)
    assert hashlib.sha256(rest).digest() == hashlib.sha256(data).digest()
