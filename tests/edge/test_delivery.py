"""HTTP semantics of the edge (RFC 9110, SPEC §3) over real sockets to a real edge process."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random

import pytest

from tests.edge.client import multipart_parts, request
from tests.edge.conftest import Edge

SIZE = 3 * 2**20 + 12345
DATA = random.Random(7).randbytes(SIZE)


@pytest.fixture(scope="module")
def movie(edge: Edge) -> str:
    edge.write("ARCHIVE/WSOP/2024/Day 8 (Part 1).mp4", DATA)
    return "ARCHIVE/WSOP/2024/Day 8 (Part 1).mp4"


def path_for(edge: Edge, relative: str) -> str:
    return f"/v/{edge.token(relative)}"


async def test_whole_file_is_byte_exact(edge: Edge, movie: str) -> None:
    reply = await request(edge.port, path_for(edge, movie))
    assert reply.status == 200
    assert hashlib.sha256(reply.body).digest() == hashlib.sha256(DATA).digest()
    assert reply.header("content-type") == "video/mp4"
    assert reply.header("accept-ranges") == "bytes"
    assert reply.header("x-cache-tier") == "nas"
    assert (reply.header("etag") or "").startswith('"')
    assert (reply.header("last-modified") or "").endswith("GMT")


async def test_tail_may_repeat_the_file_name(edge: Edge, movie: str) -> None:
    reply = await request(edge.port, path_for(edge, movie) + "/Day%208%20(Part%201).mp4")
    assert reply.status == 200
    assert len(reply.body) == SIZE


@pytest.mark.parametrize(
    ("range_header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-65535", 0, 65535),
        ("bytes=100-", 100, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes=-{SIZE * 2}", 0, SIZE - 1),
        (f"bytes={SIZE - 10}-{SIZE * 5}", SIZE - 10, SIZE - 1),
        ("bytes=0-99999999999999999999999", 0, SIZE - 1),
        # 1,000 overlapping ranges (6 KB, under the 8 KiB header-line limit) cost one.
        ("bytes=" + ",".join(f"{i % 100}-{i % 100 + 50}" for i in range(1000)), 0, 149),
    ],
)
async def test_single_ranges(
    edge: Edge, movie: str, range_header: str, first: int, last: int
) -> None:
    reply = await request(edge.port, path_for(edge, movie), headers={"Range": range_header})
    assert reply.status == 206
    assert reply.header("content-range") == f"bytes {first}-{last}/{SIZE}"
    assert reply.header("content-length") == str(last - first + 1)
    assert reply.body == DATA[first : last + 1]


@pytest.mark.parametrize(
    "range_header", ["bytes=-0", f"bytes={SIZE}-", f"bytes={SIZE + 5}-9999999"]
)
async def test_unsatisfiable_ranges(edge: Edge, movie: str, range_header: str) -> None:
    reply = await request(edge.port, path_for(edge, movie), headers={"Range": range_header})
    assert reply.status == 416
    assert reply.header("content-range") == f"bytes */{SIZE}"
    assert b'"RANGE_NOT_SATISFIABLE"' in reply.body


@pytest.mark.parametrize(
    "range_header",
    ["bytes=abc", "bytes=5", "items=0-1", "bytes=0x01-0x02", "bytes=--5", "bytes=9-5", "bytes="],
)
async def test_invalid_range_syntax_serves_the_whole_file(
    edge: Edge, movie: str, range_header: str
) -> None:
    reply = await request(edge.port, path_for(edge, movie), headers={"Range": range_header})
    assert reply.status == 200
    assert reply.body == DATA


async def test_multiple_ranges_are_multipart(edge: Edge, movie: str) -> None:
    reply = await request(
        edge.port, path_for(edge, movie), headers={"Range": "bytes=500-599,0-9,5-19,-10"}
    )
    assert reply.status == 206
    content_type = reply.header("content-type") or ""
    assert content_type.startswith("multipart/byteranges; boundary=")
    assert multipart_parts(reply) == [
        (f"bytes 0-19/{SIZE}", DATA[0:20]),
        (f"bytes 500-599/{SIZE}", DATA[500:600]),
        (f"bytes {SIZE - 10}-{SIZE - 1}/{SIZE}", DATA[-10:]),
    ]


async def test_more_than_sixteen_disjoint_ranges_serve_the_whole_file(
    edge: Edge, movie: str
) -> None:
    header = "bytes=" + ",".join(f"{i * 100}-{i * 100 + 1}" for i in range(17))
    reply = await request(edge.port, path_for(edge, movie), headers={"Range": header})
    assert reply.status == 200
    assert len(reply.body) == SIZE


async def test_head_is_get_without_body(edge: Edge, movie: str) -> None:
    path = path_for(edge, movie)
    get = await request(edge.port, path)
    head = await request(edge.port, path, method="HEAD")
    assert head.status == 200
    assert head.body == b""
    for name in ("content-length", "content-type", "etag", "last-modified", "accept-ranges"):
        assert head.header(name) == get.header(name)


async def test_range_on_head_is_ignored(edge: Edge, movie: str) -> None:
    reply = await request(
        edge.port, path_for(edge, movie), method="HEAD", headers={"Range": "bytes=0-9"}
    )
    assert reply.status == 200
    assert reply.header("content-length") == str(SIZE)


async def test_conditional_requests(edge: Edge, movie: str) -> None:
    path = path_for(edge, movie)
    first = await request(edge.port, path, method="HEAD")
    etag, modified = first.header("etag"), first.header("last-modified")
    assert etag and modified
    not_modified = await request(edge.port, path, headers={"If-None-Match": etag})
    assert not_modified.status == 304
    assert not_modified.body == b""
    assert not_modified.header("etag") == etag
    since = await request(edge.port, path, headers={"If-Modified-Since": modified})
    assert since.status == 304
    changed = await request(edge.port, path, headers={"If-None-Match": '"nope"'})
    assert changed.status == 200
    failed = await request(edge.port, path, headers={"If-Match": '"nope"'})
    assert failed.status == 412
    assert b'"PRECONDITION_FAILED"' in failed.body
    matched = await request(edge.port, path, headers={"If-Match": etag, "Range": "bytes=0-1"})
    assert matched.status == 206


async def test_if_range(edge: Edge, movie: str) -> None:
    path = path_for(edge, movie)
    head = await request(edge.port, path, method="HEAD")
    etag, modified = head.header("etag"), head.header("last-modified")
    assert etag and modified
    for validator, status in (
        (etag, 206),
        (modified, 206),
        ('"stale"', 200),
        ("Mon, 01 Jan 2001 00:00:00 GMT", 200),
        (f"W/{etag}", 200),
    ):
        reply = await request(
            edge.port, path, headers={"Range": "bytes=10-19", "If-Range": validator}
        )
        assert reply.status == status, validator
        assert reply.body == (DATA[10:20] if status == 206 else DATA)


async def test_empty_file(edge: Edge) -> None:
    edge.write("empty/nothing.mp4", b"")
    path = path_for(edge, "empty/nothing.mp4")
    whole = await request(edge.port, path)
    assert (whole.status, whole.body, whole.header("content-length")) == (200, b"", "0")
    ranged = await request(edge.port, path, headers={"Range": "bytes=0-"})
    assert ranged.status == 416
    assert ranged.header("content-range") == "bytes */0"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.mp4", "video/mp4"),
        ("a.MOV", "video/quicktime"),
        ("a.mkv", "video/x-matroska"),
        ("a.mxf", "application/mxf"),
        ("a.m3u8", "application/vnd.apple.mpegurl"),
        ("a.m4s", "video/iso.segment"),
        ("a.ts", "video/mp2t"),
        ("a.jpg", "image/jpeg"),
        ("a.unknownext", "application/octet-stream"),
    ],
)
async def test_content_type_by_extension(edge: Edge, name: str, content_type: str) -> None:
    edge.write(f"types/{name}", b"x")
    reply = await request(edge.port, path_for(edge, f"types/{name}"), method="HEAD")
    assert reply.header("content-type") == content_type


async def test_cors_for_configured_origins(edge: Edge, movie: str) -> None:
    path = path_for(edge, movie)
    allowed = await request(
        edge.port, path, method="HEAD", headers={"Origin": "https://player.example"}
    )
    assert allowed.header("access-control-allow-origin") == "https://player.example"
    exposed = allowed.header("access-control-expose-headers") or ""
    for name in ("Content-Range", "Content-Length", "Accept-Ranges"):
        assert name in exposed
    other = await request(
        edge.port, path, method="HEAD", headers={"Origin": "https://evil.example"}
    )
    assert other.header("access-control-allow-origin") is None
    preflight = await request(
        edge.port,
        path,
        method="OPTIONS",
        headers={
            "Origin": "https://player.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert preflight.status == 204
    assert preflight.header("access-control-allow-origin") == "https://player.example"
    assert "range" in (preflight.header("access-control-allow-headers") or "")
    denied = await request(
        edge.port,
        path,
        method="OPTIONS",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert denied.header("access-control-allow-origin") is None


async def test_long_header_line_long_url_and_garbage_get_4xx(edge: Edge, movie: str) -> None:
    path = path_for(edge, movie)
    fine = await request(edge.port, path, headers={"X-Long": "a" * 4000})
    assert fine.status == 200
    long_header = await request(edge.port, path, headers={"X-Long": "a" * 8192})
    assert long_header.status == 431
    many_headers = await request(
        edge.port, path, headers={f"X-H{i}": "b" * 4000 for i in range(10)}
    )
    assert many_headers.status == 431
    long_url = await request(edge.port, path + "/" + "c" * 9000)
    assert long_url.status == 414
    for garbage in (b"\x00\x01\x02 nonsense\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9 x\r\n\r\n"):
        reply = await request(edge.port, "/", raw=garbage)
        assert 400 <= reply.status < 500
    still_fine = await request(edge.port, path, headers={"Range": "bytes=0-0"})
    assert still_fine.status == 206


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_unknown_method_is_405_with_allow(edge: Edge, movie: str, method: str) -> None:
    reply = await request(edge.port, path_for(edge, movie), method=method)
    assert reply.status == 405
    assert reply.header("allow") == "GET, HEAD, DELETE, OPTIONS"


async def test_sixteen_concurrent_16_mib_ranges(edge: Edge) -> None:
    size = 16 * 2**20
    data = random.Random(16).randbytes(size * 2)
    edge.write("big/concurrent.mp4", data)
    path = path_for(edge, "big/concurrent.mp4")
    offsets = [random.Random(i).randrange(0, size) for i in range(16)]
    replies = await asyncio.gather(
        *(request(edge.port, path, headers={"Range": f"bytes={o}-{o + size - 1}"}) for o in offsets)
    )
    for offset, reply in zip(offsets, replies, strict=True):
        assert reply.status == 206
        assert (
            hashlib.sha256(reply.body).digest()
            == hashlib.sha256(data[offset : offset + size]).digest()
        )


async def test_aborted_transfers_leak_no_descriptors(edge: Edge) -> None:
    edge.write("big/aborted.mp4", os.urandom(8 * 2**20))
    path = path_for(edge, "big/aborted.mp4")
    await request(edge.port, path, headers={"Range": "bytes=0-0"})  # warm the file cache
    before = edge.server_fds()

    async def abort_midway() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
        await writer.drain()
        await reader.readexactly(1024)
        writer.transport.abort()

    for _batch in range(30):
        await asyncio.gather(*(abort_midway() for _ in range(10)))
    # The server notices each reset on its next write; a final full request proves it is
    # still healthy and gives it the loop iterations to finish closing.
    for _ in range(100):
        if edge.server_fds() <= before:
            break
        await asyncio.sleep(0.05)
    assert edge.server_fds() <= before
    reply = await request(edge.port, path, headers={"Range": "bytes=0-9"})
    assert reply.status == 206
