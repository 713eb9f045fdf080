"""What every simulated person shares: the run's settings, an account of their own, a
signed-in API session, and a feel for the catalog (what the home page shows)."""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between

from benchmarks.locust.session import ApiError, ApiSession
from benchmarks.locust.steps import CONFIG_ENV, HOME, RunConfig

CONFIG = RunConfig.load(Path(os.environ[CONFIG_ENV]))
_ACCOUNTS = iter(CONFIG.accounts)
_SEEDS = itertools.count()


class Person(FastHttpUser):
    """Signs in once with the next prepared account (bcrypt allows only a few logins a
    second, so accounts are never registered during the run)."""

    abstract = True
    wait_time = between(*CONFIG.behaviour.browse_wait_seconds)
    # Streams are read one request at a time, like one player; a few for page loads.
    concurrency = 4

    def email(self) -> str:
        try:
            return next(_ACCOUNTS)
        except StopIteration:
            raise RuntimeError("more users than prepared accounts") from None

    def on_start(self) -> None:
        self.rng = random.Random(next(_SEEDS))
        self.api = ApiSession(self.client, self.email(), CONFIG.password)
        self.api.sign_in()

    def home(self) -> list[dict[str, Any]]:
        """The home rows' items (each content once)."""
        rows = self.api.call("GET", "/api/home", HOME)["rows"]
        items = {item["id"]: item for row in rows for item in row["items"]}
        return list(items.values())


def playable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contents with a known duration: real media, as the worker's probe found them."""
    return [item for item in items if item.get("duration_seconds")]


__all__ = ["CONFIG", "ApiError", "Person", "playable"]
