"""Request and error rates from this control process's own Prometheus counters.

The counters only grow, so a rate needs two readings: every dashboard call takes one, and
the rate is measured against the newest earlier reading at least WINDOW seconds old (or
the process start, before there is one). `window_seconds` in the answer says over how long.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

WINDOW_SECONDS = 60.0
KEEP_SECONDS = 600.0
REQUESTS_METRIC = "wsoptv_control_requests"


@dataclass(frozen=True, slots=True)
class Reading:
    at: float
    requests: float
    client_errors: float  # 4xx
    server_errors: float  # 5xx


@dataclass(frozen=True, slots=True)
class Rates:
    window_seconds: float
    requests: int
    client_errors: int
    server_errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.window_seconds if self.window_seconds > 0 else 0.0

    @property
    def error_rate(self) -> float:
        """Share of the window's requests answered with a 5xx."""
        return self.server_errors / self.requests if self.requests else 0.0

    @property
    def client_error_rate(self) -> float:
        return self.client_errors / self.requests if self.requests else 0.0


def read(registry: CollectorRegistry, at: float) -> Reading:
    requests = client = server = 0.0
    for metric in registry.collect():
        if metric.name != REQUESTS_METRIC:
            continue
        for sample in metric.samples:
            if not sample.name.endswith("_total"):
                continue
            requests += sample.value
            status = sample.labels.get("status", "")
            client += sample.value if status.startswith("4") else 0.0
            server += sample.value if status.startswith("5") else 0.0
    return Reading(at, requests, client, server)


class RequestRates:
    def __init__(self, started: float | None = None) -> None:
        # The app's counters start at zero with the process, before any request.
        self._readings: deque[Reading] = deque([Reading(started or time.monotonic(), 0, 0, 0)])

    def measure(self, registry: CollectorRegistry) -> Rates:
        now = read(registry, time.monotonic())
        base = self._readings[0]
        for reading in self._readings:
            if now.at - reading.at >= WINDOW_SECONDS:
                base = reading
        while len(self._readings) > 1 and now.at - self._readings[1].at >= KEEP_SECONDS:
            self._readings.popleft()
        self._readings.append(now)
        return Rates(
            window_seconds=round(now.at - base.at, 3),
            requests=int(now.requests - base.requests),
            client_errors=int(now.client_errors - base.client_errors),
            server_errors=int(now.server_errors - base.server_errors),
        )
