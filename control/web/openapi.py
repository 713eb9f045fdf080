"""The error shape as an OpenAPI schema, and the error responses each route documents."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute

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


def exact_openapi(app: Litestar) -> None:
    """Make the served OpenAPI document say exactly what the server accepts.

    Litestar's generator loses two things this contract needs: request bodies do not say
    that unknown fields are refused (`additionalProperties: false`), and numeric bounds
    are written as floats and a bound of 0 is dropped (so a bigint id's maximum read
    9.223372036854776e+18 and `duration_seconds` had no minimum). Request bodies are
    therefore described by msgspec itself (the library that validates them), and the
    parameters' bounds are copied exactly from their declarations. Runs once, when the app
    is built; the result is what /schema/openapi.json serves.
    """
    plugin = app.plugins.get(OpenAPIPlugin)
    document = plugin.provide_openapi().to_schema()
    bodies: set[type[msgspec.Struct]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            parameters = dict(handler.parsed_fn_signature.parameters)
            for provide in handler.resolve_dependencies().values():
                # Query parameters a dependency takes (the catalog filters) are documented too.
                parameters.update(provide.parsed_fn_signature.parameters)
            data = parameters.get("data")
            body = data.annotation if data is not None else None
            if isinstance(body, type) and issubclass(body, msgspec.Struct):
                bodies.add(body)
            path = document["paths"].get(route.path_format, {})
            for method in handler.http_methods:
                operation = path.get(method.lower())
                if operation is not None:  # not an undocumented route (OPTIONS, /schema)
                    _exact_parameter_bounds(operation, parameters)
    _, components = msgspec.json.schema_components(
        sorted(bodies, key=lambda t: t.__name__), ref_template="#/components/schemas/{name}"
    )
    document["components"]["schemas"].update(components)
    plugin._openapi_schema = document


_BOUNDS = (
    ("ge", "minimum"),
    ("le", "maximum"),
    ("gt", "exclusiveMinimum"),
    ("lt", "exclusiveMaximum"),
)


def _exact_parameter_bounds(operation: dict[str, Any], parameters: dict[str, Any]) -> None:
    for described in operation.get("parameters", ()):
        field = parameters.get(described["name"])
        kwargs = field.kwarg_definition if field is not None else None
        if kwargs is None:
            continue
        schema = described["schema"]
        target = next((s for s in schema.get("oneOf", ()) if s.get("type") != "null"), schema)
        for attribute, keyword in _BOUNDS:
            value = getattr(kwargs, attribute, None)
            if value is not None:
                target[keyword] = value
                if target is not schema:
                    schema.pop(keyword, None)
