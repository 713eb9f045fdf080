"""Signed thumbnail URLs: what a browser's <img> loads from the edge without any header.

A thumbnail token is a JWT of its own type (`thumb`), so it never opens a video and a stream
token never opens a thumbnail. It names a folder under THUMBNAIL_ROOT (`p`, ending in `/`):
the content's poster, storyboard sprite and WebVTT index live there. URLs are minted for a
fixed weekly period, so the same thumbnail has the same URL all week and browsers and
proxies can cache it; each URL stays valid one period more.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from shared.token import EDGE_AUDIENCE, KeyRing, TokenClaimsInvalid, decode, mint

THUMB_TYP = "thumb"
URL_PERIOD_SECONDS = 7 * 24 * 3600


def thumbnail_token(ring: KeyRing, folder: str, *, now: float | None = None) -> str:
    """A token opening `folder` (relative to THUMBNAIL_ROOT, ending in '/')."""
    if not folder.endswith("/") or folder.startswith("/") or ".." in folder.split("/"):
        raise ValueError(f"not a thumbnail folder: {folder!r}")
    period_start = int((time.time() if now is None else now) // URL_PERIOD_SECONDS)
    return mint(
        ring,
        {"p": folder},
        typ=THUMB_TYP,
        audience=EDGE_AUDIENCE,
        ttl_seconds=2 * URL_PERIOD_SECONDS,
        now=period_start * URL_PERIOD_SECONDS,
    )


def thumbnail_url(
    ring: KeyRing, edge_public_url: str, thumbnail_path: str | None, *, now: float | None = None
) -> str | None:
    """The signed edge URL of a stored thumbnail path (`<folder>/<file>`); None without one."""
    if not thumbnail_path:
        return None
    folder, _, name = thumbnail_path.rpartition("/")
    token = thumbnail_token(ring, folder + "/", now=now)
    return f"{edge_public_url.rstrip('/')}/t/{token}/{quote(name, safe='')}"


def verify_thumbnail_token(ring: KeyRing, token: str, *, now: float | None = None) -> str:
    """The folder a valid thumbnail token opens; a TokenError (401) otherwise."""
    claims: dict[str, Any] = decode(
        ring, token, typ=THUMB_TYP, audience=EDGE_AUDIENCE, required=("p",), now=now
    )
    folder = claims["p"]
    if not isinstance(folder, str) or not folder.endswith("/"):
        raise TokenClaimsInvalid("thumbnail token names no folder")
    return folder


class ThumbnailUrls:
    """thumbnail_url with each folder's token minted once per period (a home screen lists
    hundreds of items; the token of a folder is the same all period, so mint it once)."""

    MAX_CACHED = 10_000

    def __init__(self, ring: KeyRing, edge_public_url: str) -> None:
        self._ring = ring
        self._base = edge_public_url.rstrip("/")
        self._tokens: dict[tuple[str, int], str] = {}

    def __call__(self, thumbnail_path: str | None, *, now: float | None = None) -> str | None:
        if not thumbnail_path:
            return None
        at = time.time() if now is None else now
        folder, _, name = thumbnail_path.rpartition("/")
        key = (folder, int(at // URL_PERIOD_SECONDS))
        token = self._tokens.get(key)
        if token is None:
            if len(self._tokens) >= self.MAX_CACHED:
                self._tokens.clear()
            token = self._tokens[key] = thumbnail_token(self._ring, folder + "/", now=at)
        return f"{self._base}/t/{token}/{quote(name, safe='')}"
