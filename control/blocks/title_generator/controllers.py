"""POST /api/titles/generate (one archive file name) and /generate/batch (1..500 names):
display titles and metadata."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from control.blocks.title_generator.batches import TitleBatches
from control.blocks.title_generator.parser import MAX_BATCH, generate_title
from control.orchestration.identity import SignedInController
from control.web.openapi import error_responses


class TitleRequest(msgspec.Struct, forbid_unknown_fields=True):
    file_name: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    file_path: Annotated[str, msgspec.Meta(max_length=4096)] | None = None


class TitleOut(msgspec.Struct):
    display_title: str
    short_title: str
    confidence: float
    metadata: dict[str, Any]


class TitleBatchRequest(msgspec.Struct, forbid_unknown_fields=True):
    items: Annotated[list[TitleRequest], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class TitleBatchOut(msgspec.Struct):
    results: list[TitleOut]  # in the order of the request's items


class TitleController(SignedInController):
    path = "/titles"
    tags = ["titles"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post("/generate", status_code=200, responses=error_responses(401), sync_to_thread=False)
    def generate(self, data: JSONBody[TitleRequest]) -> TitleOut:
        """Parse a file name (and optionally its NAS path) into titles and metadata."""
        return TitleOut(**generate_title(data.file_name, data.file_path).to_dict())

    @post("/generate/batch", status_code=200, responses=error_responses(401))
    async def generate_batch(
        self, data: JSONBody[TitleBatchRequest], batches: NamedDependency[TitleBatches]
    ) -> TitleBatchOut:
        """The same for 1..500 names at once, results in the items' order. Parsed in a worker
        process; TITLES_BUSY (503, Retry-After) while this server runs its most batches."""
        results = await batches.generate([(i.file_name, i.file_path) for i in data.items])
        return TitleBatchOut([TitleOut(**result) for result in results])
