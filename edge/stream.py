"""The hot path: `GET|HEAD|DELETE|OPTIONS /v/{token}[/{tail}]`.

Token check (cached), path canonicalisation, tier lookup (cached open fds), limiter (local
lease, no Redis round trip in the steady state), RFC 9110 preconditions and ranges compose
a Reply (edge/reply.py). Two writers send it: the protocol's direct path (`serve_direct`,
edge/direct.py) for `GET|HEAD` on ZeroCopyHttpToolsProtocol, and plain ASGI (`__call__`)
for everything else and for servers without that protocol, where the body goes by
`http.response.zerocopysend` when offered, else in bounded chunks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Any

from edge.cors import CorsPolicy
from edge.direct import DirectExchange
from edge.errors import EdgeError
from edge.files import FileCache, OpenFile
from edge.limiter import LocalLease, StreamLimiter
from edge.metrics import EdgeMetrics
from edge.paths import decode_tail, granted_path
from edge.preconditions import if_range_allows, precondition_status
from edge.ranges import Unsatisfiable, parse_range
from edge.reply import FileSlice, Headers, RangeNotSatisfiable, Reply, error_reply
from edge.response_cycle import ZEROCOPY
from shared.errors import WsoptvError
from shared.token import MAX_LEEWAY_SECONDS, StreamClaims, StreamTokenVerifier, TokenError

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

logger = logging.getLogger("wsoptv.edge.stream")

PREFIX = b"/v/"
_FALLBACK_CHUNK = 256 * 1024
_MAX_ROUTES = 8192
_CONDITIONAL = frozenset(
    (b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since")
)
_WANTED = frozenset(
    (
        b"range",
        b"if-range",
        b"if-match",
        b"if-none-match",
        b"if-modified-since",
        b"if-unmodified-since",
        b"origin",
        b"access-control-request-method",
        b"access-control-request-headers",
    )
)


def _wanted(headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """The request headers the endpoint reads, in one pass."""
    return {name: value for name, value in headers if name in _WANTED}


class StreamEndpoint:
    """Serves media files to holders of stream tokens."""

    direct_prefix = PREFIX

    def __init__(
        self,
        verifier: StreamTokenVerifier,
        files: FileCache,
        limiter: StreamLimiter,
        metrics: EdgeMetrics,
        cors: CorsPolicy,
    ) -> None:
        self._verifier = verifier
        self._files = files
        self._limiter = limiter
        self._metrics = metrics
        self._cors = cors
        # (grant, raw tail) -> canonical relative path: a player repeats the same URL.
        self._routes: dict[tuple[str, bytes], str] = {}
        # Direct requests that wait for Redis (a new stream, a renewal): strong references.
        self._waiting: set[asyncio.Task[None]] = set()
        self._finish = self.finish

    # The protocol's direct path: GET and HEAD.

    def serve_direct(self, exchange: DirectExchange) -> None:
        """Answer a GET or HEAD from the protocol; without a task unless Redis must be asked.

        `_compose` below is the same steps as a coroutine; this one runs them without one,
        and hands over to it only when the limiter has to ask Redis.
        """
        started = time.perf_counter()
        wanted = _wanted(exchange.headers)
        cors = self._cors.response_headers(wanted.get(b"origin"))
        try:
            claims, expired, file = self._open(exchange.path, exchange.client)
            reply = None
            try:
                lease = self._limiter.admit_now(claims, token_expired=expired)
                if lease is not None:
                    reply = self._reply(exchange.method, wanted, cors, file, lease)
            except BaseException:
                file.release()
                raise
            if reply is None:  # a new stream or a renewal: Redis decides
                file.release()
                self._spawn(self._respond_later(exchange, wanted, cors, started))
                return
        except WsoptvError as error:
            reply = error_reply(error, cors)
        reply.started = started
        exchange.respond(reply, self._finish)

    async def _respond_later(
        self, exchange: DirectExchange, wanted: dict[bytes, bytes], cors: Headers, started: float
    ) -> None:
        try:
            reply = await self._compose(
                exchange.method, exchange.path, exchange.client, wanted, cors
            )
        except Exception:
            logger.exception("stream request failed")
            exchange.fail()
            return
        reply.started = started
        exchange.respond(reply, self._finish)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._waiting.add(task)
        task.add_done_callback(self._waiting.discard)

    # Plain ASGI: every method, on any server.

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        started = time.perf_counter()
        wanted = _wanted(scope["headers"])
        cors = self._cors.response_headers(wanted.get(b"origin"))
        method = scope["method"]
        client = scope.get("client")
        try:
            if method in ("GET", "HEAD"):
                raw_path = scope["raw_path"]
                reply = await self._compose(method, raw_path, client and client[0], wanted, cors)
            elif method == "DELETE":
                reply = await self._end_stream(scope, cors)
            elif method == "OPTIONS":
                reply = self._preflight(wanted)
            else:
                raise EdgeError("method not allowed", code="METHOD_NOT_ALLOWED", status=405)
        except WsoptvError as error:
            reply = error_reply(error, cors)
        reply.started = started
        sent = 0
        try:
            zerocopy = ZEROCOPY in scope.get("extensions", ())
            sent = await self._send(send, reply, zerocopy, method == "HEAD")
        finally:
            self.finish(reply, sent)

    async def _compose(
        self,
        method: str,
        raw_path: bytes,
        client: str | None,
        wanted: dict[bytes, bytes],
        cors: Headers,
    ) -> Reply:
        """The reply to a GET or HEAD, refusals included."""
        try:
            claims, expired, file = self._open(raw_path, client)
            try:
                lease = await self._limiter.admit(claims, token_expired=expired)
                return self._reply(method, wanted, cors, file, lease)
            except BaseException:
                file.release()
                raise
        except WsoptvError as error:
            return error_reply(error, cors)

    async def _send(self, send: Send, reply: Reply, zerocopy: bool, head: bool) -> int:
        """Send `reply` as ASGI messages; how many file bytes reached the socket."""
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": reply.headers}
        )
        parts = () if head else reply.parts
        if not parts:
            await send({"type": "http.response.body", "body": b""})
            return 0
        sent = 0
        last = len(parts) - 1
        for index, part in enumerate(parts):
            more = index < last
            if isinstance(part, bytes):
                await send({"type": "http.response.body", "body": part, "more_body": more})
                continue
            assert reply.file is not None
            offset, count = part
            if zerocopy:
                message: dict[str, Any] = {
                    "type": ZEROCOPY,
                    "file": reply.file.fd,
                    "offset": offset,
                    "count": count,
                    "more_body": more,
                }
                await send(message)
                sent += message.get("sent", count)  # fewer when the client went away
                continue
            # Servers without the extension (TLS, test clients): bounded chunks, same bytes.
            while count > _FALLBACK_CHUNK:
                chunk = os.pread(reply.file.fd, _FALLBACK_CHUNK, offset)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                offset += len(chunk)
                count -= len(chunk)
                sent += len(chunk)
            body = os.pread(reply.file.fd, count, offset)
            await send({"type": "http.response.body", "body": body, "more_body": more})
            sent += len(body)
        return sent

    # What both paths share.

    def finish(self, reply: Reply, sent: int) -> None:
        """Account for a reply that is out (or whose client left) and let go of what it held."""
        metrics = self._metrics
        metrics.requests[reply.status] += 1
        file = reply.file
        if file is not None:
            metrics.bytes_sent[file.tier] += sent
            if file.tier == "ssd":  # the hot cache evicts the copies players read least recently
                metrics.ssd_reads.add(file.relative)
            file.release()
            reply.file = None
        lease = reply.lease
        if lease is not None:
            lease.inflight -= 1
            reply.lease = None
        metrics.observe_latency(time.perf_counter() - reply.started)

    def _claims(self, raw_path: bytes, client: str | None) -> tuple[StreamClaims, bool, bytes]:
        """Verified claims, whether the token has expired, and the still-encoded tail."""
        token_bytes, _, raw_tail = raw_path[len(PREFIX) :].partition(b"/")
        try:
            claims, expired = self._verifier.check(token_bytes.decode("ascii"), client)
        except TokenError as error:
            self._metrics.token_failures[error.reason] += 1
            raise
        except UnicodeDecodeError:
            self._metrics.token_failures["malformed"] += 1
            raise TokenError("token is not a well-formed JWT") from None
        return claims, expired, raw_tail

    def _open(self, raw_path: bytes, client: str | None) -> tuple[StreamClaims, bool, OpenFile]:
        """The token's claims, whether it has expired, and the file it names (a reference)."""
        claims, expired, raw_tail = self._claims(raw_path, client)
        route = (claims.p, raw_tail)
        relative = self._routes.get(route)
        if relative is None:
            relative = granted_path(claims.p, decode_tail(raw_tail))
            if len(self._routes) >= _MAX_ROUTES:
                self._routes.clear()  # a crude bound: refilling costs one parse per route
            self._routes[route] = relative
        return claims, expired, self._files.open(relative)

    def _reply(
        self,
        method: str,
        wanted: dict[bytes, bytes],
        cors: Headers,
        file: OpenFile,
        lease: LocalLease,
    ) -> Reply:
        """The file's answer: 200, 206 (one range or multipart), 304; raises 412 and 416."""
        headers: Headers = [*file.headers, *cors]
        if not _CONDITIONAL.isdisjoint(wanted):
            decided = precondition_status(
                method,
                if_match=wanted.get(b"if-match"),
                if_none_match=wanted.get(b"if-none-match"),
                if_modified_since=wanted.get(b"if-modified-since"),
                if_unmodified_since=wanted.get(b"if-unmodified-since"),
                etag=file.etag,
                mtime=file.mtime,
            )
            if decided == 412:
                raise EdgeError("a precondition failed", code="PRECONDITION_FAILED", status=412)
            if decided == 304:
                lease.inflight += 1
                return Reply(304, headers[2:], [], file, lease)
        size = file.size
        ranges = None
        range_header = wanted.get(b"range")
        if range_header is not None and method == "GET":
            if_range = wanted.get(b"if-range")
            if if_range is None or if_range_allows(if_range, file.etag, file.last_modified):
                ranges = parse_range(range_header, size)
        parts: list[bytes | FileSlice]
        if ranges is None:
            status = 200
            headers.append((b"content-length", b"%d" % size))
            parts = [(0, size)] if size else []
        elif isinstance(ranges, Unsatisfiable):
            raise RangeNotSatisfiable(size)
        elif len(ranges) == 1:
            status = 206
            first, last = ranges[0].first, ranges[0].last
            headers.append((b"content-range", b"bytes %d-%d/%d" % (first, last, size)))
            headers.append((b"content-length", b"%d" % (last - first + 1)))
            parts = [(first, last - first + 1)]
        else:
            status = 206
            boundary = secrets.token_hex(12).encode("ascii")
            parts = []
            length = 0
            for part in ranges:
                head = b"\r\n--%s\r\ncontent-type: %s\r\ncontent-range: %s\r\n\r\n" % (
                    boundary,
                    file.content_type,
                    part.content_range(size),
                )
                parts += (head, (part.first, part.length))
                length += len(head) + part.length
            tail = b"\r\n--%s--\r\n" % boundary
            parts.append(tail)
            headers[0] = (b"content-type", b"multipart/byteranges; boundary=" + boundary)
            headers.append((b"content-length", b"%d" % (length + len(tail))))
        lease.inflight += 1
        return Reply(status, headers, parts, file, lease)

    async def _end_stream(self, scope: Scope, cors: Headers) -> Reply:
        client = scope.get("client")
        claims, _, _ = self._claims(scope["raw_path"], client and client[0])
        lifetime = claims.exp - time.time() + MAX_LEEWAY_SECONDS
        await self._limiter.release(claims, lifetime)
        return Reply(204, cors, [])

    def _preflight(self, wanted: dict[bytes, bytes]) -> Reply:
        headers = self._cors.preflight_headers(
            wanted.get(b"origin"),
            wanted.get(b"access-control-request-method"),
            wanted.get(b"access-control-request-headers"),
        )
        headers.append((b"content-length", b"0"))
        return Reply(204, headers, [])
