"""The stream block: stream tokens, sessions and watch progress.

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="stream",
    requires=("auth", "content"),
    description="stream tokens, sessions and watch progress",
)
