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
import errno
import os
import re
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

ZEROCOPY = "http.response.zerocopysend"
_EXTENSIONS: dict[str, dict[object, object]] = {ZEROCOPY: {}}
# Hand the event loop back after this many bytes even to a client that never blocks us, so
# one fast reader on loopback cannot starve the other connections.
_YIELD_EVERY_BYTES = 8 * 1024 * 1024
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_LINE_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
# uvicorn's HEADER_RE / HEADER_VALUE_RE, as one pattern matching a whole block of lines.
_HEADER_BLOCK = re.compile(
    rb'(?:[^\x00-\x1f\x7f()<>@,;:\[\]={} \t\\"]+: [^\x00-\x08\x0a-\x1f\x7f]*\r\n)*'
)
_FATAL_ERRNOS = {errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN, errno.EBADF}


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


class ZeroCopyCycle(RequestResponseCycle):
    """A request/response cycle that also accepts `http.response.zerocopysend`.

    The response head is held back until the first body message: ahead of a zerocopysend it
    goes to the socket with MSG_MORE, so head and file bytes leave in the same segments
    instead of costing one more trip through the TCP stack per request.
    """

    protocol: ZeroCopyHttpToolsProtocol
    held_head: bytes

    async def send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "http.response.start" and not self.response_started:
            if self.flow.write_paused and not self.disconnected:
                await self.flow.drain()
            if not self.disconnected:
                self.held_head = self._render_head(message)
            return
        if kind != ZEROCOPY:
            self._flush_head()
            await super().send(message)
            return
        if self.disconnected:
            return
        if not self.response_started or self.response_complete:
            raise RuntimeError(f"Unexpected ASGI message {ZEROCOPY!r} outside a response body.")
        file = message["file"]
        fd = file if isinstance(file, int) else file.fileno()
        offset = message.get("offset")
        if offset is None:
            offset = os.lseek(fd, 0, os.SEEK_CUR)
        count = message.get("count")
        if count is None:
            count = os.fstat(fd).st_size - offset
        if self.scope["method"] == "HEAD":
            count = self.expected_content_length = 0
        elif self.chunked_encoding or count > self.expected_content_length:
            raise RuntimeError("zerocopysend needs a Content-Length covering its bytes")
        if count:
            await self._sendfile(fd, offset, count)
            if self.disconnected:
                return
        else:
            self._flush_head()
        self.expected_content_length -= count
        if not message.get("more_body", False):
            # What uvicorn does on a final empty body message, without the message.
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()

    def _render_head(self, message: Any) -> bytes:
        """uvicorn's response head (same rules as RequestResponseCycle.send), validated in one
        regex pass over the whole block instead of two per header."""
        self.response_started = True
        self.waiting_for_100_continue = False
        status = message["status"]
        if self.access_log:
            self.access_logger.info(
                '%s - "%s %s HTTP/%s" %d',
                get_client_addr(self.scope),
                self.scope["method"],
                get_path_with_query_string(self.scope),
                self.scope["http_version"],
                status,
            )
        parts: list[bytes] = []
        has_connection_close = False
        for name, value in (*self.default_headers, *message.get("headers", ())):
            name = name.lower()
            if name == b"content-length" and self.chunked_encoding is None:
                self.expected_content_length = int(value)
                self.chunked_encoding = False
            elif name == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected_content_length = 0
                self.chunked_encoding = True
            elif name == b"connection" and b"close" in (
                token.lower().strip() for token in value.split(b",")
            ):
                self.keep_alive = False
                has_connection_close = True
            parts += (name, b": ", value, b"\r\n")
        if not self.keep_alive and not has_connection_close:
            parts.append(b"connection: close\r\n")
        if (
            self.chunked_encoding is None
            and self.scope["method"] != "HEAD"
            and status not in (204, 304)
        ):
            self.chunked_encoding = True
            parts.append(b"transfer-encoding: chunked\r\n")
        block = b"".join(parts)
        if not _HEADER_BLOCK.fullmatch(block):
            raise RuntimeError("Invalid HTTP header name or value.")
        return STATUS_LINE[status] + block + b"\r\n"

    def _flush_head(self) -> None:
        head = getattr(self, "held_head", b"")
        if head:
            self.held_head = b""
            self.transport.write(head)

    def _send_head_corked(self, sock: socket.socket) -> None:
        """Send the held head with MSG_MORE when the transport has nothing queued."""
        head = getattr(self, "held_head", b"")
        if not head:
            return
        self.held_head = b""
        if self.transport.get_write_buffer_size() == 0:
            try:
                head = head[sock.send(head, socket.MSG_MORE) :]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass  # the transport's own write below meets and reports the error
        if head:
            self.transport.write(head)

    async def _sendfile(self, fd: int, offset: int, count: int) -> None:
        protocol = self.protocol
        transport = self.transport
        sock = protocol.dup_socket()
        self._send_head_corked(sock)
        # The head must reach the socket before any file byte does.
        while transport.get_write_buffer_size():
            if transport.is_closing():
                self.disconnected = True
                return
            await protocol.wait_writable()
            await asyncio.sleep(0)  # let the transport flush on this writable event
        out = sock.fileno()
        burst = 0
        while count > 0:
            if self.disconnected:
                return
            try:
                sent = os.sendfile(out, fd, offset, count)
            except BlockingIOError:
                await protocol.wait_writable()
                burst = 0
                continue
            except InterruptedError:
                continue
            except OSError as exc:
                if exc.errno not in _FATAL_ERRNOS:
                    raise
                self._abort()
                return
            if sent == 0:
                # The file shrank under us: the promised Content-Length cannot be kept.
                self._abort()
                return
            offset += sent
            count -= sent
            burst += sent
            if burst >= _YIELD_EVERY_BYTES and count:
                burst = 0
                await asyncio.sleep(0)

    def _abort(self) -> None:
        self.disconnected = True
        self.transport.abort()
