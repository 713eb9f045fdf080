"""Who may read operator endpoints (/metrics): a bearer secret, or loopback when none is set.

Metrics name routes, block states and traffic: not for the public. A deployment that
scrapes over a network sets the secret (METRICS_TOKEN) and gives it to Prometheus; without
one, only a client on the same machine is answered.
"""

from __future__ import annotations

import hmac
import ipaddress


def is_loopback(client_ip: str | None) -> bool:
    try:
        return client_ip is not None and ipaddress.ip_address(client_ip).is_loopback
    except ValueError:
        return False


def operator_allowed(client_ip: str | None, authorization: str | None, token: str | None) -> bool:
    """Whether a request may read operator endpoints (constant-time token comparison)."""
    if token is None:
        return is_loopback(client_ip)
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode()
    )
