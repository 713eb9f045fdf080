"""Year resolution shared by the name and its folders: date prefixes and plausibility."""

from __future__ import annotations

from datetime import UTC, datetime

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.draft import Draft

FIRST_YEAR = 1970  # where vocabulary.YEAR starts too


def current_year() -> int:
    return datetime.now(UTC).year


def take_date_prefix(text: str, d: Draft) -> str:
    """Read a leading yymmdd_ date ("231106_...") as the year; return the rest."""
    if m := v.DATE6.match(text):
        if 1 <= int(m.group("m")) <= 12 and 1 <= int(m.group("d")) <= 31:
            d.year = 2000 + int(m.group("y"))
            d.name_fields.add("year")
        text = text[m.end() :]
    return text


def drop_implausible_year(d: Draft) -> None:
    """Forget a year before 1970 or in the future: that number was not the recording's year.

    Run on the name's year and again after folders were merged; the name's own claim to a
    year ("year" in name_fields) goes with it, since confidence credits only real years.
    """
    if d.year is not None and not FIRST_YEAR <= d.year <= current_year():
        d.year = None
        d.name_fields.discard("year")
