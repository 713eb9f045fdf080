"""Every stream route is in the OpenAPI document with its body schemas and error responses."""

from __future__ import annotations

from typing import Any

import httpx

ROUTES = {
    ("/api/stream/{content_id}/token", "post"): ("201", {"401", "404"}),
    ("/api/stream/{sid}/renew", "post"): ("200", {"401", "404"}),
    ("/api/stream/sessions", "get"): ("200", {"401"}),
    ("/api/stream/sessions/{sid}", "delete"): ("204", {"401", "404"}),
    ("/api/stream/{content_id}/progress", "put"): ("200", {"401", "404"}),
    ("/api/stream/{content_id}/progress", "get"): ("200", {"401", "404"}),
    ("/api/stream/{content_id}/info", "get"): ("200", {"401", "404"}),
}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_stream_routes_are_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    stream_paths = {p for p in document["paths"] if p.startswith("/api/stream")}
    assert {path for path, _ in ROUTES} == stream_paths
    for (path, method), (success, errors) in ROUTES.items():
        responses = document["paths"][path][method]["responses"]
        assert success in responses, (path, method)
        assert errors | {"400", "429", "503"} <= set(responses), (path, method)
        for code in errors:
            schema = responses[code]["content"]["application/json"]["schema"]
            assert set(resolve(document, schema)["properties"]) == {"error"}
        if success != "204":
            body = responses[success]["content"]["application/json"]["schema"]
            assert resolve(document, body)["properties"], (path, method)
    progress_in = document["paths"]["/api/stream/{content_id}/progress"]["put"]["requestBody"]
    schema = resolve(document, progress_in["content"]["application/json"]["schema"])
    assert {"position_seconds", "duration_seconds", "client_ts"} == set(schema["properties"])
    token = document["paths"]["/api/stream/{content_id}/token"]["post"]["responses"]["201"]
    token_schema = resolve(document, token["content"]["application/json"]["schema"])
    assert set(token_schema["properties"]) == {"url", "token", "sid", "expires_at"}
