"""The working state of one title while its name and folders are read.

Every reader (codes, free text, folders) writes into a Draft; the public result is built
from it only at the end, so readers can fill fields in any order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict


class BuyIn(TypedDict):
    amount: int
    currency: str


@dataclass(slots=True)
class Draft:
    """Mutable working state while one name and its folders are read."""

    series: str | None = None
    location: str | None = None
    year: int | None = None
    event_number: int | None = None
    event_name: str | None = None
    buy_in: BuyIn | None = None
    game_type: str | None = None
    day: str | None = None
    flight: str | None = None
    part: int | None = None
    part_label: str = "Part"
    episode: int | None = None
    episode_label: str = "Episode"
    season: int | None = None
    stage: str | None = None
    content_type: str | None = None
    hand: int | None = None
    subtitle: str | None = None
    tags: list[str] = field(default_factory=list)
    name_fields: set[str] = field(default_factory=set)  # what the file name itself supplied
    free_form: bool = False  # a sentence-like title (YouTube style), shown as written
    raw_text: str = ""
    unknown_code: bool = False
    raw_recording: bool = False  # recorder file name: identity comes from folders only

    @property
    def currency(self) -> str:
        return "EUR" if self.series == "WSOP Europe" else "USD"

    def tag(self, value: str | None) -> None:
        if value and value not in self.tags:
            self.tags.append(value)

    @property
    def has_event(self) -> bool:
        return self.event_number is not None or self.event_name is not None

    @property
    def has_sub(self) -> bool:
        return any(x is not None for x in (self.day, self.stage, self.part, self.hand))
