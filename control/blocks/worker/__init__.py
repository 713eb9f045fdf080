"""The worker block: background jobs on Redis Streams: scan, metadata, thumbnails, hot cache.

Declared here so the registry places it in its wave; its routes arrive with its own issue.
"""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="worker",
    requires=("cache",),
    description="background jobs on Redis Streams: scan, metadata, thumbnails, hot cache",
)
