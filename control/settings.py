"""The control plane's settings, read from the environment once at start-up."""

from __future__ import annotations

from pydantic import Field, model_validator

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
    stream_bind_ip: bool = Field(
        default=False,
        description="Bind stream tokens to the client's network (/24 IPv4, /64 IPv6).",
    )
    bcrypt_rounds: int = Field(default=12, ge=12, le=16)
    database_pool_size: int = Field(default=10, ge=1, le=100)
    cache_redis_url: str | None = Field(
        default=None,
        description="Redis of the L1 cache (e.g. one with LRU eviction); unset: REDIS_URL.",
    )

    # accounts
    registration_requires_approval: bool = Field(
        default=False, description="New accounts start 'pending' until an admin activates them."
    )
    password_hash_threads: int = Field(
        default=2, ge=1, le=64, description="Threads hashing passwords off the event loop."
    )
    # rate limits (fixed windows in Redis, shared by every control process)
    rate_limit_per_ip: int = Field(default=100, ge=1, description="API requests per IP per window.")
    rate_limit_window: int = Field(default=60, ge=1)
    login_limit_per_account_ip: int = Field(
        default=5, ge=1, description="Failed logins per account and IP before the backoff."
    )
    login_limit_per_ip: int = Field(
        default=30, ge=1, description="Login attempts per IP per window."
    )
    login_window: int = Field(default=60, ge=1)
    login_backoff_max: int = Field(default=15 * 60, ge=1, description="Longest login lockout (s).")
    register_limit_per_ip: int = Field(
        default=10, ge=1, description="Registrations per IP per window."
    )
    register_window: int = Field(default=3600, ge=1)
    title_batch_workers: int = Field(
        default=1, ge=1, le=16, description="Processes per control process parsing title batches."
    )
    title_batches_per_process: int = Field(
        default=4, ge=1, le=256, description="Title batches one control process takes at once."
    )
    # search
    meilisearch_index: str = Field(
        default="wsoptv_contents",
        pattern=r"^[A-Za-z0-9_-]{1,200}$",
        description="MeiliSearch index of the contents (with MEILISEARCH_URL).",
    )
    search_popularity_interval: float = Field(
        default=60.0, gt=0, description="Seconds between copies of the view counts into search."
    )
    # operations
    bus_handler_timeout: float = Field(default=30.0, gt=0)
    block_health_interval: float = Field(
        default=15.0, gt=0, description="Seconds between background block health probes."
    )
    # background jobs (the worker block; `wsoptv worker`)
    job_reclaim_idle: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a running job's claim may go unrenewed before another worker "
        "takes it over (its worker died); claims are renewed every third of it.",
    )
    job_max_deliveries: int = Field(
        default=5, ge=1, description="Deliveries of one message before its job is dead."
    )
    job_backoff_base: float = Field(
        default=5.0, gt=0, description="Seconds before a job's first retry (doubles each time)."
    )
    job_backoff_max: float = Field(default=600.0, gt=0, description="Longest retry backoff (s).")
    worker_seen_within: float = Field(
        default=30.0,
        gt=0,
        description="GET /api/health reports the worker down when none beat for this long (s).",
    )
    # the SSD hot cache (the hot_cache block; SPEC §6)
    hot_views: int = Field(
        default=5, ge=1, description="Started streams in 7 days that make a file hot."
    )
    hot_copy_bytes_per_second: int = Field(
        default=100 * 1024**2,
        ge=0,
        description="Rate of a NAS-to-SSD copy in bytes per second (0: unthrottled).",
    )
    ssd_high_watermark: float = Field(
        default=0.95, gt=0, le=1, description="Share of SSD_CACHE_BYTES that starts an eviction."
    )
    ssd_low_watermark: float = Field(
        default=0.90, gt=0, le=1, description="Share of SSD_CACHE_BYTES an eviction stops at."
    )
    hot_sweep_interval: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between sweeps for hot files and an over-full SSD.",
    )

    @model_validator(mode="after")
    def _watermarks(self) -> ControlSettings:
        if self.ssd_low_watermark > self.ssd_high_watermark:
            raise ValueError("SSD_LOW_WATERMARK must not be above SSD_HIGH_WATERMARK")
        return self
