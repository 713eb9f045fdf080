"""BlockRegistry: discovers the blocks, validates them, starts them in dependency waves.

Wave n holds the blocks whose requirements all lie in waves < n; starting wave by wave and
stopping in reverse means a block never runs without the blocks it requires. A block that
fails to start or fails its health probe is marked down: its routes answer 503
BLOCK_UNAVAILABLE and the blocks that require it are not started, while the others serve.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from redis.asyncio import Redis

from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import Contract
from control.orchestration.errors import BlockUnavailable, ContractError, RegistryError
from control.orchestration.validation import validate_blocks

if TYPE_CHECKING:
    from control.orchestration.bus import MessageBus
    from control.settings import ControlSettings

T = TypeVar("T")
log = logging.getLogger("wsoptv.control.registry")
HOOK_TIMEOUT_SECONDS = 30.0
PROBE_TIMEOUT_SECONDS = 3.0


class BlockStatus(StrEnum):
    DECLARED = "declared"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"  # started, but its health probe fails
    FAILED = "failed"  # its start hook failed
    BLOCKED = "blocked"  # a block it requires is down, so it was not started
    STOPPED = "stopped"

    @property
    def serves(self) -> bool:
        return self is BlockStatus.HEALTHY


# The statuses of a block that started completely: the only ones a probe may change.
_PROBED = frozenset({BlockStatus.HEALTHY, BlockStatus.UNHEALTHY})


@dataclass(slots=True)
class BlockState:
    block: Block
    wave: int
    status: BlockStatus = BlockStatus.DECLARED
    error: str | None = None
    # Its start hook ran, so its stop hook must run, even if building its provisions failed.
    needs_stop: bool = False
    latency_ms: float | None = None


def discover(package: str = "control.blocks") -> list[Block]:
    """Every `BLOCK` declared in a sub-package's __init__.py, in name order."""
    root = importlib.import_module(package)
    found: list[Block] = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        block = getattr(module, "BLOCK", None)
        if not isinstance(block, Block):
            raise RegistryError(f"package {module.__name__} declares no BLOCK = Block(...)")
        found.append(block)
    return found


class BlockRegistry:
    def __init__(self, blocks: Iterable[Block] = ()) -> None:
        self._blocks: dict[str, Block] = {}
        self._states: dict[str, BlockState] = {}
        self._contexts: dict[str, BlockContext] = {}
        self._implementations: dict[str, tuple[str, Any]] = {}
        for block in blocks:
            self.register(block)

    # declaration --------------------------------------------------------------------------

    def register(self, block: Block) -> None:
        if not isinstance(block, Block):
            raise RegistryError(f"only Block declarations can be registered, not {block!r}")
        if block.name in self._blocks:
            raise RegistryError(f"duplicate block id {block.name!r}")
        self._blocks[block.name] = block

    def unregister(self, name: str) -> None:
        """Remove a block nobody requires; refuses while others depend on it or after start."""
        if name not in self._blocks:
            raise RegistryError(f"no block {name!r} is registered")
        if self._states:
            raise RegistryError(f"cannot unregister {name!r}: the registry is already validated")
        dependents = sorted(b.name for b in self._blocks.values() if name in b.requires)
        if dependents:
            raise RegistryError(
                f"cannot unregister {name!r}: required by {', '.join(dependents)}",
                details={"block": name, "required_by": dependents},
            )
        del self._blocks[name]

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(self._blocks.values())

    # validation ---------------------------------------------------------------------------

    def validate(self) -> list[list[Block]]:
        """Check requirements and contracts; return the start-up waves (RegistryError if bad)."""
        waves = validate_blocks(self._blocks)
        self._states = {
            block.name: BlockState(block, level)
            for level, wave in enumerate(waves)
            for block in wave
        }
        return waves

    # contexts and contracts ---------------------------------------------------------------

    def build_contexts(self, settings: ControlSettings, bus: MessageBus) -> None:
        if not self._states:
            self.validate()
        self._contexts = {
            name: BlockContext(block, settings, bus, self._resolve_for)
            for name, block in self._blocks.items()
        }

    def context(self, name: str) -> BlockContext:
        return self._contexts[name]

    def _resolve_for(self, consumer: Block, contract: Contract[T]) -> T:
        if not any(need.name == contract.name for need in consumer.needs):
            raise ContractError(
                f"block {consumer.name!r} did not declare it needs {contract.name!r}"
            )
        return self.provided(contract)

    def provided(self, contract: Contract[T]) -> T:
        """The implementation of `contract`; BlockUnavailable when its provider is down."""
        entry = self._implementations.get(contract.name)
        if entry is None:
            raise BlockUnavailable(f"nothing provides {contract.name!r} right now")
        provider, implementation = entry
        self.ensure_available(provider)
        result: T = implementation
        return result

    # lifecycle ----------------------------------------------------------------------------

    def state(self, name: str) -> BlockState:
        return self._states[name]

    def ensure_available(self, name: str) -> None:
        state = self._states.get(name)
        if state is None or not state.status.serves:
            raise BlockUnavailable(
                f"the {name} block is unavailable",
                details={"block": name, "status": state.status.value if state else "unknown"},
            )

    async def start(self, db: asyncpg.Pool, redis: Redis) -> None:
        """Start wave by wave; a failing block is marked down and its dependents blocked."""
        for context in self._contexts.values():
            context.attach(db, redis)
        for wave in self._wave_lists():
            await asyncio.gather(*(self._start_one(block) for block in wave))

    async def _start_one(self, block: Block) -> None:
        state = self._states[block.name]
        down = [r for r in block.requires if not self._states[r].status.serves]
        if down:
            state.status, state.error = BlockStatus.BLOCKED, f"requires {', '.join(down)}"
            log.error("block %s not started: required block(s) %s down", block.name, down)
            return
        context = self._contexts[block.name]
        try:
            if block.on_start is not None:
                await asyncio.wait_for(block.on_start(context), HOOK_TIMEOUT_SECONDS)
            state.needs_stop = True
            for provision in block.provides:
                implementation = provision.factory(context)
                if not isinstance(implementation, provision.contract.protocol):
                    raise ContractError(
                        f"{block.name!r} does not implement {provision.contract.name!r}"
                    )
                self._implementations[provision.contract.name] = (block.name, implementation)
        except Exception as exc:  # any start failure takes this block (and only it) down
            state.status, state.error = BlockStatus.FAILED, _describe(exc)
            log.exception("block %s failed to start", block.name)
            return
        state.status = BlockStatus.HEALTHY
        log.info("block %s %s started (wave %d)", block.name, block.version, state.wave)

    async def stop(self) -> None:
        for wave in reversed(self._wave_lists()):
            await asyncio.gather(*(self._stop_one(block) for block in wave))

    async def _stop_one(self, block: Block) -> None:
        state = self._states[block.name]
        if state.status in _PROBED:
            state.status = BlockStatus.STOPPED
        if not state.needs_stop:
            return
        state.needs_stop = False
        if block.on_stop is None:
            return
        try:
            await asyncio.wait_for(block.on_stop(self._contexts[block.name]), HOOK_TIMEOUT_SECONDS)
        except Exception:  # stopping must go on for the other blocks
            log.exception("block %s failed to stop cleanly", block.name)

    def _wave_lists(self) -> list[list[Block]]:
        by_wave: dict[int, list[Block]] = {}
        for state in self._states.values():
            by_wave.setdefault(state.wave, []).append(state.block)
        return [by_wave[level] for level in sorted(by_wave)]

    # health -------------------------------------------------------------------------------

    async def check_health(self) -> dict[str, dict[str, Any]]:
        """Probe every running block; a failing probe marks it unhealthy, a passing one healthy.

        Only a block that started completely is probed: one that failed to start (or was
        blocked, or stopped) stays down whatever its probe would say.
        """
        await asyncio.gather(
            *(self._probe(s) for s in self._states.values() if s.status in _PROBED)
        )
        return {name: self.describe(name) for name in sorted(self._states)}

    async def _probe(self, state: BlockState) -> None:
        block = state.block
        started = time.perf_counter()
        error: str | None = None
        try:
            if block.health is not None:
                await asyncio.wait_for(
                    block.health(self._contexts[block.name]), PROBE_TIMEOUT_SECONDS
                )
        except Exception as exc:  # a probe failing in any way means: do not route to this block
            error = _describe(exc)
        if state.status not in _PROBED:  # stopped while the probe ran
            return
        if error is None:
            state.status, state.error = BlockStatus.HEALTHY, None
        else:
            if state.status is not BlockStatus.UNHEALTHY:
                log.error("block %s health probe failed: %s", block.name, error)
            state.status, state.error = BlockStatus.UNHEALTHY, error
        state.latency_ms = round((time.perf_counter() - started) * 1000, 2)

    def describe(self, name: str) -> dict[str, Any]:
        state = self._states[name]
        described: dict[str, Any] = {
            "status": state.status.value,
            "version": state.block.version,
            "wave": state.wave,
        }
        if state.latency_ms is not None:
            described["latency_ms"] = state.latency_ms
        if state.error:
            described["error"] = state.error
        return described


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"[:200]
