"""Searching the PostgreSQL index: lexicon checks, then tiered ranking on one GIN index.

Ranking is by relevance tier (every word in the title; in the title, players, event, series
or year; anywhere), then popularity, then recency. The index answers each tier exactly (its
lexemes carry the tier), so a query never reads more rows than it needs:

- few matches (at most EXACT_TOTAL rows): they are all read, ranked, and counted exactly;
- many matches: tier by tier, the ranking index (popularity, recency) is walked a bounded
  number of rows; a tier that fills the page there is done, one that does not is sparse and
  read whole through GIN. The total is then an estimate from a fixed sample of the index,
  never under EXACT_TOTAL + 1 (as MeiliSearch's `estimatedTotalHits`): counting 90,000
  matches, or even intersecting their posting lists, costs PostgreSQL more than the whole
  10 ms budget of a search.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import asyncpg

from control.blocks.search import query
from control.blocks.search.backend import Filters, Ranked, Suggested
from control.blocks.search.documents import MAIN_TIER, TITLE_TIER
from control.blocks.search.highlight import exact_matcher
from control.blocks.search.query import Lexicon, Plan, Term
from control.db.pool import Connection

EXACT_TOTAL = 1000  # matches counted exactly; past it, the total is an estimate
SAMPLE_ROWS = 1000  # rows an estimate reads
# A sampled estimate this many times the exact-total cap is trusted without counting.
SURELY_MORE = 3
# A tier walk reads at most this many rows of the ranking index (per hit wanted: past that
# density, the tier is read whole through GIN instead).
WALK_ROWS, WALK_ROWS_PER_HIT = 2000, 100
_ROWS_TTL = 60.0  # seconds the document count behind estimates is reused
# A prefix's bound sums the documents of the words it begins, up to this many words; past
# them the bound is _MANY (unknown, and large).
_PREFIX_SUM_LIMIT, _MANY = 1000, 2**40

_LEXICON = f"""
SELECT word, documents::bigint AS documents, false AS prefix
FROM search_lexicon WHERE word = ANY($1::text[])
UNION ALL
SELECT p.prefix, (SELECT CASE WHEN count(*) < {_PREFIX_SUM_LIMIT}
                             THEN coalesce(sum(w.documents), 0) ELSE {_MANY} END
                  FROM (SELECT documents FROM search_lexicon
                        WHERE word >= p.prefix AND word < p.upper LIMIT {_PREFIX_SUM_LIMIT}) w
                 )::bigint, true
FROM unnest($2::text[], $3::text[]) AS p(prefix, upper)
"""
_CANDIDATES = """
SELECT DISTINCT l.word, l.documents
FROM search_deletions d JOIN search_lexicon l ON l.word = d.word
WHERE d.variant = ANY($1::text[])
"""
# Up to $5 matches of tier query $1 not matching the better tier $2, ranked (the relevance
# tiers $3, $4 matter when $1 spans them all); the count is capped at $5.
_FETCH = """
WITH m AS MATERIALIZED (
    SELECT content_id, popularity, created_at,
           coalesce(document @@ $3::tsquery, false)::int
             + coalesce(document @@ $4::tsquery, false)::int AS relevance
    FROM search_documents
    WHERE document @@ $1::tsquery AND NOT coalesce(document @@ $2::tsquery, false)
    LIMIT $5)
SELECT (SELECT count(*) FROM m) AS matched,
       ARRAY(SELECT content_id FROM m
             ORDER BY relevance DESC, popularity DESC, created_at DESC, content_id DESC
             OFFSET $6 LIMIT $7) AS ids,
       ARRAY(SELECT popularity FROM m
             ORDER BY relevance DESC, popularity DESC, created_at DESC, content_id DESC
             OFFSET $6 LIMIT $7) AS popularity
"""
# The first $3 matches in popularity-then-recency order among the first $4 documents (all
# of them when null): the ranking index read in order, stopped by the limits.
_WALK = """
SELECT content_id, popularity FROM (
    SELECT content_id, popularity, document FROM search_documents
    ORDER BY popularity DESC, created_at DESC, content_id DESC LIMIT $4) ranked
WHERE document @@ $1::tsquery AND NOT coalesce(document @@ $2::tsquery, false)
LIMIT $3
"""
_CAPPED_COUNT = """
SELECT count(*) FROM (SELECT 1 FROM search_documents WHERE document @@ $1::tsquery LIMIT $2) m
"""
_SAMPLE = """
SELECT count(*) FROM search_documents TABLESAMPLE SYSTEM ($2) REPEATABLE (0)
WHERE document @@ $1::tsquery
"""
_ROWS = """
SELECT CASE WHEN reltuples >= 0 THEN reltuples::bigint
            ELSE (SELECT count(*) FROM search_documents) END
FROM pg_class WHERE oid = 'search_documents'::regclass
"""
_ENTITIES = """
SELECT kind, text, popularity, documents FROM search_suggestions
WHERE words @@ $1::tsquery
ORDER BY popularity DESC, documents DESC, text LIMIT $2
"""


def _upper(prefix: str) -> str:
    """The first string after every string that begins with `prefix` (byte order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class PostgresSearch:
    name = "postgres"

    def __init__(self, pool: asyncpg.Pool, *, exact_total: int = EXACT_TOTAL) -> None:
        self._pool = pool
        self._exact_total = exact_total
        self._rows: tuple[float, int] = (0.0, 0)  # (when read, documents in the index)

    # planning -----------------------------------------------------------------------------

    async def plan(self, conn: Connection, terms: Sequence[Term], *, typos: bool = True) -> Plan:
        """The query for `terms`: one lexicon round trip, a second for misspelt words."""
        needed = query.lookup(terms)
        prefixes = sorted(needed.prefixes)
        rows = await conn.fetch(
            _LEXICON, sorted(needed.exact), prefixes, [_upper(p) for p in prefixes]
        )
        lexicon = Lexicon(
            {r["word"]: r["documents"] for r in rows if not r["prefix"]},
            {r["word"]: r["documents"] for r in rows if r["prefix"]},
        )
        misspelt = query.misspelt(terms, lexicon) if typos else {}
        if misspelt:
            variants = sorted({v for found in misspelt.values() for v in found})
            near = await conn.fetch(_CANDIDATES, variants)
            lexicon = Lexicon(
                lexicon.documents,
                lexicon.completions,
                {r["word"]: r["documents"] for r in near},
            )
        return query.plan(terms, lexicon)

    # search -------------------------------------------------------------------------------

    async def search(
        self, terms: Sequence[Term], filters: Filters, offset: int, limit: int
    ) -> Ranked:
        async with self._pool.acquire() as conn:
            plan = await self.plan(conn, terms)
            matcher = exact_matcher(plan.words())
            if not plan.matchable:
                return Ranked([], 0, matcher, plan.corrected_query)
            ids, total = await self._rank(conn, plan, filters.lexemes(), offset, limit)
        return Ranked(ids, total, matcher, plan.corrected_query)

    async def _rank(
        self, conn: Connection, plan: Plan, filters: list[str], offset: int, limit: int
    ) -> tuple[list[int], int]:
        need = offset + limit
        cap = max(self._exact_total, need)
        full = plan.tsquery("", filters)
        title = plan.tsquery(TITLE_TIER, filters)
        walked_title = False
        if plan.upper_bound > cap:
            # Probably many matches: the first rows of the ranking may fill the page with
            # title matches, the best tier (then nothing else needs reading).
            walked = await conn.fetch(_WALK, title, None, need, _walk_rows(need))
            if len(walked) == need:
                page = [r["content_id"] for r in walked[offset:]]
                return page, await self._total(conn, plan, filters, full, cap)
            walked_title = True
        # One word's count is exact: past the cap, reading every match would be wasted.
        if not (walked_title and plan.counted_exactly and not filters):
            row = await conn.fetchrow(
                _FETCH,
                full,
                None,
                plan.tsquery(MAIN_TIER),
                plan.tsquery(TITLE_TIER),
                cap + 1,
                offset,
                limit,
            )
            assert row is not None
            if row["matched"] <= cap:
                return list(row["ids"]), row["matched"]
        ids, counted, complete = await self._tiers(conn, plan, filters, need, cap, walked_title)
        page = [content_id for content_id, _ in ids[offset:need]]
        return page, counted if complete else await self._total(conn, plan, filters, full, cap)

    async def _tiers(
        self,
        conn: Connection,
        plan: Plan,
        filters: list[str],
        need: int,
        cap: int,
        walked_title: bool,
    ) -> tuple[list[tuple[int, int]], int, bool]:
        """The best `need` matches, tier by tier; how many matches the tiers read held, and
        whether that is all of them."""
        found: list[tuple[int, int]] = []
        counted = 0
        better: str | None = None
        for tier in (TITLE_TIER, MAIN_TIER, ""):
            wanted = plan.tsquery(tier, filters)
            walk = not (walked_title and tier == TITLE_TIER)
            more, matched = await self._tier(conn, wanted, better, need - len(found), cap, walk)
            found += more
            if matched is None or (len(found) >= need and tier):
                return found, counted, False
            counted += matched
            better = wanted
        return found, counted, True

    async def _tier(
        self,
        conn: Connection,
        wanted: str,
        better: str | None,
        need: int,
        cap: int,
        walk: bool = True,
    ) -> tuple[list[tuple[int, int]], int | None]:
        """Up to `need` (id, popularity) of one tier in rank order, and how many it holds
        (None: many, it was walked and not counted).

        A tier with many matches fills the page within the first rows of the ranking index,
        so it is walked first, a bounded number of rows (cheap: GIN would intersect every
        posting list whole first). A tier the walk does not fill is read whole through GIN.
        """
        if walk:
            walked = await conn.fetch(_WALK, wanted, better, need, _walk_rows(need))
            if len(walked) == need:
                return [(r["content_id"], r["popularity"]) for r in walked], None
        row = await conn.fetchrow(_FETCH, wanted, better, None, None, cap + 1, 0, need)
        assert row is not None
        if row["matched"] <= cap:
            return list(zip(row["ids"], row["popularity"], strict=True)), row["matched"]
        walked = await conn.fetch(_WALK, wanted, better, need, None)
        return [(r["content_id"], r["popularity"]) for r in walked], None

    async def _total(
        self, conn: Connection, plan: Plan, filters: list[str], full: str, cap: int
    ) -> int:
        """More than `cap` match, probably: exact for one word (the lexicon counts it) or up
        to `cap`; past it an estimate from a fixed sample (at least cap + 1)."""
        if plan.counted_exactly and not filters:
            return plan.upper_bound
        rows = await self._document_count(conn)
        percent = min(100.0, 100.0 * SAMPLE_ROWS / max(rows, 1))
        hits = int(await conn.fetchval(_SAMPLE, full, percent))
        # Pages are sampled with probability percent/100: scaling back is unbiased, whatever
        # the (possibly stale) row count that chose the percentage.
        estimate = min(round(hits * 100 / percent), plan.upper_bound, max(rows, cap + 1))
        if estimate < SURELY_MORE * cap:  # near the cap: count it (cheap at this size)
            counted: int = await conn.fetchval(_CAPPED_COUNT, full, cap + 1)
            if counted <= cap:
                return counted
        return max(cap + 1, _two_digits(estimate))

    async def _document_count(self, conn: Connection) -> int:
        read_at, rows = self._rows
        if time.monotonic() - read_at > _ROWS_TTL:
            rows = int(await conn.fetchval(_ROWS) or 0)
            self._rows = (time.monotonic(), rows)
        return rows

    # suggestions --------------------------------------------------------------------------

    async def suggest(self, terms: Sequence[Term], limit: int) -> list[Suggested]:
        """Titles, players, events and series whose words complete what was typed."""
        async with self._pool.acquire() as conn:
            plan = await self.plan(conn, terms, typos=False)
            if not plan.matchable:
                return []
            titles, _ = await self._tier(
                conn, plan.tsquery(TITLE_TIER), None, limit, self._exact_total
            )
            entities = await conn.fetch(_ENTITIES, plan.tsquery(), limit)
        found = [Suggested(None, "title", cid, popularity, 1) for cid, popularity in titles]
        found += [
            Suggested(r["text"], r["kind"], None, r["popularity"], r["documents"]) for r in entities
        ]
        return found

    async def probe(self) -> None:
        async with self._pool.acquire() as conn:
            await conn.fetchval("SELECT 1 FROM search_documents LIMIT 1")


def _walk_rows(need: int) -> int:
    return max(WALK_ROWS, WALK_ROWS_PER_HIT * need)


def _two_digits(number: int) -> int:
    """An estimate rounded to two significant digits (12,345 → 12,000)."""
    if number < 100:
        return number
    scale: int = 10 ** (len(str(number)) - 2)
    return round(number / scale) * scale
