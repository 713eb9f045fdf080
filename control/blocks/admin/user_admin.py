"""Role and status changes and approvals: the rules, and the event (the auth block applies
the change through the ACCOUNTS contract)."""

from __future__ import annotations

from typing import Any

from control.blocks.admin.errors import NothingToChange, NotPending, SelfLockout, UserNotFound
from control.orchestration.bus import Event, MessageBus
from control.orchestration.contracts import (
    Account,
    AccountDirectory,
    AccountPage,
    AccountQuery,
    AccountStatus,
    Principal,
    Role,
    SessionControl,
)

USER_UPDATED = "admin.user_updated"

# An access token carries the role and outlives a suspension unless revoked: these changes
# end every session of the account, so the next request is refused or carries the new role.
_ENDS_SESSIONS = {"suspended", "pending"}


def changes(before: Account, after: Account) -> dict[str, dict[str, Any]]:
    """{field: {from, to}} for the fields an update changed."""
    return {
        name: {"from": getattr(before, name), "to": getattr(after, name)}
        for name in ("role", "status")
        if getattr(before, name) != getattr(after, name)
    }


class UserAdmin:
    def __init__(
        self, accounts: AccountDirectory, sessions: SessionControl, bus: MessageBus
    ) -> None:
        self._accounts, self._sessions, self._bus = accounts, sessions, bus

    async def list(self, query: AccountQuery) -> AccountPage:
        return await self._accounts.list_accounts(query)

    async def update(
        self, actor: Principal, user_id: int, *, role: Role | None, status: AccountStatus | None
    ) -> Account:
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

    async def approve(self, actor: Principal, user_id: int) -> Account:
        """pending → active; ADMIN_USER_NOT_PENDING for any other status."""
        return await self._change(actor, user_id, role=None, status="active", action="approve")

    async def _change(
        self,
        actor: Principal,
        user_id: int,
        *,
        role: Role | None,
        status: AccountStatus | None,
        action: str,
    ) -> Account:
        change = await self._accounts.change_account(
            user_id,
            role=role,
            status=status,
            expect_status="pending" if action == "approve" else None,
        )
        if change is None:
            raise UserNotFound(f"no user {user_id}", details={"user_id": user_id})
        if not change.applied:
            raise NotPending(
                f"user {user_id} is {change.before.status}, not pending",
                details={"user_id": user_id, "status": change.before.status},
            )
        changed = changes(change.before, change.after)
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
        return change.after

    @staticmethod
    def _ends_sessions(
        actor: Principal,
        user_id: int,
        *,
        role: Role | None,
        status: AccountStatus | None,
        changed: dict[str, dict[str, Any]],
    ) -> bool:
        """Suspended or pending accounts have no sessions; tokens must carry the set role.

        Restating an admin's own role ends nothing (an admin cannot change it, so no earlier
        revocation can be missing).
        """
        if status in _ENDS_SESSIONS:
            return True
        return role is not None and ("role" in changed or user_id != actor.user_id)
