"""Errors of the orchestration layer."""

from __future__ import annotations

from shared.errors import WsoptvError


class OrchestrationError(WsoptvError):
    """Base of the orchestration layer's errors."""


class RegistryError(OrchestrationError):
    """The declared blocks cannot form an application; raised at start-up, naming the blocks."""

    code = "REGISTRY_INVALID"


class ContractError(RegistryError):
    """A contract is missing, undeclared or provided in an incompatible version."""

    code = "CONTRACT_INCOMPATIBLE"


class BlockUnavailable(OrchestrationError):
    """The block serving a route failed to start or fails its health probe."""

    code = "BLOCK_UNAVAILABLE"
    status = 503


class BusTimeout(OrchestrationError):
    """No reply arrived on the bus within the timeout."""

    code = "BUS_TIMEOUT"
    status = 504
