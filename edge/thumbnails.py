"""GET|HEAD /t/{token}/{file}: posters and storyboards, for an <img> or a <track> as it is.

The token (shared/thumbnails.py, type `thumb`) names one folder under THUMBNAIL_ROOT; the
file is one plain name inside it. No custom header is needed, so a browser loads the URL
directly; the URL is the same all week, so the answer is cacheable (`immutable`: a changed
video gets images in a new folder, hence a new URL). A forged, expired or foreign token is
401 and a path that could leave the folder 403, both with the SPEC error body. No limiter:
an image is not a stream. Plain ASGI; files are small and read whole in a thread.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from edge.errors import FileMissing, PathForbidden
from edge.paths import decode_tail
from shared.errors import WsoptvError, error_json
from shared.thumbnails import verify_thumbnail_token
from shared.token import KeyRing, TokenError

PREFIX = b"/t/"
CACHE_CONTROL = b"public, max-age=604800, immutable"
MAX_BYTES = 8 * 1024 * 1024  # a storyboard sprite is a few hundred KiB
_TYPES = {
    ".jpg": b"image/jpeg",
    ".jpeg": b"image/jpeg",
    ".png": b"image/png",
    ".webp": b"image/webp",
    ".vtt": b"text/vtt; charset=utf-8",
}


class MethodNotAllowed(WsoptvError):
    code = "METHOD_NOT_ALLOWED"
    status = 405


def _read(path: Path) -> tuple[bytes, os.stat_result]:
    with open(path, "rb") as file:
        stat = os.fstat(file.fileno())
        if stat.st_size > MAX_BYTES or not os.path.isfile(path):
            raise FileMissing("no such thumbnail")
        return file.read(), stat


class ThumbnailEndpoint:
    def __init__(self, ring: KeyRing, root: Path) -> None:
        self._ring = ring
        self._root = root.resolve()

    def resolve(self, raw_path: bytes) -> Path:
        """The file a /t/{token}/{file} path names; a TokenError or PathForbidden if none."""
        token, sep, raw_name = raw_path[len(PREFIX) :].partition(b"/")
        if not sep or not raw_name:
            raise PathForbidden("a thumbnail URL is /t/{token}/{file}")
        folder = verify_thumbnail_token(self._ring, token.decode("ascii", "replace"))
        name = decode_tail(raw_name)
        if "/" in name:
            raise PathForbidden("a thumbnail token opens the files of one folder")
        folder_path = decode_tail(folder[:-1].encode()) if folder != "/" else ""
        target = (self._root / folder_path / name).resolve()
        if not target.is_relative_to(self._root) or target.suffix.lower() not in _TYPES:
            raise PathForbidden("not a thumbnail")
        return target

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        method = scope["method"]
        try:
            if method not in ("GET", "HEAD"):
                raise MethodNotAllowed("thumbnails answer GET and HEAD")
            raw_path = scope.get("raw_path") or scope["path"].encode()
            target = self.resolve(raw_path.partition(b"?")[0])
            try:
                body, stat = await asyncio.to_thread(_read, target)
            except OSError:
                raise FileMissing("no such thumbnail") from None
        except WsoptvError as error:
            await _refuse(send, error)
            return
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'.encode()
        headers = [
            (b"content-type", _TYPES[target.suffix.lower()]),
            (b"cache-control", CACHE_CONTROL),
            (b"etag", etag),
            (b"access-control-allow-origin", b"*"),
        ]
        request_headers = dict(scope.get("headers") or [])
        if request_headers.get(b"if-none-match") == etag:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


async def _refuse(send: Any, error: WsoptvError) -> None:
    body = error_json(error.code, error.message, error.details)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if isinstance(error, TokenError):
        headers.append((b"www-authenticate", b'Bearer realm="wsoptv-edge", error="invalid_token"'))
    if isinstance(error, MethodNotAllowed):
        headers.append((b"allow", b"GET, HEAD"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
