"""Viewers: most of the load. A visit opens home, sometimes searches or opens a title,
then sits through one stream; a few viewers ask for one stream more than their limit."""

from __future__ import annotations

import time
from typing import Any

from locust import task

from benchmarks.locust.people import CONFIG, ApiError, Person, playable
from benchmarks.locust.player import Player, edge_url
from benchmarks.locust.ranges import Read, Refused, read_range
from benchmarks.locust.steps import (
    END,
    HANDS,
    OVER_LIMIT,
    RANGE_TTFB,
    SEARCH,
    TITLE,
    TOKEN,
)


class Viewer(Person):
    weight = 9

    def on_start(self) -> None:
        super().on_start()
        self.player = Player(self.client, self.api, CONFIG.behaviour, self.rng)
        # When this viewer last left a stream without ending it: its lease holds one of the
        # viewer's slots for the idle TTL, so never more than one is left at a time.
        self.abandoned_at = -1e9

    @task
    def visit(self) -> None:
        b = CONFIG.behaviour
        try:
            if self.rng.random() < b.p_reload:
                self.api.reload()
            choices = playable(self.home())
            if self.rng.random() < b.p_search and choices:
                choices = self.search(self.rng.choice(choices)["title"]) or choices
            if not choices:
                return
            content = self.rng.choice(choices)
            if self.rng.random() < b.p_title:
                self.api.call("GET", f"/api/contents/{content['id']}", TITLE)
                self.api.call("GET", f"/api/contents/{content['id']}/hands", HANDS)
            self.sit(content["id"], float(content["duration_seconds"]))
        except ApiError:
            return

    def search(self, title: str) -> list[dict[str, Any]]:
        words = [word for word in title.split() if len(word) >= 4] or title.split()
        query = " ".join(self.rng.sample(words, min(2, len(words))))
        hits = self.api.call("GET", "/api/search", SEARCH, params={"q": query})["hits"]
        return playable(hits)

    def sit(self, content_id: int, duration: float) -> None:
        started = self.player.start(content_id, duration, CONFIG.edge_url)
        if isinstance(started, Refused):
            time.sleep(started.retry_after)  # the platform is full: come back later
            return
        if started is None:
            return
        url, first = started
        now = time.monotonic()
        abandon = (
            now - self.abandoned_at > CONFIG.stream_idle_ttl
            and self.rng.random() < CONFIG.behaviour.p_abandon
        )
        self.player.watch(content_id, url, first, abandon=abandon)
        if abandon:
            self.abandoned_at = time.monotonic()


class OverLimitViewer(Person):
    """Opens as many streams as the per-user limit allows, then one more: the edge must
    refuse that one with 429 STREAM_LIMIT_USER (an expected refusal, not a failure)."""

    fixed_count = max(1, round(len(CONFIG.accounts) * 0.02))

    @task
    def one_too_many(self) -> None:
        try:
            contents = playable(self.home())
            if not contents:
                return
            urls: list[str] = []
            for _ in range(CONFIG.stream_limit_per_user + 1):
                content = self.rng.choice(contents)["id"]
                token = self.api.call("POST", f"/api/stream/{content}/token", TOKEN, status=201)
                urls.append(edge_url(token["url"], CONFIG.edge_url))
        except ApiError:
            return
        *allowed, extra = urls
        opened = [url for url in allowed if isinstance(self._open(url), Read)]
        if isinstance(self._open(extra, refusals=frozenset({OVER_LIMIT})), Read):
            opened.append(extra)
            self.client.request_event.fire(
                request_type="GET",
                name=OVER_LIMIT,
                response_time=0,
                response_length=0,
                exception=AssertionError("a stream over the per-user limit was admitted"),
            )
        for url in opened:
            with self.client.delete(url, name=END, catch_response=True) as response:
                if response.status_code != 204:
                    response.failure(f"{response.status_code}: {response.text[:200]}")

    def _open(self, url: str, refusals: frozenset[str] = frozenset()) -> Read | Refused | None:
        return read_range(self.client, url, 0, 1 << 20, RANGE_TTFB, refusals=refusals)
