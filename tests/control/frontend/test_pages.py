"""The front end's pages as control serves them: headers, CSP, assets, and the code rules
(no inline script or style, no HTML sinks) checked over every file."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from control.frontend.pages import STATIC, content_security_policy, load_assets, origin_of

SOURCES = sorted(p for p in STATIC.rglob("*") if p.suffix in (".js", ".html", ".css"))


async def test_the_page_is_served_at_the_root_with_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["media-src"] == "'self' http://127.0.0.1:8080"  # the edge's origin
    assert directives["frame-ancestors"] == "'none'"
    assert directives["require-trusted-types-for"] == "'script'"
    assert "unsafe" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_assets_are_versioned_and_immutable(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    (script,) = re.findall(r'<script type="module" src="([^"]+)"', page)
    response = await client.get(script)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    stale = script.replace(script.split("/")[2], "0" * 16)
    assert (await client.get(stale)).status_code == 404
    for probe in ("/js/../index.html", "/js/%2e%2e/app.css", "/nothing.js"):
        missing = await client.get("/".join(script.split("/")[:3]) + probe)
        assert missing.status_code == 404, probe


async def test_the_front_end_is_not_part_of_the_api_document(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/schema/openapi.json")).json()
    assert all(path.startswith(("/api/", "/metrics")) for path in document["paths"])
    assert (await client.get("/api/nothing")).json()["error"]["code"] == "NOT_FOUND"


def test_the_policy_follows_the_edge_origin() -> None:
    assert origin_of("https://edge.example:8443/base/") == "https://edge.example:8443"
    assert "img-src 'self' https://cdn.example" in content_security_policy("https://cdn.example/")
    assert "media-src 'self';" in content_security_policy("/relative")


def test_every_asset_is_loaded_and_the_page_is_not_among_them() -> None:
    assets = load_assets()
    assert "js/main.js" in assets and "app.css" in assets
    assert "index.html" not in assets


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(STATIC)))
def test_no_inline_code_and_no_html_sinks(path: Any) -> None:
    text = path.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in text, sink
    if path.suffix == ".html":
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline script"
        assert not re.search(r"\sstyle=|\son\w+=|<style", text), "inline style or handler"
    if path.suffix == ".js":
        assert "setAttribute('style'" not in text and "new Function" not in text
