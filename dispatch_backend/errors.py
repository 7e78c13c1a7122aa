"""Open311 errors: ``[{"code": <http status>, "description": "<中文说明>"}]``."""

from __future__ import annotations


class Open311Error(Exception):
    """An error answered to the client as an Open311 error list."""

    status_code = 400

    def __init__(self, description: str, status_code: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        if status_code is not None:
            self.status_code = status_code

    def body(self) -> list[dict[str, object]]:
        """The GeoReport v2 error body."""
        return [{"code": self.status_code, "description": self.description}]


class BadRequest(Open311Error):
    status_code = 400


class Forbidden(Open311Error):
    status_code = 403


class NotFound(Open311Error):
    status_code = 404


class Conflict(Open311Error):
    """The order is not in a state that allows this transition."""

    status_code = 409


class Unprocessable(Open311Error):
    """Well-formed but unusable, e.g. an idempotency key reused for a different request."""

    status_code = 422
