"""Search and suggestions: parse, rank (MeiliSearch or PostgreSQL), assemble, cache.

Results are cached in L1 for SEARCH_TTL under the normalised query, filters and page, and the
catalog generation (generation.py): a catalog change makes every cached answer unreachable.
MeiliSearch, when configured, ranks; when it cannot answer, PostgreSQL (always kept
current) does, and the block reports itself degraded until MeiliSearch is back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from control.blocks.search import catalog
from control.blocks.search.backend import (
    Filters,
    Ranked,
    SearchBackend,
    Suggested,
    rank_suggestions,
)
from control.blocks.search.documents import CatalogEntry, document_fields
from control.blocks.search.errors import SearchBackendDown
from control.blocks.search.generation import Generation
from control.blocks.search.highlight import highlights, inferred_correction
from control.blocks.search.meili import MeiliSearch
from control.blocks.search.pg_search import PostgresSearch
from control.blocks.search.query import Term, parse
from control.orchestration.block import Degraded
from control.orchestration.contracts import L1Cache
from shared.thumbnails import thumbnail_url
from shared.token import KeyRing

log = logging.getLogger("wsoptv.control.block.search")
SEARCH_TTL = 5 * 60  # the seed's TTL for search results
# After MeiliSearch fails, PostgreSQL answers alone this long before MeiliSearch is tried again.
MEILI_RETRY_SECONDS = 5.0


def _cache_key(kind: str, generation: str, backend: str, *parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"{kind}:{generation}:{backend}:{digest}"


def _normalised(terms: Sequence[Term]) -> list[Any]:
    # "Negreanu" and "negreanu" are one query; "neg" (typing) and "neg " (done) are two.
    return [[term.token.parts, term.token.joined, term.prefix] for term in terms]


class SearchService:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cache: L1Cache,
        generation: Generation,
        postgres: PostgresSearch,
        meili: MeiliSearch | None,
        ring: KeyRing,
        edge_public_url: str,
    ) -> None:
        self._pool = pool
        self._cache = cache
        self._generation = generation
        self._postgres = postgres
        self._meili = meili
        self._ring = ring
        self._edge_public_url = edge_public_url
        self._meili_down_until = 0.0  # PostgreSQL alone answers until then
        self._meili_failing = False

    # the backend --------------------------------------------------------------------------

    def _backend(self) -> SearchBackend:
        if self._meili is not None and time.monotonic() >= self._meili_down_until:
            return self._meili
        return self._postgres

    async def _ask(self, call: Callable[[SearchBackend], Awaitable[Any]]) -> tuple[Any, str]:
        """`call` answered by the backend in use (PostgreSQL when MeiliSearch fails)."""
        backend = self._backend()
        if backend is self._postgres:
            return await call(self._postgres), self._postgres.name
        try:
            answer = await call(backend)
        except SearchBackendDown as exc:
            if not self._meili_failing:  # said once per outage
                log.error("search: MeiliSearch failed, PostgreSQL answers: %s", exc)
            self._meili_failing = True
            self._meili_down_until = time.monotonic() + MEILI_RETRY_SECONDS
            return await call(self._postgres), self._postgres.name
        if self._meili_failing:
            log.warning("search: MeiliSearch answers again")
            self._meili_failing = False
        return answer, backend.name

    async def probe(self) -> None:
        """Raises when PostgreSQL cannot search; Degraded while MeiliSearch is down."""
        await self._postgres.probe()
        if self._meili is None:
            return
        try:
            await self._meili.probe()
        except SearchBackendDown as exc:
            raise Degraded(f"MeiliSearch is down, PostgreSQL answers: {exc}") from exc

    # search -------------------------------------------------------------------------------

    async def _cached(
        self, kind: str, parts: Sequence[Any], compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        generation = await self._generation.current()
        if generation is None:
            return await compute()
        key = _cache_key(kind, generation, self._backend().name, *parts)
        return await self._cache.get_or_compute(key, SEARCH_TTL, compute)

    async def search(self, q: str, filters: Filters, limit: int, offset: int) -> dict[str, Any]:
        """{hits, total, processing_time_ms, corrected_query} (SPEC §4.1)."""
        started = time.perf_counter()
        terms = parse(q)
        if terms:
            parts = (_normalised(terms), filters.year, filters.brand_key, filters.event_type)

            async def compute() -> dict[str, Any]:
                return await self._search(terms, filters, limit, offset)

            found = await self._cached("search", (*parts, limit, offset), compute)
        else:  # nothing but punctuation and spaces: nothing to look for
            found = {"hits": [], "total": 0, "corrected_query": None}
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return {**found, "processing_time_ms": elapsed}

    async def _search(
        self, terms: Sequence[Term], filters: Filters, limit: int, offset: int
    ) -> dict[str, Any]:
        ranked: Ranked
        ranked, backend = await self._ask(lambda b: b.search(terms, filters, offset, limit))
        entries = await self._entries(ranked.ids)
        fields = [document_fields(e) for e in entries]
        corrected = ranked.corrected_query
        if corrected is None and backend != self._postgres.name:
            texts = (t for f in fields for field in f.values() for t in field)
            corrected = inferred_correction(terms, texts)
        hits = [
            self._hit(entry, highlights(found, ranked.matcher))
            for entry, found in zip(entries, fields, strict=True)
        ]
        return {"hits": hits, "total": ranked.total, "corrected_query": corrected}

    async def _entries(self, ids: Sequence[int]) -> list[CatalogEntry]:
        """The catalog entries of `ids` in that order; one deleted or gone missing since the
        index saw it is left out."""
        if not ids:
            return []
        async with self._pool.acquire() as conn:
            found = await catalog.entries(conn, ids)
        return [found[i] for i in ids if i in found and found[i].available]

    def _hit(self, entry: CatalogEntry, marked: dict[str, str]) -> dict[str, Any]:
        return {
            "id": entry.id,
            "title": entry.title,
            "short_title": entry.short_title,
            "year": entry.year,
            "brand": entry.brand,
            "event_type": entry.event_type,
            "duration_seconds": entry.duration_seconds,
            "thumbnail_url": thumbnail_url(self._ring, self._edge_public_url, entry.thumbnail_path),
            "highlights": marked,
        }

    # suggestions --------------------------------------------------------------------------

    async def suggest(self, q: str, limit: int) -> dict[str, Any]:
        """{suggestions: [{text, kind, content_id}]}, most popular first."""
        terms = parse(q)
        if not terms:
            return {"suggestions": []}

        async def compute() -> dict[str, Any]:
            found: list[Suggested]
            found, _ = await self._ask(lambda b: b.suggest(terms, limit))
            return {"suggestions": await self._suggestions(rank_suggestions(found, limit))}

        result: dict[str, Any] = await self._cached("suggest", (_normalised(terms), limit), compute)
        return result

    async def _suggestions(self, ranked: Sequence[Suggested]) -> list[dict[str, Any]]:
        titles = {
            e.id: e.title
            for e in await self._entries([s.content_id for s in ranked if s.content_id])
        }
        found = []
        for s in ranked:
            text = titles.get(s.content_id) if s.kind == "title" and s.content_id else s.text
            if text:
                found.append({"text": text, "kind": s.kind, "content_id": s.content_id})
        return found
