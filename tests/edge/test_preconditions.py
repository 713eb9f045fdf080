"""Conditional requests (RFC 9110 §13), table-driven."""

from __future__ import annotations

import pytest

from edge.preconditions import http_date, if_range_allows, precondition_status

ETAG = b'"abc-1"'
MTIME = 1_700_000_000
LAST_MODIFIED = http_date(MTIME)
EARLIER = http_date(MTIME - 60)
LATER = http_date(MTIME + 60)


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {}, None),
        ("GET", {"if_none_match": ETAG}, 304),
        ("HEAD", {"if_none_match": ETAG}, 304),
        ("GET", {"if_none_match": b'W/"abc-1"'}, 304),  # weak comparison
        ("GET", {"if_none_match": b'"other", "abc-1"'}, 304),
        ("GET", {"if_none_match": b"*"}, 304),
        ("GET", {"if_none_match": b'"other"'}, None),
        ("GET", {"if_modified_since": LAST_MODIFIED}, 304),
        ("GET", {"if_modified_since": LATER}, 304),
        ("GET", {"if_modified_since": EARLIER}, None),
        ("GET", {"if_modified_since": b"not a date"}, None),
        # If-None-Match wins over If-Modified-Since
        ("GET", {"if_none_match": b'"other"', "if_modified_since": LATER}, None),
        ("GET", {"if_match": ETAG}, None),
        ("GET", {"if_match": b"*"}, None),
        ("GET", {"if_match": b'"other"'}, 412),
        ("GET", {"if_match": b'W/"abc-1"'}, 412),  # strong comparison
        ("GET", {"if_unmodified_since": EARLIER}, 412),
        ("GET", {"if_unmodified_since": LAST_MODIFIED}, None),
        ("GET", {"if_match": b'"other"', "if_none_match": ETAG}, 412),
        ("DELETE", {"if_none_match": ETAG}, 412),
    ],
)
def test_precondition_status(method: str, headers: dict[str, bytes], expected: int | None) -> None:
    arguments: dict[str, bytes | None] = {
        "if_match": None,
        "if_none_match": None,
        "if_modified_since": None,
        "if_unmodified_since": None,
        **headers,
    }
    assert precondition_status(method, etag=ETAG, mtime=MTIME, **arguments) == expected


@pytest.mark.parametrize(
    ("if_range", "allowed"),
    [
        (None, True),
        (ETAG, True),
        (b'"other"', False),
        (b'W/"abc-1"', False),
        (LAST_MODIFIED, True),
        (EARLIER, False),
        (LATER, False),  # only the exact date counts
        (b"garbage", False),
    ],
)
def test_if_range(if_range: bytes | None, allowed: bool) -> None:
    assert if_range_allows(if_range, ETAG, LAST_MODIFIED) is allowed
