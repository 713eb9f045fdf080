"""Blocks never import each other: they talk through contracts and bus events (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import REPO


def imported_modules(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(root).with_suffix("").parts[: -node.level]
                base = ".".join(package)
                if node.module:
                    found.append(f"{base}.{node.module}")
                else:
                    # `from .. import auth` imports the package's modules or subpackages
                    found.extend(f"{base}.{alias.name}" for alias in node.names)
            elif node.module:
                found.append(node.module)
                # `from control.blocks import auth` imports a block too
                found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def cross_block_imports(root: Path = REPO) -> list[str]:
    """`file imports module` for every import of another block's modules under `root`."""
    blocks = root / "control" / "blocks"
    problems = []
    for path in sorted(blocks.rglob("*.py")):
        parts = path.relative_to(blocks).parts
        if len(parts) < 2:
            continue
        own = parts[0]
        for module in imported_modules(path, root):
            pieces = module.split(".")
            if pieces[:2] == ["control", "blocks"] and len(pieces) > 2 and pieces[2] != own:
                problems.append(f"{path.relative_to(root)} imports {module}")
    return problems


def test_no_block_imports_another_block() -> None:
    assert cross_block_imports() == []


def test_the_check_sees_absolute_relative_and_from_imports(tmp_path: Path) -> None:
    sample = tmp_path / "control" / "blocks" / "stream" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "import control.blocks.auth.tokens\n"
        "from control.blocks import content\n"
        "from ..search import service\n"
        "from .. import cache\n"
        "from . import own_sibling\n"
        "from control.blocks.stream import own\n"
    )
    assert cross_block_imports(tmp_path) == [
        f"control/blocks/stream/sample.py imports {module}"
        for module in (
            "control.blocks.auth.tokens",
            "control.blocks.content",
            "control.blocks.search",
            "control.blocks.cache",
        )
    ]
