"""Highlights: the fields of a hit with the words that matched wrapped in <mark>…</mark>.

The text is HTML-escaped first, so a front end can insert it as markup safely. Words are
compared after the same folding as the index ("Agüero" is marked for "aguero"); a word is
marked when one of its spellings is matched exactly, or begun by a prefix term.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence

from control.blocks.search.query import Term, Word
from control.blocks.search.text import edit_distance, tokenize, typo_budget

Matcher = Callable[[str], bool]
# The fields a hit shows highlighted, in this order; list fields are joined with this.
HIGHLIGHTED = ("title", "players", "event", "series", "hands")
_SEPARATOR = " · "


def exact_matcher(words: Iterable[Word]) -> Matcher:
    """Matches the words a query plan accepts (PostgreSQL: the lexicon decided spellings)."""
    exact = {w.text for w in words if not w.prefix}
    prefixes = tuple({w.text for w in words if w.prefix})

    def matches(word: str) -> bool:
        return word in exact or word.startswith(prefixes)

    return matches


def typo_matcher(terms: Sequence[Term]) -> Matcher:
    """Matches the terms as typed, within each one's typo budget (for a backend that does not
    say which spellings it used: MeiliSearch)."""
    wanted = [(w, term.prefix) for term in terms for w in term.token.words]

    def matches(word: str) -> bool:
        for typed, prefix in wanted:
            if word == typed or (prefix and word.startswith(typed)):
                return True
            budget = typo_budget(typed)
            if budget and edit_distance(typed, word, budget) <= budget:
                return True
        return False

    return matches


def mark(text: str, matches: Matcher) -> str | None:
    """`text` escaped, its matching words marked; None when no word matches."""
    pieces: list[str] = []
    last = 0
    for token in tokenize(text):
        if any(matches(word) for word in token.words):
            pieces.append(html.escape(text[last : token.start]))
            pieces.append(f"<mark>{html.escape(text[token.start : token.end])}</mark>")
            last = token.end
    if not pieces:
        return None
    pieces.append(html.escape(text[last:]))
    return "".join(pieces)


def highlights(fields: dict[str, list[str]], matches: Matcher) -> dict[str, str]:
    """{field: marked text} for each field of HIGHLIGHTED with a matching word."""
    found: dict[str, str] = {}
    for name in HIGHLIGHTED:
        texts = fields.get(name, [])
        if name == "title":
            texts = texts[:1]  # the display title, not the short one after it
        marked = [m for text in texts if (m := mark(text, matches)) is not None]
        if marked:
            found[name] = _SEPARATOR.join(marked)
    return found


def inferred_correction(terms: Sequence[Term], texts: Iterable[str]) -> str | None:
    """The query as the hits spell it, when a word matched only through a typo (a backend
    that does not say: MeiliSearch); None when every word matched as typed."""
    seen: dict[str, int] = {}
    for text in texts:
        for token in tokenize(text):
            for word in token.words:
                seen[word] = seen.get(word, 0) + 1
    spelled, corrected = [], False
    for term in terms:
        typed = term.token.parts[0] if term.token.joined is None else None
        budget = typo_budget(typed) if typed else 0
        as_typed = typed is None or any(
            w == typed or (term.prefix and w.startswith(typed)) for w in seen
        )
        if typed is None or as_typed or not budget:
            spelled.append(term.text)
            continue
        near = sorted(
            (edit_distance(typed, w, budget), -count, w)
            for w, count in seen.items()
            if edit_distance(typed, w, budget) <= budget
        )
        spelled.append(near[0][2] if near else term.text)
        corrected = corrected or bool(near)
    return " ".join(spelled) if corrected else None
