"""Generic reader for free-text names and folder names (after clean_noise).

Headers (brand, location, year, event number) and trailers (season, day, stage, part, show)
are found by pattern; what lies between them is the event name, what follows is a subtitle.
"""

from __future__ import annotations

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.amounts import take_buy_in
from control.blocks.title_generator.cleaning import JOIN, SPACES, tidy
from control.blocks.title_generator.draft import Draft


def set_day(d: Draft, n: str, letters: str | None) -> None:
    """Day and flight together: ("01", "ab") -> day "1A/B", flight "A/B"."""
    flights = [ch.upper() for ch in (letters or "") if ch.isalpha()]
    d.flight = "/".join(flights) or None
    d.day = f"{int(n)}{d.flight or ''}"


def set_stage(d: Draft, text: str) -> None:
    """A matched stage phrase as a stage; anything but final day/four/final is a final table."""
    low = SPACES.sub(" ", text.lower().replace("_", " ").replace("-", " ")).strip(" )")
    stage = {"final day": "final day", "final four": "final four", "final": "final"}.get(low)
    d.stage = stage or "final table"
    if d.stage == "final day" and d.day is None:
        d.day = "Final"


def parse_text(text: str, d: Draft) -> None:
    """Generic reader for free-text names and folder names (after clean_noise)."""
    d.raw_text = text
    spans: list[tuple[int, int, str]] = []  # (start, end, kind) kind: "h"eader or "t"railer

    for pattern, series in v.SERIES_PATTERNS:
        m = pattern.search(text)
        if m:
            d.series = d.series or series
            loc = m.groupdict().get("loc")
            if loc:
                d.location = v.LOCATIONS.get(loc.lower(), loc)
            spans.append((m.start(), m.end(), "h"))
            break
    if d.location is None and (loc_m := v.LOCATION.search(text)):
        d.location = loc_m.group(1).title()
        spans.append((loc_m.start(), loc_m.end(), "h"))
    if d.series == "WSOP" and "CC" in d.tags and (stop := v.CIRCUIT_STOP.search(text)):
        d.series = "WSOP Circuit"
        d.location = d.location or stop.group(1).title()
        spans.append((stop.start(), stop.end(), "h"))
    years = list(v.YEAR.finditer(text))
    if years:
        d.year = d.year or int(years[0].group(1))
        spans += [(y.start(), y.end(), "h") for y in years if y.group(1) == years[0].group(1)]
    for m in v.EVENT_NO.finditer(text):
        d.event_number = d.event_number or int(m.group(1) or m.group(2))
        spans.append((m.start(), m.end(), "h"))
    if (s := v.SEASON.search(text)) and (s.group(1) or d.series == "PAD"):
        d.season = int(s.group(1) or s.group(2))
        spans.append((s.start(), s.end(), "t"))
    for m in v.DAY.finditer(text):
        set_day(d, m.group("n"), m.group("fl"))
        spans.append((m.start(), m.end(), "t"))
        break
    if m := v.STAGE.search(text):
        set_stage(d, m.group(0))
        spans.append((m.start(), m.end(), "t"))
    if m := v.PART.search(text):
        d.part, d.part_label = int(m.group("n")), m.group("label").capitalize()
        d.part_label = "Part" if d.part_label == "Pt" else d.part_label
        spans.append((m.start(), m.end(), "t"))
    if m := v.SHOW.search(text):
        d.episode = int(m.group("n"))
        d.episode_label = "Show" if m.group("label").lower() == "show" else "Episode"
        spans.append((m.start(), m.end(), "t"))
    if m := v.EVENT_CODE.search(text):
        d.event_name = "Main Event"
        if d.episode is None:
            d.episode = int(m.group("n"))
        else:
            d.tag(f"main event episode {int(m.group('n'))}")
        spans.append((m.start(), m.end(), "t"))
    if d.stage == "final" and d.episode is not None:
        d.stage = None  # "Show_27_FINAL": the final cut of a show, not a final day
    _split_regions(text, sorted(spans), d)


def _split_regions(text: str, spans: list[tuple[int, int, str]], d: Draft) -> None:
    """Text between headers and the first trailer is the event; text after is a subtitle."""
    pieces: list[tuple[str, str]] = []  # (kind-before, text)
    cursor, first_trailer = 0, None
    for start, end, kind in spans:
        if start < cursor:
            continue
        pieces.append(("gap", text[cursor:start]))
        pieces.append((kind, text[start:end]))
        if kind == "t" and first_trailer is None:
            first_trailer = len(pieces) - 1
        cursor = end
    pieces.append(("gap", text[cursor:]))
    headers = [i for i, (k, _) in enumerate(pieces) if k == "h"]
    prefix = pieces[0][1] if pieces else ""
    if headers and len(v.WORD.findall(v.MONEY.sub(" ", prefix))) >= 2:
        d.free_form = True  # words before the brand: a sentence, not a structured name
        return
    if not spans:
        if v.HAND_NOTATION.search(text):
            d.content_type, d.subtitle = "hand clip", tidy(text)
        elif text.strip():
            d.free_form = True
        return
    split_at = first_trailer if first_trailer is not None else len(pieces)
    before = " ".join(t for k, t in pieces[:split_at] if k == "gap")
    after = [tidy(t) for k, t in pieces[split_at:] if k == "gap"]
    after = [a for a in after if a]
    # Bare number straight after "WSOP 2004": the show (or, pre-2003, the tape part).
    stripped = before.strip(" _")
    bare = v.BARE_SHOW.match(stripped)
    if bare and headers and d.episode is None and not tidy(stripped[bare.end() :]):
        n = int(bare.group("n"))
        if d.year is not None and d.year <= 2002:
            d.part = d.part or n
        else:
            d.episode, d.episode_label = n, "Show"
        if bare.group("part"):
            d.part = int(bare.group("part"))
        before = ""
    event = tidy(take_buy_in(tidy(before), d))
    if not event and after:
        event = tidy(take_buy_in(after.pop(0), d))
    chunks = [c for c in v.DASH_SPLIT.split(event) if c]
    if len(chunks) > 1:
        event, after = chunks[0], [*chunks[1:], *after]
    if event.lower() == "show":
        event = ""  # "2003 WSOP Show Final Table": a show without a number
    if len(v.LETTER.findall(event)) >= 2:
        if d.event_name:  # already known from an ME code; the words are a subtitle
            after.insert(0, event)
        else:
            d.event_name = event
    if after:
        d.subtitle = JOIN.join(after)
