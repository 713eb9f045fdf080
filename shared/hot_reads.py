"""What the edge tells the hot cache, and where in Redis (edge writes, control reads).

The edge never calls Redis per request: each process collects the SSD copies players read
and the body bytes it sent per tier, and a lifespan task writes them every
HOT_READ_FLUSH_INTERVAL seconds:

    wsoptv:hot:reads        zset  SSD copy path (relative, as in tokens) -> last read (ms)
    wsoptv:edge:tier_bytes  hash  ssd | nas -> body bytes sent, summed over every edge process

The hot cache evicts the copies least recently read by a player (`reads`); the admin
dashboard shows the SSD hit ratio by bytes (`tier_bytes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.redis_values import redis_text

READS = "wsoptv:hot:reads"
TIER_BYTES = "wsoptv:edge:tier_bytes"
TIERS = ("ssd", "nas")


@dataclass(frozen=True, slots=True)
class TierBytes:
    """Body bytes the edges sent from each tier, and the SSD's share (None before any)."""

    ssd: int
    nas: int

    @classmethod
    def parse(cls, raw: Mapping[Any, Any]) -> TierBytes:
        """From HGETALL TIER_BYTES (bytes or str keys and values)."""
        values = {redis_text(k): int(float(redis_text(v))) for k, v in raw.items()}
        return cls(values.get("ssd", 0), values.get("nas", 0))

    @property
    def hit_ratio(self) -> float | None:
        total = self.ssd + self.nas
        return round(self.ssd / total, 6) if total else None
