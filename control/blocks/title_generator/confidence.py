"""Confidence: how sure a title is, from what was found and where it came from."""

from __future__ import annotations

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.draft import Draft


def score(d: Draft) -> float:
    """0..1: series and year (or season) plus how concrete the identity is.

    series 0.3 + year-or-season 0.3 + identity (event with day/stage/episode/part/hand 0.3,
    numbered show or hand 0.3, event alone 0.15, day/stage alone 0.1, bare clip number 0.05)
    + 0.1 when the name itself (not a folder) carried series and year. So >= 0.8 needs all
    three parts; sentence-like names cap at 0.6, unexplained codes lose 0.3, and recorder
    files whose identity comes only from folders cap at 0.7.
    """
    if d.free_form:
        base = 0.15 + 0.15 * (d.series is not None) + 0.15 * (d.year is not None)
        return round(min(base + 0.05 * d.has_event, 0.6), 2)
    s = 0.3 * (d.series is not None) + 0.3 * (d.year is not None or d.season is not None)
    numbered = d.episode is not None or d.hand is not None
    if d.has_event and (d.has_sub or numbered):
        s += 0.3
    elif numbered:
        # A bare clip number identifies a file but not what it shows: kept below 0.8.
        s += 0.05 if d.episode_label in v.CLIP_LABELS else 0.3
    elif d.has_event:
        s += 0.15
    elif d.has_sub:
        s += 0.1
    if {"series"} <= d.name_fields and ({"year"} & d.name_fields or "season" in d.name_fields):
        s += 0.1
    if d.unknown_code:  # an unexplained code means the "identity" may be misread
        s -= 0.3
    if d.raw_recording:
        s = min(s, 0.7)
    return round(max(0.05, min(s, 1.0)), 2)
