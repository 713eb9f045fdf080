"""POST /api/titles/generate: a display title and metadata for one archive file name."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, post
from litestar.params import JSONBody

from control.blocks.title_generator.parser import generate_title
from control.orchestration.identity import authenticated
from control.web.openapi import BEARER, error_responses


class TitleRequest(msgspec.Struct, forbid_unknown_fields=True):
    file_name: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    file_path: Annotated[str, msgspec.Meta(max_length=4096)] | None = None


class TitleOut(msgspec.Struct):
    display_title: str
    short_title: str
    confidence: float
    metadata: dict[str, Any]


class TitleController(Controller):
    path = "/titles"
    tags = ["titles"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post(
        "/generate",
        status_code=200,
        guards=[authenticated],
        security=BEARER,
        responses=error_responses(401),
        sync_to_thread=False,
    )
    def generate(self, data: JSONBody[TitleRequest]) -> TitleOut:
        """Parse a file name (and optionally its NAS path) into titles and metadata."""
        result = generate_title(data.file_name, data.file_path).to_dict()
        return TitleOut(**result)
