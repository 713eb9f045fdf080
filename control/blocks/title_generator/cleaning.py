"""Raw name text made readable: extensions and production noise removed, words re-cased.

Also the separators every title is joined and trimmed with, so all modules agree on them.
"""

from __future__ import annotations

import re
import unicodedata

from control.blocks.title_generator import vocabulary as v
from control.blocks.title_generator.draft import Draft

DASH = "\u2013"  # the en dash that joins title segments
JOIN = f" {DASH} "
SEPARATORS = " -\u2013\u2014_,:;&[]()/|.!"
SPACES = re.compile(r"\s+")
EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


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
