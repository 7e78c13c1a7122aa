"""Where the project is, and how relative paths, SQLite URLs and bind addresses become absolute ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

#: The project root: every relative path in the configuration is relative to it, never to the current directory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

SQLITE_PREFIX = "sqlite:///"


def resolve_path(value: str | Path, root: Path = PROJECT_ROOT) -> Path:
    """``value`` made absolute against ``root`` (``~`` expanded)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def resolve_sqlite_url(url: str, root: Path = PROJECT_ROOT) -> str:
    """A relative ``sqlite:///relative/path`` URL made absolute against ``root``; other URLs (and
    ``sqlite:///:memory:``) unchanged."""
    if not url.startswith(SQLITE_PREFIX):
        return url
    path = url[len(SQLITE_PREFIX):]
    if not path or path == ":memory:" or path.startswith("/"):
        return url
    return SQLITE_PREFIX + str(resolve_path(path, root))


def service_url(host: str, port: int | str) -> str:
    """The URL that reaches a server bound to ``host:port`` from this machine (a bind-all address is no URL host)."""
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{host}:{port}"


def _absolute_path(value: Path) -> Path:
    return resolve_path(value)


def _absolute_url(value: str) -> str:
    return resolve_sqlite_url(value)


#: A path setting: absolute once validated (relative values resolve against :data:`PROJECT_ROOT`).
ProjectPath = Annotated[Path, AfterValidator(_absolute_path)]
#: A database URL setting: a relative SQLite file resolves against :data:`PROJECT_ROOT`.
DatabaseUrl = Annotated[str, AfterValidator(_absolute_url)]
