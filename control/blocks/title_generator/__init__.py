"""The title_generator block: display titles from NAS file names and paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from control.blocks.title_generator.batches import TitleBatches
from control.blocks.title_generator.controllers import TitleController
from control.blocks.title_generator.parser import generate_title
from control.orchestration.block import Block, BlockContext, Provision
from control.orchestration.contracts import TITLE_GENERATOR


class ParserTitleGenerator:
    """The TITLE_GENERATOR contract over the file-name parser (pure, no state)."""

    def generate(self, file_name: str, file_path: str | None = None) -> dict[str, Any]:
        return generate_title(file_name, file_path).to_dict()


@dataclass(frozen=True, slots=True)
class TitleServices:
    generator: ParserTitleGenerator
    batches: TitleBatches


async def start(ctx: BlockContext) -> TitleServices:
    settings = ctx.settings
    return TitleServices(
        ParserTitleGenerator(),
        TitleBatches(settings.title_batch_workers, settings.title_batches_per_process),
    )


async def stop(services: TitleServices) -> None:
    services.batches.close()


BLOCK = Block(
    name="title_generator",
    start=start,
    stop=stop,
    provides=(Provision(TITLE_GENERATOR, lambda s: s.generator),),
    route_handlers=(TitleController,),
)
