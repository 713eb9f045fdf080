"""The admin block: dashboard and user administration (admin-only)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from control.blocks.admin.controllers import AdminController
from control.blocks.admin.dashboard import DashboardService
from control.blocks.admin.http_rates import RequestRates
from control.blocks.admin.user_admin import UserAdmin
from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import (
    ACCOUNTS,
    CONTENT_READER,
    SESSION_CONTROL,
    Need,
)
from shared.ssd_usage import SsdUsage


@dataclass(frozen=True, slots=True)
class AdminServices:
    dashboard: DashboardService
    users: UserAdmin


async def start(ctx: BlockContext) -> AdminServices:
    settings = ctx.settings
    accounts = ctx.contract(ACCOUNTS)
    return AdminServices(
        dashboard=DashboardService(
            accounts,
            ctx.contract(CONTENT_READER),
            ctx.redis,
            SsdUsage(settings.ssd_cache_root),
            settings.ssd_cache_bytes,
            RequestRates(started=time.monotonic()),
        ),
        users=UserAdmin(accounts, ctx.contract(SESSION_CONTROL), ctx.bus),
    )


BLOCK = Block(
    name="admin",
    start=start,
    requires=("auth", "content"),
    needs=(
        Need(ACCOUNTS.name, "1.0"),
        Need(SESSION_CONTROL.name, "1.0"),
        Need(CONTENT_READER.name, "2.0"),
    ),
    route_handlers=(AdminController,),
)
