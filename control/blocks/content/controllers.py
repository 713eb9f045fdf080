"""HTTP routes of the content block (SPEC §4: /api/contents, /api/series, admin contents).

The catalog is for subscribers: every read needs an authenticated caller (any role), so
titles and file layout never leak to anonymous clients. Writes and scans need the admin role.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from litestar import delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, QueryParameter

from control.blocks.content.media_jobs import MediaCatalog
from control.blocks.content.repository import (
    Availability,
    Content,
    ContentFilter,
    Series,
    SortOrder,
)
from control.blocks.content.schemas import (
    ContentCreate,
    ContentPage,
    ContentUpdate,
    HandsReplace,
    SeriesPageOut,
)
from control.blocks.content.service import ContentService
from control.orchestration.contracts import EventType, Hand, JobRecord
from control.orchestration.identity import AdminOnlyController, SignedInController
from control.web.openapi import error_responses
from control.web.params import BIGINT_MAX, Id, Limit, Offset

YearFilter = Annotated[int | None, QueryParameter(ge=1970, le=2100)]
Text = Annotated[str | None, QueryParameter(min_length=1, max_length=100)]
SeriesFilter = Annotated[int | None, QueryParameter(ge=1, le=BIGINT_MAX)]


def provide_filters(
    series_id: SeriesFilter = None,
    brand: Text = None,
    event_type: FromQuery[EventType | None] = None,
    year: YearFilter = None,
    quality: Text = None,
) -> ContentFilter:
    """The catalog filters both content listings take from the query string."""
    return ContentFilter(series_id, brand, event_type, year, quality)


_FILTERS: Any = {"filters": Provide(provide_filters, sync_to_thread=False)}


class ContentController(SignedInController):
    path = "/contents"
    tags = ["content"]  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = _FILTERS

    @get("/", responses=error_responses(401))
    async def list_contents(
        self,
        contents: NamedDependency[ContentService],
        filters: NamedDependency[ContentFilter],
        sort: FromQuery[SortOrder] = "newest",
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ContentPage:
        """Available contents, filtered and sorted; pages are stable (ties broken by id)."""
        return await contents.list_contents(filters, sort, limit, offset)

    @get("/{content_id:int}", responses=error_responses(401, 404))
    async def get_content(
        self, content_id: Id, contents: NamedDependency[ContentService]
    ) -> Content:
        """One content (CONTENT_NOT_FOUND otherwise); `available` is false once its file is gone."""
        return await contents.content(content_id)

    @get("/{content_id:int}/hands", responses=error_responses(401, 404))
    async def get_hands(
        self, content_id: Id, contents: NamedDependency[ContentService]
    ) -> list[Hand]:
        """The content's best hands in hand_index order, with their start and end times."""
        return await contents.hands(content_id)


class SeriesController(SignedInController):
    path = "/series"
    tags = ["content"]  # noqa: RUF012

    @get("/", responses=error_responses(401))
    async def list_series(
        self,
        contents: NamedDependency[ContentService],
        brand: Text = None,
        year: YearFilter = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> SeriesPageOut:
        """Series, newest year first, each with the number of its available contents."""
        return await contents.list_series(brand, year, limit, offset)

    @get("/{series_id:int}", responses=error_responses(401, 404))
    async def get_series(self, series_id: Id, contents: NamedDependency[ContentService]) -> Series:
        """One series (SERIES_NOT_FOUND otherwise); its contents: /contents?series_id=."""
        return await contents.series(series_id)


class AdminContentController(AdminOnlyController):
    path = "/admin"
    tags = ["content", "admin"]  # noqa: RUF012
    dependencies = _FILTERS

    @get("/contents", responses=error_responses(401, 403))
    async def list_all_contents(
        self,
        contents: NamedDependency[ContentService],
        filters: NamedDependency[ContentFilter],
        availability: FromQuery[Availability] = "all",
        sort: FromQuery[SortOrder] = "newest",
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ContentPage:
        """Like /contents, plus the entries whose file a scan no longer found
        (`availability=missing` lists only those)."""
        filters = replace(filters, availability=availability)
        return await contents.list_contents(filters, sort, limit, offset)

    @post("/contents", status_code=201, responses=error_responses(401, 403, 409, 422))
    async def create_content(
        self, data: JSONBody[ContentCreate], contents: NamedDependency[ContentService]
    ) -> Content:
        """Catalogue a file under NAS_ROOT; a missing title is generated from its name and path,
        a missing duration probed from the file."""
        return await contents.create(data)

    @patch("/contents/{content_id:int}", responses=error_responses(401, 403, 404, 409, 422))
    async def update_content(
        self,
        content_id: Id,
        data: JSONBody[ContentUpdate],
        contents: NamedDependency[ContentService],
    ) -> Content:
        """Change some fields; edited titles and descriptive fields survive later scans."""
        return await contents.update(content_id, data)

    @delete("/contents/{content_id:int}", status_code=204, responses=error_responses(401, 403, 404))
    async def delete_content(
        self, content_id: Id, contents: NamedDependency[ContentService]
    ) -> None:
        """Remove an entry with its hands and watch progress (the file stays on the NAS)."""
        await contents.delete(content_id)

    @put("/contents/{content_id:int}/hands", responses=error_responses(401, 403, 404, 422))
    async def replace_hands(
        self,
        content_id: Id,
        data: JSONBody[HandsReplace],
        contents: NamedDependency[ContentService],
    ) -> list[Hand]:
        """Replace all hands at once (at most 500; end after start; unique hand_index;
        within the video's duration): HANDS_INVALID lists every problem."""
        return await contents.replace_hands(content_id, data.hands)

    @post("/library/scan", status_code=202, responses=error_responses(401, 403, 503))
    async def start_scan(self, media: NamedDependency[MediaCatalog]) -> JobRecord:
        """Queue a `library_scan` job of NAS_ROOT (while one is queued or running, that job);
        follow it at /admin/jobs/{id} (or its alias /admin/library/scan/{id})."""
        return await media.queue_scan()

    @get("/library/scan/{job_id:int}", responses=error_responses(401, 403, 404))
    async def scan_status(self, job_id: Id, media: NamedDependency[MediaCatalog]) -> JobRecord:
        """A library_scan job, as /admin/jobs/{id} shows it (LIBRARY_SCAN_NOT_FOUND for
        any other id); its `result` is the scan's report once it succeeded."""
        return await media.scan_job(job_id)
