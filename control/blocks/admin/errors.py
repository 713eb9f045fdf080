"""The admin block's domain errors: stable codes, fitting statuses."""

from __future__ import annotations

from shared.errors import WsoptvError


class AdminError(WsoptvError):
    code = "ADMIN_ERROR"
    status = 400


class UserNotFound(AdminError):
    code = "ADMIN_USER_NOT_FOUND"
    status = 404


class SelfLockout(AdminError):
    """An admin may not demote or suspend themself (nobody could undo it from a locked-out
    last admin account)."""

    code = "ADMIN_SELF_LOCKOUT"
    status = 409


class NotPending(AdminError):
    code = "ADMIN_USER_NOT_PENDING"
    status = 409


class NothingToChange(AdminError):
    code = "ADMIN_NOTHING_TO_CHANGE"
    status = 422
