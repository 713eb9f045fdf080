"""Start-up validation of the declared blocks: requirements, dependency waves, contracts.

Requirements name block ids and waves are keyed by the same ids, so the ordering can never
disagree with the declarations (the seed reported false cycles when it compared names with
ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from control.orchestration.block import Block
from control.orchestration.contracts import Contract
from control.orchestration.errors import ContractError, RegistryError


def validate_blocks(blocks: Mapping[str, Block[Any]]) -> list[list[Block[Any]]]:
    """Every check at once; the start-up waves when the blocks can form an application."""
    check_requirements(blocks)
    waves = dependency_waves(blocks)
    check_contracts(blocks)
    check_tables(blocks)
    check_jobs(blocks)
    return waves


def check_jobs(blocks: Mapping[str, Block[Any]]) -> None:
    """A job type is declared by one block only (its owner runs it)."""
    owners: dict[str, str] = {}
    for block in blocks.values():
        for job in block.jobs:
            if job.type in owners:
                raise RegistryError(
                    f"job type {job.type!r} is declared by both {owners[job.type]!r} and "
                    f"{block.name!r}"
                )
            owners[job.type] = block.name


def contract_providers(blocks: Mapping[str, Block[Any]]) -> dict[str, str]:
    """contract name -> the block providing it (validated: there is one)."""
    return {
        provision.contract.name: block.name
        for block in blocks.values()
        for provision in block.provides
    }


def check_tables(blocks: Mapping[str, Block[Any]]) -> None:
    """A table has at most one owning block, and a block never declares it both owns and
    reads one table."""
    owners: dict[str, str] = {}
    for block in blocks.values():
        both = set(block.tables.owns) & set(block.tables.reads)
        if both:
            raise RegistryError(
                f"block {block.name!r} declares it both owns and reads {', '.join(sorted(both))}"
            )
        for table in block.tables.owns:
            if table in owners:
                raise RegistryError(
                    f"table {table!r} is owned by both {owners[table]!r} and {block.name!r}"
                )
            owners[table] = block.name


def check_requirements(blocks: Mapping[str, Block[Any]]) -> None:
    for block in blocks.values():
        unknown = [name for name in block.requires if name not in blocks]
        if unknown:
            raise RegistryError(
                f"block {block.name!r} requires unknown block(s) {', '.join(unknown)}",
                details={"block": block.name, "unknown": unknown},
            )


def dependency_waves(blocks: Mapping[str, Block[Any]]) -> list[list[Block[Any]]]:
    """Wave n: the blocks whose requirements all lie in waves < n; a cycle is an error."""
    level: dict[str, int] = {}
    remaining = dict(blocks)
    waves: list[list[Block[Any]]] = []
    while remaining:
        ready = [b for b in remaining.values() if all(r in level for r in b.requires)]
        if not ready:
            raise RegistryError(
                f"dependency cycle: {' -> '.join(_cycle(remaining))}",
                details={"blocks": sorted(remaining)},
            )
        for block in ready:
            level[block.name] = len(waves)
            del remaining[block.name]
        waves.append(sorted(ready, key=lambda b: b.name))
    return waves


def _cycle(remaining: dict[str, Block[Any]]) -> list[str]:
    # Every remaining block has a remaining requirement, so walking them must loop.
    path: list[str] = []
    name = min(remaining)
    while name not in path:
        path.append(name)
        name = next(r for r in remaining[name].requires if r in remaining)
    return [*path[path.index(name) :], name]


def check_contracts(blocks: Mapping[str, Block[Any]]) -> None:
    """Each contract has one provider, of a compatible version, that its consumers require."""
    providers: dict[str, tuple[Block[Any], Contract[Any]]] = {}
    for block in blocks.values():
        for provision in block.provides:
            name = provision.contract.name
            if name in providers:
                raise ContractError(
                    f"contract {name!r} is provided by both "
                    f"{providers[name][0].name!r} and {block.name!r}"
                )
            providers[name] = (block, provision.contract)
    for block in blocks.values():
        for need in block.needs:
            if need.name not in providers:
                raise ContractError(
                    f"block {block.name!r} needs contract {need.name!r}, which no block provides"
                )
            provider, contract = providers[need.name]
            if not contract.semver.satisfies(need.semver):
                raise ContractError(
                    f"block {block.name!r} needs {need.name} {need.version} but block "
                    f"{provider.name!r} provides {contract.version} (incompatible version)",
                    details={"block": block.name, "provider": provider.name},
                )
            if provider.name not in _requires_closure(blocks, block):
                raise ContractError(
                    f"block {block.name!r} needs {need.name!r} from {provider.name!r} "
                    f"but does not require that block"
                )


def _requires_closure(blocks: Mapping[str, Block[Any]], block: Block[Any]) -> set[str]:
    seen: set[str] = set()
    stack = list(block.requires)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(blocks[name].requires)
    return seen
