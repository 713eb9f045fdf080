"""BlockRegistry: discovery, validation, waves, start/stop order, contracts."""

from __future__ import annotations

from typing import Any

import pytest

from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.bus import MessageBus
from control.orchestration.contracts import AUTHENTICATOR, Contract, Need, Principal
from control.orchestration.errors import BlockUnavailable, ContractError, RegistryError
from control.orchestration.registry import BlockRegistry, BlockStatus, discover
from control.settings import ControlSettings


def names(waves: list[list[Block[Any]]]) -> list[list[str]]:
    return [[block.name for block in wave] for wave in waves]


def test_discovery_finds_every_block_in_the_documented_waves() -> None:
    waves = BlockRegistry(discover()).validate()
    assert names(waves) == [
        ["auth", "cache", "title_generator"],
        ["flat_catalog", "search", "worker"],
        ["content"],
        ["admin", "hot_cache", "stream"],
    ]


@pytest.mark.parametrize("order", [("a", "b", "c"), ("c", "b", "a"), ("b", "c", "a")])
def test_declaration_order_never_reports_a_false_cycle(order: tuple[str, ...]) -> None:
    # The seed's defect: requirement names and block ids disagreed, so a valid chain was
    # reported as a cycle. One key (the block name) for both rules it out in any order.
    declared: dict[str, Block[None]] = {
        "a": Block("a"),
        "b": Block("b", requires=("a",)),
        "c": Block("c", requires=("b",)),
    }
    waves = BlockRegistry(declared[name] for name in order).validate()
    assert names(waves) == [["a"], ["b"], ["c"]]


def test_unknown_requirement_names_both_blocks() -> None:
    registry = BlockRegistry([Block("stream", requires=("contents",))])
    with pytest.raises(RegistryError, match=r"'stream' requires unknown block\(s\) contents"):
        registry.validate()


def test_cycle_is_reported_with_its_path() -> None:
    registry = BlockRegistry(
        [
            Block("a", requires=("c",)),
            Block("b", requires=("a",)),
            Block("c", requires=("b",)),
            Block("free"),
        ]
    )
    with pytest.raises(RegistryError, match=r"dependency cycle: a -> c -> b -> a"):
        registry.validate()


def test_duplicate_id_is_refused() -> None:
    registry = BlockRegistry([Block("auth")])
    with pytest.raises(RegistryError, match="duplicate block id 'auth'"):
        registry.register(Block("auth", version="2.0.0"))


def test_only_block_declarations_register() -> None:
    with pytest.raises(RegistryError, match="only Block declarations"):
        BlockRegistry().register("auth")  # type: ignore[arg-type]


def test_unregistering_a_required_block_is_refused() -> None:
    registry = BlockRegistry([Block("auth"), Block("stream", requires=("auth",)), Block("x")])
    with pytest.raises(RegistryError, match="'auth': required by stream"):
        registry.unregister("auth")
    registry.unregister("x")
    assert [b.name for b in registry.blocks] == ["auth", "stream"]


class FakeAuthenticator:
    async def authenticate(self, token: str) -> Principal:
        return Principal(1, "user", "jti", "fam", 0)


def provider(version: str = "1.4.0") -> Block[None]:
    contract = Contract(AUTHENTICATOR.name, version, AUTHENTICATOR.protocol)
    return Block("auth", provides=(Provision(contract, lambda _: FakeAuthenticator()),))


@pytest.mark.parametrize("wanted", ["2.0", "1.5"])
def test_incompatible_contract_version_fails_at_start_up(wanted: str) -> None:
    consumer: Block[None] = Block(
        "stream", requires=("auth",), needs=(Need("authenticator", wanted),)
    )
    with pytest.raises(ContractError, match=f"needs authenticator {wanted} but block 'auth'"):
        BlockRegistry([provider(), consumer]).validate()


def test_compatible_contract_version_validates() -> None:
    consumer: Block[None] = Block(
        "stream", requires=("auth",), needs=(Need("authenticator", "1.2"),)
    )
    assert names(BlockRegistry([provider(), consumer]).validate()) == [["auth"], ["stream"]]


def test_a_needed_contract_nobody_provides_fails() -> None:
    consumer: Block[None] = Block("stream", needs=(Need("catalog_reader", "1.0"),))
    with pytest.raises(ContractError, match="'stream' needs contract 'catalog_reader'"):
        BlockRegistry([consumer]).validate()


def test_a_consumer_must_require_its_provider() -> None:
    consumer: Block[None] = Block("stream", needs=(Need("authenticator", "1.0"),))
    with pytest.raises(ContractError, match="does not require that block"):
        BlockRegistry([provider(), consumer]).validate()


async def test_start_goes_wave_by_wave_and_stop_in_reverse(db: Any, redis: Any) -> None:
    events: list[str] = []

    def recorded(name: str) -> Block[None]:
        async def start(ctx: BlockContext) -> None:
            events.append(f"start {name}")

        async def stop(services: None) -> None:
            events.append(f"stop {name}")

        requires = {"l1": ("l0",), "l2": ("l1",)}.get(name, ())
        return Block(name, start=start, stop=stop, requires=requires)

    registry = BlockRegistry([recorded("l2"), recorded("l1"), recorded("l0")])
    registry.validate()
    await registry.start(ControlSettings(), MessageBus(), db, redis)
    await registry.stop()
    assert events == ["start l0", "start l1", "start l2", "stop l2", "stop l1", "stop l0"]


async def test_failed_start_marks_the_block_and_blocks_its_dependents(db: Any, redis: Any) -> None:
    async def explode(ctx: BlockContext) -> None:
        raise RuntimeError("disk on fire")

    registry = BlockRegistry(
        [
            Block("broken", start=explode),
            Block("needs_broken", requires=("broken",)),
            Block("fine"),
        ]
    )
    registry.validate()
    await registry.start(ControlSettings(), MessageBus(), db, redis)
    assert registry.state("broken").status is BlockStatus.FAILED
    assert "disk on fire" in (registry.state("broken").error or "")
    assert registry.state("needs_broken").status is BlockStatus.BLOCKED
    assert registry.state("fine").status is BlockStatus.HEALTHY
    await registry.stop()


async def test_a_block_whose_provision_failed_stays_failed_after_a_probe(
    db: Any, redis: Any
) -> None:
    events: list[str] = []

    async def start(ctx: BlockContext) -> None:
        events.append("start")

    async def stop(services: None) -> None:
        events.append("stop")

    async def probe(services: None) -> None:
        events.append("probe")

    def broken_factory(services: None) -> Any:
        raise RuntimeError("factory broke")

    registry = BlockRegistry(
        [
            Block(
                "auth",
                provides=(Provision(AUTHENTICATOR, broken_factory),),
                start=start,
                stop=stop,
                health=probe,
            )
        ]
    )
    registry.validate()
    await registry.start(ControlSettings(), MessageBus(), db, redis)
    assert registry.state("auth").status is BlockStatus.FAILED
    await registry.check_health()
    assert registry.state("auth").status is BlockStatus.FAILED
    assert "factory broke" in (registry.state("auth").error or "")
    with pytest.raises(BlockUnavailable):
        registry.provided(AUTHENTICATOR)
    assert events == ["start"]  # a failed block is not probed
    await registry.stop()  # its start hook ran, so its stop hook must too
    assert events == ["start", "stop"]


def test_a_contract_has_one_provider() -> None:
    second = Block("auth2", provides=provider().provides)
    with pytest.raises(ContractError, match="provided by both 'auth' and 'auth2'"):
        BlockRegistry([provider(), second]).validate()
