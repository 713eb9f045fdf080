"""Refresh sessions in PostgreSQL: rotation, atomic redemption and family revocation.

Only the SHA-256 of a refresh token is stored. Each rotation inserts a child in the same
family; redeeming is a single UPDATE that succeeds for exactly one caller, so two parallel
refreshes of one token can never both win.

A rotation and a revocation of one family take the same transaction-scoped advisory lock
first. Without it a revocation's UPDATE, which runs on a snapshot taken before the rotation
committed, would revoke the spent parent but miss the child the rotation inserted.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from control.db.pool import Connection

REFRESH_TOKEN_BYTES = 32
# The first key of the two-key advisory locks on refresh families (the second is a hash of
# the family id); two-key locks never collide with the migration runner's one-key lock.
_FAMILY_LOCK_SPACE = 0x5E55


def new_refresh_token() -> tuple[str, bytes]:
    """An opaque token for the client and the hash the database keeps."""
    token = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class RefreshSession:
    id: uuid.UUID
    user_id: int
    family_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


_COLUMNS = "id, user_id, family_id, expires_at, used_at, revoked_at"


async def insert_session(
    conn: Connection,
    *,
    user_id: int,
    family_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    hashed: bytes,
    ttl_seconds: int,
    user_agent: str | None,
    ip: str | None,
) -> RefreshSession:
    row = await conn.fetchrow(
        f"""INSERT INTO refresh_sessions
                (id, user_id, family_id, parent_id, token_hash, expires_at, user_agent, ip)
            VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7, $8::inet)
            RETURNING {_COLUMNS}""",
        uuid.uuid4(),
        user_id,
        family_id,
        parent_id,
        hashed,
        float(ttl_seconds),
        (user_agent or "")[:400] or None,
        ip,
    )
    assert row is not None
    return RefreshSession(**dict(row))


async def lock_family(conn: Connection, family_id: uuid.UUID) -> None:
    """Serialise with every rotation and revocation of this family until the transaction ends."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text))", _FAMILY_LOCK_SPACE, family_id
    )


async def redeem(conn: Connection, hashed: bytes) -> RefreshSession | None:
    """Mark a live token used and return it; None if it is unknown, spent, revoked or expired.

    Call it in a transaction: it holds its family's lock until the caller has inserted the
    child and committed. A family with any revoked member is dead, so its tokens never
    redeem. Under concurrent calls PostgreSQL's row lock lets exactly one UPDATE see
    `used_at IS NULL`; the others re-check the row after it commits and match nothing.
    """
    family_id = await conn.fetchval(
        "SELECT family_id FROM refresh_sessions WHERE token_hash = $1", hashed
    )
    if family_id is None:
        return None
    await lock_family(conn, family_id)
    row = await conn.fetchrow(
        f"""UPDATE refresh_sessions SET used_at = now()
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
               AND expires_at > now()
               AND NOT EXISTS (SELECT 1 FROM refresh_sessions AS member
                                WHERE member.family_id = $2 AND member.revoked_at IS NOT NULL)
         RETURNING {_COLUMNS}""",
        hashed,
        family_id,
    )
    return None if row is None else RefreshSession(**dict(row))


async def find_by_hash(conn: Connection, hashed: bytes) -> RefreshSession | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM refresh_sessions WHERE token_hash = $1", hashed
    )
    return None if row is None else RefreshSession(**dict(row))


async def family_revoked(conn: Connection, family_id: uuid.UUID) -> bool:
    revoked: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM refresh_sessions
                           WHERE family_id = $1 AND revoked_at IS NOT NULL)""",
        family_id,
    )
    return revoked


async def revoke_family(conn: Connection, family_id: uuid.UUID, reason: str) -> int:
    """Revoke every token of the family, including a child a rotation is inserting now.

    Call it in a transaction: the family's lock is held until that commits.
    """
    await lock_family(conn, family_id)
    result = await conn.execute(
        """UPDATE refresh_sessions SET revoked_at = now(), revoked_reason = $2
            WHERE family_id = $1 AND revoked_at IS NULL""",
        family_id,
        reason,
    )
    return int(result.split()[-1])


async def revoke_other_families(
    conn: Connection, user_id: int, keep: uuid.UUID | None, reason: str
) -> list[uuid.UUID]:
    """Revoke every live family of the user except `keep`; return the revoked family ids.

    Call it in a transaction: the families' locks are held until that commits.
    """
    # Only a family with a live token can rotate, so only those need the lock; taken in
    # one order, so two of these for one account never deadlock.
    await conn.execute(
        """SELECT pg_advisory_xact_lock($1, lock_key)
             FROM (SELECT DISTINCT hashtext(family_id::text) AS lock_key
                     FROM refresh_sessions
                    WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL
                      AND expires_at > now() AND ($3::uuid IS NULL OR family_id <> $3)
                    ORDER BY lock_key) AS live""",
        _FAMILY_LOCK_SPACE,
        user_id,
        keep,
    )
    rows = await conn.fetch(
        """WITH revoked AS (
               UPDATE refresh_sessions SET revoked_at = now(), revoked_reason = $3
                WHERE user_id = $1 AND revoked_at IS NULL
                  AND ($2::uuid IS NULL OR family_id <> $2)
            RETURNING family_id)
           SELECT DISTINCT family_id FROM revoked""",
        user_id,
        keep,
        reason,
    )
    return [row["family_id"] for row in rows]
