"""The MeiliSearch backend (MEILISEARCH_URL set): the same documents, searched by MeiliSearch.

A small adapter over MeiliSearch's HTTP API with httpx's async client (the `meilisearch`
package is synchronous). The index `<MEILISEARCH_INDEX>` holds one document per content:
searchable fields in relevance order, filters and suggestion facets, typo tolerance as the
contract says (one typo from 4 letters, two from 8, none on numbers: v1.15+), and ranking
by MeiliSearch's relevance rules, then popularity, then recency. A rebuild fills a new index
and swaps it in, so searches never see it half-built. Only compose runs a real MeiliSearch;
the tests speak to a small local server implementing the calls below.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from control.blocks.search.backend import Filters, Ranked, Suggested
from control.blocks.search.documents import Document
from control.blocks.search.errors import SearchBackendDown
from control.blocks.search.highlight import typo_matcher
from control.blocks.search.query import Term

SEARCHABLE = ("title", "players", "event", "series", "year_text", "hands", "description")
FACETS = {"player": "players", "event": "event", "series": "series"}
SETTINGS: dict[str, Any] = {
    "searchableAttributes": list(SEARCHABLE),
    "filterableAttributes": ["year", "brand_key", "event_type", *FACETS.values()],
    "sortableAttributes": ["popularity", "created_at"],
    "rankingRules": [
        "words",
        "typo",
        "proximity",
        "attribute",
        "exactness",
        "popularity:desc",
        "created_at:desc",
    ],
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8},
        "disableOnNumbers": True,
    },
}
TIMEOUT_SECONDS = 2.0
TASK_POLL_SECONDS = 0.05


def meili_document(document: Document, popularity: int = 0) -> dict[str, Any]:
    fields = document.fields
    return {
        "id": document.content_id,
        "title": fields.get("title", []),
        "players": fields.get("players", []),
        "event": fields.get("event", []),
        "series": fields.get("series", []),
        "year_text": fields.get("year", []),
        "hands": fields.get("hands", []),
        "description": fields.get("description", []),
        "year": document.year,
        "brand_key": document.brand_key,
        "event_type": document.event_type,
        "popularity": popularity,
        "created_at": int(document.created_at.timestamp()),
    }


def _filter(filters: Filters) -> list[str]:
    found = []
    if filters.year is not None:
        found.append(f"year = {filters.year}")
    # Keys and event types are letters, digits, spaces and "_": nothing to escape.
    if filters.brand_key is not None:
        found.append(f'brand_key = "{filters.brand_key}"')
    if filters.event_type is not None:
        found.append(f'event_type = "{filters.event_type}"')
    return found


def meili_query(terms: Sequence[Term]) -> str:
    """The terms as MeiliSearch reads them: words only (no quotes for phrases, no leading
    minus for negation), a trailing space when the last word is complete."""
    text = " ".join(term.text for term in terms)
    return text if terms and terms[-1].prefix else text + " "


class MeiliSearch:
    name = "meilisearch"

    def __init__(self, url: str, key: str | None, index: str) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.AsyncClient(
            base_url=url.rstrip("/"), headers=headers, timeout=TIMEOUT_SECONDS
        )
        self.index = index
        self.ready = False  # the index exists with its settings (ensure_index succeeded)

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise SearchBackendDown(f"MeiliSearch unreachable: {exc!r}") from exc
        if response.status_code == 404 and method == "GET":
            return None
        if response.status_code >= 400:
            raise SearchBackendDown(
                f"MeiliSearch answered {response.status_code} to {method} {path}: "
                f"{response.text[:300]}"
            )
        return response.json() if response.content else None

    async def _wait(self, task: Any) -> None:
        """Until MeiliSearch has processed an enqueued task; SearchBackendDown if it failed."""
        uid = task["taskUid"]
        while True:
            state = await self._call("GET", f"/tasks/{uid}")
            if state is not None and state["status"] in ("succeeded", "failed", "canceled"):
                if state["status"] != "succeeded":
                    raise SearchBackendDown(f"MeiliSearch task {uid}: {state.get('error')}")
                return
            await asyncio.sleep(TASK_POLL_SECONDS)  # MeiliSearch offers no way to await one

    # reads --------------------------------------------------------------------------------

    def _check_ready(self) -> None:
        if not self.ready:
            raise SearchBackendDown("the MeiliSearch index is not set up yet")

    async def search(
        self, terms: Sequence[Term], filters: Filters, offset: int, limit: int
    ) -> Ranked:
        self._check_ready()
        body = {
            "q": meili_query(terms),
            "offset": offset,
            "limit": limit,
            "filter": _filter(filters),
            "attributesToRetrieve": ["id"],
        }
        found = await self._call("POST", f"/indexes/{self.index}/search", body)
        ids = [int(hit["id"]) for hit in found["hits"]]
        return Ranked(ids, int(found.get("estimatedTotalHits", len(ids))), typo_matcher(terms))

    async def suggest(self, terms: Sequence[Term], limit: int) -> list[Suggested]:
        self._check_ready()
        text = meili_query(terms)
        titles = await self._call(
            "POST",
            f"/indexes/{self.index}/search",
            {
                "q": text,
                "limit": limit,
                "attributesToSearchOn": ["title"],
                "attributesToRetrieve": ["id", "popularity"],
            },
        )
        found = [
            Suggested(None, "title", int(h["id"]), int(h.get("popularity") or 0), 1)
            for h in titles["hits"]
        ]
        for kind, facet in FACETS.items():
            values = await self._call(
                "POST",
                f"/indexes/{self.index}/facet-search",
                {"facetName": facet, "facetQuery": text.strip()},
            )
            # MeiliSearch knows how many contents name a value, not their views.
            found += [
                Suggested(v["value"], kind, None, 0, int(v["count"]))  # type: ignore[arg-type]
                for v in values["facetHits"]
            ]
        return found

    async def probe(self) -> None:
        await self._call("GET", "/health")
        self._check_ready()

    async def document_count(self) -> int:
        stats = await self._call("GET", f"/indexes/{self.index}/stats")
        return 0 if stats is None else int(stats.get("numberOfDocuments", 0))

    # writes -------------------------------------------------------------------------------

    async def apply(
        self,
        documents: Sequence[Document],
        removed: Sequence[int],
        popularity: Mapping[int, int] | None = None,
    ) -> None:
        views = popularity or {}
        if documents:
            rows = [meili_document(d, views.get(d.content_id, 0)) for d in documents]
            await self._call("PUT", f"/indexes/{self.index}/documents", rows)
        if removed:
            await self._call("POST", f"/indexes/{self.index}/documents/delete-batch", list(removed))

    async def set_popularity(self, views: Mapping[int, int]) -> None:
        if views:
            rows = [{"id": cid, "popularity": count} for cid, count in views.items()]
            await self._call("PUT", f"/indexes/{self.index}/documents", rows)

    async def ensure_index(self, uid: str | None = None) -> None:
        """Create the index (with its settings) unless it exists."""
        live = uid is None
        uid = uid or self.index
        if await self._call("GET", f"/indexes/{uid}") is None:
            await self._wait(await self._call("POST", "/indexes", {"uid": uid, "primaryKey": "id"}))
        await self._wait(await self._call("PATCH", f"/indexes/{uid}/settings", SETTINGS))
        if live:
            self.ready = True

    async def start_rebuild(self) -> str:
        """A fresh, empty index beside the live one; fill it with add_to, then swap_in."""
        building = f"{self.index}_rebuild"
        if await self._call("GET", f"/indexes/{building}") is not None:
            await self._wait(await self._call("DELETE", f"/indexes/{building}"))
        await self.ensure_index(building)
        return building

    async def add_to(self, uid: str, rows: list[dict[str, Any]]) -> None:
        await self._wait(await self._call("POST", f"/indexes/{uid}/documents", rows))

    async def swap_in(self, building: str) -> None:
        """Make the rebuilt index the live one at once; the old one is deleted."""
        await self.ensure_index()
        swap = [{"indexes": [self.index, building]}]
        await self._wait(await self._call("POST", "/swap-indexes", swap))
        await self._wait(await self._call("DELETE", f"/indexes/{building}"))
