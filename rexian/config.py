"""Rexian configuration: ``rexian.yml`` at the project root, then ``REXIAN_<SECTION>_<KEY>`` environment overrides.

``REXIAN_CONFIG`` names another YAML file. Every key has a default, so the file may be absent or partial. Relative
paths (and relative ``sqlite:///`` URLs) resolve against the project root, never the current directory. List values
from the environment are JSON (``["a", "b"]``) or comma-separated.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dispatch_backend.settings import DEV_API_KEY as DEV_DISPATCH_API_KEY

#: Development-only token of Rasa's HTTP API (production sets rasa.api_token / REXIAN_RASA_API_TOKEN).
DEV_RASA_API_TOKEN = "rexian-dev-rasa-token"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE_ENV = "REXIAN_CONFIG"
ENV_PREFIX = "REXIAN_"


def resolve_path(value: str | Path, root: Path = PROJECT_ROOT) -> Path:
    """``value`` made absolute against ``root`` (``~`` expanded)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path)


def resolve_sqlite_url(url: str, root: Path = PROJECT_ROOT) -> str:
    """A relative ``sqlite:///relative/path`` URL made absolute against ``root``; other URLs unchanged."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        return prefix + str(resolve_path(url[len(prefix) :], root))
    return url


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KBSettings(_Section):
    paths: list[Path] = Field(default_factory=lambda: [Path("knowledge_base/seed")])
    index_dir: Path = Path("var/kb_index")
    embedder: str | None = None  # None: knowledge_base.embedders.DEFAULT_EMBEDDER
    feedback_db: Path = Path("var/feedback.sqlite3")
    salt: str = ""  # empty: a random salt is created once inside the feedback database


class _HttpService(_Section):
    """A service reached over HTTP: ``url`` is derived from ``host`` and ``port`` unless set."""

    host: str = "127.0.0.1"
    port: int
    url: str | None = None

    @model_validator(mode="after")
    def _derive_url(self) -> _HttpService:
        if not self.url:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # a bind address is not a URL host
            self.url = f"http://{host}:{self.port}"
        return self


class RasaSettings(_HttpService):
    port: int = 5005
    api_token: str = ""  # Rasa's HTTP API token (--auth-token) for triggering surveys; empty = development token

    @property
    def effective_api_token(self) -> str:
        return self.api_token or DEV_RASA_API_TOKEN


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int


class ActionsSettings(ServerSettings):
    port: int = 5055


class WebchatSettings(ServerSettings):
    port: int = 8000
    push_db: Path = Path("var/webchat_push.sqlite3")  # messages pushed to citizens (surveys) until their page fetches them


class TelegramSettings(_Section):
    """The Telegram bridge (connectors/telegram): python-telegram-bot 22 in front of Rasa's REST channel."""

    token: str = ""                                  # from @BotFather; the bridge does not start without it
    api_base_url: str = "https://api.telegram.org/bot"  # tests point this at a local fake Bot API server
    mode: str = "polling"                            # "polling" or "webhook"
    webhook_url: str = ""                            # public HTTPS URL Telegram posts updates to (webhook mode)
    webhook_secret: str = ""                         # checked against X-Telegram-Bot-Api-Secret-Token
    webhook_host: str = "127.0.0.1"                  # where the webhook listener binds
    webhook_port: int = 8443
    host: str = "127.0.0.1"                          # the bridge's internal push endpoint (surveys)
    port: int = 8010
    rate_limit_per_minute: int = 20                  # messages a user may send per minute
    files_url: str = ""   # base URL where staff fetch citizens' photos (/files/<id>); empty = http://host:port


class CallbacksSettings(_Section):
    """Satisfaction callbacks (回访) after a work order is closed."""

    enabled: bool = True
    delay_minutes: float = 30.0        # wait this long after the closure before asking
    quiet_start: str = "21:00"         # no surveys from this local time ...
    quiet_end: str = "08:00"           # ... until this one
    timezone: str = "Asia/Shanghai"
    max_attempts: int = 3              # survey invitations before recording "no reply"
    retry_minutes: float = 240.0       # between invitations
    poll_seconds: float = 10.0         # how often the change feed is read
    store_url: str = "sqlite:///var/callbacks.sqlite3"  # survey bookkeeping (SQLite or PostgreSQL URL)
    push_token: str = ""               # shared secret for the connectors' /internal/push; empty = development token


class TrackerStoreSettings(_Section):
    url: str = "sqlite:///var/rasa_tracker.sqlite3"


class DispatchSettings(_HttpService):
    """The Open311 work-order backend (host/port are shared with ``dispatch_backend``'s REXIAN_DISPATCH_*)."""

    port: int = 8311
    api_key: str = ""       # empty: the embedded backend's development key
    embedded: bool = True  # start the bundled dispatch_backend with the stack; False for an external Open311 server
    outbox: Path = Path("var/dispatch_outbox.sqlite3")  # creations waiting for an unreachable backend
    timeout: float = 5.0    # seconds per HTTP call
    retries: int = 2        # retries on network errors and 5xx before the outbox takes over

    @property
    def effective_api_key(self) -> str:
        """The bot's key: the configured one, or the embedded backend's development key."""
        return self.api_key or DEV_DISPATCH_API_KEY


class IntakeSettings(_Section):
    """Taking complaints, help requests and suggestions."""

    default_city: str | None = None  # the hotline's own city, e.g. "北京市": fills addresses that name no city


class EmergencySettings(_Section):
    """The emergency and crisis protocol (docs/decisions.md): the city's numbers and where events are recorded."""

    police: str = "110"
    fire: str = "119"
    ambulance: str = "120"
    traffic: str = "122"
    gas: str = ""          # the city's gas emergency line (燃气抢修), e.g. "96777"; empty = "当地燃气抢修电话" and 119
    crisis: str = "12356"  # psychological assistance hotline (心理援助热线)
    events_db: Path = Path("var/events.sqlite3")  # every emergency recognised, for supervisors

    def numbers(self) -> dict[str, str]:
        """Service key → number, without the unset ones."""
        table = {"police": self.police, "fire": self.fire, "ambulance": self.ambulance, "traffic": self.traffic,
                 "gas": self.gas, "crisis": self.crisis}
        return {key: value for key, value in table.items() if value}


class Settings(_Section):
    kb: KBSettings = Field(default_factory=KBSettings)
    rasa: RasaSettings = Field(default_factory=RasaSettings)
    actions: ActionsSettings = Field(default_factory=ActionsSettings)
    webchat: WebchatSettings = Field(default_factory=WebchatSettings)
    tracker_store: TrackerStoreSettings = Field(default_factory=TrackerStoreSettings)
    dispatch: DispatchSettings = Field(default_factory=DispatchSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    callbacks: CallbacksSettings = Field(default_factory=CallbacksSettings)
    emergency: EmergencySettings = Field(default_factory=EmergencySettings)

    def resolved(self, root: Path = PROJECT_ROOT) -> Settings:
        """A copy with every relative path and sqlite URL made absolute against ``root``."""
        kb = self.kb.model_copy(
            update={
                "paths": [resolve_path(p, root) for p in self.kb.paths],
                "index_dir": resolve_path(self.kb.index_dir, root),
                "feedback_db": resolve_path(self.kb.feedback_db, root),
            }
        )
        tracker = self.tracker_store.model_copy(update={"url": resolve_sqlite_url(self.tracker_store.url, root)})
        dispatch = self.dispatch.model_copy(update={"outbox": resolve_path(self.dispatch.outbox, root)})
        webchat = self.webchat.model_copy(update={"push_db": resolve_path(self.webchat.push_db, root)})
        callbacks = self.callbacks.model_copy(update={"store_url": resolve_sqlite_url(self.callbacks.store_url, root)})
        emergency = self.emergency.model_copy(update={"events_db": resolve_path(self.emergency.events_db, root)})
        return self.model_copy(update={"kb": kb, "tracker_store": tracker, "dispatch": dispatch, "webchat": webchat,
                                       "callbacks": callbacks, "emergency": emergency})


class ConfigError(ValueError):
    """The configuration file or an environment override is invalid."""


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The YAML file in force: ``$REXIAN_CONFIG`` or ``<project root>/rexian.yml``."""
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_FILE_ENV, "").strip()
    return resolve_path(override) if override else PROJECT_ROOT / "rexian.yml"


def load_config(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the YAML file (if present), apply ``REXIAN_<SECTION>_<KEY>`` overrides, resolve paths."""
    env = os.environ if environ is None else environ
    path = config_file(env)
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"配置文件 {path} 不是有效的 YAML：{exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"配置文件 {path} 顶层必须是映射")
        data = loaded or {}
    elif CONFIG_FILE_ENV in env and env[CONFIG_FILE_ENV].strip():
        raise ConfigError(f"配置文件不存在：{path}（来自 {CONFIG_FILE_ENV}）")
    for section, key, value in _env_overrides(env):
        current = data.get(section)
        if current is None:
            current = data[section] = {}
        if not isinstance(current, dict):
            raise ConfigError(f"配置节 {section} 必须是映射")
        current[key] = value
    try:
        settings = Settings.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"配置无效（{path} 与 {ENV_PREFIX}* 环境变量）：{exc}") from exc
    return settings.resolved()


def _env_overrides(env: Mapping[str, str]) -> list[tuple[str, str, Any]]:
    """(section, key, value) for every ``REXIAN_<SECTION>_<KEY>`` variable naming a known setting."""
    sections = sorted(Settings.model_fields, key=len, reverse=True)  # tracker_store before a shorter prefix
    out = []
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV:
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        for section in sections:
            if rest.startswith(section + "_"):
                key = rest[len(section) + 1 :]
                model = Settings.model_fields[section].annotation
                if key in model.model_fields:  # type: ignore[union-attr]
                    out.append((section, key, _env_value(model.model_fields[key].annotation, raw)))  # type: ignore[union-attr]
                break
    return out


def _env_value(annotation: Any, raw: str) -> Any:
    """Lists come as JSON or comma-separated text; an empty string means "unset" for optional values."""
    text = raw.strip()
    if getattr(annotation, "__origin__", None) is list:
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    if text == "" and type(None) in getattr(annotation, "__args__", ()):
        return None
    return text
