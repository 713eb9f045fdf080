"""The edge's counters, kept as plain integers on the hot path and rendered for Prometheus.

prometheus_client's own metric objects take a lock per update; the hot path here only
increments dict entries, and a collector turns them into the text format on scrape.
Each worker process reports its own numbers (scrape each, or sum them).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)


class EdgeMetrics:
    """Counters of one edge process."""

    def __init__(self) -> None:
        self.requests: defaultdict[int, int] = defaultdict(int)
        self.bytes_sent: defaultdict[str, int] = defaultdict(int)
        # SSD copies read since the last hot-cache report (edge/hot_reads.py).
        self.ssd_reads: set[str] = set()
        self.token_failures: defaultdict[str, int] = defaultdict(int)
        self.limiter_rejections: defaultdict[str, int] = defaultdict(int)
        self.queue_waits = 0
        self.fallback_admissions = 0
        self._latency_counts = [0] * (len(LATENCY_BUCKETS) + 1)
        self._latency_sum = 0.0
        self.active_leases: Callable[[], int] = lambda: 0
        self.redis_up: Callable[[], bool] = lambda: True

    def observe_latency(self, seconds: float) -> None:
        self._latency_counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self._latency_sum += seconds

    def render(self) -> bytes:
        """The Prometheus text exposition of these counters."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(self))
        return generate_latest(registry)

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "edge_requests", "Responses sent, by status code.", labels=["status"]
        )
        for status, count in sorted(self.requests.items()):
            requests.add_metric([str(status)], count)
        yield requests
        sent = CounterMetricFamily(
            "edge_sent_bytes", "Body bytes sent, by cache tier.", labels=["tier"]
        )
        for tier in ("ssd", "nas"):
            sent.add_metric([tier], self.bytes_sent[tier])
        yield sent
        failures = CounterMetricFamily(
            "edge_token_failures", "Refused stream tokens, by reason.", labels=["reason"]
        )
        for reason, count in sorted(self.token_failures.items()):
            failures.add_metric([reason], count)
        yield failures
        rejections = CounterMetricFamily(
            "edge_limiter_rejections", "Streams refused by the limiter.", labels=["reason"]
        )
        for reason, count in sorted(self.limiter_rejections.items()):
            rejections.add_metric([reason], count)
        yield rejections
        yield CounterMetricFamily(
            "edge_limiter_queue_waits",
            "Requests that waited for a global slot.",
            value=self.queue_waits,
        )
        yield CounterMetricFamily(
            "edge_limiter_fallback_admissions",
            "Streams admitted by the local fallback while Redis was unreachable.",
            value=self.fallback_admissions,
        )
        yield GaugeMetricFamily(
            "edge_active_leases", "Stream leases this process holds.", value=self.active_leases()
        )
        yield GaugeMetricFamily(
            "edge_limiter_redis_up",
            "1 when the limiter reaches Redis, 0 in fallback mode.",
            value=1 if self.redis_up() else 0,
        )
        buckets: list[tuple[str, float]] = []
        cumulative = 0
        for bound, count in zip(LATENCY_BUCKETS, self._latency_counts, strict=False):
            cumulative += count
            buckets.append((repr(bound), cumulative))
        cumulative += self._latency_counts[-1]
        buckets.append(("+Inf", cumulative))
        yield HistogramMetricFamily(
            "edge_request_duration_seconds",
            "Time from request to the last body byte handed to the kernel.",
            buckets=buckets,
            sum_value=self._latency_sum,
        )


class _Collector:
    def __init__(self, metrics: EdgeMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return self._metrics.collect()
