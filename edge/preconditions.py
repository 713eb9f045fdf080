"""Conditional requests (RFC 9110 §13): If-Match, If-None-Match, If-Modified-Since, If-Range."""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime


def http_date(timestamp: float) -> bytes:
    """An IMF-fixdate, the format of Last-Modified."""
    return formatdate(timestamp, usegmt=True).encode("ascii")


def _parse_date(value: bytes) -> int | None:
    try:
        return int(parsedate_to_datetime(value.decode("latin-1")).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # an invalid date is ignored, as RFC 9110 §13.1.3 says


def _etags(value: bytes) -> list[bytes]:
    return [tag.strip(b" \t") for tag in value.split(b",") if tag.strip(b" \t")]


def _weak_match(value: bytes, etag: bytes) -> bool:
    opaque = etag.removeprefix(b"W/")
    return any(tag == b"*" or tag.removeprefix(b"W/") == opaque for tag in _etags(value))


def _strong_match(value: bytes, etag: bytes) -> bool:
    return any(tag == b"*" or tag == etag for tag in _etags(value))


def precondition_status(
    method: str,
    *,
    if_match: bytes | None,
    if_none_match: bytes | None,
    if_modified_since: bytes | None,
    if_unmodified_since: bytes | None,
    etag: bytes,
    mtime: int,
) -> int | None:
    """412 or 304 when a precondition decides the response, else None (RFC 9110 §13.2.2)."""
    if if_match is not None:
        if not _strong_match(if_match, etag):
            return 412
    elif if_unmodified_since is not None:
        date = _parse_date(if_unmodified_since)
        if date is not None and mtime > date:
            return 412
    if if_none_match is not None:
        if _weak_match(if_none_match, etag):
            return 304 if method in ("GET", "HEAD") else 412
    elif if_modified_since is not None and method in ("GET", "HEAD"):
        date = _parse_date(if_modified_since)
        if date is not None and mtime <= date:
            return 304
    return None


def if_range_allows(if_range: bytes | None, etag: bytes, last_modified: bytes) -> bool:
    """Whether the Range header applies: no If-Range, its strong ETag, or its exact date."""
    if if_range is None:
        return True
    value = if_range.strip(b" \t")
    if value.startswith(b'"'):
        return value == etag
    if value.startswith(b"W/"):
        return False  # a weak validator never satisfies If-Range
    return value == last_modified
