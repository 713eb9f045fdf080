"""GET /t/{token}/{file} on a real edge: what an <img> or a <track> loads with no header,
cacheable; forged, expired or foreign tokens and paths out of the folder refused."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from deploy.infra import Endpoints
from shared.thumbnails import URL_PERIOD_SECONDS, thumbnail_token, thumbnail_url
from tests.edge.conftest import RING, Edge, run_edges

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:10.000\nstoryboard.jpg#xywh=0,0,160,90\n"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory, infra: Endpoints) -> Iterator[Edge]:
    root = tmp_path_factory.mktemp("thumbs")
    thumbs = root / "thumbnails"
    folder = thumbs / "7" / "1a-2b"
    folder.mkdir(parents=True)
    (folder / "poster.jpg").write_bytes(JPEG)
    (folder / "storyboard.vtt").write_bytes(VTT)
    (folder / ".poster.jpg.part").write_bytes(JPEG)
    (folder / "notes.txt").write_bytes(b"not an image")
    (root / "secret.jpg").write_bytes(JPEG)
    (folder / "escape.jpg").symlink_to(root / "secret.jpg")
    with run_edges(root, infra, env={"THUMBNAIL_ROOT": str(thumbs)}) as (only,):
        yield only


def get(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, _titled(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _titled(error.headers.items()), error.read()


def _titled(items: list[tuple[str, str]]) -> dict[str, str]:
    return {name.title(): value for name, value in items}


def refused(url: str, method: str = "GET") -> tuple[int, str]:
    status, _, body = get(url, method)
    document = json.loads(body)
    assert set(document["error"]) == {"code", "message", "details"}
    return status, document["error"]["code"]


def test_the_url_alone_opens_the_poster_and_it_is_cacheable(edge: Edge) -> None:
    url = thumbnail_url(RING, edge.url, "7/1a-2b/poster.jpg")
    assert url is not None
    status, headers, body = get(url)
    assert (status, headers["Content-Type"], body) == (200, "image/jpeg", JPEG)
    assert headers["Cache-Control"] == "public, max-age=604800, immutable"
    again, _, empty = get(url, headers={"If-None-Match": headers["Etag"]})
    assert (again, empty) == (304, b"")
    head, head_headers, nothing = get(url, "HEAD")
    assert (head, nothing, head_headers["Content-Length"]) == (200, b"", str(len(JPEG)))
    # Its storyboard index, through the same folder token, for a <track>.
    vtt = url.replace("poster.jpg", "storyboard.vtt")
    status, headers, body = get(vtt)
    assert (status, headers["Content-Type"], body) == (200, "text/vtt; charset=utf-8", VTT)


def test_forged_expired_and_foreign_tokens_are_refused(edge: Edge) -> None:
    url = thumbnail_url(RING, edge.url, "7/1a-2b/poster.jpg")
    assert url is not None
    token = url.split("/t/")[1].split("/")[0]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert refused(url.replace(token, forged)) == (401, "TOKEN_INVALID")
    stale = thumbnail_url(
        RING, edge.url, "7/1a-2b/poster.jpg", now=time.time() - 3 * URL_PERIOD_SECONDS
    )
    assert refused(stale or "") == (401, "TOKEN_EXPIRED")
    stream = edge.token("7/1a-2b/poster.jpg")  # a stream token never opens a thumbnail
    assert refused(f"{edge.url}/t/{stream}/poster.jpg") == (401, "TOKEN_INVALID")
    # ... nor a thumbnail token a video.
    assert refused(f"{edge.url}/v/{token}/poster.jpg")[0] == 401
    assert refused(f"{edge.url}/t/not-a-token/poster.jpg") == (401, "TOKEN_INVALID")


@pytest.mark.parametrize(
    ("tail", "status", "code"),
    [
        ("..%2F..%2Fsecret.jpg", 403, "PATH_FORBIDDEN"),
        ("../../secret.jpg", 403, "PATH_FORBIDDEN"),
        ("sub/poster.jpg", 403, "PATH_FORBIDDEN"),
        (quote(".poster.jpg.part"), 403, "PATH_FORBIDDEN"),
        ("notes.txt", 403, "PATH_FORBIDDEN"),
        ("escape.jpg", 403, "PATH_FORBIDDEN"),  # a symlink out of THUMBNAIL_ROOT
        ("missing.jpg", 404, "NOT_FOUND"),
    ],
)
def test_nothing_outside_the_folder_is_served(
    edge: Edge, tail: str, status: int, code: str
) -> None:
    token = thumbnail_token(RING, "7/1a-2b/")
    assert refused(f"{edge.url}/t/{token}/{tail}") == (status, code)


def test_only_get_and_head(edge: Edge) -> None:
    url = thumbnail_url(RING, edge.url, "7/1a-2b/poster.jpg")
    assert refused(url or "", "POST") == (405, "METHOD_NOT_ALLOWED")
