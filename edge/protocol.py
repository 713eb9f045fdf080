"""uvicorn's httptools protocol with the ASGI `http.response.zerocopysend` extension.

Pinned to uvicorn 0.54 (pyproject): it subclasses uvicorn's HttpToolsProtocol and
RequestResponseCycle. uvloop has no `loop.sendfile`, so the body goes out by `os.sendfile`
on the connection's socket, which is safe only once the transport's own write buffer
(status line and headers) has drained, or file bytes would overtake queued header bytes.
uvloop refuses `add_writer` on a transport's own fd but accepts a dup of it, which we use to
wait for writability after EAGAIN. Nothing is buffered in user space: memory per connection
is constant whatever the range size or client speed.

Run with `uvicorn --http edge.protocol:ZeroCopyHttpToolsProtocol` (plain HTTP only: TLS
connections do not advertise the extension).
"""

from __future__ import annotations

import asyncio
import os
import socket

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from edge.response_cycle import ZEROCOPY, ZeroCopyCycle

__all__ = ["ZEROCOPY", "ZeroCopyCycle", "ZeroCopyHttpToolsProtocol"]

_EXTENSIONS: dict[str, dict[object, object]] = {ZEROCOPY: {}}
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_LINE_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose requests may answer with `http.response.zerocopysend`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.socket_dup: socket.socket | None = None
        self.writable_waiter: asyncio.Future[None] | None = None
        self.zerocopy = self.scheme == "http"

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        self._wake_writer()
        if self.socket_dup is not None:
            # Unregister before closing: the number may be reused by the next accept().
            self.loop.remove_writer(self.socket_dup.fileno())
            self.socket_dup.close()
            self.socket_dup = None

    # Keep-alive: uvicorn arms a fresh timer after every response and cancels it on the next
    # request's first bytes. At tens of thousands of requests per second that timer churn
    # shows up in profiles, so one timer per connection is kept and pushed back instead.
    idle_since: float | None = None

    def _unset_keepalive_if_required(self) -> None:
        self.idle_since = None  # busy until the response completes

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            self.idle_since = None
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self.idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def timeout_keep_alive_handler(self) -> None:
        self.timeout_keep_alive_task = None
        if self.idle_since is None or self.transport.is_closing():
            return  # busy (or gone): the next completed response arms the timer again
        remaining = self.idle_since + self.timeout_keep_alive - self.loop.time()
        if remaining > 0:
            self.timeout_keep_alive_task = self.loop.call_later(
                remaining, self.timeout_keep_alive_handler
            )
        else:
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.header_bytes = 0
        if self.zerocopy:
            self.scope["extensions"] = _EXTENSIONS

    # Request size limits (nginx's defaults): httptools has none of its own. Raising in a
    # parser callback makes feed_data fail; send_400_response then answers with `refusal`.
    refusal: tuple[int, str] | None = None

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL_BYTES:
            self.refusal = (414, "Request URI too long.")
            raise ValueError("request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        # httptools may deliver one header in pieces; a whole line is name + value.
        size = len(name) + len(value)
        self.header_bytes += size
        if size > MAX_HEADER_LINE_BYTES or self.header_bytes > MAX_HEADER_BYTES:
            self.refusal = (431, "Request header fields too large.")
            raise ValueError("request headers too large")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and type(cycle) is RequestResponseCycle:
            # uvicorn builds its own cycle class by name; ours only adds a message type and
            # no state of its own, so re-classing the fresh, not yet started cycle is sound.
            cycle.__class__ = ZeroCopyCycle
            cycle.protocol = self  # type: ignore[attr-defined]

    def send_400_response(self, msg: str) -> None:
        # Garbage pipelined behind a request whose body is still being sent: writing a 400
        # now would interleave with that body. Close after the response instead.
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            cycle.keep_alive = False
            return
        if self.refusal is None:
            super().send_400_response(msg)
            return
        status, reason = self.refusal
        self.transport.write(
            b"".join(
                (
                    STATUS_LINE[status],
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: %d\r\n" % len(reason),
                    b"connection: close\r\n\r\n",
                    reason.encode("ascii"),
                )
            )
        )
        self.transport.close()

    def dup_socket(self) -> socket.socket:
        """A second handle on the connection's socket (non-blocking, like the original)."""
        if self.socket_dup is None:
            original = self.transport.get_extra_info("socket")
            self.socket_dup = socket.socket(
                original.family, original.type, fileno=os.dup(original.fileno())
            )
        return self.socket_dup

    async def wait_writable(self) -> None:
        fd = self.dup_socket().fileno()
        waiter = self.loop.create_future()
        self.writable_waiter = waiter
        self.loop.add_writer(fd, self._wake_writer)
        try:
            await waiter
        finally:
            self.writable_waiter = None
            if self.socket_dup is not None:
                self.loop.remove_writer(fd)

    def _wake_writer(self) -> None:
        waiter = self.writable_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
