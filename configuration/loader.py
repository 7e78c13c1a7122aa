"""The one reader of ``rexian.yml`` and the ``REXIAN_*`` environment.

``REXIAN_CONFIG`` names another YAML file. Every key has a default, so the file may be absent or partial; a
``REXIAN_<SECTION>_<KEY>`` variable beats the file. List values from the environment are JSON (``["a", "b"]``) or
comma-separated; an empty variable means null for an optional setting, an empty list for a list, an empty string for
text, and "not set" for numbers, switches, paths and database URLs.
"""

from __future__ import annotations

import json
import os
import threading
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo

from .paths import PROJECT_ROOT, resolve_path
from .settings import Settings

CONFIG_FILE_ENV = "REXIAN_CONFIG"
ENV_PREFIX = "REXIAN_"

_UNSET = object()


class ConfigError(ValueError):
    """The configuration file or an environment override is invalid (the message is Chinese and names them)."""


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The YAML file in force: ``$REXIAN_CONFIG`` or ``<project root>/rexian.yml``."""
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_FILE_ENV, "").strip()
    return resolve_path(override) if override else PROJECT_ROOT / "rexian.yml"


def load_config(environ: Mapping[str, str] | None = None) -> Settings:
    """The configuration for ``environ`` (default: this process's environment, re-read whenever a ``REXIAN_*``
    variable or the file changes, so reading it at every use is cheap)."""
    if environ is not None:
        return _read(environ)
    key = _state(os.environ)
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
    settings = _read(os.environ)
    _remember(key, settings)
    return settings


_lock = threading.Lock()
_cached: tuple[tuple[Any, ...], Settings] | None = None


def _state(env: Mapping[str, str]) -> tuple[Any, ...]:
    """What the configuration depends on: the ``REXIAN_*`` variables and the file's identity."""
    variables = tuple(sorted((k, v) for k, v in env.items() if k.startswith(ENV_PREFIX)))
    path = config_file(env)
    try:
        stat = path.stat()
        mark: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        mark = None
    return variables, str(path), mark


def _remember(key: tuple[Any, ...], settings: Settings) -> None:
    global _cached
    with _lock:
        _cached = (key, settings)


def _read(env: Mapping[str, str]) -> Settings:
    """Read the YAML file (if present), apply ``REXIAN_<SECTION>_<KEY>`` overrides, validate."""
    path = config_file(env)
    data = _read_file(path, named=bool(env.get(CONFIG_FILE_ENV, "").strip()))
    for section, key, value in _env_overrides(env):
        current = data.get(section)
        if current is None:
            current = data[section] = {}
        if not isinstance(current, dict):
            raise ConfigError(f"配置节 {section} 必须是映射")
        current[key] = value
    try:
        return Settings.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"配置无效（{path} 与 {ENV_PREFIX}* 环境变量）：{exc}") from exc


def _read_file(path: Path, named: bool) -> dict[str, Any]:
    if not path.is_file():
        if named:
            raise ConfigError(f"配置文件不存在：{path}（来自 {CONFIG_FILE_ENV}）")
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 YAML：{exc}") from exc
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"配置文件 {path} 顶层必须是映射")
    return loaded or {}


def env_name(section: str, key: str) -> str:
    """The environment variable of ``section.key``: ``REXIAN_<SECTION>_<KEY>``."""
    return f"{ENV_PREFIX}{section}_{key}".upper()


def _env_overrides(env: Mapping[str, str]) -> list[tuple[str, str, Any]]:
    """(section, key, value) for every ``REXIAN_<SECTION>_<KEY>`` variable naming a known setting."""
    sections = sorted(Settings.model_fields, key=len, reverse=True)  # a longer section name before its prefix
    out = []
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV:
            continue
        rest = name[len(ENV_PREFIX):].lower()
        for section in sections:
            if rest.startswith(section + "_"):
                key = rest[len(section) + 1:]
                fields = Settings.model_fields[section].annotation.model_fields  # type: ignore[union-attr]
                if key in fields:
                    value = _env_value(fields[key], raw)
                    if value is not _UNSET:
                        out.append((section, key, value))
                break
    return out


def _env_value(field: FieldInfo, raw: str) -> Any:
    """The text of a variable as the setting's type expects it (see the module docstring)."""
    text = raw.strip()
    annotation = field.annotation
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"环境变量中的列表不是有效的 JSON：{text}（{exc}）") from exc
        return [part.strip() for part in text.split(",") if part.strip()]
    optional = origin in (typing.Union, types.UnionType) and type(None) in args
    if text == "":
        if optional:
            return None
        plain_text = annotation is str and not field.metadata  # not a database URL, which must not be empty
        return "" if plain_text else _UNSET
    return text
