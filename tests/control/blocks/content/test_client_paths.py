"""Client-supplied file paths: probing them is never a 500, and POST and PATCH agree.

The outside review found `POST /api/admin/contents` answering 500 for a path component over
255 bytes (`OSError: File name too long` while probing), and the same path through PATCH
answering 200 with the entry still `available: true`, so the edge then answered 404.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.control.conftest import error_code

LONG_NAME = "é" * 200 + ".mp4"  # 404 bytes of UTF-8 in one path component


@pytest.mark.parametrize(
    "file_path",
    [
        f"ARCHIVE/{LONG_NAME}",
        "ARCHIVE/" + "x" * 256 + ".mp4",
    ],
)
async def test_an_impossible_path_is_422_on_create_and_on_update(
    client: httpx.AsyncClient, admin_headers: dict[str, str], file_path: str
) -> None:
    created = await client.post(
        "/api/admin/contents", json={"file_path": file_path, "title": "X"}, headers=admin_headers
    )
    assert (created.status_code, error_code(created)) == (422, "CONTENT_INVALID")
    assert created.json()["error"]["details"] == {"field": "file_path"}

    ok = await client.post(
        "/api/admin/contents", json={"file_path": "a.mp4", "title": "A"}, headers=admin_headers
    )
    content_id = ok.json()["id"]
    patched = await client.patch(
        f"/api/admin/contents/{content_id}", json={"file_path": file_path}, headers=admin_headers
    )
    assert (patched.status_code, error_code(patched)) == (422, "CONTENT_INVALID")


async def test_patch_probes_a_new_path_like_post(
    client: httpx.AsyncClient, admin_headers: dict[str, str], nas_root: Path
) -> None:
    (nas_root / "ARCHIVE").mkdir()
    (nas_root / "ARCHIVE" / "here.mp4").write_bytes(b"\0" * 1000)
    created = await client.post(
        "/api/admin/contents",
        json={"file_path": "ARCHIVE/here.mp4", "title": "Here"},
        headers=admin_headers,
    )
    body = created.json()
    assert (body["available"], body["file_size"]) == (True, 1000)

    moved = await client.patch(
        f"/api/admin/contents/{body['id']}",
        json={"file_path": "ARCHIVE/not-there.mp4"},
        headers=admin_headers,
    )
    assert moved.status_code == 200
    assert moved.json()["available"] is False  # the edge would answer 404: not playable
    listed = await client.get("/api/contents", headers=admin_headers)
    assert body["id"] not in [c["id"] for c in listed.json()["items"]]

    back = await client.patch(
        f"/api/admin/contents/{body['id']}",
        json={"file_path": "ARCHIVE/here.mp4"},
        headers=admin_headers,
    )
    assert (back.json()["available"], back.json()["file_size"]) == (True, 1000)


async def test_a_path_the_server_cannot_read_is_a_missing_file_not_an_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str], nas_root: Path
) -> None:
    # A link loop: stat() fails with ELOOP, which is the file not being usable there.
    (nas_root / "loop.mp4").symlink_to(nas_root / "loop.mp4")
    created = await client.post(
        "/api/admin/contents",
        json={"file_path": "loop.mp4", "title": "Loop"},
        headers=admin_headers,
    )
    assert created.status_code == 201 and created.json()["available"] is False
