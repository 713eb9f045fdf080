"""Game type and content type, inferred once everything else about a file is known."""

from __future__ import annotations

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.draft import Draft


def infer_game(d: Draft) -> None:
    name = d.event_name or ""
    for pattern, game in v.GAME_TYPES:
        if pattern.search(name):
            d.game_type = game
            return
    # A main event without a named game is No-Limit Hold'em at every brand in this archive.
    if v.MAIN_EVENT.search(name) and d.series in (*v.WSOP_BRANDS, "WSOP", "MPP"):
        d.game_type = "NLH"


def infer_content(d: Draft) -> None:
    text = f"{d.event_name or ''} {d.raw_text} {' '.join(d.tags)}".lower()
    if d.content_type in (None, "clip") and v.HIGHLIGHT.search(text):
        d.content_type = "highlight"
    elif d.content_type is None and "preview" in text:
        d.content_type = "preview"
    if d.content_type is None:
        if d.hand is not None:
            d.content_type = "hand clip"
        elif d.episode is not None or (d.year and d.year < 2017 and not d.day):
            d.content_type = "full episode"
        elif d.day or d.stage or "live" in d.tags:
            d.content_type = "stream"
        else:
            d.content_type = "clip" if d.free_form else "full episode"
