"""The error shape as an OpenAPI schema, and the error responses each route documents."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme

from control.orchestration.identity import BEARER_SCHEME

_DESCRIPTIONS = {
    400: "Malformed request or invalid field (VALIDATION_ERROR)",
    401: "Missing, invalid, expired or revoked credentials (AUTH_*)",
    403: "Authenticated but not allowed (AUTH_FORBIDDEN, AUTH_ACCOUNT_*)",
    404: "No such resource (NOT_FOUND)",
    409: "Conflicts with existing data",
    422: "Well-formed but breaks a rule (e.g. AUTH_WEAK_PASSWORD)",
    429: "Rate limited (RATE_LIMITED); see Retry-After",
    503: "The serving block or a dependency is down (BLOCK_UNAVAILABLE, DEPENDENCY_UNAVAILABLE)",
}
# Every API route can answer these: validation, the per-IP limit, a block being down.
COMMON_ERRORS = (400, 429, 503)


COMPONENTS = Components(
    security_schemes={
        BEARER_SCHEME: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="Access token from POST /api/auth/login or /api/auth/refresh",
        ),
        "metrics_token": SecurityScheme(
            type="http",
            scheme="bearer",
            description="METRICS_TOKEN, for GET /metrics (unset: loopback clients only)",
        ),
    }
)


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(msgspec.Struct):
    """{"error": {"code": "UPPER_SNAKE", "message": "...", "details": {}}}"""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """ResponseSpecs in the contract's error shape for the common statuses plus `statuses`."""
    return {
        status: ResponseSpec(
            data_container=ErrorBody, description=_DESCRIPTIONS[status], generate_examples=False
        )
        for status in sorted({*COMMON_ERRORS, *statuses})
    }
