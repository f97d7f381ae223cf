"""Errors a user can act on. Each carries a message in the user's language."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can understand and act on; nothing was changed."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    """Raised for missing and for out-of-scope objects alike, so scope does not leak."""

    status_code = 404


class Conflict(DomainError):
    """Someone else changed the object first."""

    status_code = 409
