"""The auth block's domain errors: stable codes, fitting statuses."""

from __future__ import annotations

from shared.errors import WsoptvError


class AuthError(WsoptvError):
    code = "AUTH_ERROR"
    status = 400


class InvalidCredentials(AuthError):
    code = "AUTH_INVALID_CREDENTIALS"
    status = 401


class AccountPending(AuthError):
    code = "AUTH_ACCOUNT_PENDING"
    status = 403


class AccountSuspended(AuthError):
    code = "AUTH_ACCOUNT_SUSPENDED"
    status = 403


class TokenInvalid(AuthError):
    code = "AUTH_TOKEN_INVALID"
    status = 401


class TokenExpired(AuthError):
    code = "AUTH_TOKEN_EXPIRED"
    status = 401


class TokenRevoked(AuthError):
    code = "AUTH_TOKEN_REVOKED"
    status = 401


class RefreshInvalid(AuthError):
    code = "AUTH_REFRESH_INVALID"
    status = 401


class RefreshExpired(AuthError):
    code = "AUTH_REFRESH_EXPIRED"
    status = 401


class RefreshRevoked(AuthError):
    code = "AUTH_REFRESH_REVOKED"
    status = 401


class RefreshReused(AuthError):
    code = "AUTH_REFRESH_REUSED"
    status = 401


class PasswordTooLong(AuthError):
    code = "AUTH_PASSWORD_TOO_LONG"
    status = 422


class UserNotFound(AuthError):
    code = "AUTH_USER_NOT_FOUND"
    status = 404


class CurrentPasswordRequired(AuthError):
    code = "AUTH_CURRENT_PASSWORD_REQUIRED"
    status = 422


class WrongPassword(AuthError):
    code = "AUTH_WRONG_PASSWORD"
    status = 403
