"""The L1 cache's Prometheus metrics, read from its counters when the app is scraped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from control.blocks.cache.l1 import OUTCOMES, L1Cache

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric


class CacheCollector(Collector):
    """wsoptv_cache_lookups{namespace, outcome}, computations, errors, purges, redis_up."""

    def __init__(self, cache: L1Cache) -> None:
        self._cache = cache

    def collect(self) -> Iterator[Metric]:
        stats = self._cache.stats
        lookups = CounterMetricFamily(
            "wsoptv_cache_lookups",
            "L1 cache lookups by key namespace and outcome (hits, misses, bypassed: Redis down).",
            labels=["namespace", "outcome"],
        )
        for namespace, counts in sorted(stats.by_namespace.items()):
            for outcome in OUTCOMES:
                lookups.add_metric([namespace, outcome], counts[outcome])
        yield lookups
        yield CounterMetricFamily(
            "wsoptv_cache_computations", "Values computed from the source.", stats.computations
        )
        yield CounterMetricFamily(
            "wsoptv_cache_redis_errors", "Failed Redis operations of the L1 cache.", stats.errors
        )
        yield CounterMetricFamily(
            "wsoptv_cache_purges", "Full drops after invalidations were missed.", stats.purges
        )
        yield GaugeMetricFamily(
            "wsoptv_cache_redis_up",
            "1 while the L1 cache uses Redis, 0 while it serves from the source.",
            1.0 if self._cache.redis_up else 0.0,
        )
