"""Folder names as a second source: they fill in only what the file name lacks.

The NAS layout is "<brand>/<year + event>/<day>/<file>", so the closest folder is read first.
"""

from __future__ import annotations

from functools import lru_cache

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.cleaning import clean_noise
from control.blocks.title_generator.draft import Draft
from control.blocks.title_generator.free_text import parse_text

Hints = tuple[tuple[str | None, str | None], ...]


@lru_cache(maxsize=4096)
def read_folder(folder: str) -> tuple[Draft | None, Hints]:
    """One folder name read on its own (never mutated by callers).

    Cached because every file repeats its folders (halves the time for the whole listing).
    """
    hints = tuple(
        (content, tag) for pattern, content, tag in v.FOLDER_HINTS if pattern.search(folder)
    )
    f = Draft()
    text = clean_noise(v.CONTAINER.sub(" ", folder), f)
    if not text:
        return None, hints
    parse_text(text, f)
    return f, hints


def merge_folders(d: Draft, file_path: str | None, file_name: str) -> None:
    """Fill what the name lacks from its folders, closest first."""
    if not file_path:
        return
    parts = [p for p in file_path.replace("\\", "/").split("/") if p]
    if parts and parts[-1] == file_name:
        parts = parts[:-1]
    event_locked = d.has_event
    for folder in reversed(parts):
        f, hints = read_folder(folder)
        for content, tag in hints:
            d.content_type = d.content_type or content
            d.tag(tag)
        if f is None:
            continue
        if d.series is None or (d.series == "WSOP" and f.series in v.WSOP_BRANDS):
            d.series = f.series or d.series
        d.location = d.location or f.location
        d.year = d.year or f.year
        d.season = d.season or f.season
        same_event = (f.event_number is not None and f.event_number == d.event_number) or (
            f.event_number is not None and _same_name(d.event_name, f.event_name)
        )
        if same_event and d.event_number is None:
            d.event_number = f.event_number
        has_context = f.year or f.event_number or f.day or f.buy_in or f.stage
        if not event_locked and (f.event_number or (f.event_name and has_context)):
            d.event_number = d.event_number or f.event_number
            d.event_name = d.event_name or f.event_name
            d.buy_in = d.buy_in or f.buy_in
            event_locked = True
            same_event = True
        if same_event or (d.day is None and d.stage is None):
            if d.day is None:  # day and flight travel together ("Day 1 A" -> 1A, A)
                d.day, d.flight = f.day, f.flight
            d.stage = d.stage or f.stage
            d.part = d.part or (f.part if same_event else None)


def _same_name(a: str | None, b: str | None) -> bool:
    """Loose match of a name's event and a folder's ("MAIN EVENT" vs "Main Event NLH ...")."""
    if not a or not b:
        return False
    a, b = a.lower(), b.lower()
    return a in b or b in a or ("main event" in a and "main event" in b)
