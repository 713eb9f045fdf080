"""BlockRegistry: discovers the blocks, validates them, starts them in dependency waves.

Wave n holds the blocks whose requirements all lie in waves < n; starting wave by wave and
stopping in reverse means a block never runs without the blocks it requires. A block that
fails to start or fails its health probe is marked down: its routes answer 503
BLOCK_UNAVAILABLE, and so do the routes of every block that needs a contract it provides,
while the others serve. A block that is down is probed again every second (then less often
the longer it stays down), so it comes back about a second after its dependency does.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from prometheus_client.registry import Collector
from redis.asyncio import Redis

from control.orchestration.block import Block, BlockContext, Degraded
from control.orchestration.contracts import Contract
from control.orchestration.errors import BlockUnavailable, ContractError, RegistryError
from control.orchestration.jobs import BoundJob, Job
from control.orchestration.validation import contract_providers, validate_blocks

if TYPE_CHECKING:
    from control.orchestration.bus import MessageBus
    from control.settings import ControlSettings

T = TypeVar("T")
log = logging.getLogger("wsoptv.control.registry")
HOOK_TIMEOUT_SECONDS = 30.0
PROBE_TIMEOUT_SECONDS = 3.0
# While a block is down: probe it this often, for this long, then back off to the interval.
DOWN_PROBE_SECONDS = 1.0
DOWN_FAST_PROBING_SECONDS = 60.0


class BlockStatus(StrEnum):
    DECLARED = "declared"
    HEALTHY = "healthy"
    DEGRADED = "degraded"  # serves, with less (its probe raised Degraded)
    UNHEALTHY = "unhealthy"  # started, but its health probe fails
    FAILED = "failed"  # its start hook failed
    BLOCKED = "blocked"  # a block it requires is down, so it was not started
    STOPPED = "stopped"

    @property
    def serves(self) -> bool:
        return self in (BlockStatus.HEALTHY, BlockStatus.DEGRADED)


# The statuses of a block that started completely: the only ones a probe may change.
_PROBED = frozenset({BlockStatus.HEALTHY, BlockStatus.DEGRADED, BlockStatus.UNHEALTHY})


@dataclass(slots=True)
class BlockState:
    block: Block[Any]
    wave: int
    status: BlockStatus = BlockStatus.DECLARED
    error: str | None = None
    # Its start hook ran, so its stop hook must run, even if building its provisions failed.
    started: bool = False
    services: Any = None
    latency_ms: float | None = None
    down_since: float | None = None  # monotonic time of the first failing probe


def discover(package: str = "control.blocks") -> list[Block[Any]]:
    """Every `BLOCK` declared in a sub-package's __init__.py, in name order."""
    root = importlib.import_module(package)
    found: list[Block[Any]] = []
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
    def __init__(self, blocks: Iterable[Block[Any]] = ()) -> None:
        self._blocks: dict[str, Block[Any]] = {}
        self._states: dict[str, BlockState] = {}
        # contract name -> (providing block, implementation), filled as providers start
        self._implementations: dict[str, tuple[str, Any]] = {}
        # block name -> the blocks providing the contracts it needs
        self._providers: dict[str, tuple[str, ...]] = {}
        # Set when a probe finds a block down: the watcher starts probing it every second.
        self._went_down = asyncio.Event()
        for block in blocks:
            self.register(block)

    # declaration --------------------------------------------------------------------------

    def register(self, block: Block[Any]) -> None:
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
    def blocks(self) -> tuple[Block[Any], ...]:
        return tuple(self._blocks.values())

    # validation ---------------------------------------------------------------------------

    def validate(self) -> list[list[Block[Any]]]:
        """Check requirements and contracts; return the start-up waves (RegistryError if bad)."""
        waves = validate_blocks(self._blocks)
        self._states = {
            block.name: BlockState(block, level)
            for level, wave in enumerate(waves)
            for block in wave
        }
        providers = contract_providers(self._blocks)
        self._providers = {
            block.name: tuple(sorted({providers[need.name] for need in block.needs}))
            for block in self._blocks.values()
        }
        return waves

    # contracts and services ---------------------------------------------------------------

    def _resolve_for(self, consumer: Block[Any], contract: Contract[T]) -> T:
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

    def services(self, name: str) -> Any:
        """The services object block `name` started with (None for a block without)."""
        return self._states[name].services

    def declared_jobs(self) -> dict[str, Job[Any]]:
        """Every job type the registered blocks declare (validated: each type once)."""
        return {job.type: job for block in self._blocks.values() for job in block.jobs}

    def bound_jobs(self) -> list[BoundJob]:
        """The declared jobs of the blocks that started, with their services."""
        return [
            BoundJob(job, state.block.name, state.services)
            for state in self._states.values()
            if state.started
            for job in state.block.jobs
        ]

    def dependency_probes(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """{dependency name: probe} the started blocks report in GET /api/health."""
        probes: dict[str, Callable[[], Awaitable[None]]] = {}
        for state in self._states.values():
            if state.started and state.block.dependency_probes is not None:
                probes.update(state.block.dependency_probes(state.services))
        return probes

    def collectors(self) -> Iterator[Collector]:
        """The Prometheus collectors of every started block."""
        for state in self._states.values():
            if state.started and state.block.collectors is not None:
                yield from state.block.collectors(state.services)

    # lifecycle ----------------------------------------------------------------------------

    def state(self, name: str) -> BlockState:
        return self._states[name]

    def ensure_available(self, name: str) -> None:
        """BlockUnavailable unless block `name` and the providers of its contracts serve."""
        for block in (name, *self._providers.get(name, ())):
            state = self._states.get(block)
            if state is None or not state.status.serves:
                raise BlockUnavailable(
                    f"the {block} block is unavailable",
                    details={"block": block, "status": state.status.value if state else "unknown"},
                )

    async def start(
        self, settings: ControlSettings, bus: MessageBus, db: asyncpg.Pool, redis: Redis
    ) -> None:
        """Start wave by wave; a failing block is marked down and its dependents blocked."""
        if not self._states:
            self.validate()
        for wave in self._wave_lists():
            await asyncio.gather(
                *(
                    self._start_one(
                        BlockContext(
                            block, settings, bus, self._resolve_for, db, redis, self.declared_jobs()
                        )
                    )
                    for block in wave
                )
            )

    async def _start_one(self, context: BlockContext) -> None:
        block = context.block
        state = self._states[block.name]
        down = [r for r in block.requires if not self._states[r].status.serves]
        if down:
            state.status, state.error = BlockStatus.BLOCKED, f"requires {', '.join(down)}"
            log.error("block %s not started: required block(s) %s down", block.name, down)
            return
        try:
            if block.start is not None:
                state.services = await asyncio.wait_for(block.start(context), HOOK_TIMEOUT_SECONDS)
            state.started = True
            for provision in block.provides:
                implementation = provision.implementation(state.services)
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

    async def _stop_one(self, block: Block[Any]) -> None:
        state = self._states[block.name]
        if state.status in _PROBED:
            state.status = BlockStatus.STOPPED
        if not state.started:
            return
        state.started = False
        if block.stop is None:
            return
        try:
            await asyncio.wait_for(block.stop(state.services), HOOK_TIMEOUT_SECONDS)
        except Exception:  # stopping must go on for the other blocks
            log.exception("block %s failed to stop cleanly", block.name)

    def _wave_lists(self) -> list[list[Block[Any]]]:
        by_wave: dict[int, list[Block[Any]]] = {}
        for state in self._states.values():
            by_wave.setdefault(state.wave, []).append(state.block)
        return [by_wave[level] for level in sorted(by_wave)]

    # health -------------------------------------------------------------------------------

    async def check_health(self, *, only_down: bool = False) -> dict[str, dict[str, Any]]:
        """Probe the running blocks (or only those not healthy); describe every block.

        A failing probe marks a block unhealthy, a Degraded one degraded, a passing one
        healthy. Only a block that started completely is probed: one that failed to start
        (or was blocked, or stopped) stays down whatever its probe would say.
        """
        await asyncio.gather(
            *(
                self._probe(s)
                for s in self._states.values()
                if s.status in _PROBED and not (only_down and s.status is BlockStatus.HEALTHY)
            )
        )
        return {name: self.describe(name) for name in sorted(self._states)}

    async def watch(self, interval: float) -> None:
        """Probe every block each `interval` seconds, and the ones that are down each second
        (for the first minute of their outage, then backing off to `interval`)."""
        next_full = time.monotonic() + interval
        while True:
            delay = min(self._next_probe_delay(interval), next_full - time.monotonic())
            # A probe elsewhere (GET /api/health) finding a block down ends the wait early.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._went_down.wait(), max(delay, 0.0))
            self._went_down.clear()
            if time.monotonic() >= next_full:
                await self.check_health()
                next_full = time.monotonic() + interval
            else:
                await self.check_health(only_down=True)

    def _next_probe_delay(self, interval: float) -> float:
        now = time.monotonic()
        delay = interval
        for state in self._states.values():
            if state.down_since is None or state.status not in _PROBED:
                continue
            down_for = now - state.down_since
            if down_for < DOWN_FAST_PROBING_SECONDS:
                return DOWN_PROBE_SECONDS
            # Past the first minute: double the wait for each further minute, up to interval.
            minutes = int(down_for // DOWN_FAST_PROBING_SECONDS)
            delay = min(delay, DOWN_PROBE_SECONDS * 2**minutes)
        return max(DOWN_PROBE_SECONDS, delay)

    async def _probe(self, state: BlockState) -> None:
        block = state.block
        started = time.perf_counter()
        error: str | None = None
        degraded = False
        try:
            if block.health is not None:
                await asyncio.wait_for(block.health(state.services), PROBE_TIMEOUT_SECONDS)
        except Degraded as exc:
            degraded, error = True, str(exc) or "degraded"
        except Exception as exc:  # a probe failing in any way means: do not route to this block
            error = _describe(exc)
        if state.status not in _PROBED:  # stopped while the probe ran
            return
        state.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        if error is None:
            if state.status is not BlockStatus.HEALTHY:
                log.warning("block %s is healthy again", block.name)
            state.status, state.error, state.down_since = BlockStatus.HEALTHY, None, None
            return
        new_status = BlockStatus.DEGRADED if degraded else BlockStatus.UNHEALTHY
        if state.status is not new_status:
            log.error("block %s health probe: %s (%s)", block.name, new_status.value, error)
        if state.down_since is None:
            state.down_since = time.monotonic()
            self._went_down.set()
        state.status, state.error = new_status, error

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
