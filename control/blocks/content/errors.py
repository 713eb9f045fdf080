"""The content block's domain errors: stable codes, fitting statuses."""

from __future__ import annotations

from shared.errors import WsoptvError


class ContentError(WsoptvError):
    code = "CONTENT_ERROR"
    status = 400


class SeriesNotFound(ContentError):
    code = "SERIES_NOT_FOUND"
    status = 404


class ContentPathTaken(ContentError):
    code = "CONTENT_PATH_TAKEN"
    status = 409


class ContentInvalid(ContentError):
    """A body that parses but breaks a catalog rule (bad path, unknown series...)."""

    code = "CONTENT_INVALID"
    status = 422


class HandsInvalid(ContentError):
    code = "HANDS_INVALID"
    status = 422


class LibraryRootMissing(ContentError):
    """NAS_ROOT is not there (unmounted, misconfigured): a dependency is down."""

    code = "LIBRARY_ROOT_MISSING"
    status = 503


class ScanRootOutside(ContentError):
    """A scan root that is not NAS_ROOT or a folder inside it (paths are relative to NAS_ROOT)."""

    code = "LIBRARY_SCAN_ROOT_INVALID"
    status = 422


class ScanJobNotFound(ContentError):
    code = "LIBRARY_SCAN_NOT_FOUND"
    status = 404


class MediaUnreadable(ContentError):
    """The file is not media PyAV can read (a failed probe or thumbnails job says so)."""

    code = "MEDIA_UNREADABLE"
    status = 422


class MediaFileMissing(ContentError):
    """The content's file is not on the NAS (any more): nothing to probe."""

    code = "MEDIA_FILE_MISSING"
    status = 404


class ThumbnailsIncomplete(ContentError):
    """Fewer storyboard frames than the duration asks for: the job does not succeed."""

    code = "THUMBNAILS_INCOMPLETE"
    status = 422
