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


class ScanAlreadyRunning(ContentError):
    code = "LIBRARY_SCAN_RUNNING"
    status = 409


class ScanJobNotFound(ContentError):
    code = "LIBRARY_SCAN_NOT_FOUND"
    status = 404
