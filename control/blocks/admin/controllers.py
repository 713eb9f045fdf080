"""HTTP routes of the admin block (SPEC §4: /api/admin/...); every one needs the admin role."""

from __future__ import annotations

from typing import Annotated

from litestar import get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from control.blocks.admin.dashboard import DashboardService
from control.blocks.admin.schemas import Dashboard, UserPageOut, UserPatch
from control.blocks.admin.user_admin import UserAdmin
from control.orchestration.contracts import Account, AccountQuery, AccountStatus, Principal, Role
from control.orchestration.identity import AdminOnlyController
from control.web.openapi import error_responses
from control.web.params import Id, Limit, Offset


class AdminController(AdminOnlyController):
    path = "/admin"
    tags = ["admin"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @get("/dashboard", responses=error_responses(401, 403))
    async def dashboard(
        self, state: State, dashboard: NamedDependency[DashboardService]
    ) -> Dashboard:
        """Users, contents, live streams, views, top contents, SSD cache, Redis memory and
        this process's request and error rates."""
        return await dashboard.build(state.metrics_registry)

    @get("/users", responses=error_responses(401, 403))
    async def list_users(
        self,
        users: NamedDependency[UserAdmin],
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=254,
                description="Part of the email or username (case-insensitive).",
            ),
        ] = None,
        status: Annotated[AccountStatus | None, QueryParameter()] = None,
        role: Annotated[Role | None, QueryParameter()] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> UserPageOut:
        """Accounts, newest first; search by email or username, filter by status and role."""
        page = await users.list(AccountQuery(q, status, role, limit, offset))
        return UserPageOut(page.items, page.total, limit, offset)

    @patch("/users/{user_id:int}", responses=error_responses(401, 403, 404, 409, 422))
    async def update_user(
        self,
        user_id: Id,
        data: JSONBody[UserPatch],
        principal: NamedDependency[Principal],
        users: NamedDependency[UserAdmin],
    ) -> Account:
        """Change an account's role and/or status (ADMIN_SELF_LOCKOUT: not your own demotion
        or suspension)."""
        return await users.update(principal, user_id, role=data.role, status=data.status)

    @post(
        "/users/{user_id:int}/approve",
        status_code=200,
        responses=error_responses(401, 403, 404, 409),
    )
    async def approve_user(
        self,
        user_id: Id,
        principal: NamedDependency[Principal],
        users: NamedDependency[UserAdmin],
    ) -> Account:
        """Activate a pending account (ADMIN_USER_NOT_PENDING otherwise)."""
        return await users.approve(principal, user_id)
