"""Query and path parameters every block's routes share, with their documented bounds."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

# PostgreSQL's bigint: an id past it is a client's mistake (400), not a driver's crash.
BIGINT_MAX = 2**63 - 1

Id = Annotated[int, PathParameter(ge=1, le=BIGINT_MAX, description="A positive id (bigint).")]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size (1..100).")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="Items to skip.")]
