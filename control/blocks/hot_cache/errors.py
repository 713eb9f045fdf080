"""The hot cache's domain errors: stable codes, fitting statuses."""

from __future__ import annotations

from shared.errors import WsoptvError


class HotCacheError(WsoptvError):
    code = "HOT_CACHE_ERROR"
    status = 400


class CacheTooSmall(HotCacheError):
    """The file is larger than the capacity below the low watermark: it is never copied
    (details: size_bytes, room_bytes)."""

    code = "CACHE_TOO_SMALL"
    status = 409


class SourceMissing(HotCacheError):
    """The content's NAS file cannot be read (details.file_path)."""

    code = "HOT_SOURCE_MISSING"
    status = 422
