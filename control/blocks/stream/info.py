"""Playback info: hand marks and the skip zones between them (the parts with no hand)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from control.orchestration.contracts import Hand

# A gap shorter than this is a cut between two hands, not something worth a skip button.
MIN_SKIP_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SkipZone:
    start_seconds: float
    end_seconds: float


def skip_zones(
    hands: Sequence[Hand], duration_seconds: float | None, *, minimum: float = MIN_SKIP_SECONDS
) -> list[SkipZone]:
    """The stretches outside every hand, in order: before the first, between, after the last.

    Overlapping or touching hands count as one; hands past the end are clipped to the
    duration. Without hands there is nothing to skip to, so there are no zones; without a
    known duration the tail after the last hand is left out.
    """
    if not hands:
        return []
    end_of_video = duration_seconds if duration_seconds and duration_seconds > 0 else None
    zones: list[SkipZone] = []
    cursor = 0.0
    for hand in sorted(hands, key=lambda h: (h.start_seconds, h.end_seconds)):
        start, end = hand.start_seconds, hand.end_seconds
        if end_of_video is not None:
            start, end = min(start, end_of_video), min(end, end_of_video)
        if start - cursor >= minimum:
            zones.append(SkipZone(cursor, start))
        cursor = max(cursor, end)
    if end_of_video is not None and end_of_video - cursor >= minimum:
        zones.append(SkipZone(cursor, end_of_video))
    return zones
