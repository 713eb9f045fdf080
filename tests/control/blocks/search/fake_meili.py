"""A local HTTP server speaking the parts of MeiliSearch's API the search block uses.

No MeiliSearch server can be installed here; this one serves real HTTP on a local port and
implements just enough: indexes with settings, documents (replace, merge, delete), tasks
(processed at once), search with filters and simple matching, facet search, index swaps. It
records every request, and can be told to fail (503) like a MeiliSearch that is down.
Matching is deliberately simple (prefix on the last word, typos within the contract's
budget, popularity then recency): the adapter is under test, not MeiliSearch's ranking.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from control.blocks.search.text import edit_distance, key, typo_budget, words

_FILTER = re.compile(r'^(\w+) = (?:"([^"]*)"|(\d+))$')


@dataclass
class FakeIndex:
    documents: dict[int, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeMeili:
    indexes: dict[str, FakeIndex] = field(default_factory=dict)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # the Authorization headers seen
    down: bool = False
    url: str = ""

    def calls(self, method: str, path_part: str) -> list[Any]:
        return [body for m, path, body in self.requests if m == method and path_part in path]

    def task(self, uid: str | None = None) -> JSONResponse:
        number = len(self.tasks) + 1
        self.tasks[number] = {"uid": number, "status": "succeeded", "indexUid": uid}
        return JSONResponse({"taskUid": number, "status": "enqueued"}, status_code=202)

    def index(self, uid: str) -> FakeIndex:
        return self.indexes.setdefault(uid, FakeIndex())


def _matches(document: dict[str, Any], query: list[tuple[str, bool]], fields: list[str]) -> bool:
    found = {w for name in fields for text in _texts(document.get(name)) for w in words(text)}
    for typed, prefix in query:
        budget = typo_budget(typed)
        if not any(
            w == typed
            or (prefix and w.startswith(typed))
            or (budget and edit_distance(typed, w, budget) <= budget)
            for w in found
        ):
            return False
    return True


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def _passes(document: dict[str, Any], filters: list[str]) -> bool:
    for expression in filters:
        match = _FILTER.match(expression)
        assert match is not None, expression
        name, text, number = match.groups()
        wanted: Any = int(number) if number is not None else text
        if document.get(name) != wanted:
            return False
    return True


def build_app(fake: FakeMeili) -> Starlette:
    async def body(request: Request) -> Any:
        raw = await request.body()
        return await request.json() if raw else None

    async def handle(request: Request) -> Response:
        payload = await body(request)
        fake.requests.append((request.method, request.url.path, payload))
        fake.keys.add(request.headers.get("authorization", ""))
        if fake.down:
            return JSONResponse({"message": "down"}, status_code=503)
        return route(request.method, request.url.path.strip("/").split("/"), payload)

    def route(method: str, parts: list[str], payload: Any) -> Response:
        if parts == ["health"]:
            return JSONResponse({"status": "available"})
        if parts[0] == "tasks":
            return JSONResponse(fake.tasks[int(parts[1])])
        if parts == ["indexes"] and method == "POST":
            fake.index(payload["uid"])
            return fake.task(payload["uid"])
        if parts == ["swap-indexes"]:
            a, b = payload[0]["indexes"]
            fake.indexes[a], fake.indexes[b] = fake.indexes[b], fake.indexes[a]
            return fake.task()
        uid = parts[1]
        if len(parts) == 2:
            if method == "DELETE":
                fake.indexes.pop(uid, None)
                return fake.task(uid)
            if uid not in fake.indexes:
                return JSONResponse({"code": "index_not_found"}, status_code=404)
            return JSONResponse({"uid": uid, "primaryKey": "id"})
        index = fake.index(uid)
        action = parts[2:]
        if action == ["settings"]:
            index.settings.update(payload)
        elif action == ["documents"] and method == "POST":
            index.documents.update({int(d["id"]): d for d in payload})
        elif action == ["documents"] and method == "PUT":
            for d in payload:
                index.documents.setdefault(int(d["id"]), {}).update(d)
        elif action == ["documents", "delete-batch"]:
            for content_id in payload:
                index.documents.pop(int(content_id), None)
        elif action == ["stats"]:
            return JSONResponse({"numberOfDocuments": len(index.documents)})
        elif action == ["search"]:
            return search(index, payload)
        elif action == ["facet-search"]:
            return facets(index, payload)
        return fake.task(uid)

    def search(index: FakeIndex, payload: dict[str, Any]) -> Response:
        text = payload.get("q", "")
        query = [(w, False) for w in words(text)]
        if query and not text.endswith(" "):
            query[-1] = (query[-1][0], True)
        fields = payload.get("attributesToSearchOn") or index.settings["searchableAttributes"]
        found = [
            d
            for d in index.documents.values()
            if _matches(d, query, fields) and _passes(d, payload.get("filter", []))
        ]
        found.sort(key=lambda d: (-d.get("popularity", 0), -d.get("created_at", 0), -d["id"]))
        offset, limit = payload.get("offset", 0), payload.get("limit", 20)
        retrieve = payload.get("attributesToRetrieve", ["id"])
        hits = [{k: d.get(k) for k in retrieve} for d in found[offset : offset + limit]]
        return JSONResponse({"hits": hits, "estimatedTotalHits": len(found)})

    def facets(index: FakeIndex, payload: dict[str, Any]) -> Response:
        typed = key(payload.get("facetQuery", ""))
        counts: dict[str, int] = {}
        for document in index.documents.values():
            for value in _texts(document.get(payload["facetName"])):
                if any(w.startswith(typed) for w in words(value)) or key(value).startswith(typed):
                    counts[value] = counts.get(value, 0) + 1
        hits = [{"value": v, "count": c} for v, c in sorted(counts.items())]
        return JSONResponse({"facetHits": hits, "facetQuery": typed})

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", handle, methods=methods)])


@asynccontextmanager
async def serving() -> AsyncIterator[FakeMeili]:
    """A fake MeiliSearch on a local port, accepting connections as soon as this yields."""
    fake = FakeMeili()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening already: no need to wait for the server to come up
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(build_app(fake), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield fake
    finally:
        server.should_exit = True
        await task
        sock.close()
