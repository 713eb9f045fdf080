"""The admin block: the admin API: dashboard, users, contents, cache, jobs, scan.

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="admin",
    requires=("auth", "content", "worker"),
    description="the admin API: dashboard, users, contents, cache, jobs, scan",
)
