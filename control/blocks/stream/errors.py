"""The stream block's domain errors: stable codes, fitting statuses."""

from __future__ import annotations

from shared.errors import WsoptvError


class StreamError(WsoptvError):
    code = "STREAM_ERROR"
    status = 400


class StreamNotFound(StreamError):
    """No live stream session with this sid belongs to the caller.

    Someone else's sid answers exactly like an unknown one, so sids cannot be probed.
    """

    code = "STREAM_NOT_FOUND"
    status = 404
