"""What every section of the configuration shares: strict, immutable, defaults validated like given values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from .paths import service_url


class Section(BaseModel):
    """One section of ``rexian.yml`` (``REXIAN_<SECTION>_<KEY>`` in the environment).

    A misspelt key is an error, not silently ignored; defaults go through the same validation as given values (so
    a default relative path is absolute too); a loaded configuration cannot be changed by the code that reads it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def derive_from_address(model: type[BaseModel], data: Any, name: str, make: Callable[[str, Any], str]) -> Any:
    """The raw values of ``model`` with ``name`` set to ``make(host, port)`` unless given (for "before" validators:
    host and port are the given ones or the defaults)."""
    if isinstance(data, dict) and not data.get(name):
        fields = model.model_fields
        host = data.get("host", fields["host"].default)
        port = data.get("port", fields["port"].default)
        data = {**data, name: make(str(host), port)}
    return data


class ServerSection(Section):
    """A server of the stack: where it binds (``host``, ``port``)."""

    host: str = "127.0.0.1"
    port: int

    @property
    def url(self) -> str:
        """The URL that reaches it from this machine."""
        return service_url(self.host, self.port)


class HttpServiceSection(Section):
    """A service reached over HTTP: ``url`` is derived from ``host`` and ``port`` unless set."""

    host: str = "127.0.0.1"
    port: int
    url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_url(cls, data: Any) -> Any:
        return derive_from_address(cls, data, "url", service_url)
