"""The hot path: `GET|HEAD|DELETE|OPTIONS /v/{token}[/{tail}]` as plain ASGI.

Token check (cached), path canonicalisation, tier lookup (cached open fds), limiter (local
lease, no Redis round trip in the steady state), RFC 9110 preconditions and ranges, then the
body by `http.response.zerocopysend`. No framework objects, one pass over the headers.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from edge.cors import CorsPolicy
from edge.errors import EdgeError
from edge.files import FileCache, OpenFile
from edge.limiter import StreamLimiter
from edge.metrics import EdgeMetrics
from edge.paths import decode_tail, granted_path
from edge.preconditions import if_range_allows, precondition_status
from edge.ranges import ByteRange, Unsatisfiable, parse_range
from edge.response_cycle import ZEROCOPY
from shared.errors import WsoptvError, error_json
from shared.token import (
    MAX_LEEWAY_SECONDS,
    StreamClaims,
    StreamTokenVerifier,
    TokenError,
    TokenExpired,
    stream_claims,
)

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

PREFIX = b"/v/"
# RFC 9110 §15.5.2: a 401 carries a challenge. The stream token travels in the path, not in
# an Authorization header; the Bearer challenge (RFC 6750) still names what is wrong with it.
_CHALLENGE = b'Bearer realm="wsoptv-edge", error="invalid_token"'
_ALLOWED = b"GET, HEAD, DELETE, OPTIONS"
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


class StreamEndpoint:
    """Serves media files to holders of stream tokens."""

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

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        started = time.perf_counter()
        wanted: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in _WANTED:
                wanted[name] = value
        cors = self._cors.response_headers(wanted.get(b"origin"))
        method = scope["method"]
        try:
            if method in ("GET", "HEAD"):
                status = await self._deliver(scope, send, method, wanted, cors)
            elif method == "DELETE":
                status = await self._end_stream(scope, send, cors)
            elif method == "OPTIONS":
                status = await self._preflight(send, wanted)
            else:
                raise EdgeError("method not allowed", code="METHOD_NOT_ALLOWED", status=405)
        except WsoptvError as error:
            status = await send_error(send, error, cors)
        self._metrics.requests[status] += 1
        self._metrics.observe_latency(time.perf_counter() - started)

    def _claims(self, scope: Scope) -> tuple[StreamClaims, bool, bytes]:
        """Verified claims, whether the token has expired, and the still-encoded tail."""
        token_and_tail = scope["raw_path"][len(PREFIX) :]
        token_bytes, _, raw_tail = token_and_tail.partition(b"/")
        client = scope.get("client")
        try:
            token = token_bytes.decode("ascii")
            return self._verifier.verify(token, client[0] if client else None), False, raw_tail
        except TokenExpired as expired:
            return stream_claims(expired.claims), True, raw_tail
        except TokenError as error:
            self._metrics.token_failures[error.reason] += 1
            raise
        except UnicodeDecodeError:
            self._metrics.token_failures["malformed"] += 1
            raise TokenError("token is not a well-formed JWT") from None

    async def _deliver(
        self, scope: Scope, send: Send, method: str, wanted: dict[bytes, bytes], cors: Headers
    ) -> int:
        claims, expired, raw_tail = self._claims(scope)
        route = (claims.p, raw_tail)
        relative = self._routes.get(route)
        if relative is None:
            relative = granted_path(claims.p, decode_tail(raw_tail))
            if len(self._routes) >= _MAX_ROUTES:
                self._routes.clear()  # a crude bound: refilling costs one parse per route
            self._routes[route] = relative
        file = self._files.open(relative)
        try:
            lease = await self._limiter.admit(claims, token_expired=expired)
            lease.inflight += 1
            try:
                return await self._respond(scope, send, method, wanted, cors, file)
            finally:
                lease.inflight -= 1
        finally:
            file.release()

    async def _respond(
        self,
        scope: Scope,
        send: Send,
        method: str,
        wanted: dict[bytes, bytes],
        cors: Headers,
        file: OpenFile,
    ) -> int:
        headers: Headers = [
            (b"content-type", file.content_type),
            (b"accept-ranges", b"bytes"),
            (b"etag", file.etag),
            (b"last-modified", file.last_modified),
            (b"x-cache-tier", b"ssd" if file.tier == "ssd" else b"nas"),
            *cors,
        ]
        decided = None
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
        if decided == 304:
            await send({"type": "http.response.start", "status": 304, "headers": headers[2:]})
            await send({"type": "http.response.body", "body": b""})
            return 304
        if decided == 412:
            raise EdgeError("a precondition failed", code="PRECONDITION_FAILED", status=412)
        size = file.size
        ranges = None
        range_header = wanted.get(b"range")
        if (
            method == "GET"
            and range_header is not None
            and if_range_allows(wanted.get(b"if-range"), file.etag, file.last_modified)
        ):
            ranges = parse_range(range_header, size)
        if isinstance(ranges, Unsatisfiable):
            headers.append((b"content-range", b"bytes */%d" % size))
            raise _RangeNotSatisfiable(headers)
        zerocopy = ZEROCOPY in scope.get("extensions", ())
        head = method == "HEAD"
        if ranges is None:
            headers.append((b"content-length", b"%d" % size))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await self._send_bytes(send, file, 0, 0 if head else size, zerocopy, more=False)
            return 200
        if len(ranges) == 1:
            part = ranges[0]
            headers.append((b"content-range", part.content_range(size)))
            headers.append((b"content-length", b"%d" % part.length))
            await send({"type": "http.response.start", "status": 206, "headers": headers})
            await self._send_bytes(send, file, part.first, part.length, zerocopy, more=False)
            return 206
        await self._send_multipart(send, file, ranges, headers, zerocopy)
        return 206

    async def _send_multipart(
        self, send: Send, file: OpenFile, ranges: list[ByteRange], headers: Headers, zerocopy: bool
    ) -> None:
        boundary = secrets.token_hex(12).encode("ascii")
        heads = [
            b"\r\n--%s\r\ncontent-type: %s\r\ncontent-range: %s\r\n\r\n"
            % (boundary, file.content_type, part.content_range(file.size))
            for part in ranges
        ]
        tail = b"\r\n--%s--\r\n" % boundary
        length = sum(map(len, heads)) + sum(part.length for part in ranges) + len(tail)
        headers[0] = (b"content-type", b"multipart/byteranges; boundary=" + boundary)
        headers.append((b"content-length", b"%d" % length))
        await send({"type": "http.response.start", "status": 206, "headers": headers})
        for head, part in zip(heads, ranges, strict=True):
            await send({"type": "http.response.body", "body": head, "more_body": True})
            await self._send_bytes(send, file, part.first, part.length, zerocopy, more=True)
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    async def _send_bytes(
        self, send: Send, file: OpenFile, offset: int, count: int, zerocopy: bool, *, more: bool
    ) -> None:
        if count and zerocopy:
            message: dict[str, Any] = {
                "type": ZEROCOPY,
                "file": file.fd,
                "offset": offset,
                "count": count,
                "more_body": more,
            }
            await send(message)
            count = message.get("sent", count)  # fewer when the client went away
        else:
            # Servers without the extension (TLS, test clients): bounded chunks, same bytes.
            while count > _FALLBACK_CHUNK:
                chunk = os.pread(file.fd, _FALLBACK_CHUNK, offset)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                offset += len(chunk)
                count -= len(chunk)
            body = os.pread(file.fd, count, offset) if count else b""
            await send({"type": "http.response.body", "body": body, "more_body": more})
        self._metrics.bytes_sent[file.tier] += count

    async def _end_stream(self, scope: Scope, send: Send, cors: Headers) -> int:
        claims, _, _ = self._claims(scope)
        lifetime = claims.exp - time.time() + MAX_LEEWAY_SECONDS
        await self._limiter.release(claims, lifetime)
        await send({"type": "http.response.start", "status": 204, "headers": cors})
        await send({"type": "http.response.body", "body": b""})
        return 204

    async def _preflight(self, send: Send, wanted: dict[bytes, bytes]) -> int:
        headers = self._cors.preflight_headers(
            wanted.get(b"origin"),
            wanted.get(b"access-control-request-method"),
            wanted.get(b"access-control-request-headers"),
        )
        headers.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return 204


class _RangeNotSatisfiable(EdgeError):
    code = "RANGE_NOT_SATISFIABLE"
    status = 416

    def __init__(self, headers: Headers) -> None:
        super().__init__("the requested range is not satisfiable")
        self.headers = headers


async def send_error(send: Send, error: WsoptvError, cors: Headers) -> int:
    """The contract's error document with the error's status (and Retry-After, Content-Range)."""
    body = error_json(error.code, error.message, error.details)
    headers: Headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        *cors,
    ]
    if isinstance(error, _RangeNotSatisfiable):
        headers.extend(h for h in error.headers if h[0] == b"content-range")
    elif error.status == 401:
        headers.append((b"www-authenticate", _CHALLENGE))
    elif error.status == 405:
        headers.append((b"allow", _ALLOWED))
    retry_after = error.details.get("retry_after")
    if error.status in (429, 503):
        headers.append((b"retry-after", b"%d" % int(retry_after or 1)))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return error.status
