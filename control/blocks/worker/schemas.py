"""Response bodies of the job admin endpoints (a job itself: contracts.JobRecord)."""

from __future__ import annotations

import msgspec

from control.orchestration.contracts import JobRecord


class JobPage(msgspec.Struct):
    items: list[JobRecord]
    total: int
    limit: int
    offset: int
