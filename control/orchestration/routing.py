"""Each block's routes become one Router under /api, guarded by the block's availability,
with the fields of the block's services object as its dependencies.

`check_wiring` runs once the app is built and refuses to start an app whose handlers ask for
a service under a field's name with another type, or whose bearer-guarded routes do not
declare the bearer security scheme in OpenAPI (and the other way round).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute
from litestar.types import Guard

from control.orchestration.block import Block
from control.orchestration.errors import RegistryError
from control.orchestration.identity import BEARER_SCHEME, is_bearer_guard
from control.orchestration.registry import BlockRegistry

API_PREFIX = "/api"


def _availability_guard(registry: BlockRegistry, name: str) -> Guard:
    def block_available(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        registry.ensure_available(name)

    return block_available


def service_fields(block: Block[Any]) -> dict[str, Any]:
    """{field name: type} of the services object `block.start` returns ({} without start)."""
    if block.start is None:
        return {}
    services = typing.get_type_hints(block.start).get("return")
    if services is None or services is type(None):
        return {}
    if not (isinstance(services, type) and dataclasses.is_dataclass(services)):
        raise RegistryError(f"block {block.name!r}: start must return a dataclass of services")
    hints = typing.get_type_hints(services)
    return {field.name: hints[field.name] for field in dataclasses.fields(services)}


def _field_provider(registry: BlockRegistry, block: str, field: str) -> Provide:
    def provide_service() -> Any:
        # The availability guard ran first: the block started, its services exist.
        return getattr(registry.services(block), field)

    return Provide(provide_service, sync_to_thread=False)


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
                    name: _field_provider(registry, block.name, name)
                    for name in service_fields(block)
                },
                tags=[block.name],
                opt={"block": block.name},
            )
        )
    return routers


def http_handlers(app: Litestar) -> list[HTTPRouteHandler]:
    return [
        handler
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
    ]


def check_wiring(app: Litestar, registry: BlockRegistry) -> None:
    """RegistryError for a dependency typed unlike its service field, or a guarded route
    without bearer security in OpenAPI (or bearer security on an unguarded route)."""
    fields = {block.name: service_fields(block) for block in registry.blocks}
    for handler in http_handlers(app):
        where = f"{handler.handler_name} ({', '.join(sorted(handler.paths))})"
        guarded = any(is_bearer_guard(guard) for guard in handler.resolve_guards())
        secured = any(BEARER_SCHEME in requirement for requirement in handler.resolve_security())
        if guarded != secured:
            raise RegistryError(
                f"{where}: a bearer-guarded route must declare bearer security and only it may"
                " (subclass SignedInController / AdminOnlyController, or use bearer_guarded())"
            )
        block = handler.opt.get("block")
        if block is None:
            continue
        parameters = handler.parsed_fn_signature.parameters
        for name, wanted in fields[block].items():
            got = parameters[name].annotation if name in parameters else None
            if got is not None and got is not wanted:
                raise RegistryError(
                    f"{where}: parameter {name!r} is {got!r} but block {block!r} provides"
                    f" {wanted!r} under that name"
                )
