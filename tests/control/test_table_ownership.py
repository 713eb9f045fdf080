"""One owner per table: only the block that owns a table writes it (STYLE.md, issue 8).

Like the block-import check does for code, this reads every block's SQL (in its .py and .sql
files) and compares the tables it names with what the block declares in `Block.tables`:
each table of the migrations has exactly one owning block, a block writes only the tables it
owns, and reads only those it owns or declares it reads (a read model, in one place).
"""

from __future__ import annotations

import re
from pathlib import Path

from control.orchestration.registry import discover
from tests.support import REPO

MIGRATIONS = REPO / "control" / "db" / "migrations"
BLOCKS = REPO / "control" / "blocks"
_CREATE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+(\w+)", re.IGNORECASE)
_READ = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)", re.IGNORECASE)


def migration_tables() -> set[str]:
    return {
        name.lower()
        for path in MIGRATIONS.glob("*.sql")
        for name in _CREATE.findall(path.read_text(encoding="utf-8"))
    }


def named_tables(package: Path, tables: set[str]) -> tuple[set[str], set[str]]:
    """(tables written, tables named at all) by the SQL in a block's files."""
    written: set[str] = set()
    named: set[str] = set()
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.sql")]):
        text = path.read_text(encoding="utf-8")
        written |= {t.lower() for t in _WRITE.findall(text)} & tables
        named |= {t.lower() for t in _READ.findall(text)} & tables
    return written, named | written


def ownership_problems(root: Path = BLOCKS) -> list[str]:
    tables = migration_tables()
    problems: list[str] = []
    owners: dict[str, list[str]] = {table: [] for table in tables}
    for block in discover():
        for table in block.tables.owns:
            owners.setdefault(table, []).append(block.name)
        written, named = named_tables(root / block.name, tables)
        for table in sorted(written - set(block.tables.owns)):
            problems.append(f"block {block.name} writes {table}, which it does not own")
        for table in sorted(named - set(block.tables.owns) - set(block.tables.reads)):
            problems.append(f"block {block.name} reads {table} without declaring it")
    for table, names in sorted(owners.items()):
        if len(names) != 1:
            problems.append(f"table {table} has {len(names)} owners: {names}")
    return problems


def test_every_table_has_one_owner_and_blocks_keep_to_their_declarations() -> None:
    assert migration_tables() >= {"users", "contents", "watch_progress"}
    assert ownership_problems() == []


def test_the_check_sees_writes_and_undeclared_reads(tmp_path: Path) -> None:
    for block in discover():
        (tmp_path / block.name).mkdir()
    (tmp_path / "admin" / "rogue.py").write_text(
        'SQL = "UPDATE users SET role = $2 WHERE id = $1"\n'
        'OTHER = "SELECT title FROM contents JOIN series s ON true"\n'
    )
    problems = ownership_problems(tmp_path)
    assert "block admin writes users, which it does not own" in problems
    assert "block admin reads contents without declaring it" in problems
    assert "block admin reads series without declaring it" in problems
