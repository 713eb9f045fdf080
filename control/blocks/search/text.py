"""Search text: one normalisation for documents, queries and highlights, and edit distances.

Everything that compares words goes through `tokenize`: the PostgreSQL index, the lexicon,
the parsed query and the highlighter, so a word is spelt the same way everywhere. A word is
folded (case, accents and compatibility forms dropped: "Agüero" → "aguero", "Ø" → "o",
"ﬁ" → "fi", "ß" → "ss"); anything that is not a letter or a digit separates words, except
that a hyphen, apostrophe, period or comma *between* two letters or digits makes a compound
("Spider-Man", "Hold'em", "$10,000"), indexed as its parts and as one joined word so that
"spider man", "spider-man" and "spiderman" find each other. A possessive "'s" is dropped
("Hellmuth's" → "hellmuth", joined "hellmuths").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations

# Letters NFKD does not decompose into a base letter plus marks.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "\u0131": "i",  # dotless i
        "\u02bc": None,  # the modifier-letter apostrophe is a letter to Unicode: dropped
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
    }
)
# Apostrophes: ' and its typographic forms (U+2019, U+02BC), backtick, acute accent.
_APOSTROPHES = frozenset("'\u2019\u02bc`\u00b4")
# Hyphens (U+2010, U+2011 too), periods and commas join a compound as well.
_JOINERS = _APOSTROPHES | frozenset("-.,\u2010\u2011")
# A word with a digit is a number, a year or a code ("2024", "1b", "t9s"): exact only.
MAX_WORD_LENGTH = 40  # longer runs are codes or garbage: cut, never worth a typo search


def fold(text: str) -> str:
    """Lower case, accents and compatibility forms removed ("Ågüero" → "aguero")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # NFC again: Hangul syllables and the like recompose (their jamo are not marks).
    return unicodedata.normalize("NFC", stripped).translate(_FOLD)


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text: where it is, its folded parts, and the joined form of a compound."""

    start: int
    end: int
    parts: tuple[str, ...]
    joined: str | None = None  # a compound's parts written together ("spiderman")

    @property
    def words(self) -> tuple[str, ...]:
        """Every word this token is indexed under."""
        return self.parts if self.joined is None else (*self.parts, self.joined)


# A word: letters and digits. A compound: words joined by single joiners.
_WORD = r"[^\W_]+"
_JOINER = "[" + re.escape("".join(sorted(_JOINERS))) + "]"
_COMPOUND = re.compile(rf"{_WORD}(?:{_JOINER}{_WORD})*")
_SPLIT = re.compile(f"({_JOINER})")


def _fold_word(run: str) -> str:
    if run.isascii():  # the common case, and runs hold only letters and digits
        return run.lower()[:MAX_WORD_LENGTH]
    # Folding may leave a non-word character ("½" becomes 1, fraction slash, 2): a word
    # keeps only its letters and digits, so it can be quoted into a tsvector as it is.
    return "".join(c for c in fold(run) if c.isalnum())[:MAX_WORD_LENGTH]


def tokenize(text: str) -> list[Token]:
    """The words of `text`, in order, with their positions in `text`."""
    tokens: list[Token] = []
    for match in _COMPOUND.finditer(text):
        run = match.group()
        if run.isascii() and run.isalnum():  # a plain word: most of them
            tokens.append(Token(match.start(), match.end(), (run.lower()[:MAX_WORD_LENGTH],)))
            continue
        pieces = _SPLIT.split(run)  # part, joiner, part, joiner, part...
        spans, joiners = pieces[0::2], pieces[1::2]
        # "hellmuth's": the "s" is dropped as a part, kept in the joined word "hellmuths".
        possessive = bool(joiners) and joiners[-1] in _APOSTROPHES and spans[-1] in ("s", "S")
        if possessive:
            spans = spans[:-1]
        parts = tuple(w for w in map(_fold_word, spans) if w)
        if not parts:
            continue
        joined = None
        if len(parts) > 1 or possessive:
            joined = ("".join(parts) + ("s" if possessive else ""))[:MAX_WORD_LENGTH]
        tokens.append(Token(match.start(), match.end(), parts, joined))
    return tokens


def words(text: str) -> list[str]:
    """Every indexed word of `text` (parts and joined compounds), in order."""
    return [word for token in tokenize(text) for word in token.words]


def key(text: str) -> str:
    """A name as one comparable string: its folded words, space-separated ("WSOP-Paradise"
    and "wsop paradise" are one brand)."""
    return " ".join(part for token in tokenize(text) for part in token.parts)


# typos -------------------------------------------------------------------------------------


def typo_budget(word: str) -> int:
    """Edits a word may be off by (SPEC §4.1): none under 4 letters or with a digit, one
    from 4 letters, two from 8."""
    if not word.isalpha():
        return 0
    if len(word) >= 8:
        return 2
    return 1 if len(word) >= 4 else 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, replace, swap two neighbours), or
    `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def deletions(word: str, depth: int) -> set[str]:
    """The word with up to `depth` letters deleted (itself included): two words within
    `depth` edits of each other always share one of these (symmetric-delete lookup)."""
    found = {word}
    for count in range(1, min(depth, len(word) - 1) + 1):
        for positions in combinations(range(len(word)), count):
            found.add("".join(c for i, c in enumerate(word) if i not in positions))
    return found
