"""Each block's routes become one Router under /api, guarded by the block's availability."""

from __future__ import annotations

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from control.orchestration.block import BlockContext
from control.orchestration.registry import BlockRegistry

API_PREFIX = "/api"


def _availability_guard(registry: BlockRegistry, name: str) -> Guard:
    def block_available(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        registry.ensure_available(name)

    return block_available


def _context_provider(context: BlockContext) -> Provide:
    def provide_block_context() -> BlockContext:
        return context

    return Provide(provide_block_context, use_cache=True, sync_to_thread=False)


def block_routers(registry: BlockRegistry) -> list[Router]:
    """One Router per block that has routes; the block's own guard runs before any other."""
    routers = []
    for block in registry.blocks:
        if not block.route_handlers:
            continue
        routers.append(
            Router(
                path=API_PREFIX,
                route_handlers=list(block.route_handlers),
                guards=[_availability_guard(registry, block.name)],
                dependencies={
                    "block_context": _context_provider(registry.context(block.name)),
                    **block.dependencies,
                },
                tags=[block.name],
                opt={"block": block.name},
            )
        )
    return routers
