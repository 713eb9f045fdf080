"""The title_generator block: display titles from NAS file names and paths."""

from __future__ import annotations

from control.orchestration.block import Block

BLOCK = Block(
    name="title_generator",
    description="display titles and metadata parsed from archive file names",
)
