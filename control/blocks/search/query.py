"""A query: the words typed, checked against the lexicon, turned into one boolean query.

`parse` splits the text into terms (at most MAX_TERMS; the last is a prefix while the user is
still typing it). The backend then tells `plan` what the lexicon knows of those words; `plan`
builds the query: every term must match (AND), each through any of its spellings (OR):

- the word itself (a prefix for the last term), a compound's parts or its joined form;
- two neighbouring terms written as one word ("spider man" finds "Spiderman");
- a word as two known words ("spiderman" finds "Spider Man");
- for a word the lexicon cannot match, its nearest known words within the typo budget
  (`corrected_query` names the best).

No operator a user types reaches a query language: terms are letters and digits only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from control.blocks.search.text import Token, deletions, edit_distance, tokenize, typo_budget

MAX_TERMS = 10  # later words are ignored, as MeiliSearch does
MAX_CANDIDATES = 4  # spellings tried for one misspelt word
_MIN_SPLIT = 5  # words shorter than this are not split in two


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as typed
    token: Token
    prefix: bool  # the last word while typing: it matches the words it begins

    @property
    def word(self) -> str | None:
        """The term as one plain word; None for a compound ("spider-man", "king's")."""
        return self.token.parts[0] if self.token.joined is None else None


def parse(text: str) -> list[Term]:
    """The terms of a query; the last is a prefix unless something follows it ("neg" is,
    "neg " is not)."""
    tokens = tokenize(text)
    cut = tokens[:MAX_TERMS]
    return [
        Term(text[t.start : t.end], t, prefix=t is tokens[-1] and t.end == len(text)) for t in cut
    ]


# the boolean query --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Expr, ...]


Expr = Word | All | Any_


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def render(expr: Expr, tier: str = "") -> str:
    """PostgreSQL tsquery text of `expr`, each word carrying the tier's prefix ("t:")."""
    if isinstance(expr, Word):
        return _quote(tier + expr.text) + (":*" if expr.prefix else "")
    joiner = " & " if isinstance(expr, All) else " | "
    inner = joiner.join(render(item, tier) for item in expr.items)
    return f"({inner})" if len(expr.items) > 1 else inner


def words_of(expr: Expr) -> list[Word]:
    if isinstance(expr, Word):
        return [expr]
    return [word for item in expr.items for word in words_of(item)]


# what the lexicon knows ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lookup:
    """The words to ask the lexicon about: exact words, and prefixes to complete."""

    exact: frozenset[str]
    prefixes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The lexicon's answers: documents per known word, per completed prefix, and the
    candidates near misspelt words."""

    documents: Mapping[str, int]
    completions: Mapping[str, int]
    candidates: Mapping[str, int] = field(default_factory=dict)

    def count(self, word: Word) -> int:
        if word.prefix:
            return self.completions.get(word.text, 0)
        return self.documents.get(word.text) or self.candidates.get(word.text, 0)


def _spellings(term: Term) -> list[Expr]:
    """The ways a term matches as typed: the word, or a compound's parts or joined form."""
    token, prefix = term.token, term.prefix
    if token.joined is None:
        return [Word(token.parts[0], prefix)]
    joined = Word(token.joined, prefix)
    if len(token.parts) == 1:  # a possessive: "hellmuth's" is "hellmuth" or "hellmuths"
        return [Word(token.parts[0], prefix), joined]
    parts = [Word(p) for p in token.parts[:-1]] + [Word(token.parts[-1], prefix)]
    return [All(tuple(parts)), joined]


def _splits(term: Term) -> list[Expr]:
    word = term.word
    if word is None or len(word) < _MIN_SPLIT or not word.isalpha():
        return []
    # Both halves whole words: "spiderm" is not "spider" and any word beginning with "m".
    return [All((Word(word[:k]), Word(word[k:]))) for k in range(2, len(word) - 1)]


def _pair(first: Term, second: Term) -> Word | None:
    """Two neighbouring plain words as one ("spider man" → "spiderman")."""
    if first.word is None or second.word is None:
        return None
    return Word(first.word + second.word, second.prefix)


def lookup(terms: Sequence[Term]) -> Lookup:
    """What `plan` needs the lexicon to say about `terms`."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for i, term in enumerate(terms):
        candidates: list[Expr] = [*_spellings(term), *_splits(term)]
        if i + 1 < len(terms) and (joined := _pair(term, terms[i + 1])) is not None:
            candidates.append(joined)
        for word in (w for expr in candidates for w in words_of(expr)):
            (prefixes if word.prefix else exact).add(word.text)
    return Lookup(frozenset(exact), frozenset(prefixes))


def _exists(expr: Expr, lexicon: Lexicon) -> bool:
    if isinstance(expr, Word):
        return lexicon.count(expr) > 0
    if isinstance(expr, All):
        return all(_exists(item, lexicon) for item in expr.items)
    return any(_exists(item, lexicon) for item in expr.items)


def _bound(expr: Expr, lexicon: Lexicon) -> int:
    """At most this many documents match `expr` (from the lexicon's counts)."""
    if isinstance(expr, Word):
        return lexicon.count(expr)
    bounds = [_bound(item, lexicon) for item in expr.items]
    return min(bounds) if isinstance(expr, All) else sum(bounds)


def misspelt(terms: Sequence[Term], lexicon: Lexicon) -> dict[str, list[str]]:
    """{word: its deletion variants} for each term the lexicon cannot match as typed and
    whose length allows typos (the variants to look up in search_deletions)."""
    found: dict[str, list[str]] = {}
    for term in terms:
        word = term.word
        budget = typo_budget(word) if word is not None else 0
        if word is None or budget == 0:
            continue
        if any(_exists(expr, lexicon) for expr in [*_spellings(term), *_splits(term)]):
            continue
        found[word] = sorted(deletions(word, budget))
    return found


# A spelling one edit further away must be this many times more common to be preferred: the
# archive's own misspellings ("Negraneau", twice) lose to the name ("Negreanu", 11 times).
_EDIT_WEIGHT = 4


def nearest(word: str, candidates: Mapping[str, int]) -> list[str]:
    """The known words within `word`'s typo budget, likeliest first: the nearest, unless
    one an edit further is _EDIT_WEIGHT times as common."""
    budget = typo_budget(word)
    scored = []
    for candidate, documents in candidates.items():
        distance = edit_distance(word, candidate, budget)
        if 0 < distance <= budget:
            scored.append((-documents / _EDIT_WEIGHT**distance, distance, candidate))
    return [candidate for _, _, candidate in sorted(scored)[:MAX_CANDIDATES]]


@dataclass(frozen=True, slots=True)
class Plan:
    """The boolean query of a search: one clause per term (or joined pair), all required."""

    clauses: tuple[Expr, ...]
    corrected_query: str | None
    upper_bound: int  # at most this many documents match (lexicon counts)

    @property
    def matchable(self) -> bool:
        return bool(self.clauses) and self.upper_bound > 0

    @property
    def counted_exactly(self) -> bool:
        """One whole word: the lexicon's count of its documents is the number of matches."""
        return (
            len(self.clauses) == 1
            and isinstance(self.clauses[0], Word)
            and not self.clauses[0].prefix
        )

    def tsquery(self, tier: str = "", filters: Sequence[str] = ()) -> str:
        parts = [render(clause, tier) for clause in self.clauses]
        parts += [_quote(lexeme) for lexeme in filters]
        return " & ".join(parts)

    def words(self) -> list[Word]:
        """Every spelling the query accepts (what the highlighter marks)."""
        return [word for clause in self.clauses for word in words_of(clause)]


def plan(terms: Sequence[Term], lexicon: Lexicon) -> Plan:
    """The query for `terms`, given what the lexicon knows of their words."""
    clauses: list[Expr] = []
    spelled: list[str] = []
    corrected = False
    unmatched = False
    i = 0
    while i < len(terms):
        term = terms[i]
        joined = _pair(term, terms[i + 1]) if i + 1 < len(terms) else None
        if joined is not None and _exists(joined, lexicon):
            following = terms[i + 1]
            both = All((Any_(tuple(_spellings(term))), Any_(tuple(_spellings(following)))))
            clauses.append(Any_(tuple(e for e in (both, joined) if _exists(e, lexicon))))
            spelled += [term.text, following.text]
            i += 2
            continue
        found = [e for e in _spellings(term) if _exists(e, lexicon)]
        # A word also matches as two words ("spiderman": "Spider Man").
        found += [e for e in _splits(term) if _exists(e, lexicon)]
        spelling = term.text
        if not found and term.word is not None:
            near = nearest(term.word, lexicon.candidates)
            found = [Word(candidate) for candidate in near]
            if near:
                spelling, corrected = near[0], True
        if not found:
            unmatched = True
        clauses.append(Any_(tuple(found)) if len(found) != 1 else found[0])
        spelled.append(spelling)
        i += 1
    bound = 0 if unmatched or not clauses else min(_bound(c, lexicon) for c in clauses)
    return Plan(tuple(clauses), " ".join(spelled) if corrected else None, bound)
