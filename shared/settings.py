"""Settings both services read: data locations, infrastructure URLs and the token key ring.

Each service has one settings class (edge/settings.py, control/settings.py) built on this one;
it is read from the environment once at start-up and passed down. Nothing else reads os.environ.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.token import KeyRing


class CommonSettings(BaseSettings):
    """Environment variables shared by control, edge, worker and the launcher."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    data_dir: Path = Field(
        default=Path(".wsoptv"),
        validation_alias=AliasChoices("WSOPTV_DATA_DIR"),
        description="Local state: embedded PostgreSQL/Redis data, generated dev secrets.",
    )
    database_url: str | None = Field(
        default=None, description="PostgreSQL DSN; unset: the embedded server in DATA_DIR."
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL; unset: the embedded server in DATA_DIR."
    )
    meilisearch_url: str | None = Field(
        default=None, description="MeiliSearch URL; unset: PostgreSQL full-text search."
    )
    meilisearch_key: str | None = None
    embedded_postgres_port: int = Field(default=54329, ge=1, le=65535)
    embedded_redis_port: int = Field(default=63799, ge=1, le=65535)

    nas_root: Path = Field(default=Path(".wsoptv/nas"), description="Read-only archive root.")
    ssd_cache_root: Path = Field(default=Path(".wsoptv/ssd"), description="SSD hot-cache root.")
    ssd_cache_bytes: int = Field(default=500 * 1024**3, ge=0)
    thumbnail_root: Path = Field(
        default=Path(".wsoptv/thumbnails"),
        description="Posters and storyboards the worker writes and the edge serves (/t/...).",
    )

    stream_token_keys: str = Field(
        default="",
        description="Key ring 'kid:secret,kid:secret' (secrets >= 32 bytes, hex or base64url).",
    )
    stream_token_kid: str | None = Field(
        default=None, description="Key id that signs new tokens; default: the first in the ring."
    )
    # The stream limiter's settings: the edge enforces them, control lists leases against them.
    stream_idle_ttl: int = Field(default=90, ge=3, description="Idle lease lifetime (s).")
    stream_limit_per_user: int = Field(default=3, ge=1, description="Streams per user at once.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="JSON list of front-end and player origins allowed by CORS (both services).",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=16,
        description="Bearer token GET /metrics requires (both services); "
        "unset: only loopback clients get it.",
    )
    log_level: str = "info"

    def key_ring(self) -> KeyRing:
        """The stream-token key ring; raises TokenConfigError when missing or weak."""
        return KeyRing.parse(self.stream_token_keys, active_kid=self.stream_token_kid)
