"""The admin block: dashboard and user administration (admin-only)."""

from __future__ import annotations

import time

from control.blocks.admin.controllers import AdminController
from control.blocks.admin.dashboard import DashboardService
from control.blocks.admin.http_rates import RequestRates
from control.blocks.admin.ssd import SsdUsage
from control.blocks.admin.user_admin import UserAdmin
from control.orchestration.block import Block, BlockContext
from control.orchestration.contracts import SESSION_CONTROL, Need


async def _start(ctx: BlockContext) -> None:
    settings = ctx.settings
    ctx.state.update(
        dashboard=DashboardService(
            ctx.db,
            ctx.redis,
            SsdUsage(settings.ssd_cache_root),
            settings.ssd_cache_bytes,
            RequestRates(started=time.monotonic()),
        ),
        users=UserAdmin(ctx.db, ctx.bus, ctx.contract(SESSION_CONTROL)),
    )


async def _probe(ctx: BlockContext) -> None:
    await ctx.db.fetchval("SELECT 1 FROM users LIMIT 1")


BLOCK = Block(
    name="admin",
    requires=("auth", "content", "worker"),
    needs=(Need(SESSION_CONTROL.name, "1.0"),),
    route_handlers=(AdminController,),
    on_start=_start,
    health=_probe,
    description="the admin API: dashboard and user administration",
)
