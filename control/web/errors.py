"""One exception handler for the whole app: everything leaves in the contract's error shape."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.errors import WsoptvError, error_body

log = logging.getLogger("wsoptv.control.errors")
# Litestar's own HTTP errors by status: stable codes instead of its text.
_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "AUTH_REQUIRED",
    403: "AUTH_FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}
# A dependency we cannot reach. Not every OSError: a file we cannot open is our bug (500).
_DEPENDENCY_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    ConnectionError,  # refused, reset, aborted
    TimeoutError,  # asyncio's too (e.g. waiting for a pool connection)
)
_Request = Request[Any, Any, Any]


def request_id(request: _Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def _response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(body, status_code=status, headers=headers)


def handle_domain_error(request: _Request, exc: WsoptvError) -> Response[Any]:
    if exc.status >= 500:
        log.error("request %s: %s %s (%s)", request_id(request), exc.code, exc.message, exc.details)
    headers = (
        {"Retry-After": str(exc.details["retry_after"])} if "retry_after" in exc.details else None
    )
    return _response(exc.status, exc.body(), headers)


def handle_validation_error(request: _Request, exc: ValidationException) -> Response[Any]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    fields = [
        {"field": str(e.get("key", "")), "message": str(e.get("message", ""))}
        for e in errors
        if isinstance(e, dict)
    ]
    for field in fields:
        # Litestar reports a missing parameter with the KeyError's text: "'data'".
        if field["message"] == repr(field["field"]):
            field["message"] = (
                "the request body is missing"
                if field["field"] == "data"
                else f"{field['field']} is required"
            )
    message = fields[0]["message"] if fields else str(exc.detail or "invalid request")
    return _response(400, error_body("VALIDATION_ERROR", message, {"errors": fields}))


def handle_http_error(request: _Request, exc: HTTPException) -> Response[Any]:
    status = exc.status_code if 400 <= exc.status_code < 600 else 500
    code = _HTTP_CODES.get(status, "INTERNAL" if status >= 500 else "BAD_REQUEST")
    headers = dict(exc.headers or {})
    if status == 405:
        return _response(status, error_body(code, "method not allowed on this route"), headers)
    if status < 500:
        return _response(status, error_body(code, exc.detail), headers)
    rid = request_id(request)
    log.error("request %s: HTTP %d %s", rid, status, exc.detail, exc_info=exc)
    return _response(status, error_body(code, "internal error", {"request_id": rid}), headers)


def _refused_value(exc: Exception) -> bool:
    """PostgreSQL refused a value (SQLSTATE class 22: NUL in text, a number out of range).

    Only the server raises the subclasses; asyncpg raises plain DataError itself when we
    pass an argument of the wrong type, which is our bug and stays a 500.
    """
    return isinstance(exc, asyncpg.DataError) and type(exc) is not asyncpg.DataError


def _too_deep(exc: Exception) -> bool:
    """msgspec gave up decoding a body nested deeper than the interpreter's recursion limit.

    Its message names deserializing; a RecursionError in our own code (or while encoding a
    response) does not, and stays a 500.
    """
    return isinstance(exc, RecursionError) and "while deserializing" in str(exc)


def handle_unexpected(request: _Request, exc: Exception) -> Response[Any]:
    rid = request_id(request)
    if _too_deep(exc):
        return _response(400, error_body("BAD_REQUEST", "the request body is nested too deeply"))
    if _refused_value(exc):
        log.warning("request %s: the database refused a value: %r", rid, exc)
        body = error_body(
            "BAD_REQUEST", "the request holds a value that cannot be stored", {"request_id": rid}
        )
        return _response(400, body)
    if isinstance(exc, _DEPENDENCY_ERRORS):
        log.error("request %s: dependency unreachable: %r", rid, exc)
        body = error_body(
            "DEPENDENCY_UNAVAILABLE", "a dependency is unreachable", {"request_id": rid}
        )
        return _response(503, body)
    # The traceback goes to the log under the request id, never to the client.
    log.exception("request %s: unhandled %s", rid, type(exc).__name__)
    return _response(500, error_body("INTERNAL", "internal error", {"request_id": rid}))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    WsoptvError: handle_domain_error,
    ValidationException: handle_validation_error,
    HTTPException: handle_http_error,
    Exception: handle_unexpected,
}
