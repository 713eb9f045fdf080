"""The edge's errors: each maps to one status and code of the contract's error shape."""

from __future__ import annotations

from shared.errors import WsoptvError


class EdgeError(WsoptvError):
    """Base of the edge's domain errors."""

    code = "EDGE_ERROR"
    status = 500


class PathForbidden(EdgeError):
    """The path is unsafe or lies outside what the token grants (403)."""

    code = "PATH_FORBIDDEN"
    status = 403


class FileMissing(EdgeError):
    """The token covers the path but no such file exists in any tier (404)."""

    code = "NOT_FOUND"
    status = 404


class LeaseGone(EdgeError):
    """An expired token whose stream has no live lease any more (410)."""

    code = "TOKEN_EXPIRED"
    status = 410


class UserLimit(EdgeError):
    """The user already has as many streams as allowed (429)."""

    code = "STREAM_LIMIT_USER"
    status = 429


class Capacity(EdgeError):
    """No global slot became free within the queue wait, or the queue is full (503)."""

    code = "STREAM_CAPACITY"
    status = 503


class StreamEnded(EdgeError):
    """The player ended this stream (DELETE); its token cannot restart it (410)."""

    code = "STREAM_ENDED"
    status = 410


class LimiterUnavailable(EdgeError):
    """The limiter's Redis is unreachable, so a stream cannot be ended now (503, retry)."""

    code = "STREAM_LIMITER_UNAVAILABLE"
    status = 503
