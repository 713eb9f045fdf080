"""CORS for the configured player origins (SPEC §3): simple responses and Range preflights."""

from __future__ import annotations

EXPOSED = b"Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified, X-Cache-Tier"
ALLOWED_METHODS = b"GET, HEAD, DELETE, OPTIONS"
ALLOWED_HEADERS = b"range, if-range, if-match, if-none-match, if-modified-since"
_ALLOWED_HEADER_SET = frozenset(ALLOWED_HEADERS.split(b", "))


class CorsPolicy:
    """Which browser origins may read the edge's responses."""

    def __init__(self, origins: list[str]) -> None:
        self._origins = frozenset(origin.rstrip("/").encode("ascii") for origin in origins)

    def response_headers(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        """Headers that let `origin` read a GET/HEAD/DELETE response (none if not allowed)."""
        if origin is None or origin not in self._origins:
            return []
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-expose-headers", EXPOSED),
            (b"vary", b"Origin"),
        ]

    def preflight_headers(
        self, origin: bytes | None, method: bytes | None, request_headers: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        """Headers answering an OPTIONS preflight (none if the request is not allowed)."""
        if origin is None or origin not in self._origins or method is None:
            return []
        if method.strip().upper() not in (b"GET", b"HEAD", b"DELETE"):
            return []
        if request_headers:
            asked = {h.strip().lower() for h in request_headers.split(b",") if h.strip()}
            if not asked <= _ALLOWED_HEADER_SET:
                return []
        return [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", ALLOWED_HEADERS),
            (b"access-control-max-age", b"600"),
            (b"vary", b"Origin"),
        ]
