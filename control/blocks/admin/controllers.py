"""HTTP routes of the admin block (SPEC §4: /api/admin/...); every one needs the admin role."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter

from control.blocks.admin.dashboard import DashboardService
from control.blocks.admin.schemas import (
    AdminUserOut,
    Dashboard,
    Role,
    Status,
    UserPageOut,
    UserPatch,
)
from control.blocks.admin.user_admin import UserAdmin
from control.blocks.admin.users import AdminUser
from control.orchestration.block import BlockContext
from control.orchestration.contracts import Principal
from control.orchestration.identity import require_role
from control.web.openapi import error_responses

_ADMIN_ERRORS = (401, 403)
UserId = Annotated[int, PathParameter(ge=1, le=2**63 - 1, description="The account's id.")]


def provide_dashboard(block_context: NamedDependency[BlockContext]) -> DashboardService:
    service: DashboardService = block_context.state["dashboard"]
    return service


def provide_user_admin(block_context: NamedDependency[BlockContext]) -> UserAdmin:
    service: UserAdmin = block_context.state["users"]
    return service


def _out(user: AdminUser) -> AdminUserOut:
    return AdminUserOut(
        id=user.id,
        email=user.email,
        username=user.username,
        role=user.role,  # type: ignore[arg-type]  # the table's CHECK keeps it in Role
        status=user.status,  # type: ignore[arg-type]
        created_at=user.created_at,
        updated_at=user.updated_at,
        last_login_at=user.last_login_at,
    )


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]  # noqa: RUF012 (Litestar reads it as a class attribute)
    guards = [require_role("admin")]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "dashboard": Provide(provide_dashboard, sync_to_thread=False),
        "user_admin": Provide(provide_user_admin, sync_to_thread=False),
    }

    @get("/dashboard", responses=error_responses(*_ADMIN_ERRORS))
    async def dashboard(
        self, state: State, dashboard: NamedDependency[DashboardService]
    ) -> Dashboard:
        """Users, contents, live streams, views, top contents, SSD cache, Redis memory and
        this process's request and error rates."""
        return await dashboard.build(state.metrics_registry)

    @get("/users", responses=error_responses(*_ADMIN_ERRORS))
    async def list_users(
        self,
        user_admin: NamedDependency[UserAdmin],
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=254,
                description="Part of the email or username (case-insensitive).",
            ),
        ] = None,
        status: Annotated[Status | None, QueryParameter()] = None,
        role: Annotated[Role | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100, description="Page size.")] = 20,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> UserPageOut:
        """Accounts, newest first; search by email or username, filter by status and role."""
        page = await user_admin.list(query=q, status=status, role=role, limit=limit, offset=offset)
        return UserPageOut([_out(u) for u in page.items], page.total, limit, offset)

    @patch("/users/{user_id:int}", responses=error_responses(*_ADMIN_ERRORS, 404, 409, 422))
    async def update_user(
        self,
        user_id: UserId,
        data: JSONBody[UserPatch],
        principal: NamedDependency[Principal],
        user_admin: NamedDependency[UserAdmin],
    ) -> AdminUserOut:
        """Change an account's role and/or status (ADMIN_SELF_LOCKOUT: not your own demotion
        or suspension)."""
        return _out(await user_admin.update(principal, user_id, role=data.role, status=data.status))

    @post(
        "/users/{user_id:int}/approve",
        status_code=200,
        responses=error_responses(*_ADMIN_ERRORS, 404, 409),
    )
    async def approve_user(
        self,
        user_id: UserId,
        principal: NamedDependency[Principal],
        user_admin: NamedDependency[UserAdmin],
    ) -> AdminUserOut:
        """Activate a pending account (ADMIN_USER_NOT_PENDING otherwise)."""
        return _out(await user_admin.approve(principal, user_id))
