"""Which file a request names: the token's `p` claim plus the URL tail, canonicalised once.

Everything a client can put in a URL that could step outside the token's grant is refused
here, before the file system is touched (SPEC §3).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from edge.errors import PathForbidden

# Encoded path separators, encoded NUL and backslashes have no place in a media path; they
# are refused before decoding so that no later stage ever sees them as separators.
_FORBIDDEN_RAW = (b"%2f", b"%5c", b"%00", b"\\", b"\x00")


def _check_segments(path: str, what: str) -> None:
    for segment in path.split("/"):
        if not segment:
            raise PathForbidden(f"{what} has an empty segment ('//')")
        if segment.startswith("."):  # '.', '..' and hidden files alike
            raise PathForbidden(f"{what} names a dot segment or a hidden file")
        if "\x00" in segment or "\\" in segment:
            raise PathForbidden(f"{what} has a NUL or a backslash")


def decode_tail(raw_tail: bytes) -> str:
    """The URL tail (still percent-encoded) as a relative path; PathForbidden if unsafe."""
    if not raw_tail:
        return ""
    lowered = raw_tail.lower()
    if any(bad in lowered for bad in _FORBIDDEN_RAW):
        raise PathForbidden("encoded separator, backslash or NUL in the path")
    try:
        tail = unquote_to_bytes(raw_tail).decode("utf-8")
    except UnicodeDecodeError:
        raise PathForbidden("path is not UTF-8") from None
    _check_segments(tail, "path")
    return tail


def granted_path(grant: str, tail: str) -> str:
    """The relative media path a token's grant `p` and a decoded tail name.

    A file grant serves only its own file (empty tail or its base name); a directory grant
    ('.../') serves any relative path under it, so `a/1/` can never reach `a/12/`.
    """
    if grant.startswith("/") or not grant:
        raise PathForbidden("token path is not relative")
    if grant.endswith("/"):
        _check_segments(grant[:-1], "token path")
        if not tail:
            raise PathForbidden("a directory token needs a file name after it")
        return grant + tail
    _check_segments(grant, "token path")
    if tail and tail != grant.rpartition("/")[2]:
        raise PathForbidden("the token does not cover this path")
    return grant
