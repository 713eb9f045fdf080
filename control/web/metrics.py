"""Prometheus metrics of one control process: HTTP, bus, database pool and blocks.

Each app has its own CollectorRegistry (several apps can live in one test process). Bus,
pool and block figures are read at scrape time from their owners rather than copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import asyncpg
from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from control.orchestration.identity import AuthenticationRequired, Forbidden
from control.orchestration.registry import BlockRegistry
from control.settings import ControlSettings
from control.web.openapi import error_responses
from shared.operator_access import operator_allowed

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from control.orchestration.bus import MessageBus

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "wsoptv_control_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=registry,
        )
        self.latency = Histogram(
            "wsoptv_control_request_seconds",
            "HTTP request latency by method and route template.",
            ("method", "route"),
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class RuntimeCollector(Collector):
    """Bus counters, pool usage and block status, read when Prometheus scrapes."""

    def __init__(
        self, bus: MessageBus, blocks: BlockRegistry, pool: Callable[[], asyncpg.Pool | None]
    ) -> None:
        self._bus, self._blocks, self._pool = bus, blocks, pool

    def collect(self) -> Iterator[Metric]:
        stats = self._bus.stats
        published = CounterMetricFamily(
            "wsoptv_bus_events_published", "Events published, by channel.", labels=["channel"]
        )
        received = CounterMetricFamily(
            "wsoptv_bus_events_received",
            "Events received from other control processes, by channel.",
            labels=["channel"],
        )
        delivered = CounterMetricFamily(
            "wsoptv_bus_events_delivered", "Handler runs that succeeded.", labels=["channel"]
        )
        failed = CounterMetricFamily(
            "wsoptv_bus_handler_failures",
            "Handler runs that raised or timed out.",
            labels=["channel", "handler", "reason"],
        )
        for channel, count in stats.published.items():
            published.add_metric([channel], count)
        for channel, count in stats.received.items():
            received.add_metric([channel], count)
        for channel, count in stats.delivered.items():
            delivered.add_metric([channel], count)
        for (channel, handler), count in stats.failed.items():
            failed.add_metric([channel, handler, "error"], count)
        for (channel, handler), count in stats.timed_out.items():
            failed.add_metric([channel, handler, "timeout"], count)
        yield from (published, received, delivered, failed)

        pool = self._pool()
        if pool is not None:
            usage = GaugeMetricFamily(
                "wsoptv_db_pool_connections", "Database pool connections.", labels=["state"]
            )
            size, idle = pool.get_size(), pool.get_idle_size()
            usage.add_metric(["in_use"], size - idle)
            usage.add_metric(["idle"], idle)
            usage.add_metric(["max"], pool.get_max_size())
            yield usage

        up = GaugeMetricFamily("wsoptv_block_up", "1 when the block serves.", labels=["block"])
        for block in self._blocks.blocks:
            up.add_metric(
                [block.name], 1.0 if self._blocks.state(block.name).status.serves else 0.0
            )
        yield up
        for collector in self._blocks.collectors():
            yield from collector.collect()


@get(
    "/metrics",
    media_type=CONTENT_TYPE_LATEST,
    tags=["operations"],
    sync_to_thread=False,
    security=[{"metrics_token": []}],
    responses=error_responses(401, 403),
)
def metrics(state: State, request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text format, for operators: `Authorization: Bearer <METRICS_TOKEN>`, or
    (METRICS_TOKEN unset) a client on this machine. 401 / 403 otherwise."""
    settings: ControlSettings = state.settings
    client = request.client.host if request.client else None
    if not operator_allowed(client, request.headers.get("authorization"), settings.metrics_token):
        if settings.metrics_token is None:
            raise Forbidden("metrics are served to this machine only (or set METRICS_TOKEN)")
        raise AuthenticationRequired("metrics need 'Authorization: Bearer <METRICS_TOKEN>'")
    registry: CollectorRegistry = state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
