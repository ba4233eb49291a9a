"""Domain exceptions. errors.py turns each into an HTTP status with a Vietnamese message."""
from __future__ import annotations


class DomainError(Exception):
    """Base class: `message` is shown to the person (Vietnamese)."""

    status = 400

    def __init__(self, message: str, *, details: list | dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The record does not exist, or the caller may not know it exists."""

    status = 404


class Forbidden(DomainError):
    """The caller is known but not allowed."""

    status = 403


class Conflict(DomainError):
    """A state conflict: already finished, stale save, duplicate."""

    status = 409


class Gone(DomainError):
    """Too late: the deadline (plus grace) has passed."""

    status = 410


class InvalidInput(DomainError):
    """Bad input; `details` lists every problem (row-numbered for imports)."""

    status = 422


class RateLimited(DomainError):
    """Too many attempts; try again later."""

    status = 429
