"""The hot_copies table: the hot cache's record of the verified copies it put on the SSD."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from control.db.pool import Connection


class CopyRow(msgspec.Struct, frozen=True):
    file_path: str
    content_id: int
    size_bytes: int
    mtime_ns: int
    digest: str
    cached_at: datetime


_COLUMNS = "file_path, content_id, size_bytes, mtime_ns, digest, cached_at"


def _row(record: asyncpg.Record) -> CopyRow:
    return CopyRow(**dict(record))


async def record_copy(
    conn: Connection,
    *,
    file_path: str,
    content_id: int,
    size_bytes: int,
    mtime_ns: int,
    digest: str,
) -> CopyRow:
    record = await conn.fetchrow(
        f"""INSERT INTO hot_copies (file_path, content_id, size_bytes, mtime_ns, digest)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (file_path) DO UPDATE
               SET content_id = EXCLUDED.content_id, size_bytes = EXCLUDED.size_bytes,
                   mtime_ns = EXCLUDED.mtime_ns, digest = EXCLUDED.digest, cached_at = now()
            RETURNING {_COLUMNS}""",
        file_path,
        content_id,
        size_bytes,
        mtime_ns,
        digest,
    )
    assert record is not None
    return _row(record)


async def forget_copy(conn: Connection, file_path: str) -> CopyRow | None:
    record = await conn.fetchrow(
        f"DELETE FROM hot_copies WHERE file_path = $1 RETURNING {_COLUMNS}", file_path
    )
    return None if record is None else _row(record)


async def list_copies(conn: Connection) -> list[CopyRow]:
    records = await conn.fetch(f"SELECT {_COLUMNS} FROM hot_copies ORDER BY cached_at DESC")
    return [_row(record) for record in records]


async def copies_of(conn: Connection, content_id: int) -> list[CopyRow]:
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM hot_copies WHERE content_id = $1", content_id
    )
    return [_row(record) for record in records]


async def cached_bytes(conn: Connection) -> tuple[int, int]:
    """(bytes, files) the table records."""
    record = await conn.fetchrow(
        "SELECT coalesce(sum(size_bytes), 0)::bigint AS used, count(*) AS files FROM hot_copies"
    )
    assert record is not None
    return int(record["used"]), int(record["files"])
