"""One `GET|HEAD /v/...` request answered by the connection's protocol itself.

The stream endpoint composes a Reply (edge/reply.py) and hands it to `respond`; this writes
it straight to the socket: the head (with MSG_MORE ahead of a small body, so that head and
body share segments), then each
part, bytes by `send` and file slices by `os.sendfile`, waiting for writability through the
loop's WritableWatch when the kernel's buffer is full. No ASGI cycle, no task, no event, no
future per request: in the steady state a request is parsed, answered and accounted for
inside one `data_received` call. Nothing is buffered in user space, so memory per connection
does not grow with the range or the client's slowness.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from edge.reply import Reply, error_reply, render_head
from shared.errors import WsoptvError

if TYPE_CHECKING:
    from edge.protocol import DirectHandler, ZeroCopyHttpToolsProtocol

# Hand the event loop back after this many bytes even to a client that never blocks us, so
# one fast reader on loopback cannot starve the other connections.
YIELD_EVERY_BYTES = 8 * 1024 * 1024
FATAL_ERRNOS = frozenset(
    (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN, errno.EBADF)
)
# Bytes sent with MSG_MORE wait to share segments with what follows: one trip through the
# TCP stack for a small response. Ahead of a large file slice it costs more than it saves
# (measured with 1 MiB ranges: ~10% more kernel time per byte), so the head goes alone.
CORK_LIMIT_BYTES = 256 * 1024
Finish = Callable[[Reply, int], None]
_SENT: list[tuple[bytes, bytes]] = []


class _NoEvent:
    """uvicorn's connection_lost sets the current cycle's message_event; nothing waits here."""

    __slots__ = ()

    def set(self) -> None:
        pass


class DirectExchange:
    """A request/response on the direct path, in the shape uvicorn's protocol expects of a
    cycle (`response_complete`, `disconnected`, `keep_alive`, `message_event`)."""

    __slots__ = (
        "client",
        "disconnected",
        "finish",
        "handler",
        "headers",
        "keep_alive",
        "method",
        "parts",
        "path",
        "protocol",
        "reply",
        "response_complete",
        "sent",
    )
    message_event = _NoEvent()

    def __init__(
        self,
        protocol: ZeroCopyHttpToolsProtocol,
        handler: DirectHandler,
        method: str,
        path: bytes,
        headers: list[tuple[bytes, bytes]],
        client: str | None,
        keep_alive: bool,
    ) -> None:
        self.protocol = protocol
        self.handler = handler
        self.method = method
        self.path = path
        self.headers = headers
        self.client = client
        self.keep_alive = keep_alive
        self.response_complete = False
        self.disconnected = False
        self.reply: Reply | None = None
        self.finish: Finish | None = None
        self.parts: list[bytes | tuple[int, int]] = []
        self.sent = 0

    def respond(self, reply: Reply, finish: Finish) -> None:
        """Write `reply`; `finish(reply, file bytes sent)` runs once, when it is out or lost."""
        self.reply = reply
        self.finish = finish
        protocol = self.protocol
        if self.disconnected or protocol.transport.is_closing():
            self._end()
            return
        if protocol.access_log:
            protocol.log_access(self.method, self.path, reply.status)
        head = render_head(
            STATUS_LINE[reply.status],
            reply.headers,
            protocol.server_state.default_headers,
            self.keep_alive,
        )
        self.parts = [head] if self.method == "HEAD" else [head, *reply.parts]
        reply.headers = _SENT  # in the head now: not kept for as long as the body takes
        self._pump()

    def fail(self) -> None:
        """The endpoint broke (a bug): a 500 if nothing was sent yet, else drop the connection."""
        self.keep_alive = False
        if self.reply is None:
            error = WsoptvError("internal error", code="INTERNAL", status=500)
            self.respond(error_reply(error, []), _finish_nothing)
        else:
            self.protocol.transport.abort()

    def lost(self) -> None:
        """The connection is gone: account for what was sent (a pending reply does it later)."""
        self.disconnected = True
        if self.reply is not None:
            self._end()

    def _pump(self) -> None:
        if self.response_complete:
            return
        protocol = self.protocol
        transport = protocol.transport
        if transport.is_closing():
            self.disconnected = True
            self._end()
            return
        if transport.get_write_buffer_size():
            # Bytes of an earlier ASGI answer are still queued: ours must not overtake them.
            protocol.wait_writable_then(self._pump)
            return
        sock = protocol.raw_socket
        file = self.reply.file if self.reply is not None else None
        assert sock is not None
        out = protocol.fileno
        parts = self.parts  # what is still to send; parts leave the list once they are out
        budget = YIELD_EVERY_BYTES
        try:
            while parts:
                part = parts[0]
                if isinstance(part, bytes):
                    more = len(parts) > 1 and (
                        isinstance(parts[1], bytes) or parts[1][1] <= CORK_LIMIT_BYTES
                    )
                    done = sock.send(part, socket.MSG_MORE if more else 0)
                    if done < len(part):
                        parts[0] = part[done:]
                        continue
                else:
                    offset, count = part
                    assert file is not None
                    done = os.sendfile(out, file.fd, offset, count)
                    if done == 0:
                        # The file shrank under us: the promised Content-Length cannot be kept.
                        self._abort()
                        return
                    self.sent += done
                    budget -= done
                    if done < count:
                        # The socket's buffer is full (a non-blocking sendfile stops there):
                        # wait for room rather than pay for a sendfile that would say EAGAIN.
                        parts[0] = (offset + done, count - done)
                        if budget <= 0:
                            protocol.loop.call_soon(self._pump)
                        else:
                            protocol.wait_writable_then(self._pump)
                        return
                del parts[0]
        except (BlockingIOError, InterruptedError):
            protocol.wait_writable_then(self._pump)
            return
        except OSError as exc:
            if exc.errno not in FATAL_ERRNOS:
                raise
            self._abort()
            return
        self._end()
        if not self.keep_alive:
            transport.close()
        protocol.on_response_complete()

    def _abort(self) -> None:
        self.disconnected = True
        self._end()
        self.protocol.transport.abort()

    def _end(self) -> None:
        if self.response_complete:
            return
        self.response_complete = True
        finish, reply = self.finish, self.reply
        self.parts = []
        if finish is not None and reply is not None:
            finish(reply, self.sent)


def _finish_nothing(reply: Reply, sent: int) -> None:
    pass
