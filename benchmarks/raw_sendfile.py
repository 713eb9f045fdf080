"""The ceiling the edge is measured against: a bare uvloop asyncio.Protocol doing os.sendfile.

No HTTP framework, no token, no limiter, no validators: the request head is split on its
blank line, a `Range: bytes=a-b` header is read with one regex, and the answer is a fixed
206 head sent with MSG_MORE followed by `os.sendfile` of the range (waiting for writability
on a dup of the socket when the kernel buffer is full). This is as little as Python can do
per request on this event loop. Run by benchmarks/edge_bench.py:

    python benchmarks/raw_sendfile.py PORT FILE
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from typing import cast

import uvloop

_RANGE = re.compile(rb"\r\n[Rr]ange: *bytes=(\d+)-(\d+)")


class RawSendfile(asyncio.Protocol):
    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self.buffer = b""
        self.sock: socket.socket | None = None
        self.pending: tuple[int, int] | None = None
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCPTransport is an asyncio.Transport in all but registration.
        self.transport = cast(asyncio.Transport, transport)
        fd = transport.get_extra_info("socket").fileno()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, os.dup(fd))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.sock is not None:
            if self.pending is not None:
                self.loop.remove_writer(self.sock.fileno())
            self.sock.close()
            self.sock = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.pending is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[: end + 2], self.buffer[end + 4 :]
            match = _RANGE.search(head)
            assert self.sock is not None
            if match:
                first, last = int(match[1]), int(match[2])
                count = last - first + 1
                reply = (
                    b"HTTP/1.1 206 Partial Content\r\ncontent-type: video/mp4\r\n"
                    b"content-range: bytes %d-%d/%d\r\ncontent-length: %d\r\n\r\n"
                    % (first, last, self.size, count)
                )
            else:
                first, count = 0, self.size
                reply = (
                    b"HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: %d\r\n\r\n"
                    % count
                )
            self.sock.send(reply, socket.MSG_MORE)
            self.pending = (first, count)
            self._pump()

    def _pump(self) -> None:
        assert self.sock is not None and self.pending is not None
        offset, count = self.pending
        out = self.sock.fileno()
        while count:
            try:
                sent = os.sendfile(out, self.fd, offset, count)
            except BlockingIOError:
                self.pending = (offset, count)
                self.loop.add_writer(out, self._writable)
                return
            except OSError:
                self.transport.abort()
                return
            offset += sent
            count -= sent
        self.pending = None

    def _writable(self) -> None:
        if self.sock is not None:
            self.loop.remove_writer(self.sock.fileno())
            self._pump()
            if self.pending is None and self.buffer:
                self.data_received(b"")


async def serve(port: int, path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: RawSendfile(fd, size), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1]), sys.argv[2]))
