"""Range header parsing (RFC 9110 §14), table-driven."""

from __future__ import annotations

import random
import re

import pytest

from edge import ranges
from edge.ranges import MAX_RANGES, UNSATISFIABLE, ByteRange, RangeResult, merge, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"bytes=0-99", [ByteRange(0, 99)]),
        (b"bytes=0-0", [ByteRange(0, 0)]),
        (b"bytes=500-", [ByteRange(500, 999)]),
        (b"bytes=-100", [ByteRange(900, 999)]),
        (b"bytes=-1000", [ByteRange(0, 999)]),
        (b"bytes=-5000", [ByteRange(0, 999)]),  # suffix longer than the file: whole file
        (b"bytes=990-5000", [ByteRange(990, 999)]),  # last-pos clamped
        (b"bytes=999-999", [ByteRange(999, 999)]),
        (b"BYTES = 1-2", [ByteRange(1, 2)]),
        (b"bytes=0-99999999999999999999999", [ByteRange(0, 999)]),  # huge numeral, no overflow
        # Leading zeros are not magnitude: long zero-padded numerals are small numbers.
        (b"bytes=0000000000000000000001-2", [ByteRange(1, 2)]),
        (b"bytes=-00000000000000000000002", [ByteRange(998, 999)]),
        (b"bytes=1-00000000000000000000000000002", [ByteRange(1, 2)]),
        (b"bytes=0000000000000000000000-0", [ByteRange(0, 0)]),
        (b"bytes= 0-1 , 5-9", [ByteRange(0, 1), ByteRange(5, 9)]),
        (b"bytes=5-9,0-1", [ByteRange(0, 1), ByteRange(5, 9)]),
        (b"bytes=0-10,5-20", [ByteRange(0, 20)]),  # overlapping: merged
        (b"bytes=0-9,10-19", [ByteRange(0, 19)]),  # adjacent: merged
        (b"bytes=0-1,2000-3000", [ByteRange(0, 1)]),  # unsatisfiable part dropped
        (b"bytes=0-1,,4-5", [ByteRange(0, 1), ByteRange(4, 5)]),  # empty list elements
    ],
)
def test_satisfiable_ranges(header: bytes, expected: RangeResult) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header",
    [
        b"bytes=1000-",
        b"bytes=1000-2000",
        b"bytes=-0",
        b"bytes=5000-6000,7000-",
        b"bytes=99999999999999999999999-",
        b"bytes=00000000000000000000001000-",
        b"bytes=-00000000000000000000000",
    ],
)
def test_unsatisfiable_ranges(header: bytes) -> None:
    assert parse_range(header, SIZE) is UNSATISFIABLE


@pytest.mark.parametrize(
    "header",
    [
        None,
        b"bytes=abc",
        b"bytes=5",
        b"items=0-1",
        b"bytes=0x01-0x02",
        b"bytes=--5",
        b"bytes=9-5",  # last < first: invalid
        b"bytes=",
        b"bytes=-",
        b"bytes=1-2-3",
        b"bytes=0-1,abc",  # one invalid part invalidates the header
        b"bytes=\xff-1",
        b"bytes=\xd9\xa1-2",  # non-ASCII digits
        b"=0-1",
        b"bytes 0-1",
    ],
)
def test_invalid_syntax_means_whole_file(header: bytes | None) -> None:
    assert parse_range(header, SIZE) is None


def test_empty_file_has_no_satisfiable_range() -> None:
    assert parse_range(b"bytes=0-", 0) is UNSATISFIABLE
    assert parse_range(b"bytes=-5", 0) is UNSATISFIABLE


def test_a_thousand_overlapping_ranges_merge_into_one() -> None:
    header = b"bytes=" + b",".join(b"%d-%d" % (i, i + 10) for i in range(1000))
    assert parse_range(header, 100_000) == [ByteRange(0, 1009)]


def test_too_many_disjoint_ranges_fall_back_to_the_whole_file() -> None:
    bounded = b"bytes=" + b",".join(b"%d-%d" % (i * 10, i * 10) for i in range(MAX_RANGES))
    too_many = b"bytes=" + b",".join(b"%d-%d" % (i * 10, i * 10) for i in range(MAX_RANGES + 1))
    assert isinstance(parse_range(bounded, SIZE), list)
    assert parse_range(too_many, SIZE) is None


def test_merge_keeps_disjoint_ranges_sorted() -> None:
    assert merge([ByteRange(50, 60), ByteRange(0, 5), ByteRange(3, 8)]) == [
        ByteRange(0, 8),
        ByteRange(50, 60),
    ]


def test_content_range_and_length() -> None:
    part = ByteRange(10, 19)
    assert part.length == 10
    assert part.content_range(SIZE) == b"bytes 10-19/1000"


def test_the_one_range_shortcut_agrees_with_the_general_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(14)
    digits = ["0", "1", "7", "99", "100", "0010", "4096", "9" * 18, "9" * 19, ""]
    headers = [f"bytes={a}-{b}".encode() for a in digits for b in digits]
    headers += [f"bytes={rng.randrange(5000)}-{rng.randrange(5000)}".encode() for _ in range(500)]
    sizes = (0, 1, 100, 4096, 10**18)
    shortcut = [[parse_range(header, size) for size in sizes] for header in headers]
    monkeypatch.setattr(ranges, "_ONE_RANGE", re.compile(b"(?!)"))  # never matches
    general = [[parse_range(header, size) for size in sizes] for header in headers]
    assert shortcut == general
