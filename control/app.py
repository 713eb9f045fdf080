"""create_app(): the control-plane Litestar application, assembled from the registry's blocks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from prometheus_client import CollectorRegistry

from control.frontend import frontend_routes
from control.orchestration.block import Block
from control.orchestration.bus import MessageBus
from control.orchestration.identity import provide_principal
from control.orchestration.registry import BlockRegistry, discover
from control.orchestration.routing import block_routers, check_wiring
from control.runtime import started_blocks
from control.settings import ControlSettings
from control.web.errors import EXCEPTION_HANDLERS
from control.web.health import health
from control.web.logging import configure_logging
from control.web.media_types import json_bodies_only
from control.web.metrics import HttpMetrics, RuntimeCollector, metrics
from control.web.observe import RequestObserver
from control.web.openapi import COMPONENTS, exact_openapi
from control.web.ratelimit import WindowLimiter

log = logging.getLogger("wsoptv.control")


def create_app(
    settings: ControlSettings | None = None, blocks: Sequence[Block[Any]] | None = None
) -> Litestar:
    """The control-plane app; `blocks` defaults to every block under control/blocks."""
    settings = settings or ControlSettings()
    configure_logging(settings.log_level)
    registry = BlockRegistry(discover() if blocks is None else blocks)
    registry.validate()
    bus = MessageBus(handler_timeout=settings.bus_handler_timeout)
    metrics_registry = CollectorRegistry()
    http_metrics = HttpMetrics(metrics_registry)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with started_blocks(settings, registry, bus) as connections:
            app.state.db, app.state.redis = connections.db, connections.redis
            observer.limiter = WindowLimiter(
                connections.redis, "rl:ip", settings.rate_limit_per_ip, settings.rate_limit_window
            )
            yield

    origins = settings.cors_origins
    app = Litestar(
        route_handlers=[health, metrics, *block_routers(registry), *frontend_routes(settings)],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies={"principal": Provide(provide_principal)},
        guards=[json_bodies_only],
        cors_config=CORSConfig(
            allow_origins=origins,
            allow_credentials=True,
            expose_headers=["Retry-After", "X-Request-ID"],
        )
        if origins
        else None,
        openapi_config=OpenAPIConfig(
            title="WSOPTV control plane", version="1.0.0", path="/schema", components=COMPONENTS
        ),
        state=State(
            {
                "settings": settings,
                "registry": registry,
                "bus": bus,
                "metrics_registry": metrics_registry,
            }
        ),
        logging_config=None,
        debug=False,
    )
    observer = RequestObserver(
        app.asgi_handler,  # type: ignore[arg-type]
        http_metrics,
        cors_origins=frozenset(origins),
    )
    app.asgi_handler = observer  # type: ignore[assignment]
    check_wiring(app, registry)
    exact_openapi(app)
    metrics_registry.register(RuntimeCollector(bus, registry, lambda: app.state.get("db")))
    return app
