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

READS = "wsoptv:hot:reads"
TIER_BYTES = "wsoptv:edge:tier_bytes"
TIERS = ("ssd", "nas")
