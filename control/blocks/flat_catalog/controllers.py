"""GET /api/home (SPEC §4)."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.di import NamedDependency

from control.blocks.flat_catalog.rows import ROW_LENGTH, SERIES_ROWS
from control.blocks.flat_catalog.schemas import HomeOut
from control.blocks.flat_catalog.service import HomeService
from control.orchestration.contracts import Principal
from control.orchestration.identity import SignedInController
from control.web.openapi import error_responses

HOME_DESCRIPTION = (
    "The caller's home rows, in this order: Continue Watching, Recently Added, Trending, "
    "one per series, Best Hands; a row without items is left out. Each row holds at most "
    f"{ROW_LENGTH} items. Series rows (`series:<id>`) are capped at the {SERIES_ROWS} series "
    "with the newest additions; the others are reached through `GET /api/series`. Trending "
    "is left out while the view counts (Redis) are unreachable."
)


class HomeController(SignedInController):
    path = "/home"
    tags = ["home"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @get("", responses=error_responses(401), description=HOME_DESCRIPTION)
    async def home(
        self, principal: NamedDependency[Principal], home: NamedDependency[HomeService]
    ) -> HomeOut:
        """The caller's home rows (see HOME_DESCRIPTION)."""
        return msgspec.convert(await home.home(principal.user_id), HomeOut)
