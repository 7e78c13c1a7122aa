"""Exceptions of the dispatch client."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Open311ErrorItem:
    """One element of an Open311 error body."""

    code: int
    description: str


class DispatchError(Exception):
    """Base class of all dispatch client errors."""


class DispatchUnavailable(DispatchError):
    """The backend could not be reached (network error or 5xx after all retries)."""


class DispatchAPIError(DispatchError):
    """The backend answered with an Open311 error (4xx)."""

    def __init__(self, status_code: int, errors: list[Open311ErrorItem]) -> None:
        self.status_code = status_code
        self.errors = errors
        text = "；".join(e.description for e in errors) or f"HTTP {status_code}"
        super().__init__(f"[{status_code}] {text}")

    @property
    def description(self) -> str:
        """The backend's (Chinese) description of the first error."""
        return self.errors[0].description if self.errors else ""


class BadRequestError(DispatchAPIError):
    """400: the request is invalid (missing location, too long, bad value …)."""


class ForbiddenError(DispatchAPIError):
    """403: missing or wrong api_key / department key."""


class NotFoundError(DispatchAPIError):
    """404: unknown service_code or service_request_id."""


class ConflictError(DispatchAPIError):
    """409: the order's state does not allow this transition."""


def api_error(status_code: int, errors: list[Open311ErrorItem]) -> DispatchAPIError:
    """The most specific exception class for ``status_code``."""
    cls = {400: BadRequestError, 403: ForbiddenError, 404: NotFoundError, 409: ConflictError}.get(
        status_code, DispatchAPIError
    )
    return cls(status_code, errors)
