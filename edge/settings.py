"""The edge's settings, read from the environment once at start-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.settings import CommonSettings


class EdgeSettings(CommonSettings):
    """Environment variables of the edge (names as in SPEC §3 and the README)."""

    edge_host: str = "127.0.0.1"
    edge_port: int = Field(default=8080, ge=1, le=65535)
    stream_limit_global: int = Field(default=100, ge=1)
    stream_queue_size: int = Field(default=50, ge=0)
    stream_queue_wait: float = Field(default=5.0, ge=0)
    redis_failure_policy: Literal["open", "closed"] = "open"
    # Streams one process admits on its own while Redis is unreachable (policy "open");
    # unset: STREAM_LIMIT_GLOBAL for each process.
    stream_fallback_limit: int | None = Field(default=None, ge=1)
    # Proxies whose X-Forwarded-For is believed (token IP binding needs the real client);
    # unset: the socket peer is the client and no proxy-header middleware runs.
    edge_forwarded_allow_ips: str | None = None
    # Seconds a connection may take to send a whole request head (slowloris bound; it is
    # closed between one and two of these after the head began). Idle keep-alive
    # connections are closed by uvicorn's keep-alive timeout instead.
    edge_request_head_timeout: float = Field(default=10.0, gt=0)
    # Seconds between the reports of this process's SSD reads (which copies players read,
    # for the hot cache's least-recently-read eviction) and per-tier byte counts to Redis.
    hot_read_flush_interval: float = Field(default=2.0, gt=0)
