"""Tail canonicalisation and token grants (SPEC §3), table-driven."""

from __future__ import annotations

import pytest

from edge.errors import PathForbidden
from edge.paths import decode_tail, granted_path


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (b"", ""),
        (b"x.mp4", "x.mp4"),
        (b"Day%208%20(Part%201).mp4", "Day 8 (Part 1).mp4"),
        (b"720p/seg-001.m4s", "720p/seg-001.m4s"),
        (b"%E2%82%AC%20%ED%95%9C.mp4", "€ 한.mp4"),
        (b"a..b.mp4", "a..b.mp4"),
    ],
)
def test_tails_that_are_fine(raw: bytes, decoded: str) -> None:
    assert decode_tail(raw) == decoded


@pytest.mark.parametrize(
    "raw",
    [
        b"..",
        b"../x.mp4",
        b"a/../../x.mp4",
        b"%2e%2e/x.mp4",
        b"%2E%2E/x.mp4",
        b".%2e/x.mp4",
        b"a%2fb.mp4",
        b"a%2Fb.mp4",
        b"a%5cb.mp4",
        b"a\\b.mp4",
        b"a//b.mp4",
        b"a/",
        b"/a.mp4",
        b"a%00.mp4",
        b".hidden.mp4",
        b"a/.DS_Store",
        b"._x.mp4",
        b"./x.mp4",
        b"%ff.mp4",  # not UTF-8
    ],
)
def test_tails_that_are_refused(raw: bytes) -> None:
    with pytest.raises(PathForbidden):
        decode_tail(raw)


@pytest.mark.parametrize(
    ("grant", "tail", "path"),
    [
        ("a/b/x.mp4", "", "a/b/x.mp4"),
        ("a/b/x.mp4", "x.mp4", "a/b/x.mp4"),
        ("a/1/", "seg.ts", "a/1/seg.ts"),
        ("a/1/", "720p/seg.ts", "a/1/720p/seg.ts"),
    ],
)
def test_grants_cover(grant: str, tail: str, path: str) -> None:
    assert granted_path(grant, tail) == path


@pytest.mark.parametrize(
    ("grant", "tail"),
    [
        ("a/b/x.mp4", "y.mp4"),
        ("a/b/x.mp4", "b/x.mp4"),
        ("a/1/", ""),
        ("/etc/passwd", ""),
        ("a/../x.mp4", ""),
        ("a/.hidden/", "x.mp4"),
        ("", ""),
    ],
)
def test_grants_refuse(grant: str, tail: str) -> None:
    with pytest.raises(PathForbidden):
        granted_path(grant, tail)


@pytest.mark.parametrize(
    ("grant", "raw_tail"),
    [
        ("a/1", b"2/index.m3u8"),  # a file grant is not a prefix of 'a/12/...'
        ("a/1", b"12/index.m3u8"),
        ("a/1/", b"..%2f12/index.m3u8"),
        ("a/1/", b"../12/index.m3u8"),
        ("a/1/", b"%2e%2e/12/index.m3u8"),
    ],
)
def test_prefix_grant_never_reaches_a_sibling_with_the_same_start(
    grant: str, raw_tail: bytes
) -> None:
    with pytest.raises(PathForbidden):
        granted_path(grant, decode_tail(raw_tail))


@pytest.mark.parametrize("raw_tail", [b"2/index.m3u8", b"12.ts", b"x/y.ts", b"%31%32/seg.ts"])
def test_directory_grant_stays_under_its_own_directory(raw_tail: bytes) -> None:
    assert granted_path("a/1/", decode_tail(raw_tail)).startswith("a/1/")
