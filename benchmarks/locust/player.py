"""One sitting in front of the player: stream token, Range reads paced at the file's own
bitrate (fill a buffer ahead, then read as fast as playback consumes), occasional seeks,
progress every 10 s and on leaving, and the stream ended (or abandoned) at the end.

`time.sleep` is gevent's here: locust patches the standard library before any user runs."""

from __future__ import annotations

import contextlib
import random
import time
from urllib.parse import urlsplit

from locust.contrib.fasthttp import FastHttpSession

from benchmarks.locust.ranges import Read, Refused, read_range
from benchmarks.locust.session import ApiError, ApiSession
from benchmarks.locust.steps import (
    ABANDONED,
    AT_CAPACITY,
    END,
    INFO,
    PROGRESS_GET,
    PROGRESS_PUT,
    RANGE_TTFB,
    SEEK,
    TOKEN,
    Behaviour,
)

# Seeks land on 64 KiB boundaries, as a player's byte offsets from the file index would
# not, but the edge treats every offset alike.
_ALIGN = 64 * 1024


def edge_url(url: str, edge: str | None) -> str:
    """The stream URL, its origin replaced by `edge` (an operator's address for the edge)."""
    if not edge:
        return url
    parts = urlsplit(url)
    return edge.rstrip("/") + parts.path


class Player:
    def __init__(
        self, client: FastHttpSession, api: ApiSession, behaviour: Behaviour, rng: random.Random
    ) -> None:
        self._client, self._api, self._b, self._rng = client, api, behaviour, rng

    def start(
        self, content_id: int, duration: float, edge: str | None
    ) -> tuple[str, Read] | Refused | None:
        """Resume point, info, token and the first read: the stream's lease starts here.
        `duration` is the catalog's (the probe's), which paces the reads."""
        saved = self._api.call("GET", f"/api/stream/{content_id}/progress", PROGRESS_GET)
        self._api.call("GET", f"/api/stream/{content_id}/info", INFO)  # hands, skip zones
        token = self._api.call("POST", f"/api/stream/{content_id}/token", TOKEN, status=201)
        url = edge_url(token["url"], edge)
        self._duration = duration
        position = saved["position_seconds"] if saved["state"] == "in_progress" else 0.0
        # Before the first read the size is unknown: start at 0 and seek once it is known.
        first = read_range(
            self._client, url, 0, self._chunk(), RANGE_TTFB, refusals=frozenset({AT_CAPACITY})
        )
        if not isinstance(first, Read):
            return first
        self._bytes_per_second = first.total / self._duration
        self._position = position
        return url, first

    def _chunk(self) -> int:
        return self._rng.randint(*self._b.chunk_bytes)

    def watch(self, content_id: int, url: str, first: Read, *, abandon: bool) -> None:
        """Play from the saved position for a sitting's length or to the end of the file."""
        total, rate = first.total, self._bytes_per_second
        sitting = self._rng.uniform(*self._b.watch_seconds)
        began = time.monotonic()
        position = self._position
        buffered = first.end + 1 if position == 0 else self._offset(position)
        clock, next_progress = time.monotonic(), began + self._b.progress_every_seconds
        next_seek = began + self._rng.expovariate(1 / self._b.seek_every_seconds)
        step = RANGE_TTFB if position == 0 else SEEK
        while time.monotonic() - began < sitting:
            now = time.monotonic()
            # The playhead moves with the clock, but never past what has arrived (a stall).
            position = min(position + (now - clock), buffered / rate, self._duration)
            clock = now
            if position >= self._duration - 0.5:
                break
            if now >= next_progress:
                self._progress(content_id, position)
                next_progress = now + self._b.progress_every_seconds
            if now >= next_seek:  # a jump: the buffer starts again at the new position
                position = self._rng.uniform(0, self._duration * 0.9)
                buffered, step = self._offset(position), SEEK
                next_seek = now + self._rng.expovariate(1 / self._b.seek_every_seconds)
            ahead = buffered / rate - position
            if buffered >= total or ahead >= self._b.buffer_ahead_seconds:
                # Sleep until the buffer drains below its target, or progress or a seek is due.
                drain = (
                    self._duration - position
                    if buffered >= total
                    else ahead - self._b.buffer_ahead_seconds
                )
                time.sleep(max(0.05, min(drain, next_progress - now, next_seek - now)))
                continue
            read = read_range(self._client, url, buffered, self._chunk(), step)
            if not isinstance(read, Read):
                return  # counted as a failure; the lease lapses like an abandoned one
            buffered, step = read.end + 1, RANGE_TTFB
        self._progress(content_id, position)  # a front end saves on leaving
        if abandon:
            _mark(self._client, ABANDONED)
        else:
            with self._client.delete(url, name=END, catch_response=True) as response:
                if response.status_code != 204:
                    response.failure(f"{response.status_code}: {response.text[:200]}")

    def _offset(self, position: float) -> int:
        return int(position * self._bytes_per_second) // _ALIGN * _ALIGN

    def _progress(self, content_id: int, position: float) -> None:
        body = {
            "position_seconds": round(position, 2),
            "duration_seconds": self._duration,
            "client_ts": int(time.time() * 1000),
        }
        # A player keeps playing when a save fails (locust has counted the failure); ending
        # the sitting instead would leave its lease behind and bring on its own 429s.
        with contextlib.suppress(ApiError):
            self._api.call("PUT", f"/api/stream/{content_id}/progress", PROGRESS_PUT, json=body)


def _mark(client: FastHttpSession, step: str) -> None:
    """A step that sends nothing (so the report can show how often it happened)."""
    client.request_event.fire(
        request_type="NONE", name=step, response_time=0, response_length=0, exception=None
    )
