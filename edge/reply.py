"""A response as the stream endpoint composes it, before any server writes it.

One Reply serves both writers: the protocol's direct path (edge/direct.py) and plain ASGI
(edge/stream.py). The body is a list of parts, each either bytes or a `(offset, count)`
slice of the reply's open file; its total length is always known (Content-Length), so the
head can go out before any body byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.errors import WsoptvError, error_json

if TYPE_CHECKING:
    from edge.files import OpenFile
    from edge.limiter import LocalLease

Headers = list[tuple[bytes, bytes]]
FileSlice = tuple[int, int]

# RFC 9110 §15.5.2: a 401 carries a challenge. The stream token travels in the path, not in
# an Authorization header; the Bearer challenge (RFC 6750) still names what is wrong with it.
CHALLENGE = b'Bearer realm="wsoptv-edge", error="invalid_token"'
ALLOWED_METHODS = b"GET, HEAD, DELETE, OPTIONS"


@dataclass(slots=True, eq=False)
class Reply:
    """Status, headers and body parts; `file` and `lease` are held until it is sent."""

    status: int
    headers: Headers
    parts: list[bytes | FileSlice]
    file: OpenFile | None = None
    lease: LocalLease | None = None
    started: float = 0.0  # perf_counter() when the request arrived (latency metric)


class RangeNotSatisfiable(WsoptvError):
    """No requested range overlaps the file (416, with `Content-Range: bytes */size`)."""

    code = "RANGE_NOT_SATISFIABLE"
    status = 416

    def __init__(self, size: int) -> None:
        super().__init__("the requested range is not satisfiable")
        self.size = size


def error_reply(error: WsoptvError, cors: Headers) -> Reply:
    """The contract's error document with the error's status (and its extra headers)."""
    body = error_json(error.code, error.message, error.details)
    headers: Headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        *cors,
    ]
    if isinstance(error, RangeNotSatisfiable):
        headers.append((b"content-range", b"bytes */%d" % error.size))
    elif error.status == 401:
        headers.append((b"www-authenticate", CHALLENGE))
    elif error.status == 405:
        headers.append((b"allow", ALLOWED_METHODS))
    if error.status in (429, 503):
        headers.append((b"retry-after", b"%d" % int(error.details.get("retry_after") or 1)))
    return Reply(error.status, headers, [body])


def render_head(
    status_line: bytes, headers: Headers, default_headers: Headers, keep_alive: bool
) -> bytes:
    """The response head in wire form (the headers are the edge's own: no validation)."""
    lines = [status_line]
    for name, value in default_headers:
        lines += (name, b": ", value, b"\r\n")
    for name, value in headers:
        lines += (name, b": ", value, b"\r\n")
    if not keep_alive:
        lines.append(b"connection: close\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)
