"""The cache block: the SSD hot cache: placement, stats, warm and evict.

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="cache",
    requires=(),
    description="the SSD hot cache: placement, stats, warm and evict",
)
