"""The response side of a request on ZeroCopyHttpToolsProtocol (edge/protocol.py).

uvicorn's RequestResponseCycle (pinned 0.54) plus the ASGI `http.response.zerocopysend`
message: the body goes from file to socket by `os.sendfile`, which is safe only once the
transport's own write buffer (status line and headers) has drained, or file bytes would
overtake queued header bytes. Partial writes and EAGAIN are normal: wait for writability
(edge/writable.py) and continue; EPIPE/ECONNRESET abort the connection.
Once the send returns, the message's `sent` says how many of its bytes reached the socket
(fewer than `count` when the client went away), so the app counts what was really sent.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from edge.direct import CORK_LIMIT_BYTES, FATAL_ERRNOS, YIELD_EVERY_BYTES

if TYPE_CHECKING:
    from edge.protocol import ZeroCopyHttpToolsProtocol

ZEROCOPY = "http.response.zerocopysend"
# uvicorn's HEADER_RE / HEADER_VALUE_RE, as one pattern matching a whole block of lines.
_HEADER_BLOCK = re.compile(
    rb'(?:[^\x00-\x1f\x7f()<>@,;:\[\]={} \t\\"]+: [^\x00-\x08\x0a-\x1f\x7f]*\r\n)*'
)


class ZeroCopyCycle(RequestResponseCycle):
    """A request/response cycle that also accepts `http.response.zerocopysend`.

    The response head is held back until the first body message: ahead of a small
    zerocopysend it goes to the socket with MSG_MORE, so head and file bytes leave in the same
    segments instead of costing one more trip through the TCP stack per request.
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
            message["sent"] = 0
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
            sent = message["sent"] = await self._sendfile(fd, offset, count)
            if sent < count or self.disconnected:
                return  # the connection is gone
        else:
            message["sent"] = 0
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

    def _send_head_corked(self, sock: socket.socket, count: int) -> None:
        """Send the held head (with MSG_MORE ahead of a small body, as the direct path does)
        when the transport has nothing queued."""
        head = getattr(self, "held_head", b"")
        if not head:
            return
        self.held_head = b""
        if self.transport.get_write_buffer_size() == 0:
            flags = socket.MSG_MORE if count <= CORK_LIMIT_BYTES else 0
            try:
                head = head[sock.send(head, flags) :]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass  # the transport's own write below meets and reports the error
        if head:
            self.transport.write(head)

    async def _sendfile(self, fd: int, offset: int, count: int) -> int:
        """Send `count` bytes of `fd` from `offset`; how many went out (all unless aborted)."""
        protocol = self.protocol
        transport = self.transport
        sock = protocol.raw_socket
        assert sock is not None  # zerocopysend is offered on plain HTTP only
        self._send_head_corked(sock, count)
        # The head must reach the socket before any file byte does.
        while transport.get_write_buffer_size():
            if transport.is_closing():
                self.disconnected = True
                return 0
            await protocol.wait_writable()
            await asyncio.sleep(0)  # let the transport flush on this writable event
        out = protocol.fileno
        start = offset
        end = offset + count
        burst = 0
        while offset < end:
            if self.disconnected:
                break
            try:
                sent = os.sendfile(out, fd, offset, end - offset)
            except BlockingIOError:
                await protocol.wait_writable()
                burst = 0
                continue
            except InterruptedError:
                continue
            except OSError as exc:
                if exc.errno not in FATAL_ERRNOS:
                    raise
                self._abort()
                break
            if sent == 0:
                # The file shrank under us: the promised Content-Length cannot be kept.
                self._abort()
                break
            offset += sent
            burst += sent
            if burst >= YIELD_EVERY_BYTES and offset < end:
                burst = 0
                await asyncio.sleep(0)
        return offset - start

    def _abort(self) -> None:
        self.disconnected = True
        self.transport.abort()
