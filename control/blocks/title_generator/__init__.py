"""The title_generator block: display titles from NAS file names and paths."""

from __future__ import annotations

from typing import Any

from control.blocks.title_generator.controllers import TitleController
from control.blocks.title_generator.parser import generate_title
from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.contracts import TITLE_GENERATOR


class ParserTitleGenerator:
    """The TITLE_GENERATOR contract over the file-name parser (pure, no state)."""

    def generate(self, file_name: str, file_path: str | None = None) -> dict[str, Any]:
        return generate_title(file_name, file_path).to_dict()


def _provide(_: BlockContext) -> ParserTitleGenerator:
    return ParserTitleGenerator()


BLOCK = Block(
    name="title_generator",
    provides=(Provision(TITLE_GENERATOR, _provide),),
    route_handlers=(TitleController,),
    description="display titles and metadata parsed from archive file names",
)
