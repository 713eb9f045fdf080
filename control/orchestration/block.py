"""A block: one feature of the control plane, declared once in its package's __init__.py.

    BLOCK = Block(name="auth", requires=(), provides=(Provision(AUTHENTICATOR, factory),),
                  route_handlers=(AuthController,), on_start=start, health=probe)

The registry owns the rest: ordering, start/stop, health, and the 503 when a block is down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import asyncpg
from litestar.di import Provide
from litestar.types import ControllerRouterHandler
from redis.asyncio import Redis

from control.orchestration.contracts import Contract, Need, SemVer
from control.orchestration.errors import OrchestrationError

if TYPE_CHECKING:
    from control.orchestration.bus import MessageBus
    from control.settings import ControlSettings

T = TypeVar("T")
Hook = Callable[["BlockContext"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Provision(Generic[T]):
    """A contract a block provides; `factory` builds the implementation once the block started."""

    contract: Contract[T]
    factory: Callable[[BlockContext], T]


@dataclass(frozen=True, slots=True)
class Block:
    """The declaration of a block. `name` is its id: requirements name other blocks' ids."""

    name: str
    version: str = "1.0.0"
    requires: tuple[str, ...] = ()
    provides: tuple[Provision[Any], ...] = ()
    needs: tuple[Need, ...] = ()
    route_handlers: tuple[ControllerRouterHandler, ...] = ()
    dependencies: Mapping[str, Provide] = field(default_factory=dict)
    on_start: Hook | None = None
    on_stop: Hook | None = None
    health: Hook | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise OrchestrationError(f"block name {self.name!r} must be an identifier")
        SemVer.parse(self.version)
        if isinstance(self.requires, str):
            raise OrchestrationError(f"block {self.name!r}: requires must be a tuple of ids")

    @property
    def id(self) -> str:
        return self.name


class BlockContext:
    """What a block's hooks, factories and dependencies see: its own slice of the app."""

    def __init__(
        self,
        block: Block,
        settings: ControlSettings,
        bus: MessageBus,
        resolve: Callable[[Block, Contract[Any]], Any],
    ) -> None:
        self.block = block
        self.settings = settings
        self.bus = bus
        self.log = logging.getLogger(f"wsoptv.control.block.{block.name}")
        # The block's own objects (services, caches), filled by its on_start hook.
        self.state: dict[str, Any] = {}
        self._resolve = resolve
        self._db: asyncpg.Pool | None = None
        self._redis: Redis | None = None

    def attach(self, db: asyncpg.Pool, redis: Redis) -> None:
        self._db, self._redis = db, redis

    @property
    def db(self) -> asyncpg.Pool:
        if self._db is None:
            raise OrchestrationError(f"block {self.block.name!r}: the database is not open yet")
        return self._db

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise OrchestrationError(f"block {self.block.name!r}: Redis is not open yet")
        return self._redis

    def contract(self, contract: Contract[T]) -> T:
        """The implementation of a contract this block declared in `needs`."""
        implementation: T = self._resolve(self.block, contract)
        return implementation
