"""Display and short titles assembled from a finished draft."""

from __future__ import annotations

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.amounts import format_money
from control.blocks.title_generator.cleaning import DASH, JOIN, SEPARATORS, SPACES, tidy
from control.blocks.title_generator.draft import Draft


def _short_event(d: Draft) -> str:
    name = d.event_name or ""
    if m := v.MAIN_EVENT.search(name):
        return m.group(0)
    for long, compact in v.SHORT_NAMES:
        name = name.replace(long, compact)
    money = format_money(d.buy_in) if d.buy_in else ""
    number = f"#{d.event_number}" if d.event_number else ""
    short = " ".join(x for x in (number, money, name) if x)
    # Short titles sit under thumbnails: drop the buy-in, then "Championship", then truncate.
    if len(short) > 36:
        short = " ".join(x for x in (number, name) if x)
    return short if len(short) <= 36 else short.replace(" Championship", "")


def _stage_text(d: Draft) -> str:
    if d.stage == "final day" or d.day == "Final":
        return "Final Day"
    stage = (d.stage or "").title()
    day = f"Day {d.day}" if d.day else ""
    return " ".join(x for x in (stage, day) if x)


def render(d: Draft, fallback_text: str) -> tuple[str, str]:
    brand = v.SERIES_DISPLAY.get(d.series or "", d.series or "")
    if d.location and d.location not in (d.event_name or ""):
        brand = f"{brand} {d.location}".strip()
    head = " ".join(x for x in (brand, str(d.year) if d.year else "") if x)
    if d.free_form or not (d.has_event or d.has_sub or d.episode or d.hand or d.season):
        body = tidy(fallback_text) or fallback_text
        if not d.free_form:  # only series/year were found: the head says it all
            body = d.subtitle or ""
        elif "series" in d.name_fields:
            head = ""  # a sentence that names its brand itself reads best as written
        title = JOIN.join(x for x in (head, body) if x)
        return finish_title(title), _clip(body or title)
    event_bits = []
    if d.event_number is not None:
        event_bits.append(f"Event #{d.event_number}")
    if d.buy_in and not (d.event_name and format_money(d.buy_in) in d.event_name):
        event_bits.append(format_money(d.buy_in))
    if d.event_name:
        event_bits.append(d.event_name)
    first = " ".join(x for x in (head, *event_bits) if x)
    segments = [first]
    if d.season is not None:
        ep = f", {d.episode_label} {d.episode}" if d.episode is not None else ""
        segments.append(f"Season {d.season}{ep}")
    elif d.episode is not None:
        segments.append(f"{d.episode_label} {d.episode}")
    if stage := _stage_text(d):
        segments.append(stage)
    if d.hand is not None:
        segments.append(f"Hand {d.hand}")
    if d.part is not None:
        segments[-1] += f" ({d.part_label} {d.part})"
    title = JOIN.join(s for s in segments if s)
    if d.subtitle:
        joiner = ": " if d.hand is not None else JOIN
        title += " " + d.subtitle if d.subtitle.startswith("with ") else joiner + d.subtitle
    short_head = _short_event(d) or head
    short = " ".join(x for x in (short_head, stage) if x)
    extras = []
    if d.episode is not None:
        label = "Ep" if d.episode_label == "Episode" else d.episode_label
        extras.append(f"S{d.season} {label} {d.episode}" if d.season else f"{label} {d.episode}")
    if d.hand is not None:
        extras.append(f"Hand {d.hand}")
    if d.part is not None:
        extras.append(f"{'Pt' if d.part_label == 'Part' else d.part_label} {d.part}")
    short = " · ".join(x for x in (short, *extras) if x)
    return finish_title(title), _clip(finish_title(short))


def finish_title(text: str) -> str:
    text = v.EXTENSION_INSIDE.sub(" ", text).replace("_", " ")
    return SPACES.sub(" ", text).strip(" -" + DASH)


def _clip(text: str, limit: int = 48) -> str:
    text = finish_title(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip(SEPARATORS) + "…"
