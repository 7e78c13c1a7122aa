"""The console's settings: the ``console`` section of :mod:`configuration` plus what it needs from the others.

``ConsoleConfig.from_config(load_config())`` is what ``python -m agent_console`` runs with; tests build one
directly. The console's own knobs (``console.*``, ``REXIAN_CONSOLE_<KEY>``) are the section's; the rest is read
from the section that owns it and never repeated under ``console``: the connectors' push endpoints (``webchat``,
``telegram``) and their token (``callbacks.push_token``), Rasa's HTTP API (``rasa.url``, ``rasa.api_token``),
the knowledge base of the suggested answers (``kb``) and the dispatch backend with the bot's key (``dispatch``). Everything else in the package takes a ``ConsoleConfig`` and
reads nothing itself.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from configuration import (
    ConsoleSettings,
    DispatchSettings,
    KBSettings,
    RasaSettings,
    Settings,
    TelegramSettings,
    WebchatSettings,
    load_config,
)
from domain import TELEGRAM, WEBCHAT, WECHAT

_DISPATCH = DispatchSettings()
_KB = KBSettings()  # the configuration's defaults, for a ConsoleConfig built without a configuration (tests)


def _default_push_urls() -> dict[str, str]:
    return {WEBCHAT: WebchatSettings().url, TELEGRAM: TelegramSettings().push_url}


class ConsoleConfig(ConsoleSettings):
    """The ``console`` section and what the console needs from the other sections."""

    #: channel → base URL of the connector serving ``POST /internal/push`` (connectors/push.py)
    push_urls: dict[str, str] = Field(default_factory=_default_push_urls)
    push_token: str = ""                              # callbacks.push_token; empty = the development token
    rasa_url: str = RasaSettings().url or ""          # rasa.url: Rasa's HTTP API, for the resume on hand-back
    rasa_token: str = RasaSettings().effective_api_token  # rasa.api_token (or Rasa's development token)
    kb_paths: list[Path] = Field(default_factory=lambda: list(_KB.paths))  # kb.*: the suggested answers' KB
    kb_index_dir: Path = _KB.index_dir
    kb_embedder: str | None = _KB.embedder
    kb_upkeep_path: Path = _KB.upkeep_path            # the agents' additions to the KB (knowledge upkeep)
    kb_feedback_db: Path = _KB.feedback_db            # the unanswered questions and votes the bot logs
    kb_salt: str = _KB.salt
    dispatch_url: str = _DISPATCH.url                 # dispatch.*: the backend the console files orders in,
    dispatch_api_key: str = _DISPATCH.effective_api_key  # with the bot's key, timeout and retries
    dispatch_timeout: float = _DISPATCH.timeout
    dispatch_retries: int = _DISPATCH.retries

    @classmethod
    def from_config(cls, settings: Settings | None = None) -> ConsoleConfig:
        """The console's view of ``settings`` (default: :func:`configuration.load_config`)."""
        s = settings or load_config()
        return cls(
            **s.console.model_dump(),
            push_urls={WEBCHAT: s.webchat.url, TELEGRAM: s.telegram.push_url,
                       **({WECHAT: s.wechat.push_url} if s.wechat.enabled else {})},  # when it runs
            push_token=s.callbacks.push_token,
            rasa_url=s.rasa.url or "",
            rasa_token=s.rasa.effective_api_token,
            kb_paths=list(s.kb.paths),
            kb_index_dir=s.kb.index_dir,
            kb_embedder=s.kb.embedder,
            kb_upkeep_path=s.kb.upkeep_path,
            kb_feedback_db=s.kb.feedback_db,
            kb_salt=s.kb.salt,
            dispatch_url=s.dispatch.url,
            dispatch_api_key=s.dispatch.effective_api_key,
            dispatch_timeout=s.dispatch.timeout,
            dispatch_retries=s.dispatch.retries,
        )
