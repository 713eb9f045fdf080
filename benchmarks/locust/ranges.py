"""One Range read from the edge, checked like a player would need it: 206, the exact
`Content-Range`, and every byte of the body. Two entries per read: locust's own timing
of the request stops at the response head (time to first byte); `range total` adds the body.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from locust.contrib.fasthttp import FastHttpSession

from benchmarks.locust.steps import AT_CAPACITY, OVER_LIMIT, RANGE_TOTAL

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_READ_SIZE = 256 * 1024
# Refusals a scenario may meet on purpose, by status and error code.
REFUSALS = {(429, "STREAM_LIMIT_USER"): OVER_LIMIT, (503, "STREAM_CAPACITY"): AT_CAPACITY}


@dataclass(frozen=True, slots=True)
class Read:
    start: int
    end: int  # inclusive
    total: int  # the file's size
    tier: str  # ssd or nas


@dataclass(frozen=True, slots=True)
class Refused:
    step: str  # OVER_LIMIT or AT_CAPACITY
    retry_after: float


def read_range(
    client: FastHttpSession,
    url: str,
    start: int,
    length: int,
    name: str,
    *,
    refusals: frozenset[str] = frozenset(),
) -> Read | Refused | None:
    """Read `length` bytes at `start` (fewer at the end of the file). A refusal named in
    `refusals` is recorded as that expected step; anything else wrong is a failure (None)."""
    wanted_end = start + length - 1
    began = time.perf_counter()
    with client.get(
        url,
        name=name,
        headers={"Range": f"bytes={start}-{wanted_end}"},
        stream=True,
        catch_response=True,
    ) as response:
        if response.status_code != 206:
            refused = _expected_refusal(response.status_code, response.text, refusals)
            if refused is None:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return None
            response.request_meta["name"] = refused
            response.success()
            return Refused(refused, float(response.headers.get("Retry-After") or 1))
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range") or "")
        if match is None:
            response.failure(f"no Content-Range: {response.headers.get('Content-Range')!r}")
            return None
        first, last, total = (int(group) for group in match.groups())
        if first != start or last != min(wanted_end, total - 1):
            response.failure(f"Content-Range {match.group(0)} for bytes={start}-{wanted_end}")
            return None
        received = sum(len(chunk) for chunk in response.iter_content(_READ_SIZE, False))
        tier = response.headers.get("X-Cache-Tier") or ""
    error = None
    if received != last - first + 1:
        error = AssertionError(f"{received} bytes for {match.group(0)}")
    client.request_event.fire(
        request_type="GET",
        name=RANGE_TOTAL,
        response_time=(time.perf_counter() - began) * 1000,
        response_length=received,
        exception=error,
        context={"tier": tier},
    )
    return None if error else Read(first, last, total, tier)


def _expected_refusal(status: int, body: str | None, refusals: frozenset[str]) -> str | None:
    for (refused_status, code), step in REFUSALS.items():
        if status == refused_status and step in refusals and f'"{code}"' in (body or ""):
            return step
    return None
