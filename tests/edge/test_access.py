"""Who may read what (SPEC §2, §3): tokens, paths, tiers, each with the contract's error body."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import shutil
import uuid

import pytest

from shared.token import KeyRing, mint_stream_token
from tests.edge.client import Reply, request
from tests.edge.conftest import RING, Edge

FILE = "ARCHIVE/WSOP/2023/Main Event Day 1.mp4"
DATA = random.Random(1).randbytes(200_000)


@pytest.fixture(scope="module", autouse=True)
def media(edge: Edge) -> None:
    edge.write(FILE, DATA)
    edge.write("hls/1/index.m3u8", b"#EXTM3U\nseg.ts\n")
    edge.write("hls/1/720p/seg.ts", b"segment-720")
    edge.write("hls/12/index.m3u8", b"#EXTM3U\nother\n")
    edge.write("hls/1/.hidden.ts", b"secret")
    (edge.nas.parent / "outside.mp4").write_bytes(b"outside the roots")
    os.symlink(edge.nas.parent / "outside.mp4", edge.nas / "hls/1/escape.ts")
    os.symlink(edge.nas / FILE, edge.nas / "hls/1/inside.mp4")
    # A sibling directory whose name starts with a media root's name is not under it.
    for root in (edge.nas, edge.ssd):
        sibling = root.parent / f"{root.name}2"
        sibling.mkdir(exist_ok=True)
        (sibling / "s.ts").write_bytes(b"beside the root")
    os.symlink(edge.nas.parent / f"{edge.nas.name}2" / "s.ts", edge.nas / "hls/1/nas2.ts")
    os.symlink(edge.ssd.parent / f"{edge.ssd.name}2" / "s.ts", edge.nas / "hls/1/ssd2.ts")


def error_code(reply: Reply) -> str:
    body = json.loads(reply.body)
    assert set(body["error"]) == {"code", "message", "details"}
    code: str = body["error"]["code"]
    return code


async def test_missing_token_is_401(edge: Edge) -> None:
    reply = await request(edge.port, "/v/")
    assert reply.status == 401
    assert error_code(reply) == "TOKEN_INVALID"


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
async def test_401_carries_a_bearer_challenge(edge: Edge, method: str) -> None:
    reply = await request(edge.port, "/v/garbage", method=method)
    assert reply.status == 401
    assert reply.header("www-authenticate") == 'Bearer realm="wsoptv-edge", error="invalid_token"'


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.eyJ0eXAiOiJzdHJlYW0ifQ.",  # alg none
        "%ff%fe",
    ],
)
async def test_invalid_tokens_are_401(edge: Edge, token: str) -> None:
    reply = await request(edge.port, f"/v/{token}")
    assert reply.status == 401
    assert error_code(reply) == "TOKEN_INVALID"


async def test_forged_token_never_passes_even_after_the_real_one_is_cached(edge: Edge) -> None:
    real = edge.token(FILE)
    assert (await request(edge.port, f"/v/{real}")).status == 200
    header, payload, signature = real.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    other_key = KeyRing.parse("t1:" + "B" * 43)
    forged = mint_stream_token(other_key, sub="x", cid="c1", sid="s", path=FILE)
    for token in (tampered, forged):
        reply = await request(edge.port, f"/v/{token}")
        assert reply.status == 401, token


async def test_token_for_another_file_is_403(edge: Edge) -> None:
    token = edge.token("ARCHIVE/WSOP/2023/Other.mp4")
    reply = await request(edge.port, f"/v/{token}/Main%20Event%20Day%201.mp4")
    assert reply.status == 403
    assert error_code(reply) == "PATH_FORBIDDEN"


async def test_covered_path_without_a_file_is_404(edge: Edge) -> None:
    reply = await request(edge.port, f"/v/{edge.token('ARCHIVE/missing.mp4')}")
    assert reply.status == 404
    assert error_code(reply) == "NOT_FOUND"


async def test_directory_token_serves_files_under_its_prefix(edge: Edge) -> None:
    token = edge.token("hls/1/")
    playlist = await request(edge.port, f"/v/{token}/index.m3u8")
    assert (playlist.status, playlist.body) == (200, b"#EXTM3U\nseg.ts\n")
    assert playlist.header("content-type") == "application/vnd.apple.mpegurl"
    segment = await request(edge.port, f"/v/{token}/720p/seg.ts")
    assert (segment.status, segment.body) == (200, b"segment-720")
    inside = await request(edge.port, f"/v/{token}/inside.mp4")
    assert (inside.status, inside.body) == (200, DATA)


@pytest.mark.parametrize(
    "tail",
    [
        "../12/index.m3u8",
        "%2e%2e/12/index.m3u8",
        "%2E%2E%2F12%2Findex.m3u8",
        "..%2f12/index.m3u8",
        "..%5c12%5cindex.m3u8",
        "720p//seg.ts",
        "720p%00/seg.ts",
        ".hidden.ts",
        "%2ehidden.ts",
        "escape.ts",  # a symlink that resolves outside the media roots
        "nas2.ts",  # ... into '<NAS_ROOT>2/', which only starts like the NAS root
        "ssd2.ts",  # ... into '<SSD_CACHE_ROOT>2/'
    ],
)
async def test_path_escapes_are_refused(edge: Edge, tail: str) -> None:
    reply = await request(edge.port, f"/v/{edge.token('hls/1/')}/{tail}")
    assert reply.status == 403, reply.body
    assert error_code(reply) == "PATH_FORBIDDEN"


async def test_prefix_does_not_open_a_sibling_with_the_same_start(edge: Edge) -> None:
    token = edge.token("hls/1/")
    reply = await request(edge.port, f"/v/{token}/../12/index.m3u8")
    assert reply.status == 403
    sibling = await request(edge.port, f"/v/{edge.token('hls/12/')}/index.m3u8")
    assert sibling.status == 200


async def test_expired_token_without_a_lease_is_410(edge: Edge) -> None:
    token = edge.expired_token(FILE, sub="late", sid=str(uuid.uuid4()))
    reply = await request(edge.port, f"/v/{token}")
    assert reply.status == 410
    assert error_code(reply) == "TOKEN_EXPIRED"


async def test_expired_token_with_a_live_lease_keeps_playing(edge: Edge) -> None:
    sid, sub = str(uuid.uuid4()), "player"
    assert (await request(edge.port, f"/v/{edge.token(FILE, sub=sub, sid=sid)}")).status == 200
    expired = edge.expired_token(FILE, sub=sub, sid=sid)
    reply = await request(edge.port, f"/v/{expired}", headers={"Range": "bytes=0-9"})
    assert (reply.status, reply.body) == (206, DATA[:10])


async def test_delete_ends_the_stream(edge: Edge) -> None:
    sid, sub = str(uuid.uuid4()), "quitter"
    token = edge.token(FILE, sub=sub, sid=sid)
    assert (await request(edge.port, f"/v/{token}")).status == 200
    assert (await request(edge.port, f"/v/{token}", method="DELETE")).status == 204
    again = await request(edge.port, f"/v/{token}")
    assert again.status == 410
    assert error_code(again) == "STREAM_ENDED"
    assert (await request(edge.port, "/v/nope", method="DELETE")).status == 401


async def test_ssd_copy_is_preferred_and_a_partial_copy_is_never_served(edge: Edge) -> None:
    relative = "tiers/clip.mp4"
    edge.write(relative, b"nas-bytes")
    edge.write("tiers/.clip.mp4.tmp", b"partial", tier="ssd")  # a copy being written
    token = edge.token(relative)
    from_nas = await request(edge.port, f"/v/{token}")
    assert (from_nas.body, from_nas.header("x-cache-tier")) == (b"nas-bytes", "nas")
    os.rename(edge.ssd / "tiers/.clip.mp4.tmp", edge.ssd / relative)
    for _ in range(60):  # the edge re-checks the file system within a second
        reply = await request(edge.port, f"/v/{token}")
        if reply.header("x-cache-tier") == "ssd":
            break
        await asyncio.sleep(0.05)
    assert (reply.body, reply.header("x-cache-tier")) == (b"partial", "ssd")


async def test_validators_survive_the_move_to_the_ssd_tier(edge: Edge) -> None:
    relative = "tiers/validators.mp4"
    data = random.Random(5).randbytes(10_000)
    nas_copy = edge.write(relative, data)
    os.utime(nas_copy, ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    token = edge.token(relative)
    from_nas = await request(edge.port, f"/v/{token}", method="HEAD")
    assert from_nas.header("x-cache-tier") == "nas"
    (edge.ssd / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(nas_copy, edge.ssd / relative)  # what the hot cache does (keeps the mtime)
    for _ in range(60):  # the edge re-checks the file system within a second
        from_ssd = await request(edge.port, f"/v/{token}", method="HEAD")
        if from_ssd.header("x-cache-tier") == "ssd":
            break
        await asyncio.sleep(0.05)
    assert from_ssd.header("x-cache-tier") == "ssd"
    assert from_ssd.header("etag") == from_nas.header("etag")
    assert from_ssd.header("last-modified") == from_nas.header("last-modified")
    # A player resuming with the validator it got from the NAS copy gets its range.
    resumed = await request(
        edge.port,
        f"/v/{token}",
        headers={"Range": "bytes=100-199", "If-Range": from_nas.header("etag") or ""},
    )
    assert (resumed.status, resumed.header("x-cache-tier")) == (206, "ssd")
    assert resumed.body == data[100:200]


async def test_deleting_the_ssd_copy_mid_stream_does_not_break_it(edge: Edge) -> None:
    relative = "tiers/long.mp4"
    data = random.Random(2).randbytes(32 * 2**20)
    edge.write(relative, data)
    edge.write(relative, data, tier="ssd")
    reader, writer = await asyncio.open_connection("127.0.0.1", edge.port)
    writer.write(f"GET /v/{edge.token(relative)} HTTP/1.1\r\nHost: e\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert b"x-cache-tier: ssd" in head
    first = await reader.readexactly(2**20)
    os.unlink(edge.ssd / relative)
    rest = await reader.readexactly(len(data) - len(first))
    writer.close()
    await writer.wait_closed()
    assert hashlib.sha256(first + rest).digest() == hashlib.sha256(data).digest()


def deleted_files_held_open(pid: int) -> list[str]:
    held = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue  # closed while we looked
        if target.endswith(" (deleted)"):
            held.append(target)
    return held


async def test_deleted_ssd_copy_is_closed_once_nobody_reads_it(edge: Edge) -> None:
    # Hot-cache eviction deletes SSD copies to free space: the edge's cache of open files
    # must let go of them even if the path is never requested again.
    relative = "tiers/evicted.mp4"
    edge.write(relative, b"n" * 1000)
    copy = edge.write(relative, b"s" * 1000, tier="ssd")
    reply = await request(edge.port, f"/v/{edge.token(relative)}")
    assert (reply.status, reply.header("x-cache-tier")) == (200, "ssd")
    pid = edge.procs[0].pid
    os.unlink(copy)
    assert any(str(copy) in target for target in deleted_files_held_open(pid))
    for _ in range(100):  # the sweep runs every 2 s and closes files idle for 1 s
        if not any(str(copy) in target for target in deleted_files_held_open(pid)):
            break
        await asyncio.sleep(0.1)
    assert not any(str(copy) in target for target in deleted_files_held_open(pid))


async def test_network_bound_token_serves_only_its_network(edge: Edge) -> None:
    inside = mint_stream_token(
        RING, sub="net", cid="c", sid="net-1", path=FILE, ip_network="127.0.0.0/24"
    )
    outside = mint_stream_token(
        RING, sub="net", cid="c", sid="net-2", path=FILE, ip_network="10.1.2.0/24"
    )
    assert (await request(edge.port, f"/v/{inside}", method="HEAD")).status == 200
    refused = await request(edge.port, f"/v/{outside}", method="HEAD")
    assert refused.status == 403
    assert error_code(await request(edge.port, f"/v/{outside}")) == "TOKEN_IP_MISMATCH"
