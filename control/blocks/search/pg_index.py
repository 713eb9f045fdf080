"""Writing the PostgreSQL index: documents, and the lexicon and suggestions derived from them.

Every change is a diff against what the index holds for a content, applied in one
transaction with the lexicon's and the suggestions' counts, so the index never needs a full
rebuild to stay right. It is safe to apply the same change twice, from any number of
processes at once (every control process hears every content event): a content is locked
for the transaction, and a second application finds nothing left to change. Rows are
locked in a fixed order (contents by id, words and suggestions sorted); a deadlock with the
popularity refresh is retried.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import asyncpg

from control.blocks.search.documents import SUGGESTION_PREFIX, Document, Entity
from control.blocks.search.text import deletions, typo_budget, words
from control.db.pool import Connection

log = logging.getLogger("wsoptv.control.block.search.index")
T = TypeVar("T")
_LOCK_SPACE = 0x5345  # "SE": the first key of the search block's advisory locks
_POPULARITY_LOCK = 0  # second key of the popularity refresh's lock (content ids start at 1)
_ATTEMPTS = 3

_LOCK_CONTENTS = f"""
SELECT pg_advisory_xact_lock({_LOCK_SPACE}, (id % 2147483647)::int)
FROM (SELECT unnest($1::bigint[]) AS id ORDER BY 1 OFFSET 0) ids
"""
_HELD = """
SELECT content_id, tsvector_to_array(document) AS lexemes, popularity
FROM search_documents WHERE content_id = ANY($1::bigint[])
"""
_UPSERT_DOCUMENT = """
INSERT INTO search_documents (content_id, document, created_at)
VALUES ($1, array_to_tsvector($2::text[]), $3)
ON CONFLICT (content_id) DO UPDATE
SET document = excluded.document, created_at = excluded.created_at, indexed_at = now()
WHERE (search_documents.document, search_documents.created_at)
      IS DISTINCT FROM (excluded.document, excluded.created_at)
"""
_COUNT_WORDS = """
INSERT INTO search_lexicon AS l (word, documents)
SELECT w, d FROM unnest($1::text[], $2::int[]) AS t(w, d) ORDER BY w
ON CONFLICT (word) DO UPDATE SET documents = l.documents + excluded.documents
RETURNING word, xmax = 0 AS inserted
"""
_ADD_DELETIONS = """
INSERT INTO search_deletions (variant, word)
SELECT v, w FROM unnest($1::text[], $2::text[]) AS t(v, w) ORDER BY w, v
ON CONFLICT DO NOTHING
"""
_COUNT_SUGGESTIONS = """
INSERT INTO search_suggestions AS s (key, kind, text, words, documents, popularity)
SELECT k, kind, text, array_to_tsvector(string_to_array(w, ' ')), d, p
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[])
     AS t(k, kind, text, w, d, p)
ORDER BY k
ON CONFLICT (key) DO UPDATE
SET documents = s.documents + excluded.documents,
    popularity = greatest(0, s.popularity + excluded.popularity)
"""
_POPULARITY = f"""
WITH wanted AS (SELECT * FROM unnest($1::bigint[], $2::int[]) AS v(id, views)),
changed AS (
    SELECT d.content_id, d.popularity AS old, coalesce(w.views, 0) AS new, d.document
    FROM search_documents d LEFT JOIN wanted w ON w.id = d.content_id
    WHERE (d.popularity > 0 OR w.id IS NOT NULL) AND d.popularity <> coalesce(w.views, 0)
    ORDER BY d.content_id
    FOR UPDATE OF d),
documents AS (
    UPDATE search_documents d SET popularity = c.new
    FROM changed c WHERE d.content_id = c.content_id),
deltas AS (
    SELECT substr(lexeme, {len(SUGGESTION_PREFIX) + 1}) AS key, sum(c.new - c.old) AS delta
    FROM changed c, unnest(tsvector_to_array(c.document)) AS lexeme
    WHERE starts_with(lexeme, '{SUGGESTION_PREFIX}') GROUP BY 1),
suggestions AS (
    UPDATE search_suggestions s SET popularity = greatest(0, s.popularity + deltas.delta)
    FROM deltas WHERE s.key = deltas.key)
SELECT content_id, new FROM changed
"""


def _plain(lexemes: set[str]) -> set[str]:
    return {lexeme for lexeme in lexemes if ":" not in lexeme}


def _suggestion_keys(lexemes: set[str]) -> set[str]:
    n = len(SUGGESTION_PREFIX)
    return {lexeme[n:] for lexeme in lexemes if lexeme.startswith(SUGGESTION_PREFIX)}


@dataclass(slots=True)
class _Changes:
    """What one transaction does to the lexicon and the suggestions."""

    words: Counter[str]
    documents: Counter[str]  # suggestion key -> documents naming it, +/-
    popularity: Counter[str]  # suggestion key -> popularity, +/-
    entities: dict[str, Entity]

    def add_document(self, lexemes: set[str], entities: Sequence[Entity], popularity: int) -> None:
        self.words.update(_plain(lexemes))
        for entity in entities:
            self.entities.setdefault(entity.key, entity)
        for key in _suggestion_keys(lexemes):
            self.documents[key] += 1
            self.popularity[key] += popularity

    def remove_document(self, lexemes: set[str], popularity: int) -> None:
        self.words.subtract(_plain(lexemes))
        for key in _suggestion_keys(lexemes):
            self.documents[key] -= 1
            self.popularity[key] -= popularity


async def _retried(conn: Connection, work: Callable[[Connection], Awaitable[T]]) -> T:
    """`work` in a transaction, again when PostgreSQL broke a deadlock by aborting it."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with conn.transaction():
                return await work(conn)
        except asyncpg.DeadlockDetectedError:
            if attempt == _ATTEMPTS:
                raise
            log.info("search index: deadlock broken by PostgreSQL, retrying (%d)", attempt)
    raise AssertionError("unreachable")


class PostgresIndex:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def apply(self, documents: Sequence[Document], removed: Sequence[int]) -> None:
        """Index `documents` and forget `removed`, lexicon and suggestions included."""
        if not documents and not removed:
            return
        ordered = sorted(documents, key=lambda d: d.content_id)

        async def work(conn: Connection) -> None:
            await self._apply(conn, ordered, removed)

        async with self._pool.acquire() as conn:
            await _retried(conn, work)

    async def _apply(
        self, conn: Connection, documents: Sequence[Document], removed: Sequence[int]
    ) -> None:
        ids = sorted({d.content_id for d in documents} | set(removed))
        await conn.execute(_LOCK_CONTENTS, ids)
        held = {
            r["content_id"]: (set(r["lexemes"]), r["popularity"])
            for r in await conn.fetch(_HELD, ids)
        }
        changes = _Changes(Counter(), Counter(), Counter(), {})
        rows = []
        for document in documents:
            lexemes = document.lexemes()
            before, popularity = held.get(document.content_id, (set(), 0))
            changes.remove_document(before, popularity)
            changes.add_document(set(lexemes), document.entities, popularity)
            rows.append((document.content_id, lexemes, document.created_at))
        gone = [content_id for content_id in removed if content_id in held]
        for content_id in gone:
            changes.remove_document(*held[content_id])
        if rows:
            await conn.executemany(_UPSERT_DOCUMENT, rows)
        if gone:
            await conn.execute(
                "DELETE FROM search_documents WHERE content_id = ANY($1::bigint[])", gone
            )
        await _count_words(conn, changes.words)
        await _count_suggestions(conn, changes)

    async def set_popularity(self, views: Mapping[int, int]) -> dict[int, int]:
        """Store each content's 7-day views (absent: none); {content id: views} of the
        documents that changed. One process at a time does it; another that finds it busy
        skips it ({})."""
        ids = list(views)
        counts = [min(int(views[i]), 2**31 - 1) for i in ids]

        async def work(conn: Connection) -> dict[int, int]:
            if not await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock($1, $2)", _LOCK_SPACE, _POPULARITY_LOCK
            ):
                return {}
            return {r["content_id"]: r["new"] for r in await conn.fetch(_POPULARITY, ids, counts)}

        async with self._pool.acquire() as conn:
            return await _retried(conn, work)

    async def popularity(self, ids: Sequence[int]) -> dict[int, int]:
        """{content id: stored views} of the indexed `ids`."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT content_id, popularity FROM search_documents "
                "WHERE content_id = ANY($1::bigint[])",
                list(ids),
            )
        return {r["content_id"]: r["popularity"] for r in rows}

    async def touch(self, ids: Sequence[int]) -> None:
        """Mark the documents of `ids` as indexed now (checked against the catalog)."""
        async with self._pool.acquire() as conn:
            await conn.execute(
                "UPDATE search_documents SET indexed_at = now() "
                "WHERE content_id = ANY($1::bigint[])",
                list(ids),
            )

    async def changed_since(self, moment: datetime) -> list[int]:
        """Contents whose document changed at or after `moment`."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT content_id FROM search_documents WHERE indexed_at >= $1", moment
            )
        return [r["content_id"] for r in rows]

    async def document_ids(self) -> set[int]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch("SELECT content_id FROM search_documents")
        return {r["content_id"] for r in rows}

    async def recount(self, entities: Mapping[str, Entity]) -> None:
        """Derive the lexicon, its typo variants and the suggestions from the documents
        again (a rebuild's last step: repairs any drift). Writers wait meanwhile; searches
        go on. `entities`: the suggestions' display texts, by key."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("LOCK TABLE search_documents IN SHARE MODE")
            await conn.execute(_RECOUNT_WORDS)
            missing = await conn.fetch(_WITHOUT_DELETIONS)
            await _add_deletions(conn, [r["word"] for r in missing])
            counted = await conn.fetch(_RECOUNT_SUGGESTIONS)
            keys = [r["key"] for r in counted]
            documents = [r["documents"] for r in counted]
            popularity = [r["popularity"] for r in counted]
            await conn.execute("DELETE FROM search_suggestions WHERE key <> ALL($1::text[])", keys)
            await conn.execute(_RESET_SUGGESTIONS, keys, documents, popularity)
            known = [i for i, k in enumerate(keys) if k in entities]
            await conn.execute(
                _ADD_SUGGESTIONS,
                *_suggestion_columns(
                    [keys[i] for i in known],
                    entities,
                    [documents[i] for i in known],
                    [popularity[i] for i in known],
                ),
            )


_RECOUNT_WORDS = """
WITH counted AS (
    SELECT lexeme AS word, count(*)::int AS documents
    FROM search_documents, unnest(tsvector_to_array(document)) AS lexeme
    WHERE strpos(lexeme, ':') = 0 GROUP BY 1),
stale AS (
    DELETE FROM search_lexicon l WHERE NOT EXISTS (SELECT 1 FROM counted c WHERE c.word = l.word))
INSERT INTO search_lexicon AS l (word, documents) SELECT word, documents FROM counted
ON CONFLICT (word) DO UPDATE SET documents = excluded.documents
WHERE l.documents <> excluded.documents
"""
_RESET_SUGGESTIONS = """
UPDATE search_suggestions s SET documents = c.documents, popularity = c.popularity
FROM unnest($1::text[], $2::int[], $3::bigint[]) AS c(key, documents, popularity)
WHERE s.key = c.key AND (s.documents, s.popularity) <> (c.documents, c.popularity)
"""
_ADD_SUGGESTIONS = """
INSERT INTO search_suggestions (key, kind, text, words, documents, popularity)
SELECT k, kind, text, array_to_tsvector(string_to_array(w, ' ')), d, p
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[])
     AS t(k, kind, text, w, d, p)
ON CONFLICT (key) DO NOTHING
"""
_WITHOUT_DELETIONS = """
SELECT word FROM search_lexicon l
WHERE length(word) >= 4 AND NOT EXISTS (SELECT 1 FROM search_deletions d WHERE d.word = l.word)
"""
_RECOUNT_SUGGESTIONS = f"""
SELECT substr(lexeme, {len(SUGGESTION_PREFIX) + 1}) AS key, count(*)::int AS documents,
       sum(popularity)::bigint AS popularity
FROM search_documents, unnest(tsvector_to_array(document)) AS lexeme
WHERE starts_with(lexeme, '{SUGGESTION_PREFIX}') GROUP BY 1
"""


async def _count_words(conn: Connection, deltas: Counter[str]) -> None:
    changed = sorted(word for word, delta in deltas.items() if delta)
    if not changed:
        return
    counted = await conn.fetch(_COUNT_WORDS, changed, [deltas[w] for w in changed])
    await _add_deletions(conn, [r["word"] for r in counted if r["inserted"]])
    fewer = [word for word in changed if deltas[word] < 0]
    if fewer:
        # Their typo variants go with them (ON DELETE CASCADE).
        await conn.execute(
            "DELETE FROM search_lexicon WHERE word = ANY($1::text[]) AND documents <= 0", fewer
        )


async def _add_deletions(conn: Connection, new_words: Sequence[str]) -> None:
    pairs = [
        (variant, word)
        for word in new_words
        if typo_budget(word)
        for variant in deletions(word, typo_budget(word))
    ]
    if pairs:
        await conn.execute(_ADD_DELETIONS, [v for v, _ in pairs], [w for _, w in pairs])


def _suggestion_columns(
    keys: Sequence[str],
    entities: Mapping[str, Entity],
    documents: Sequence[int],
    popularity: Sequence[int],
) -> tuple[list[str], list[str], list[str], list[str], list[int], list[int]]:
    # A key this change only removes has no entity at hand: its row exists already, so the
    # kind and text given for it are never stored.
    found = [entities.get(k, Entity("player", "")) for k in keys]
    return (
        list(keys),
        [e.kind for e in found],
        [e.text for e in found],
        [" ".join(sorted(set(words(e.text)))) for e in found],
        list(documents),
        list(popularity),
    )


async def _count_suggestions(conn: Connection, changes: _Changes) -> None:
    keys = sorted(k for k in changes.documents if changes.documents[k] or changes.popularity[k])
    if not keys:
        return
    await conn.execute(
        _COUNT_SUGGESTIONS,
        *_suggestion_columns(
            keys,
            changes.entities,
            [changes.documents[k] for k in keys],
            [changes.popularity[k] for k in keys],
        ),
    )
    fewer = [k for k in keys if changes.documents[k] < 0]
    if fewer:
        await conn.execute(
            "DELETE FROM search_suggestions WHERE key = ANY($1::text[]) AND documents <= 0", fewer
        )
