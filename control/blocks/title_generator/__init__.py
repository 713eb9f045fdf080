"""The title_generator block: display titles from NAS file names and paths."""

from __future__ import annotations

from control.blocks.title_generator.controllers import TitleController
from control.orchestration.block import Block

BLOCK = Block(
    name="title_generator",
    route_handlers=(TitleController,),
    description="display titles and metadata parsed from archive file names",
)
