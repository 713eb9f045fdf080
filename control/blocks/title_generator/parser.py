"""Turn archive file names (and their folder path) into display titles and metadata.

Pure functions, no I/O. The name is read first; folders fill in only what the name lacks,
closest folder first, because the NAS layout is "<brand>/<year + event>/<day>/<file>".
This module is the public entry point; the readers and the rendering live beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.classify import infer_content, infer_game
from control.blocks.title_generator.cleaning import JOIN, clean_noise, strip_extensions, tidy
from control.blocks.title_generator.codes import parse_code
from control.blocks.title_generator.confidence import score
from control.blocks.title_generator.draft import BuyIn, Draft
from control.blocks.title_generator.folders import merge_folders
from control.blocks.title_generator.free_text import parse_text
from control.blocks.title_generator.render import finish_title, render
from control.blocks.title_generator.years import drop_implausible_year, take_date_prefix

__all__ = [
    "MAX_BATCH",
    "BuyIn",
    "TitleMetadata",
    "TitleResult",
    "generate_title",
    "generate_titles",
    "strip_extensions",
]

MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class TitleMetadata:
    series: str | None
    year: int | None
    event_number: int | None
    event_name: str | None
    buy_in: BuyIn | None
    game_type: str | None
    day: str | None
    flight: str | None
    part: int | None
    episode: int | None
    season: int | None
    stage: str | None
    content_type: str
    extra_tags: list[str]


@dataclass(frozen=True, slots=True)
class TitleResult:
    display_title: str
    short_title: str
    confidence: float
    metadata: TitleMetadata

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the API's response body for one title."""
        m = self.metadata
        return {
            "display_title": self.display_title,
            "short_title": self.short_title,
            "confidence": self.confidence,
            "metadata": {
                "series": m.series,
                "year": m.year,
                "event_number": m.event_number,
                "event_name": m.event_name,
                "buy_in": dict(m.buy_in) if m.buy_in else None,
                "game_type": m.game_type,
                "day": m.day,
                "flight": m.flight,
                "part": m.part,
                "episode": m.episode,
                "season": m.season,
                "stage": m.stage,
                "content_type": m.content_type,
                "extra_tags": list(m.extra_tags),
            },
        }


def generate_title(file_name: str, file_path: str | None = None) -> TitleResult:
    """Display title, short title, confidence and metadata for one archive file."""
    stem = strip_extensions(file_name.rsplit("/", 1)[-1])
    d = Draft()
    text = ""
    if not parse_code(stem, d):
        work = v.ORDER_PREFIX.sub("", take_date_prefix(stem, d))
        secondary = v.SECOND_EVENT.split(work, maxsplit=1)
        text = clean_noise(secondary[0], d)
        parse_text(text, d)
        if len(secondary) > 1:
            d.subtitle = JOIN.join(x for x in (d.subtitle, tidy(secondary[1])) if x)
        d.name_fields |= {f for f in ("series", "year") if getattr(d, f) is not None}
    drop_implausible_year(d)
    merge_folders(d, file_path, file_name)
    drop_implausible_year(d)  # a folder's year is checked the same way
    infer_game(d)
    infer_content(d)
    display, short = render(d, text or clean_noise(stem, Draft()))
    metadata = TitleMetadata(
        series=d.series,
        year=d.year,
        event_number=d.event_number,
        event_name=d.event_name,
        buy_in=d.buy_in,
        game_type=d.game_type,
        day=d.day,
        flight=d.flight,
        part=d.part,
        episode=d.episode,
        season=d.season,
        stage=d.stage,
        content_type=d.content_type or "clip",
        extra_tags=list(d.tags),
    )
    display = display or finish_title(stem) or "Untitled"
    return TitleResult(display, short or display, score(d), metadata)


def generate_titles(items: Sequence[tuple[str, str | None]]) -> list[TitleResult]:
    """Batch form: 1..500 (file_name, file_path) pairs, results in the same order."""
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValueError(f"batch size must be between 1 and {MAX_BATCH}, got {len(items)}")
    return [generate_title(name, path) for name, path in items]
