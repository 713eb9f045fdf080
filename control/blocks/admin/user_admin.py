"""Role and status changes and approvals: the rules, the transaction and the event."""

from __future__ import annotations

from typing import Any

import asyncpg

from control.blocks.admin import users
from control.blocks.admin.errors import NothingToChange, NotPending, SelfLockout, UserNotFound
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import Principal, SessionControl

USER_UPDATED = "admin.user_updated"


# An access token carries the role and outlives a suspension unless revoked: these changes
# end every session of the account, so the next request is refused or carries the new role.
_ENDS_SESSIONS = {"suspended", "pending"}


class UserAdmin:
    def __init__(self, pool: asyncpg.Pool, bus: MessageBus, sessions: SessionControl) -> None:
        self._pool, self._bus, self._sessions = pool, bus, sessions

    async def list(self, **filters: Any) -> users.UserPage:
        async with self._pool.acquire() as conn:
            return await users.list_users(conn, **filters)

    async def update(
        self, actor: Principal, user_id: int, *, role: str | None, status: str | None
    ) -> users.AdminUser:
        """Set role and/or status; an admin can neither demote nor suspend themself."""
        if role is None and status is None:
            raise NothingToChange("give a role, a status or both")
        if user_id == actor.user_id and (
            (role is not None and role != "admin") or (status is not None and status != "active")
        ):
            raise SelfLockout(
                "an admin cannot demote or suspend their own account",
                details={"user_id": user_id},
            )
        return await self._change(actor, user_id, role=role, status=status, action="update")

    async def approve(self, actor: Principal, user_id: int) -> users.AdminUser:
        """pending → active; ADMIN_USER_NOT_PENDING for any other status."""
        return await self._change(actor, user_id, role=None, status="active", action="approve")

    async def _change(
        self, actor: Principal, user_id: int, *, role: str | None, status: str | None, action: str
    ) -> users.AdminUser:
        async with self._pool.acquire() as conn, conn.transaction():
            before = await users.get_user(conn, user_id, for_update=True)
            if before is None:
                raise UserNotFound(f"no user {user_id}", details={"user_id": user_id})
            if action == "approve" and before.status != "pending":
                raise NotPending(
                    f"user {user_id} is {before.status}, not pending",
                    details={"user_id": user_id, "status": before.status},
                )
            after = await users.set_role_status(conn, user_id, role=role, status=status)
        changed = users.changes(before, after)
        # Revoked whenever the target state calls for it, changed or not: the sessions are
        # ended after the commit, and when that failed a repeated request must finish the
        # job instead of finding "no change".
        revoked = 0
        if self._ends_sessions(actor, user_id, role=role, status=status, changed=changed):
            given = [name for name, value in (("role", role), ("status", status)) if value]
            reason = "admin_" + "_".join(sorted(changed) if changed else given)
            revoked = await self._sessions.revoke_user_sessions(user_id, reason)
        if changed:
            payload = {
                "user_id": user_id,
                "changes": changed,
                "by": actor.user_id,
                "action": action,
                "sessions_revoked": revoked,
            }
            await self._bus.publish(
                USER_UPDATED, Event(source="admin", type=USER_UPDATED, payload=payload)
            )
        return after

    @staticmethod
    def _ends_sessions(
        actor: Principal,
        user_id: int,
        *,
        role: str | None,
        status: str | None,
        changed: dict[str, dict[str, Any]],
    ) -> bool:
        """Suspended or pending accounts have no sessions; tokens must carry the set role.

        Restating an admin's own role ends nothing (an admin cannot change it, so no earlier
        revocation can be missing).
        """
        if status in _ENDS_SESSIONS:
            return True
        return role is not None and ("role" in changed or user_id != actor.user_id)
