"""The archive's compact naming families, each read by its own grammar.

PokerGO slugs (1-wsop-2024-me-...), WSOP Europe slugs, hand clips, PAD (pad-s12-ep14),
GOG (E01_GOG_...), HyperDeck recorder files and production codes (WS12_, WSOP15_, WE24-ME-,
WCLA24-). Names that fit none of them go to the free-text reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.amounts import money_to_buy_in
from control.blocks.title_generator.cleaning import SPACES, clean_noise, recase, tidy
from control.blocks.title_generator.draft import Draft
from control.blocks.title_generator.free_text import set_day


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
