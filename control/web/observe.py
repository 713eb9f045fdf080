"""The outermost layer of every HTTP request: request id, per-IP limit, metrics, access log.

It wraps Litestar's whole handler (not a route's middleware stack), so unknown routes and
405s are counted, logged and limited like any other request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from redis.exceptions import RedisError

from control.web.metrics import HttpMetrics
from control.web.ratelimit import WindowLimiter, address_key
from shared.errors import error_json

# Plain ASGI shapes: this layer sits outside Litestar and only reads a few keys.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("wsoptv.control.request")
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Monitors poll these often; they must answer even when a client has used up its limit.
# Everything else is limited: Litestar routes "//api/x" and "/api/x/" like "/api/x", so a
# prefix test on the raw path would let a client step around the limit.
_UNLIMITED_PATHS = frozenset({"/api/health", "/metrics"})
_SLASHES_RE = re.compile(r"/{2,}")


class RequestObserver:
    def __init__(
        self,
        app: ASGIApp,
        metrics: HttpMetrics,
        limiter: WindowLimiter | None = None,
        cors_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.limiter = limiter
        # The 429 below never reaches Litestar's CORS layer; a browser must still read it.
        self.cors_origins = cors_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            if not await self._within_limit(scope, send_with_id):
                return
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or "unmatched"
            self.metrics.observe(scope["method"], route, status, elapsed)
            log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": _client_ip(scope),
                },
            )

    async def _within_limit(self, scope: Scope, send: Send) -> bool:
        if self.limiter is None or _canonical(scope["path"]) in _UNLIMITED_PATHS:
            return True
        try:
            verdict = await self.limiter.hit(address_key(_client_ip(scope)))
        except RedisError:
            # Failing open: an outage of the limiter's store must not take the API down.
            log.warning("per-IP rate limit skipped: Redis unreachable")
            return True
        if verdict.allowed:
            return True
        body = error_json(
            "RATE_LIMITED",
            f"more than {verdict.limit} requests per {self.limiter.window_ms // 1000} s"
            " from this address",
            {"retry_after": verdict.retry_after, "limit": verdict.limit},
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(verdict.retry_after).encode()),
        ]
        origin = _header(scope, b"origin")
        if origin in self.cors_origins:
            headers += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-expose-headers", b"retry-after, x-request-id"),
                (b"vary", b"Origin"),
            ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return False


def _canonical(path: str) -> str:
    """The path as the router reads it: no repeated slashes, no trailing one."""
    return _SLASHES_RE.sub("/", path).rstrip("/") or "/"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
