"""A block: one feature of the control plane, declared once in its package's __init__.py.

    async def start(ctx: BlockContext) -> AuthServices: ...   # builds the block's services

    BLOCK = Block(name="auth", start=start, stop=stop, health=probe,
                  provides=(Provision(AUTHENTICATOR, lambda s: s.tokens),),
                  route_handlers=(AuthController,), tables=Tables(owns=("users",)),
                  jobs=(Job("probe", probe_job),))

`start` returns a typed services object (a dataclass). The registry turns each of its fields
into a Litestar dependency of the same name for the block's controllers, so a handler that
takes `auth: NamedDependency[AuthService]` gets `services.auth` (the registry checks the
annotation against the field's type when the app is built). Contracts a block `needs` are
resolved once, in `start`, through `ctx.contract(...)`; the registry, not the block, answers
503 BLOCK_UNAVAILABLE while a provider is down. `jobs` are the background jobs the block
owns (control/orchestration/jobs.py): a worker process runs them with the block's services.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import asyncpg
from litestar.types import ControllerRouterHandler
from prometheus_client.registry import Collector
from redis.asyncio import Redis

from control.orchestration.contracts import Contract, Need, SemVer
from control.orchestration.errors import OrchestrationError
from control.orchestration.jobs import Job

if TYPE_CHECKING:
    from control.orchestration.bus import MessageBus
    from control.settings import ControlSettings

S = TypeVar("S")  # a block's services object
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Provision(Generic[S, T]):
    """A contract a block provides; `implementation` picks it from the started services."""

    contract: Contract[T]
    implementation: Callable[[S], T]


@dataclass(frozen=True, slots=True)
class Tables:
    """The PostgreSQL tables a block's SQL names: `owns` it writes (each table has exactly
    one owner), `reads` it only reads (a read model over other blocks' tables)."""

    owns: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()


class Degraded(Exception):
    """Raised by a health probe: the block still serves, with less (e.g. a cache bypassed)."""


@dataclass(frozen=True, slots=True)
class Block(Generic[S]):
    """The declaration of a block. `name` is its id: requirements name other blocks' ids."""

    name: str
    start: Callable[[BlockContext], Awaitable[S]] | None = None
    stop: Callable[[S], Awaitable[None]] | None = None
    # Raises when the block cannot serve; raises Degraded when it serves with less.
    health: Callable[[S], Awaitable[None]] | None = None
    version: str = "1.0.0"
    requires: tuple[str, ...] = ()
    needs: tuple[Need, ...] = ()
    provides: tuple[Provision[S, Any], ...] = ()
    route_handlers: tuple[ControllerRouterHandler, ...] = ()
    # Prometheus collectors of the block's own metrics, exported on /metrics.
    collectors: Callable[[S], Iterable[Collector]] | None = None
    tables: Tables = Tables()
    # Background jobs the block owns; `wsoptv worker` runs them with the block's services.
    jobs: tuple[Job[S], ...] = ()
    # Outside dependencies the block reports in GET /api/health: {name: probe}, where a
    # probe raises when the dependency is down (e.g. no worker process seen lately).
    dependency_probes: Callable[[S], Mapping[str, Callable[[], Awaitable[None]]]] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise OrchestrationError(f"block name {self.name!r} must be an identifier")
        SemVer.parse(self.version)
        if isinstance(self.requires, str):
            raise OrchestrationError(f"block {self.name!r}: requires must be a tuple of ids")


class BlockContext:
    """What a block's start sees: settings, bus, logger, connections, and its contracts."""

    def __init__(
        self,
        block: Block[Any],
        settings: ControlSettings,
        bus: MessageBus,
        resolve: Callable[[Block[Any], Contract[Any]], Any],
        db: asyncpg.Pool,
        redis: Redis,
        jobs: Mapping[str, Job[Any]] | None = None,
    ) -> None:
        self.block = block
        self.settings = settings
        self.bus = bus
        self.db = db
        self.redis = redis
        # Every job type the registered blocks declare, by type (the worker block's queue
        # needs each type's queue and attempts).
        self.jobs: Mapping[str, Job[Any]] = jobs or {}
        self.log = logging.getLogger(f"wsoptv.control.block.{block.name}")
        self._resolve = resolve

    def contract(self, contract: Contract[T]) -> T:
        """The implementation of a contract this block declared in `needs` (call it in start:
        the registry refuses the block's requests while the provider is down)."""
        implementation: T = self._resolve(self.block, contract)
        return implementation
