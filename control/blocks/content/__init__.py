"""The content block: series, contents, best hands and the home rows.

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="content",
    requires=("auth", "cache"),
    description="series, contents, best hands and the home rows",
)
