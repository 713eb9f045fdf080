"""Every request of the run, one CSV row each, for the runner's plots and steady-state
percentiles (locust's own CSVs aggregate away the time axis and the cache tier)."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from locust import events
from locust.env import Environment

from benchmarks.locust.steps import KINDS

COLUMNS = ("time", "name", "kind", "ms", "bytes", "ok", "tier", "error")


class Recorder:
    def __init__(self, path: Path) -> None:
        self._file = path.open("w", newline="", buffering=1 << 20)
        self._rows = csv.writer(self._file)
        self._rows.writerow(COLUMNS)

    def on_request(
        self,
        name: str,
        response_time: float,
        response_length: int,
        exception: BaseException | None = None,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        tier = (context or {}).get("tier", "")
        error = "" if exception is None else f"{type(exception).__name__}: {exception}"[:200]
        self._rows.writerow(
            (
                f"{time.time():.3f}",
                name,
                KINDS.get(name, "other"),
                f"{response_time:.2f}",
                response_length,
                int(exception is None),
                tier,
                error,
            )
        )

    def close(self, **_: Any) -> None:
        self._file.close()


def install(environment: Environment, path: Path) -> None:
    """Record every request of `environment` into `path` until locust quits."""
    recorder = Recorder(path)
    # locust's event hooks carry no type hints
    environment.events.request.add_listener(recorder.on_request)  # type: ignore[no-untyped-call]
    events.quitting.add_listener(recorder.close)  # type: ignore[no-untyped-call]
