"""The flat_catalog block: the NAS listing as a flat catalog of titled entries.

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="flat_catalog",
    requires=("title_generator",),
    description="the NAS listing as a flat catalog of titled entries",
)
