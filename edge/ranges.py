"""The Range request header (RFC 9110 §14): parse, clamp, merge and bound byte ranges.

Pure functions over the header value and the representation's length, so the table-driven
tests can pin every case without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# More parts than this after merging is a resource attack, not a player (SPEC §3).
MAX_RANGES = 16
# Numerals with more significant digits than this cannot be a file offset (2**63 has 19
# digits): they stand for "beyond any file" without being parsed, so a hostile header never
# becomes a huge integer.
_MAX_DIGITS = 18
_BEYOND_ANY_FILE = 10**_MAX_DIGITS
# A Range header longer than this is not worth parsing (1,000 ranges of 10 digits fit).
MAX_HEADER_BYTES = 32 * 1024


@dataclass(frozen=True, slots=True)
class ByteRange:
    """An inclusive, satisfiable byte range `first..last` of a representation."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> bytes:
        return b"bytes %d-%d/%d" % (self.first, self.last, size)


class Unsatisfiable:
    """The Range header was valid but no range overlaps the representation (416)."""

    __slots__ = ()


UNSATISFIABLE = Unsatisfiable()

# What parse_range returns: None (serve the whole representation: no header, another unit,
# invalid syntax or too many parts), UNSATISFIABLE (416) or the ranges to send (206).
RangeResult = list[ByteRange] | Unsatisfiable | None


def _number(text: bytes) -> int | None:
    text = text.strip(b" \t")
    if not text or not text.isdigit() or not text.isascii():
        return None
    # Leading zeros carry no magnitude: only significant digits count against the bound.
    significant = text.lstrip(b"0")
    return int(significant or b"0") if len(significant) <= _MAX_DIGITS else _BEYOND_ANY_FILE


# What players send almost always: one range, no spaces. Same result as the general parse.
_ONE_RANGE = re.compile(rb"bytes=(\d{1,%d})-(\d{1,%d})?" % (_MAX_DIGITS, _MAX_DIGITS))


def parse_range(header: bytes | None, size: int) -> RangeResult:
    """The ranges a `Range` header asks of a `size`-byte representation, merged and bounded."""
    if header is None or len(header) > MAX_HEADER_BYTES:
        return None
    one = _ONE_RANGE.fullmatch(header)
    if one is not None:
        start, end = int(one[1]), int(one[2]) if one[2] else _BEYOND_ANY_FILE
        if end < start:
            return None
        if start >= size:
            return UNSATISFIABLE
        return [ByteRange(start, min(end, size - 1))]
    unit, sep, spec = header.partition(b"=")
    if not sep or unit.strip(b" \t").lower() != b"bytes":
        return None
    ranges: list[ByteRange] = []
    syntactically_valid = 0
    for part in spec.split(b","):
        part = part.strip(b" \t")
        if not part:
            continue  # RFC 9110 list syntax tolerates empty elements
        first_text, dash, last_text = part.partition(b"-")
        if not dash:
            return None
        if first_text.strip(b" \t"):
            first = _number(first_text)
            open_ended = not last_text.strip(b" \t")
            last = _BEYOND_ANY_FILE if open_ended else _number(last_text)
            if first is None or last is None or last < first:
                return None
            syntactically_valid += 1
            if first < size:
                ranges.append(ByteRange(first, min(last, size - 1)))
        else:
            suffix = _number(last_text)
            if suffix is None:
                return None
            syntactically_valid += 1
            if suffix > 0 and size > 0:
                ranges.append(ByteRange(max(size - suffix, 0), size - 1))
    if not syntactically_valid:
        return None
    if not ranges:
        return UNSATISFIABLE
    merged = merge(ranges)
    # Too many disjoint parts: answering with the whole representation is allowed and cheap.
    return merged if len(merged) <= MAX_RANGES else None


def merge(ranges: list[ByteRange]) -> list[ByteRange]:
    """Coalesce overlapping or adjacent ranges, in ascending order (1,000 overlaps cost one)."""
    if len(ranges) == 1:
        return ranges
    ordered = sorted(ranges, key=lambda r: r.first)
    merged = [ordered[0]]
    for current in ordered[1:]:
        previous = merged[-1]
        if current.first <= previous.last + 1:
            if current.last > previous.last:
                merged[-1] = ByteRange(previous.first, current.last)
        else:
            merged.append(current)
    return merged
