"""`GET /` (the page) and `GET /assets/<version>/<file>` (its CSS and script modules).

The files are read once when the app is built and served from memory: a request can only
name a file that was found then (no path ever reaches the filesystem), and the version in
the URL is a hash of every file, so an asset URL never changes meaning and is cached as
immutable. None of these routes is part of the API: they are left out of OpenAPI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from litestar import Response, get
from litestar.params import PathParameter
from litestar.types import ControllerRouterHandler

from control.frontend.errors import AssetNotFound
from control.settings import ControlSettings

STATIC = Path(__file__).parent / "static"
_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
_ASSET_PLACEHOLDER = "%ASSETS%"
# Headers of every front-end response: no sniffing, no framing, no token in a Referer.
_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute URL ('' when it has none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(edge_public_url: str) -> str:
    """The page's policy: its own scripts and styles only (no inline code, no style
    attributes in markup, no string-to-DOM sinks: Trusted Types with no policy), media,
    posters and the edge's CORS reads from the edge's origin, nothing else."""
    edge = origin_of(edge_public_url)
    extra = f" {edge}" if edge else ""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self'{extra}",
            f"media-src 'self'{extra}",
            f"connect-src 'self'{extra}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types 'none'",
        )
    )


def load_assets(root: Path = STATIC) -> dict[str, Asset]:
    """Every servable file under `root` by its POSIX path relative to it."""
    assets = {}
    for path in sorted(root.rglob("*")):
        media_type = _MEDIA_TYPES.get(path.suffix)
        if path.is_file() and media_type is not None and path.name != "index.html":
            assets[path.relative_to(root).as_posix()] = Asset(path.read_bytes(), media_type)
    return assets


def assets_version(assets: dict[str, Asset]) -> str:
    digest = hashlib.sha256()
    for name, asset in sorted(assets.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(asset.body).digest())
    return digest.hexdigest()[:16]


def frontend_routes(settings: ControlSettings) -> list[ControllerRouterHandler]:
    """The page and its assets, as route handlers for the app (outside /api)."""
    assets = load_assets()
    version = assets_version(assets)
    prefix = f"/assets/{version}"
    page = (STATIC / "index.html").read_text(encoding="utf-8").replace(_ASSET_PLACEHOLDER, prefix)
    page_headers = {
        **_COMMON,
        "Content-Security-Policy": content_security_policy(settings.edge_public_url),
        "Cache-Control": "no-cache",
        "X-Frame-Options": "DENY",
    }
    asset_headers = {**_COMMON, "Cache-Control": "public, max-age=31536000, immutable"}

    @get("/", include_in_schema=False, sync_to_thread=False)
    def index() -> Response[bytes]:
        """The single page; every view is drawn by its script from the JSON API."""
        return Response(page.encode(), media_type=_MEDIA_TYPES[".html"], headers=page_headers)

    @get("/assets/{asset_version:str}/{name:path}", include_in_schema=False, sync_to_thread=False)
    def asset(
        asset_version: Annotated[str, PathParameter()], name: Annotated[str, PathParameter()]
    ) -> Response[bytes]:
        """One static file of this build (404 for another build's or an unknown file)."""
        found = assets.get(name.lstrip("/"))
        if asset_version != version or found is None:
            raise AssetNotFound("no such asset in this version of the front end")
        return Response(found.body, media_type=found.media_type, headers=asset_headers)

    return [index, asset]
