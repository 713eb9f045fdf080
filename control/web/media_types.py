"""JSON bodies must say they are JSON.

Without this check a body sent as `text/plain` or as a form was parsed as JSON, so any web
page could make a visitor's browser call the API with no CORS preflight (a "simple"
request). A route that takes a body answers 415 UNSUPPORTED_MEDIA_TYPE unless its
`Content-Type` is `application/json` (or `application/<something>+json`).
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from shared.errors import WsoptvError


class UnsupportedMediaType(WsoptvError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415


def is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _has_body(connection: ASGIConnection) -> bool:  # type: ignore[type-arg]
    length = connection.headers.get("content-length")
    return "transfer-encoding" in connection.headers or (length is not None and length != "0")


async def json_bodies_only(connection: ASGIConnection, handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    """Guard (app-wide): a body sent to a route that reads one must be JSON."""
    if "data" not in handler.parsed_fn_signature.parameters or not _has_body(connection):
        return
    content_type = connection.headers.get("content-type", "")
    if not is_json(content_type):
        raise UnsupportedMediaType(
            "this route takes a JSON body: send 'Content-Type: application/json'",
            details={"content_type": content_type[:100]},
        )
