"""Stream tokens and playback URLs for one stream session (SPEC §2, §3)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from shared.token import KeyRing, mint_stream_token, network_for


@dataclass(frozen=True, slots=True)
class IssuedToken:
    url: str
    token: str
    sid: str
    expires_at: datetime


def playback_url(edge_public_url: str, token: str, file_path: str) -> str:
    """`{edge}/v/{token}/{basename}`; the base name is percent-encoded as one segment.

    `safe=""` matters: names in the archive carry '#', '?', '$', '%', spaces and Korean,
    and a '#' or '?' left raw would cut the path short in every player.
    """
    basename = file_path.rpartition("/")[2]
    return f"{edge_public_url.rstrip('/')}/v/{token}/{quote(basename, safe='')}"


class StreamTokenIssuer:
    """Signs stream tokens for the edge with the shared key ring."""

    def __init__(
        self, ring: KeyRing, *, ttl_seconds: int, edge_public_url: str, bind_ip: bool
    ) -> None:
        self.ring = ring
        self.ttl = ttl_seconds
        self.edge_public_url = edge_public_url
        self.bind_ip = bind_ip

    def issue(
        self, *, user_id: int, content_id: int, sid: str, file_path: str, client_ip: str | None
    ) -> IssuedToken:
        """A token opening `file_path` for stream `sid`, bound to the client's network if set."""
        now = int(time.time())
        token = mint_stream_token(
            self.ring,
            sub=str(user_id),
            cid=str(content_id),
            sid=sid,
            path=file_path,
            ttl_seconds=self.ttl,
            ip_network=self._network(client_ip),
            now=now,
        )
        return IssuedToken(
            url=playback_url(self.edge_public_url, token, file_path),
            token=token,
            sid=sid,
            expires_at=datetime.fromtimestamp(now + self.ttl, UTC),
        )

    def _network(self, client_ip: str | None) -> str | None:
        if not self.bind_ip or client_ip is None:
            return None
        try:
            return network_for(client_ip)
        except ValueError:
            # Not an IP (a test transport, a unix socket): nothing to bind to.
            return None
