"""The search block: search and suggestions (MeiliSearch or PostgreSQL full text).

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="search",
    requires=("auth",),
    description="search and suggestions (MeiliSearch or PostgreSQL full text)",
)
