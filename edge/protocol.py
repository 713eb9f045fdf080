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

import httptools
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
# Raw bytes of one unfinished request head. httptools buffers a header line until its CRLF
# and reports it only then, so without this bound a line that never ends grows without limit.
MAX_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADER_BYTES
# How long a refused connection's remaining input is read and discarded before closing.
LINGER_SECONDS = 2.0
# Used when the app does not say (EdgeApp does: EDGE_REQUEST_HEAD_TIMEOUT).
DEFAULT_HEAD_TIMEOUT = 10.0


def _head_timeout_of(app: object) -> float:
    """The app's `request_head_timeout`, looking through uvicorn's wrapping middlewares."""
    for _ in range(8):
        timeout = getattr(app, "request_head_timeout", None)
        if isinstance(timeout, int | float):
            return float(timeout)
        app = getattr(app, "app", None)
        if app is None:
            break
    return DEFAULT_HEAD_TIMEOUT


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose requests may answer with `http.response.zerocopysend`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.socket_dup: socket.socket | None = None
        self.writable_waiter: asyncio.Future[None] | None = None
        self.zerocopy = self.scheme == "http"
        # The cycle whose response is being produced (self.cycle may be a queued one).
        self.running: RequestResponseCycle | None = None
        self.refused = False
        # A new connection owes its first request head at once: until it arrives, it counts
        # as an unfinished head (so a connection that never sends anything is closed too).
        self.head_pending = True
        self.head_bytes = 0
        self.heads_begun = 0
        self.head_timeout = _head_timeout_of(self.app)
        self.head_watch: asyncio.TimerHandle | None = self.loop.call_later(
            self.head_timeout, self._watch_head, -1
        )

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        if self.head_watch is not None:
            self.head_watch.cancel()
            self.head_watch = None
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
        if self.refused:  # a later request was refused while this response was sent
            self._lingering_close()
            return
        self.flow.resume_reading()
        if self.pipeline:
            self.idle_since = None
            cycle, app = self.pipeline.pop()
            self.running = cycle
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

    # Slowloris: a request head that is still unfinished after `head_timeout` closes the
    # connection. One timer per connection ticks every `head_timeout` seconds (no per-request
    # timer churn); a head that was already pending at the previous tick and is still the
    # same one now has taken at least that long, so it is closed between one and two
    # timeouts after it began. Idle keep-alive connections are uvicorn's timeout_keep_alive.
    def _watch_head(self, pending_at_last_tick: int) -> None:
        self.head_watch = None
        if self.transport.is_closing():
            return
        running = self.running
        busy = running is not None and not running.response_complete
        if self.head_pending and self.heads_begun == pending_at_last_tick and not busy:
            self.transport.close()
            return
        self.head_watch = self.loop.call_later(
            self.head_timeout, self._watch_head, self.heads_begun if self.head_pending else -1
        )

    def data_received(self, data: bytes) -> None:
        # uvicorn's data_received (pinned 0.54), inlined on the hot path, plus the head count.
        if self.refused:
            return  # a refused connection only finishes the response in flight
        self.idle_since = None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self.head_pending:
            self._count_head_bytes(data)

    def _count_head_bytes(self, data: bytes) -> None:
        if self.head_bytes < 0:
            # The head began inside this chunk: it is at most what follows the chunk's last
            # blank line (a head in progress contains none).
            end = data.rfind(b"\r\n\r\n")
            self.head_bytes = len(data) - (end + 4 if end >= 0 else 0)
        else:
            self.head_bytes += len(data)
        if self.head_bytes > MAX_HEAD_BYTES:
            self.refusal = (431, "Request header fields too large.")
            self.send_400_response("request head too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.header_bytes = 0
        self.head_pending = True
        self.head_bytes = -1  # began in the chunk being parsed: sized after feed_data
        self.heads_begun += 1
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
        self.head_pending = False
        cycle = self.cycle
        if cycle is not None and type(cycle) is RequestResponseCycle:
            # uvicorn builds its own cycle class by name; ours only adds a message type and
            # no state of its own, so re-classing the fresh, not yet started cycle is sound.
            cycle.__class__ = ZeroCopyCycle
            cycle.protocol = self  # type: ignore[attr-defined]
            if not self.pipeline:  # otherwise uvicorn queued it behind the running one
                self.running = cycle

    def send_400_response(self, msg: str) -> None:
        self.refused = True
        self.head_pending = False
        # Nothing queued behind a refused request is answered. What the client still sends
        # is read and discarded: closing with unread bytes would reset the connection, and a
        # reset can destroy the response on its way before the client has read it.
        self.pipeline.clear()
        self.flow.resume_reading()
        running = self.running
        if running is not None and not running.response_complete:
            # A response is still in flight: a refusal written now would land inside its
            # body. on_response_complete closes the connection once it is out.
            return
        status, reason = self.refusal or (400, msg)
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
        self._lingering_close()

    def _lingering_close(self) -> None:
        """Half-close, discard what the client still sends, close when it does (or soon)."""
        transport = self.transport
        if transport.is_closing():
            return
        if transport.can_write_eof():
            transport.write_eof()  # after the buffered response; eof_received then closes
        else:
            transport.close()
            return
        if self.head_watch is not None:
            self.head_watch.cancel()
        self.head_watch = self.loop.call_later(LINGER_SECONDS, transport.close)

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
