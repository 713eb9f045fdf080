"""Turn archive file names (and their folder path) into display titles and metadata.

Pure functions, no I/O. The name is read first; folders fill in only what the name lacks,
closest folder first, because the NAS layout is "<brand>/<year + event>/<day>/<file>".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypedDict

from control.blocks.title_generator import vocabulary as v

MAX_BATCH = 500


class BuyIn(TypedDict):
    amount: int
    currency: str


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


DASH = "\u2013"  # the en dash that joins title segments
JOIN = f" {DASH} "
SEPARATORS = " -\u2013\u2014_,:;&[]()/|.!"
SPACES = re.compile(r"\s+")
STAKES = re.compile(r"(\$[\d,]+)\s+(\$[\d,]+)")
EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def current_year() -> int:
    return datetime.now(UTC).year


def strip_extensions(name: str) -> str:
    stem = name.strip()
    while v.EXTENSION.search(stem):
        stem = v.EXTENSION.sub("", stem)
    return stem


def _drop_pictographs(text: str) -> str:
    # Emoji, trophies and variation selectors carry no meaning; currency signs (Sc) stay.
    return "".join(
        " " if unicodedata.category(ch) in ("So", "Cs", "Co", "Cn") or ch in "\u200d\ufe0f" else ch
        for ch in text
    )


def clean_noise(text: str, d: Draft) -> str:
    """Remove production noise (ids, feed tags, prizes, hashtags), recording it on the draft."""
    text = _drop_pictographs(text)
    text = v.HASHTAGS.sub(" ", text)
    text = v.ASSET_IDS.sub(" ", text.strip()).replace("_", " ")
    for m in v.NOT_BUY_IN.finditer(text):
        d.tag(m.group(0).strip("[]() "))
    text = v.NOT_BUY_IN.sub(" ", text)
    for m in v.BRACELET.finditer(text):
        if m.group(1) and d.event_number is None:
            d.event_number = int(m.group(1))
        d.tag("bracelet event")
    text = v.BRACELET.sub(" ", text)
    for pattern, tag in v.NOISE_TAGS:
        if pattern.search(text):
            d.tag(tag)
            text = pattern.sub(" ", text)
    return SPACES.sub(" ", EMPTY_BRACKETS.sub(" ", text)).strip(" -" + DASH)


def recase(word: str) -> str:
    """A SHOUTED word in title case ("COLOSSUS" -> "Colossus"); acronyms stay."""
    core = word.strip(",.!?:;()")
    if len(core) > 1 and core.isupper() and core.isalpha() and core not in v.ACRONYMS:
        return word[0] + word[1:].lower()
    return word


def tidy(text: str) -> str:
    """Trim separators, re-case SHOUTED words and normalise poker spellings."""
    text = SPACES.sub(" ", EMPTY_BRACKETS.sub(" ", text)).strip(SEPARATORS + " ")
    text = text.replace("(", "").replace(")", "").replace("[", "").replace("]", "")
    text = " ".join(recase(word) for word in text.split(" "))
    for pattern, repl in v.EVENT_SPELLING:
        text = pattern.sub(repl, text)
    return SPACES.sub(" ", text).strip(SEPARATORS.replace(".", "") + " ")


def money_to_buy_in(num: str, mult: str | None, currency: str) -> BuyIn:
    value = float(num.replace(",", ""))
    value *= {"K": 1_000, "M": 1_000_000}.get((mult or "").upper(), 1)
    return BuyIn(amount=round(value), currency=currency)


def take_buy_in(text: str, d: Draft) -> str:
    """Read a leading buy-in ($10K, €1,100, 1500, 5k) off an event name; return the rest."""
    if v.CASH_GAME.search(text):
        # "$500 $1,000" in a cash game are the blinds, not a buy-in
        return STAKES.sub(r"\1/\2", text)
    default_cur = d.currency
    text = text.strip(SEPARATORS + " ")
    found: BuyIn | None = None
    while True:
        m = v.MONEY.match(text)
        if m:
            cur = "EUR" if (m.group("cur") == "€" or m.group("num2")) else "USD"
            num = m.group("num") or m.group("num2")
            found = found or money_to_buy_in(num, m.group("mult") or m.group("mult2"), cur)
            text = text[m.end() :].strip(SEPARATORS + " ")
            continue
        b = v.BARE_MONEY.match(text)
        if b and found is None:
            if b.group("plain"):
                found = BuyIn(amount=int(b.group("plain")), currency=default_cur)
            else:
                found = money_to_buy_in(b.group("num"), b.group("mult"), default_cur)
            text = text[b.end() :].strip(SEPARATORS + " ")
        break
    if found is None and (inner := v.INNER_K.search(text)):
        # "NLH 2K Monsterstack": a K amount inside the name is still the buy-in
        found = money_to_buy_in(inner.group(1), "K", default_cur)
        text = SPACES.sub(" ", text[: inner.start()] + text[inner.end() :]).strip()
    if found and d.buy_in is None:
        d.buy_in = found
    return text


def set_day(d: Draft, n: str, letters: str | None) -> None:
    flights = [ch.upper() for ch in (letters or "") if ch.isalpha()]
    d.flight = "/".join(flights) or None
    d.day = f"{int(n)}{d.flight or ''}"


def set_stage(d: Draft, text: str) -> None:
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


# ---- compact production codes


def story_case(tokens: Sequence[str]) -> str:
    """Hand-story slug words as a readable phrase: 'Tamayo Wins', 'KK vs QQs'."""
    words = []
    for i, raw in enumerate(tokens):
        low = raw.lower()
        if low in v.SLUG_WORDS:
            words.append(v.SLUG_WORDS[low])
        elif v.ORDINAL.match(raw):
            words.append(low)
        elif (card := v.CARD_WORD.match(raw)) and any(c.isalpha() for c in card.group("ranks")):
            words.append(card.group("ranks").upper() + card.group("suffix").lower())
        elif low in v.SMALL_WORDS and i:
            words.append(low)
        else:
            words.append(raw[:1].upper() + raw[1:])
    return " ".join(words)


def _slug_event(tokens: list[str], d: Draft) -> list[str]:
    """Consume buy-in, event words and stage from slug tokens; return the remaining story."""
    words: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].lower()
        if (m := v.SLUG_MONEY.match(tok)) and d.buy_in is None and not words and d.day is None:
            d.buy_in = money_to_buy_in(m.group("num"), m.group("mult"), d.currency)
        elif tok in v.SLUG_EVENT_WORDS and d.stage is None and d.day is None:
            words.append(v.SLUG_EVENT_WORDS[tok])
        elif tok == "ft":
            d.stage = "final table"
        elif m := v.SLUG_DAY.match(tok):
            set_day(d, m.group("n"), m.group("fl"))
        elif tok in v.SLUG_NOISE or tok.isdigit():
            d.tag({"clean": "clean", "dirty": "dirty", "nobug": "no bug"}.get(tok))
        else:
            break
        i += 1
    if words:
        d.event_name = " ".join(words).replace("Hi Lo", "Hi-Lo")
    return [t for t in tokens[i:] if t.lower() not in v.SLUG_NOISE]


def parse_code(stem: str, d: Draft) -> bool:
    """Recognise the archive's compact naming families; False when none applies."""
    if m := v.POKERGO_SLUG.match(v.TAKE_SUFFIX.sub("", stem)):
        d.series, d.year, d.content_type = "WSOP", int(m.group("year")), "hand clip"
        rest = v.SLUG_27SD.sub("27sd", v.SLUG_27TD.sub("27td", m.group("rest")))
        tokens = [t for t in v.TOKEN_SPLIT.split(rest) if t]
        if m.group("kind").lower() == "me":
            d.event_name = "Main Event"
        else:
            while tokens and tokens[0].lower().startswith("ev"):
                digits = v.NON_DIGITS.sub("", tokens.pop(0)) or (tokens.pop(0) if tokens else "")
                d.event_number = int(digits) if digits.isdigit() else None
        me_name = d.event_name
        story = _slug_event(tokens, d)
        d.event_name = d.event_name or me_name
        d.subtitle = story_case(story) or None
        d.name_fields |= {"series", "year"}
        return True
    if m := v.WSOPE_SLUG.match(v.TAKE_SUFFIX.sub("", stem)):
        d.series = "WSOP Europe" if m.group("brand").lower() == "wsope" else "WSOP"
        d.year = int(m.group("year"))
        story = _slug_event([t for t in v.TOKEN_SPLIT.split(m.group("rest")) if t], d)
        d.subtitle = story_case(story) or None
        d.content_type = "stream" if d.stage else "full episode"
        d.name_fields |= {"series", "year"}
        return True
    if m := v.HAND_CLIP.match(stem):
        d.hand, d.content_type = int(m.group("n")), "hand clip"
        d.tag({"clean": "clean", "pgm": "program feed"}.get((m.group("feed") or "").lower()))
        hand_story = v.GLUED_VS.sub(" vs", m.group("rest").replace("_", " "))
        hand_story = SPACES.sub(" ", v.GLUED_PAREN.sub(" (", hand_story)).strip()
        d.subtitle = " ".join(recase(word) for word in hand_story.split(" "))
        return True
    if m := v.PAD_CODE.match(stem):
        d.series, d.season, d.episode = "PAD", int(m.group("season")), int(m.group("ep"))
        d.content_type = "full episode"
        if v.BEST_OF.search(m.group("rest")):
            d.tag("best of")
        d.name_fields |= {"series", "season"}
        return True
    if m := v.GOG_CODE.match(stem):
        d.series, d.episode, d.content_type = "GOG", int(m.group("ep")), "full episode"
        rest = m.group("rest")
        if date := v.DATE8.search(rest):
            d.year = int(date.group("y"))
        elif date6 := v.DATE6_ANYWHERE.search(rest):
            d.year = 2000 + int(date6.group(1))
        clean_noise(rest, d)
        d.name_fields |= {"series", "year"} if d.year else {"series"}
        return True
    if m := v.HYPERDECK.match(stem):
        d.raw_recording, d.content_type = True, "stream"
        d.subtitle = f"Recording {int(m.group('n'))}"
        d.tag("HyperDeck")
        return True
    if m := v.CODE.match(stem):
        return _parse_production_code(m, d)
    return False


def _parse_production_code(m: re.Match[str], d: Draft) -> bool:
    brand = m.group("brand").upper()
    d.series, d.location = v.CODE_SERIES[brand]
    yy = int(m.group("yy"))
    d.year = yy if yy > 1900 else 2000 + yy
    d.name_fields |= {"series", "year"}
    # WPLA is unexplained, and WSOP Paradise only exists since 2023 ("WP2015" is something else).
    d.unknown_code = brand == "WPLA" or (d.series == "WSOP Paradise" and d.year < 2023)
    tokens = [t for t in v.TOKEN_SPLIT.split(m.group("rest")) if t]
    words: list[str] = []
    i = 0
    while i < len(tokens):
        tok, up = tokens[i], tokens[i].upper()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        code = v.CODE_TOKEN.match(up)
        if up in ("SHOW", "EPISODE") and nxt.isdigit():
            d.episode, d.episode_label = int(nxt), up.capitalize()
            i += 1
        elif code and (code.group(2) or nxt.isdigit()):
            n = int(code.group(2) or nxt)
            i += 0 if code.group(2) else 1
            kind = code.group(1)
            if kind in v.CLIP_KINDS:
                d.content_type = v.CLIP_KINDS[kind] or "clip"
                d.unknown_code = d.unknown_code or v.CLIP_KINDS[kind] is None
                d.tag(kind)
                d.episode, d.episode_label = n, (v.CLIP_KINDS[kind] or "clip").title()
            else:
                d.event_name = d.event_name or v.CODE_EVENTS[kind]
                d.unknown_code = d.unknown_code or v.CODE_EVENTS[kind] is None
                if v.CODE_EVENTS[kind] is None:
                    d.tag(kind)
                if d.episode is None:
                    d.episode = n
                else:
                    d.tag(f"{kind.lower()} episode {n}")
        elif up == "APAC":
            d.series = "WSOP APAC"
        elif up == "GCC":
            d.event_name = v.CODE_EVENTS["GCC"]
        elif v.PART_TOKEN.match(up):
            d.part = int(up[1:])
        elif tok.isdigit():
            if i == 0:
                d.episode, d.episode_label = int(tok), "Clip"
                d.content_type = d.content_type or "clip"
            elif words and d.part is None:
                d.part = int(tok)
        elif up in ("BIG", "ONE", "NAT", "CHAMP", "HIGH", "ROLLER", "MAIN", "EVENT"):
            words.append(up)
        else:
            d.tag({"NB": "no bug", "4CH": "4-channel audio", "4CHAN": "4-channel audio"}.get(up))
        i += 1
    if words:
        d.event_name = d.event_name or tidy(" ".join(words))
    d.content_type = d.content_type or "full episode"
    return True


# ---- folders


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


# ---- scoring and rendering


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


def format_money(b: BuyIn) -> str:
    sign = {"USD": "$", "EUR": "€"}.get(b["currency"], b["currency"] + " ")
    amount = b["amount"]
    if amount >= 1_000_000 and amount % 100_000 == 0:
        return f"{sign}{amount / 1_000_000:g}M"
    if amount >= 1000 and amount % 100 == 0:
        return f"{sign}{amount / 1000:g}K"
    return f"{sign}{amount:,}"


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
        return _final(title), _clip(body or title)
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
    return _final(title), _clip(_final(short))


def _final(text: str) -> str:
    text = v.EXTENSION_INSIDE.sub(" ", text).replace("_", " ")
    return SPACES.sub(" ", text).strip(" -" + DASH)


def _clip(text: str, limit: int = 48) -> str:
    text = _final(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip(SEPARATORS) + "…"


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


# ---- public API
def generate_title(file_name: str, file_path: str | None = None) -> TitleResult:
    """Display title, short title, confidence and metadata for one archive file."""
    stem = strip_extensions(file_name.rsplit("/", 1)[-1])
    d = Draft()
    text = ""
    if not parse_code(stem, d):
        work = stem
        if m := v.DATE6.match(work):
            if 1 <= int(m.group("m")) <= 12 and 1 <= int(m.group("d")) <= 31:
                d.year = 2000 + int(m.group("y"))
                d.name_fields.add("year")
            work = work[m.end() :]
        work = v.ORDER_PREFIX.sub("", work)
        secondary = v.SECOND_EVENT.split(work, maxsplit=1)
        text = clean_noise(secondary[0], d)
        parse_text(text, d)
        if len(secondary) > 1:
            d.subtitle = JOIN.join(x for x in (d.subtitle, tidy(secondary[1])) if x)
        d.name_fields |= {f for f in ("series", "year") if getattr(d, f) is not None}
    if d.year is not None and not 1970 <= d.year <= current_year():
        d.year = None
        d.name_fields.discard("year")
    merge_folders(d, file_path, file_name)
    if d.year is not None and not 1970 <= d.year <= current_year():
        d.year = None
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
    display = display or _final(stem) or "Untitled"
    return TitleResult(display, short or display, score(d), metadata)


def generate_titles(items: Sequence[tuple[str, str | None]]) -> list[TitleResult]:
    """Batch form: 1..500 (file_name, file_path) pairs, results in the same order."""
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValueError(f"batch size must be between 1 and {MAX_BATCH}, got {len(items)}")
    return [generate_title(name, path) for name, path in items]
