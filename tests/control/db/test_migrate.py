"""The migration runner: applies once, is a no-op the second time, serialises runners."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from control.db.migrate import MigrationError, load_migrations, migrate

CORE_TABLES = {"users", "refresh_sessions", "series", "contents", "best_hands", "watch_progress"}


async def tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {row["tablename"] for row in rows}


async def test_applies_on_an_empty_database_then_is_a_no_op(empty_database_url: str) -> None:
    first = await migrate(empty_database_url)
    assert [m.version for m in first] == [m.version for m in load_migrations()]
    assert CORE_TABLES | {"schema_migrations"} <= await tables(empty_database_url)
    assert await migrate(empty_database_url) == []


async def test_concurrent_runners_apply_each_migration_once(empty_database_url: str) -> None:
    results = await asyncio.gather(*(migrate(empty_database_url) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, len(load_migrations())]
    conn = await asyncpg.connect(empty_database_url)
    try:
        versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        await conn.close()
    assert [r["version"] for r in versions] == [m.version for m in load_migrations()]


async def test_an_edited_migration_is_refused(empty_database_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE a (id int);")
    await migrate(empty_database_url, tmp_path)
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE a (id bigint);")
    with pytest.raises(MigrationError, match="edited"):
        await migrate(empty_database_url, tmp_path)


async def test_a_failing_migration_leaves_nothing_half_applied(
    empty_database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE b (id int); SELECT * FROM missing;")
    with pytest.raises(asyncpg.UndefinedTableError):
        await migrate(empty_database_url, tmp_path)
    assert {"a", "schema_migrations"} == await tables(empty_database_url)
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE b (id int);")
    assert [m.version for m in await migrate(empty_database_url, tmp_path)] == [2]


@pytest.mark.parametrize("names", [["0001_a.sql", "0003_c.sql"], ["1_a.sql"], ["0001_A.sql"]])
def test_badly_numbered_files_are_refused(tmp_path: Path, names: list[str]) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError):
        load_migrations(tmp_path)


async def test_core_schema_enforces_its_rules(db: asyncpg.Connection) -> None:
    insert = "INSERT INTO users (email, username, password_hash) VALUES ($1, $2, 'x')"
    await db.execute(insert, "Alice@Example.org", "alice")
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(insert, "alice@example.org", "alice2")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO users (email, username, password_hash, role) "
            "VALUES ('b@x.io', 'bob', 'x', 'root')"
        )
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("INSERT INTO contents (title, file_path) VALUES ('t', '../etc/passwd')")
    content = await db.fetchval(
        "INSERT INTO contents (title, file_path) VALUES ('t', 'WSOP/a.mp4') RETURNING id"
    )
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO best_hands (content_id, hand_index, start_seconds, "
            "end_seconds) VALUES ($1, 1, 10, 5)",
            content,
        )
    await db.execute("DELETE FROM contents WHERE id = $1", content)
