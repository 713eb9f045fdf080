"""uvicorn's httptools protocol, answering the hot path itself and the rest through ASGI.

Pinned to uvicorn 0.54 (pyproject): it subclasses uvicorn's HttpToolsProtocol and
RequestResponseCycle. Two ways a request is answered:

- `GET|HEAD` under the app's `direct_prefix` (`/v/`), when the app offers a direct handler
  (EdgeApp does once its lifespan has started): the protocol hands the parsed request to
  the handler, which answers through a DirectExchange (edge/direct.py) written straight to
  the socket. No ASGI scope, cycle, event or task is created.
- everything else (`/healthz`, `/metrics`, `DELETE`/`OPTIONS /v/...`, requests that expect
  `100-continue`, TLS): uvicorn's cycle and task, with the ASGI `http.response.zerocopysend`
  extension (edge/response_cycle.py) on plain HTTP.

Both share the connection's machinery: pipelining (a request that arrives while a response
is being sent waits its turn), keep-alive, the request-head timeout and size limits, and
refusals that never land inside a body in flight. uvloop refuses `add_writer` on a
transport's own descriptor: writability is awaited through one epoll set per loop
(edge/writable.py), so each connection holds one descriptor.

Run with `uvicorn --http edge.protocol:ZeroCopyHttpToolsProtocol` (`wsoptv edge` does).
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import unquote

import httptools
from uvicorn._types import HTTPScope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from edge.direct import DirectExchange
from edge.flow_control import LeanFlowControl
from edge.head_watch import HeadWatch
from edge.response_cycle import ZEROCOPY, ZeroCopyCycle
from edge.writable import WritableWatch
from shared.errors import error_json

__all__ = ["ZEROCOPY", "DirectHandler", "ZeroCopyCycle", "ZeroCopyHttpToolsProtocol"]

_EXTENSIONS: dict[str, dict[object, object]] = {ZEROCOPY: {}}
MAX_URL_BYTES = 8 * 1024
MAX_HEADER_LINE_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
# Raw bytes of one unfinished request head. httptools buffers a header line until its CRLF
# and reports it only then, so without this bound a line that never ends grows without limit.
MAX_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADER_BYTES
# Requests of one connection that may wait behind the response in flight before it stops
# reading (see `_queue`).
PIPELINE_DEPTH = 8
# How long a refused connection's remaining input is read and discarded before closing.
LINGER_SECONDS = 2.0
# Used when the app does not say (EdgeApp does: EDGE_REQUEST_HEAD_TIMEOUT).
DEFAULT_HEAD_TIMEOUT = 10.0
# The protocol's own refusals, in the contract's error shape (SPEC §4).
_REFUSALS = {
    400: ("BAD_REQUEST", "the request is not valid HTTP/1.1"),
    414: ("URI_TOO_LONG", f"the request target is longer than {MAX_URL_BYTES} bytes"),
    431: (
        "HEADERS_TOO_LARGE",
        f"a header line is over {MAX_HEADER_LINE_BYTES} bytes, the headers over "
        f"{MAX_HEADER_BYTES} or the request head over {MAX_HEAD_BYTES}",
    ),
}


class DirectHandler(Protocol):
    """What an app offers to be called by the protocol for `GET|HEAD <direct_prefix>...`."""

    def serve_direct(self, exchange: DirectExchange) -> None:
        """Answer `exchange` (now or later) with `exchange.respond(reply, finish)`."""


class _AppHooks:
    """What the protocol needs from the app under uvicorn's wrapping middlewares."""

    __slots__ = ("head_timeout", "owner", "proxy")

    def __init__(self, app: object) -> None:
        self.head_timeout = DEFAULT_HEAD_TIMEOUT
        self.owner: Any = None  # the app that has `direct` and `direct_prefix`
        self.proxy: ProxyHeadersMiddleware | None = None
        transparent = True
        for _ in range(8):
            timeout = getattr(app, "request_head_timeout", None)
            if isinstance(timeout, int | float):
                self.head_timeout = float(timeout)
                if transparent and hasattr(app, "direct_prefix"):
                    self.owner = app
                return
            if isinstance(app, ProxyHeadersMiddleware):
                self.proxy = app  # the direct path reads X-Forwarded-For the same way
            else:
                transparent = False  # e.g. the trace-level message logger: ASGI only
            app = getattr(app, "app", None)
            if app is None:
                return


# An empty pipeline shared by every connection until one is pipelined into (`_queue`): a
# deque per connection is 600 bytes that 10,000 streaming connections do not need.
_NO_PIPELINE: deque[Any] = deque(maxlen=0)


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a direct path for the hot path and zerocopysend for ASGI."""

    # The edge's own state lives in slots, so that uvicorn's attributes (fewer than 30) keep
    # sharing one key table between all connections' instance dicts.
    __slots__ = (
        "fileno",
        "head_bytes",
        "head_mark",
        "head_pending",
        "head_timeout",
        "header_bytes",
        "heads_begun",
        "hooks",
        "idle_since",
        "linger",
        "raw_socket",
        "refusal",
        "refused",
        "running",
        "watch",
        "writable_waiter",
        "zerocopy",
    )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.flow = LeanFlowControl(transport)  # type: ignore[assignment]
        self.pipeline = _NO_PIPELINE
        self.writable_waiter: asyncio.Future[None] | None = None
        self.zerocopy = self.scheme == "http"
        # The exchange or cycle whose response is being produced (self.cycle may be queued).
        self.running: DirectExchange | ZeroCopyCycle | None = None
        self.refused = False
        self.refusal: int | None = None
        # Keep-alive: uvicorn arms a fresh timer after every response and cancels it on the
        # next request's first bytes. At tens of thousands of requests per second that churn
        # shows up in profiles, so one timer per connection is kept and pushed back instead.
        self.idle_since: float | None = None
        # A new connection owes its first request head at once: until it arrives, it counts
        # as an unfinished head (so a connection that never sends anything is closed too).
        self.head_pending = True
        self.head_bytes = 0
        self.heads_begun = 0
        self.head_mark = -1
        self.header_bytes = 0
        self.linger: asyncio.TimerHandle | None = None
        hooks = _AppHooks(self.app)
        self.hooks = hooks
        self.head_timeout = hooks.head_timeout
        self.raw_socket: socket.socket | None = None
        self.fileno = -1
        if self.zerocopy:
            # A second socket object on the transport's own descriptor (not a dup), for
            # send(MSG_MORE) and sendfile; detached, never closed, when the connection ends.
            pseudo = transport.get_extra_info("socket")
            self.fileno = pseudo.fileno()
            self.raw_socket = socket.socket(pseudo.family, socket.SOCK_STREAM, 0, self.fileno)
            self.watch = WritableWatch.of(self.loop)
        HeadWatch.of(
            self.server_state, self.loop, self.head_timeout, self.connections
        ).ensure_running()

    def connection_lost(self, exc: Exception | None) -> None:
        running = self.running
        super().connection_lost(exc)
        if isinstance(running, DirectExchange) and not running.response_complete:
            running.lost()
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        if self.linger is not None:
            self.linger.cancel()
            self.linger = None
        self._wake_writer()
        if self.raw_socket is not None:
            self.watch.forget(self.fileno, self)
            self.raw_socket.detach()  # uvloop closes the descriptor itself
            self.raw_socket = None

    def _queue(self, cycle: Any, app: Any) -> None:
        """Hold a pipelined request until the response in flight is out.

        uvicorn stops reading as soon as one request waits; reading on until a few do lets
        the parser see a bad request behind them while the response is still in flight, so
        the connection is refused as a whole (nothing queued is answered) whether the bytes
        came in one read or several. Past PIPELINE_DEPTH reading pauses (backpressure).
        """
        if self.pipeline is _NO_PIPELINE:
            self.pipeline = deque()
        self.pipeline.appendleft((cycle, app))
        if len(self.pipeline) >= PIPELINE_DEPTH:
            self.flow.pause_reading()

    def _unset_keepalive_if_required(self) -> None:
        self.idle_since = None  # busy until the response completes

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        if self.refused:  # a later request was refused while this response was sent
            self._lingering_close()
            return
        if self.flow.read_paused:
            self.flow.resume_reading()
        if self.pipeline:
            self.idle_since = None
            cycle, app = self.pipeline.pop()
            self.running = cycle  # type: ignore[assignment]
            if isinstance(cycle, DirectExchange):
                # Not from here: a direct answer completes at once and would recurse once
                # per pipelined request.
                self.loop.call_soon(self._start_direct, cycle)
            else:
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

    def head_tick(self) -> None:
        """Slowloris bound, called every `head_timeout` seconds by the server's HeadWatch: a
        head still pending since the previous tick has taken at least that long."""
        if self.transport.is_closing():
            return
        running = self.running
        busy = running is not None and not running.response_complete
        if self.head_pending and self.heads_begun == self.head_mark and not busy:
            self.transport.close()
            return
        self.head_mark = self.heads_begun if self.head_pending else -1

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
            self.refusal = 431
            self.send_400_response("request head too large")

    def on_message_begin(self) -> None:
        # uvicorn builds the ASGI scope here; it is built in on_headers_complete instead,
        # and only for requests that go through ASGI.
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self.header_bytes = 0
        self.head_pending = True
        self.head_bytes = -1  # began in the chunk being parsed: sized after feed_data
        self.heads_begun += 1

    # Request size limits (nginx's defaults): httptools has none of its own. Raising in a
    # parser callback makes feed_data fail; send_400_response then answers with `refusal`.

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_URL_BYTES:
            self.refusal = 414
            raise ValueError("request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        # httptools may deliver one header in pieces; a whole line is name + value.
        size = len(name) + len(value)
        self.header_bytes += size
        if size > MAX_HEADER_LINE_BYTES or self.header_bytes > MAX_HEADER_BYTES:
            self.refusal = 431
            raise ValueError("request headers too large")
        # uvicorn's on_header (pinned 0.54), inlined on the hot path.
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.head_pending = False
        parser = self.parser
        method = parser.get_method()
        owner = self.hooks.owner
        handler: DirectHandler | None = owner.direct if owner is not None else None
        if (
            handler is not None
            and self.zerocopy
            and (method == b"GET" or method == b"HEAD")
            and self.url.startswith(owner.direct_prefix)
            and not self.expect_100_continue
            and self.limit_concurrency is None
            and not parser.should_upgrade()
        ):
            self._direct(handler, method.decode("ascii"))
        else:
            self._asgi(method.decode("ascii"))

    def _direct(self, handler: DirectHandler, method: str) -> None:
        url = self.url
        path = url if b"?" not in url and b"#" not in url else httptools.parse_url(url).path
        keep_alive = self.parser.should_keep_alive() and self.parser.get_http_version() != "1.0"
        exchange = DirectExchange(
            self, handler, method, path, self.headers, self._client_host(), keep_alive
        )
        running = self.running
        self.cycle = exchange  # type: ignore[assignment]
        if self.pipeline or (running is not None and not running.response_complete):
            self._queue(exchange, None)
            return
        self.running = exchange
        self._start_direct(exchange)

    def _start_direct(self, exchange: DirectExchange) -> None:
        if self.transport.is_closing():
            return
        try:
            exchange.handler.serve_direct(exchange)
        except Exception:
            self.logger.exception("direct handler failed")
            exchange.fail()

    def _client_host(self) -> str | None:
        client = self.client[0] if self.client else None
        proxy = self.hooks.proxy
        if proxy is not None and client in proxy.trusted_hosts:
            forwarded = [value for name, value in self.headers if name == b"x-forwarded-for"]
            if forwarded:
                host, _ = proxy.trusted_hosts.get_trusted_client_address(
                    b", ".join(forwarded).decode("latin1")
                )
                client = host or client
        return client

    def _asgi(self, method: str) -> None:
        """uvicorn's on_headers_complete (pinned 0.54), building the scope here."""
        http_version = self.parser.get_http_version()
        parsed_url = httptools.parse_url(self.url)
        raw_path = parsed_url.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = unquote(path)
        self.scope = scope = HTTPScope(
            type="http",
            asgi={"version": self.asgi_version, "spec_version": "2.3"},
            http_version=http_version,
            method=method,
            scheme=self.scheme or "http",
            path=self.root_path + path,
            raw_path=self.root_path.encode("ascii") + raw_path,
            query_string=parsed_url.query or b"",
            root_path=self.root_path,
            headers=self.headers,
            client=self.client,
            server=self.server,
            state=self.app_state.copy(),
        )
        if self.zerocopy:
            scope["extensions"] = _EXTENSIONS
        if self.parser.should_upgrade() and self._should_upgrade():
            return
        app: Any = self.app
        if self.limit_concurrency is not None and (
            len(self.connections) >= self.limit_concurrency
            or len(self.tasks) >= self.limit_concurrency
        ):
            app = service_unavailable
            self.logger.warning("Exceeded concurrency limit.")
        cycle = ZeroCopyCycle(
            scope=scope,
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=http_version != "1.0" and self.parser.should_keep_alive(),
            on_response=self.on_response_complete,
        )
        cycle.protocol = self
        running = self.running
        self.cycle = cycle
        if self.pipeline or (running is not None and not running.response_complete):
            self._queue(cycle, app)
            return
        self.running = cycle
        self._start_asgi_task(cycle, app)

    def on_body(self, body: bytes) -> None:
        if not isinstance(self.cycle, DirectExchange):  # a GET's body is not read: dropped
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not isinstance(self.cycle, DirectExchange):
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        self.refused = True
        self.head_pending = False
        # Nothing queued behind a refused request is answered. What the client still sends
        # is read and discarded: closing with unread bytes would reset the connection, and a
        # reset can destroy the response on its way before the client has read it.
        self.pipeline = _NO_PIPELINE
        self.flow.resume_reading()
        running = self.running
        if running is not None and not running.response_complete:
            # A response is still in flight: a refusal written now would land inside its
            # body. on_response_complete closes the connection once it is out.
            return
        status = self.refusal or 400
        code, message = _REFUSALS[status]
        body = error_json(code, message)
        self.transport.write(
            b"".join(
                (
                    STATUS_LINE[status],
                    b"content-type: application/json\r\n",
                    b"content-length: %d\r\n" % len(body),
                    b"connection: close\r\n\r\n",
                    body,
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
        self.linger = self.loop.call_later(LINGER_SECONDS, transport.close)

    def log_access(self, method: str, path: bytes, status: int) -> None:
        """uvicorn's access line, for a request answered on the direct path."""
        self.access_logger.info(
            '%s - "%s %s HTTP/%s" %d',
            f"{self.client[0]}:{self.client[1]}" if self.client else "",
            method,
            path.decode("latin-1"),
            self.parser.get_http_version() if self.parser is not None else "1.1",
            status,
        )

    def wait_writable_then(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the socket can take more bytes (or the connection is gone)."""
        self.watch.wait(self.fileno, self, callback)

    async def wait_writable(self) -> None:
        waiter = self.loop.create_future()
        self.writable_waiter = waiter
        self.wait_writable_then(self._wake_writer)
        try:
            await waiter
        finally:
            self.writable_waiter = None

    def _wake_writer(self) -> None:
        waiter = self.writable_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
