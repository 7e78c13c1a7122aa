"""Configuration: defaults, the YAML file, REXIAN_<SECTION>_<KEY> overrides, paths resolved against the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from rexian.config import PROJECT_ROOT, ConfigError, load_config


def test_project_file_states_the_defaults() -> None:
    settings = load_config({})  # no REXIAN_* variables: the project's rexian.yml
    assert settings.kb.paths == [PROJECT_ROOT / "knowledge_base" / "seed"]
    assert settings.kb.index_dir == PROJECT_ROOT / "var" / "kb_index"
    assert settings.kb.feedback_db == PROJECT_ROOT / "var" / "feedback.sqlite3"
    assert settings.kb.embedder is None
    assert (settings.rasa.port, settings.rasa.url) == (5005, "http://127.0.0.1:5005")
    assert (settings.actions.host, settings.actions.port) == ("127.0.0.1", 5055)
    assert settings.webchat.port == 8000
    assert settings.tracker_store.url == f"sqlite:///{PROJECT_ROOT / 'var' / 'rasa_tracker.sqlite3'}"
    assert settings.dispatch.url == "http://127.0.0.1:8311"
    assert settings.dispatch.embedded is True
    external = load_config(
        {"REXIAN_DISPATCH_URL": "https://open311.example.org/v2", "REXIAN_DISPATCH_EMBEDDED": "false"}
    )
    assert (external.dispatch.url, external.dispatch.embedded) == ("https://open311.example.org/v2", False)
    assert load_config({"REXIAN_DISPATCH_PORT": "9311"}).dispatch.url == "http://127.0.0.1:9311"


def test_yaml_file_then_environment_overrides(tmp_path: Path) -> None:
    config = tmp_path / "custom.yml"
    config.write_text(
        "kb:\n  paths: [kb_a, /abs/kb_b]\n  embedder: use\nwebchat:\n  port: 9000\nrasa:\n  host: 0.0.0.0\n",
        encoding="utf-8",
    )
    env = {
        "REXIAN_CONFIG": str(config),
        "REXIAN_WEBCHAT_PORT": "8080",
        "REXIAN_TRACKER_STORE_URL": "postgresql://db/rasa",
        "REXIAN_DISPATCH_API_KEY": "k-123",
        "REXIAN_KB_SALT": "pepper",
        "REXIAN_JIEBA_DICT_DIR": "/not/a/setting",  # other REXIAN_* variables are ignored
        "REXIAN_DISPATCH_DB_URL": "sqlite:///other.db",  # a dispatch_backend setting, not one of ours
    }
    settings = load_config(env)
    assert settings.webchat.port == 8080  # environment beats the file
    assert settings.kb.paths == [PROJECT_ROOT / "kb_a", Path("/abs/kb_b")]
    assert settings.kb.embedder == "use"
    assert settings.rasa.url == "http://127.0.0.1:5005"  # 0.0.0.0 is a bind address, not a URL host
    assert settings.tracker_store.url == "postgresql://db/rasa"
    assert settings.dispatch.api_key == "k-123"
    assert settings.kb.salt == "pepper"


def test_list_override_and_null_embedder() -> None:
    env = {"REXIAN_CONFIG": "", "REXIAN_KB_PATHS": "a, b", "REXIAN_KB_EMBEDDER": "", "REXIAN_RASA_PORT": "6006"}
    settings = load_config(env)
    assert settings.kb.paths == [PROJECT_ROOT / "a", PROJECT_ROOT / "b"]
    assert settings.kb.embedder is None
    assert settings.rasa.url == "http://127.0.0.1:6006"
    assert load_config({"REXIAN_KB_PATHS": '["x"]'}).kb.paths == [PROJECT_ROOT / "x"]


@pytest.mark.parametrize(
    ("text", "env"),
    [
        ("webchat:\n  port: not-a-number\n", {}),
        ("webchat:\n  prot: 1\n", {}),  # a misspelt key is an error, not silently ignored
        ("kb: [", {}),
        ("", {"REXIAN_ACTIONS_PORT": "abc"}),
    ],
)
def test_invalid_configuration_is_reported(tmp_path: Path, text: str, env: dict[str, str]) -> None:
    config = tmp_path / "bad.yml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config({"REXIAN_CONFIG": str(config), **env})


def test_missing_config_file_named_in_environment_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config({"REXIAN_CONFIG": str(tmp_path / "absent.yml")})
