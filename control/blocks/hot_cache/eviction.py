"""Which copies to remove: the least recently read by a player first (SPEC §6).

Pure: given what is on the SSD and when players last read each copy, it returns the victims
that bring usage down to a target. A copy never read since it was copied counts as read
when it was copied (a fresh copy is not the first to go before anyone could play it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OnSsd:
    path: str  # relative to SSD_CACHE_ROOT
    size: int  # bytes it occupies
    copied_ms: int  # when it was renamed into place (its ctime)
    last_read_ms: int | None  # last read by a player, as the edges report it

    @property
    def recency(self) -> int:
        return self.copied_ms if self.last_read_ms is None else self.last_read_ms


def victims(
    copies: Iterable[OnSsd], used: int, target: int, keep: frozenset[str] = frozenset()
) -> list[OnSsd]:
    """The copies to remove, least recently read first, until `used` is at most `target`;
    `keep` are never chosen (the copy being made). Empty when usage is already there."""
    chosen: list[OnSsd] = []
    for copy in sorted(copies, key=lambda c: (c.recency, c.path)):
        if used <= target:
            break
        if copy.path in keep:
            continue
        chosen.append(copy)
        used -= copy.size
    return chosen


@dataclass(frozen=True, slots=True)
class Watermarks:
    capacity: int
    high: float
    low: float

    @property
    def high_bytes(self) -> int:
        return int(self.capacity * self.high)

    @property
    def low_bytes(self) -> int:
        return int(self.capacity * self.low)

    def fits(self, size: int) -> bool:
        """Whether a file of `size` may ever be copied: not larger than the room below the
        low watermark (409 CACHE_TOO_SMALL otherwise)."""
        return size <= self.low_bytes
