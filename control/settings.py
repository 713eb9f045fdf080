"""The control plane's settings, read from the environment once at start-up."""

from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class ControlSettings(CommonSettings):
    """Environment variables of the control plane (names as in the README)."""

    control_host: str = "127.0.0.1"
    control_port: int = Field(default=8002, ge=1, le=65535)
    access_token_keys: str = Field(
        default="", description="Key ring for access tokens, same form as STREAM_TOKEN_KEYS."
    )
    access_token_ttl: int = Field(default=15 * 60, ge=60)
    refresh_token_ttl: int = Field(default=7 * 24 * 3600, ge=3600)
    stream_token_ttl: int = Field(default=10 * 60, ge=30)
    edge_public_url: str = "http://127.0.0.1:8080"
    bcrypt_rounds: int = Field(default=12, ge=12, le=16)
    database_pool_size: int = Field(default=10, ge=1, le=100)
