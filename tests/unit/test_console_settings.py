"""The console's settings: the ``console`` section of the one configuration (``rexian.yml``, ``REXIAN_CONSOLE_<KEY>``)
and, through :class:`agent_console.settings.ConsoleConfig`, what it takes from the sections that own it (push
endpoints and token, Rasa's API, the knowledge base), never repeated under ``console``."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_console.contract import DEV_CONSOLE_TOKEN
from agent_console.settings import ConsoleConfig
from configuration import DEV_RASA_API_TOKEN, PROJECT_ROOT, ConfigError, ConsoleSettings, load_config

#: What the console reads from other sections: none of it may be a key of ``console``.
BORROWED = {"push_urls", "push_token", "rasa_url", "rasa_token", "kb_paths", "kb_index_dir", "kb_embedder",
            "dispatch_url", "dispatch_api_key", "dispatch_timeout", "dispatch_retries", "kb_upkeep_path",
            "kb_feedback_db", "kb_salt"}


def test_defaults() -> None:
    settings = ConsoleConfig.from_config(load_config({}))
    assert settings.port == 8020 and settings.heartbeat_timeout == 60 and settings.assist == "none"
    assert settings.url == "http://127.0.0.1:8020"
    assert settings.db_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'console.sqlite3'}"
    assert settings.effective_internal_token == DEV_CONSOLE_TOKEN
    assert settings.push_urls == {"webchat": "http://127.0.0.1:8000", "telegram": "http://127.0.0.1:8010"}
    assert (settings.push_token, settings.rasa_url, settings.rasa_token) == ("", "http://127.0.0.1:5005",
                                                                             DEV_RASA_API_TOKEN)
    assert settings.kb_paths == [PROJECT_ROOT / "knowledge_base" / "seed"] and settings.kb_embedder is None
    assert ConsoleConfig() == settings  # built directly (tests), the configuration's defaults


def test_the_console_section_holds_only_the_consoles_own_knobs() -> None:
    assert not BORROWED & set(ConsoleSettings.model_fields)
    assert set(ConsoleConfig.model_fields) == set(ConsoleSettings.model_fields) | BORROWED


def test_environment_overrides() -> None:
    settings = ConsoleConfig.from_config(load_config({
        "REXIAN_CONSOLE_PORT": "9000", "REXIAN_CONSOLE_DB_URL": "postgresql+psycopg://u:p@db/console",
        "REXIAN_CONSOLE_COOKIE_SECURE": "true", "REXIAN_CONSOLE_HEARTBEAT_TIMEOUT": "30",
        "REXIAN_CONSOLE_ASSIST": " KB ", "REXIAN_CONSOLE_INTERNAL_TOKEN": "s3cret",
        "REXIAN_CONSOLE_RESUME_RESET_SLOTS": "handoff_active, requested_slot", "REXIAN_CONSOLE_TAKE_MESSAGE": "",
        "OTHER": "ignored"}))
    assert settings.port == 9000 and settings.cookie_secure and settings.heartbeat_timeout == 30
    assert settings.db_url == "postgresql+psycopg://u:p@db/console"
    assert settings.assist == "kb" and settings.effective_internal_token == "s3cret"
    assert settings.resume_reset_slots == ["handoff_active", "requested_slot"]
    assert settings.take_message == "" and settings.handback_message  # empty = no notice; the other one stays


def test_shared_values_come_from_the_sections_that_own_them() -> None:
    settings = ConsoleConfig.from_config(load_config({
        "REXIAN_WEBCHAT_PORT": "9100", "REXIAN_TELEGRAM_HOST": "0.0.0.0", "REXIAN_TELEGRAM_PORT": "9110",
        "REXIAN_CALLBACKS_PUSH_TOKEN": "push-secret", "REXIAN_RASA_URL": "http://rasa:5005",
        "REXIAN_RASA_API_TOKEN": "rasa-secret", "REXIAN_KB_PATHS": "kb/a, /abs/b", "REXIAN_KB_EMBEDDER": "use",
        "REXIAN_KB_INDEX_DIR": "/srv/index", "REXIAN_DISPATCH_URL": "http://backend:8311",
        "REXIAN_DISPATCH_API_KEY": "bot-key", "REXIAN_DISPATCH_TIMEOUT": "2.5", "REXIAN_DISPATCH_RETRIES": "1"}))
    assert settings.push_urls == {"webchat": "http://127.0.0.1:9100", "telegram": "http://127.0.0.1:9110"}
    assert (settings.push_token, settings.rasa_url, settings.rasa_token) == ("push-secret", "http://rasa:5005",
                                                                             "rasa-secret")
    assert settings.kb_paths == [PROJECT_ROOT / "kb" / "a", Path("/abs/b")]
    assert (settings.dispatch_url, settings.dispatch_api_key, settings.dispatch_timeout, settings.dispatch_retries) \
        == ("http://backend:8311", "bot-key", 2.5, 1)
    assert (settings.kb_index_dir, settings.kb_embedder) == (Path("/srv/index"), "use")


def test_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "rexian.yml"
    config.write_text("console:\n  port: 8030\n  db_url: sqlite:///data/c.sqlite3\n  take_message: ''\n",
                      encoding="utf-8")
    settings = load_config({"REXIAN_CONFIG": str(config), "REXIAN_CONSOLE_PORT": "8040"}).console
    assert settings.port == 8040                                      # the variable beats the file
    assert settings.db_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'c.sqlite3'}"  # relative to the project root
    assert settings.take_message == ""


@pytest.mark.parametrize("env", [
    {"REXIAN_CONSOLE_PING_SECONDS": "40"},  # the default timeout (60 s) is less than two pings
    {"REXIAN_CONSOLE_PING_SECONDS": "0"},
    {"REXIAN_CONSOLE_SWEEP_SECONDS": "0"},
    {"REXIAN_CONSOLE_ASSIST": "maybe"},
    {"REXIAN_CONSOLE_PORT": "http"},
])
def test_invalid_values_are_configuration_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_config(env)


def test_a_misspelt_key_in_the_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "rexian.yml"
    config.write_text("console:\n  heartbeat_timeouts: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="heartbeat_timeouts"):
        load_config({"REXIAN_CONFIG": str(config)})


def test_the_heartbeat_timeout_must_leave_room_for_two_pings() -> None:
    with pytest.raises(ValueError):
        ConsoleConfig(heartbeat_timeout=20, ping_seconds=15)
