"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

# Generous upper bounds: the real rules (password strength, 72 bytes) answer 422 with a
# reason; these only stop absurd bodies before any work is done.
# No white space or control characters (NUL would not even reach the database as text).
_EMAIL_CHAR = r"[^@\s\x00-\x1f\x7f]"
Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        pattern=rf"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\.{_EMAIL_CHAR}+$",
    ),
]
Username = Annotated[str, msgspec.Meta(min_length=2, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
RefreshToken = Annotated[str, msgspec.Meta(min_length=16, max_length=256)]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    username: Username
    password: Password


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    """`refresh_cookie: true` (browsers): the refresh token goes into an HttpOnly cookie
    scoped to /api/auth/refresh instead of the body."""

    email: Email
    password: Password
    refresh_cookie: bool = False


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The refresh token to rotate; left out, the session cookie's (cookie sessions only:
    the rotated token then goes back into the cookie, not the body)."""

    refresh_token: RefreshToken | None = None


class UpdateMeRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Change the username, or the password (which needs the current one)."""

    username: Username | None = None
    current_password: Password | None = None
    new_password: Password | None = None


class TokenPair(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: Literal["bearer"] = "bearer"
