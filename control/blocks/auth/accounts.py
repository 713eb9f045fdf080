"""The ACCOUNTS contract: accounts for administrators (search, counts, role/status changes).

The admin block decides what may change (self-lockout, approvals, who loses sessions); this
applies a change under the row's lock and returns what it was before and after.
"""

from __future__ import annotations

import asyncpg

from control.blocks.auth import repository as repo
from control.orchestration.contracts import (
    AccountChange,
    AccountCounts,
    AccountPage,
    AccountQuery,
    AccountStatus,
    Role,
)


class AccountDirectory:
    def __init__(self, db: asyncpg.Pool) -> None:
        self._db = db

    async def list_accounts(self, query: AccountQuery) -> AccountPage:
        async with self._db.acquire() as conn:
            return await repo.list_accounts(conn, query)

    async def change_account(
        self,
        user_id: int,
        *,
        role: Role | None,
        status: AccountStatus | None,
        expect_status: AccountStatus | None = None,
    ) -> AccountChange | None:
        async with self._db.acquire() as conn, conn.transaction():
            before = await repo.get_account(conn, user_id, for_update=True)
            if before is None:
                return None
            if expect_status is not None and before.status != expect_status:
                return AccountChange(before, before, applied=False)
            after = await repo.set_role_status(conn, user_id, role=role, status=status)
        assert after is not None  # the row was locked: it cannot have vanished
        return AccountChange(before, after, applied=True)

    async def account_counts(self) -> AccountCounts:
        async with self._db.acquire() as conn:
            return await repo.count_accounts(conn)
