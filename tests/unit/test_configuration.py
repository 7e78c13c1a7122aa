"""The one configuration: ``rexian.yml`` (or ``REXIAN_CONFIG``), then ``REXIAN_<SECTION>_<KEY>`` overrides, read by
``configuration`` and nowhere else, every variable in docs/configuration.md's table.

Also the embedded dispatch backend's settings: built from an environment they mean what the backend's own
``Settings.from_env`` meant before issue 13, except that ``REXIAN_DISPATCH_API_KEY`` is the bot's one key and the
further keys the backend accepts are ``REXIAN_DISPATCH_EXTRA_API_KEYS``.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import httpx
import pytest
import yaml

from configuration import (
    DEV_DISPATCH_API_KEY,
    PROJECT_ROOT,
    ConfigError,
    Settings,
    config_file,
    env_name,
    load_config,
)
from dispatch_backend.launcher import free_port
from dispatch_backend.settings import Settings as BackendSettings
from dispatch_backend.settings import load_settings
from tests.backend import start_test_backend

DOC = PROJECT_ROOT / "docs" / "configuration.md"
VARIABLE = re.compile(r"REXIAN_[A-Z0-9_]+")
#: Folders that are not the project's code: environments, data, generated files, and the tests themselves.
NOT_SOURCES = {".venv", ".git", "var", "node_modules", "__pycache__", "tests", "models"}
SOURCE_SUFFIXES = {".py", ".sh", ".ini", ".toml", ".cfg", ".yml", ".yaml"}


# ------------------------------------------------------------------------------------------- the file and the env
def test_project_file_states_every_default() -> None:
    settings = load_config({})  # no REXIAN_* variables: the project's rexian.yml
    assert settings == Settings()  # rexian.yml says the defaults, nothing else ...
    data = yaml.safe_load((PROJECT_ROOT / "rexian.yml").read_text(encoding="utf-8"))
    missing = [f"{section}.{key}" for section, field in Settings.model_fields.items()
               for key in field.annotation.model_fields if key not in (data.get(section) or {})]  # type: ignore[union-attr]
    assert not missing, f"rexian.yml does not state: {missing}"  # ... and says every one of them
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
    assert settings.jieba.dict_dir == PROJECT_ROOT / "nlu" / "dicts"
    assert settings.appeal.model_dir == PROJECT_ROOT / "var" / "appeal_model"
    assert settings.appeal.effective_embedder == "e5"
    assert settings.rasa.venv == PROJECT_ROOT / ".venv" / "rasa"
    assert settings.demo.db_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'demo_dispatch.sqlite3'}"
    assert (settings.console.url, settings.console.assist) == ("http://127.0.0.1:8020", "none")
    assert settings.console.db_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'console.sqlite3'}"
    external = load_config(
        {"REXIAN_DISPATCH_URL": "https://open311.example.org/v2", "REXIAN_DISPATCH_EMBEDDED": "false"}
    )
    assert (external.dispatch.url, external.dispatch.embedded) == ("https://open311.example.org/v2", False)
    assert load_config({"REXIAN_DISPATCH_PORT": "9311"}).dispatch.url == "http://127.0.0.1:9311"


def test_environment_beats_the_file_beats_the_default(tmp_path: Path) -> None:
    config = tmp_path / "custom.yml"
    config.write_text("webchat:\n  port: 9000\n  host: 10.0.0.5\ncallbacks:\n  delay_minutes: 5\n", encoding="utf-8")
    file_only = load_config({"REXIAN_CONFIG": str(config)})
    assert (file_only.webchat.port, file_only.webchat.host) == (9000, "10.0.0.5")      # the file beats the default
    assert file_only.callbacks.delay_minutes == 5
    assert file_only.callbacks.quiet_start == "21:00"                                  # the default where it is silent
    both = load_config({"REXIAN_CONFIG": str(config), "REXIAN_WEBCHAT_PORT": "8080"})
    assert (both.webchat.port, both.webchat.host) == (8080, "10.0.0.5")                # the variable beats the file
    assert load_config({"REXIAN_WEBCHAT_PORT": "8080"}).webchat.port == 8080            # ... and the project file


def test_rexian_config_picks_the_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text("emergency:\n  gas: '96777'\n", encoding="utf-8")
    second.write_text("emergency:\n  gas: '96555'\n", encoding="utf-8")
    assert load_config({"REXIAN_CONFIG": str(first)}).emergency.gas == "96777"
    assert load_config({"REXIAN_CONFIG": str(second)}).emergency.gas == "96555"
    assert load_config({}).emergency.gas == ""                                          # the project's rexian.yml
    assert config_file({"REXIAN_CONFIG": str(first)}) == first
    assert config_file({"REXIAN_CONFIG": "  "}) == PROJECT_ROOT / "rexian.yml"
    # The named file replaces rexian.yml: its silence means the defaults, not the project file's values.
    assert load_config({"REXIAN_CONFIG": str(first)}).dispatch.port == 8311


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
        "REXIAN_JIEBA_DICT_DIR": "/srv/dicts",
        "REXIAN_TEST_PG_URL": "postgresql://not/a/setting",  # REXIAN_* names of no section are not settings
        "REXIAN_DISPATCH_NO_SUCH_KEY": "1",                  # nor unknown keys of a section
    }
    settings = load_config(env)
    assert settings.webchat.port == 8080  # environment beats the file
    assert settings.kb.paths == [PROJECT_ROOT / "kb_a", Path("/abs/kb_b")]
    assert settings.kb.embedder == "use"
    assert settings.rasa.url == "http://127.0.0.1:5005"  # 0.0.0.0 is a bind address, not a URL host
    assert settings.tracker_store.url == "postgresql://db/rasa"
    assert settings.dispatch.api_key == "k-123"
    assert settings.kb.salt == "pepper"
    assert settings.jieba.dict_dir == Path("/srv/dicts")


def test_values_from_the_environment() -> None:
    env = {"REXIAN_CONFIG": "", "REXIAN_KB_PATHS": "a, b", "REXIAN_KB_EMBEDDER": "", "REXIAN_RASA_PORT": "6006"}
    settings = load_config(env)
    assert settings.kb.paths == [PROJECT_ROOT / "a", PROJECT_ROOT / "b"]  # comma-separated, relative to the root
    assert settings.kb.embedder is None                                   # empty = null where null is allowed
    assert settings.rasa.url == "http://127.0.0.1:6006"
    assert load_config({"REXIAN_KB_PATHS": '["x"]'}).kb.paths == [PROJECT_ROOT / "x"]  # or JSON
    empty = load_config({"REXIAN_DISPATCH_SWEEP_SECONDS": "", "REXIAN_DISPATCH_TEST_CLOCK": "",
                         "REXIAN_DISPATCH_DB_URL": "", "REXIAN_DISPATCH_WEBHOOK_URLS": "",
                         "REXIAN_DISPATCH_WEBHOOK_SECRET": "", "REXIAN_E5_THREADS": ""})
    assert empty.dispatch == Settings().dispatch  # numbers, switches and URLs: not set; text and lists: empty
    assert empty.e5.threads is None
    assert load_config({"REXIAN_APPEAL_EMBEDDER": "none"}).appeal.effective_embedder is None
    assert load_config({"REXIAN_APPEAL_EMBEDDER": "OFF"}).appeal.effective_embedder is None
    assert load_config({"REXIAN_APPEAL_EMBEDDER": ""}).appeal.effective_embedder == "e5"
    assert load_config({"REXIAN_TELEGRAM_MODE": " Webhook ", "REXIAN_TELEGRAM_TOKEN": " 1:a "}).telegram.mode == "webhook"
    assert load_config({"REXIAN_FAISS_THREADS": "0"}).faiss.effective_threads == 1


def test_this_process_reads_again_when_the_environment_or_the_file_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "rexian.yml"
    config.write_text("webchat:\n  port: 9000\n", encoding="utf-8")
    monkeypatch.setenv("REXIAN_CONFIG", str(config))
    monkeypatch.delenv("REXIAN_WEBCHAT_PORT", raising=False)
    assert load_config().webchat.port == 9000
    assert load_config() is load_config()  # unchanged: not read again
    monkeypatch.setenv("REXIAN_WEBCHAT_PORT", "8081")
    assert load_config().webchat.port == 8081
    monkeypatch.delenv("REXIAN_WEBCHAT_PORT")
    config.write_text("webchat:\n  port: 19000\n", encoding="utf-8")
    assert load_config().webchat.port == 19000


def test_loaded_settings_cannot_be_changed() -> None:
    settings = load_config({})
    with pytest.raises(ValueError):
        settings.dispatch.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "env"),
    [
        ("webchat:\n  port: not-a-number\n", {}),
        ("webchat:\n  prot: 1\n", {}),  # a misspelt key is an error, not silently ignored
        ("kb: [", {}),
        ("- a list\n", {}),
        ("webchat: 8000\n", {"REXIAN_WEBCHAT_PORT": "8001"}),
        ("", {"REXIAN_ACTIONS_PORT": "abc"}),
        ("", {"REXIAN_DISPATCH_PUBLIC_FEED": "maybe"}),
        ("", {"REXIAN_KB_PATHS": "[not json"}),
    ],
)
def test_invalid_configuration_is_reported(tmp_path: Path, text: str, env: dict[str, str]) -> None:
    config = tmp_path / "bad.yml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config({"REXIAN_CONFIG": str(config), **env})


def test_missing_config_file_named_in_environment_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REXIAN_CONFIG"):
        load_config({"REXIAN_CONFIG": str(tmp_path / "absent.yml")})


# ------------------------------------------------------------------------------------- the dispatch backend's view
def _old_meaning(**values: object) -> dict[str, object]:
    """What the backend's ``Settings.from_env`` made of an environment before issue 13, spelled out."""
    base: dict[str, object] = {
        "db_url": f"sqlite:///{PROJECT_ROOT / 'var' / 'dispatch.sqlite3'}", "host": "127.0.0.1", "port": 8311,
        "config_dir": PROJECT_ROOT / "dispatch_backend" / "config", "api_keys": (DEV_DISPATCH_API_KEY,),
        "test_clock": False, "webhook_urls": (), "webhook_secret": "", "sweep_seconds": 60.0,
        "public_url": "http://127.0.0.1:8311", "public_feed": False, "public_rate": 60.0, "public_burst": 20,
        "public_concurrency": 2,
    }
    base.update(values)
    return base


OLD_FROM_ENV = [
    ({}, _old_meaning()),
    ({"REXIAN_DISPATCH_DB_URL": "sqlite:///tmp/x.db"}, _old_meaning(db_url=f"sqlite:///{PROJECT_ROOT / 'tmp/x.db'}")),
    ({"REXIAN_DISPATCH_DB_URL": "sqlite:////abs/x.db"}, _old_meaning(db_url="sqlite:////abs/x.db")),
    ({"REXIAN_DISPATCH_DB_URL": "sqlite:///:memory:"}, _old_meaning(db_url="sqlite:///:memory:")),
    ({"REXIAN_DISPATCH_DB_URL": "postgresql+psycopg://u:p@db:5432/d"},
     _old_meaning(db_url="postgresql+psycopg://u:p@db:5432/d")),
    ({"REXIAN_DISPATCH_HOST": "0.0.0.0", "REXIAN_DISPATCH_PORT": "9000"},
     _old_meaning(host="0.0.0.0", port=9000, public_url="http://0.0.0.0:9000")),
    ({"REXIAN_DISPATCH_CONFIG_DIR": "/etc/rexian/dispatch"}, _old_meaning(config_dir=Path("/etc/rexian/dispatch"))),
    ({"REXIAN_DISPATCH_API_KEY": "bot-key"}, _old_meaning(api_keys=("bot-key",))),
    ({"REXIAN_DISPATCH_TEST_CLOCK": "1"}, _old_meaning(test_clock=True)),
    ({"REXIAN_DISPATCH_TEST_CLOCK": ""}, _old_meaning()),
    ({"REXIAN_DISPATCH_WEBHOOK_URLS": "http://a/hook, http://b/hook,"},
     _old_meaning(webhook_urls=("http://a/hook", "http://b/hook"))),
    ({"REXIAN_DISPATCH_WEBHOOK_URLS": ""}, _old_meaning()),
    ({"REXIAN_DISPATCH_WEBHOOK_SECRET": "s3cret"}, _old_meaning(webhook_secret="s3cret")),
    ({"REXIAN_DISPATCH_SWEEP_SECONDS": "0"}, _old_meaning(sweep_seconds=0.0)),
    ({"REXIAN_DISPATCH_PUBLIC_URL": "https://open311.example.org"},
     _old_meaning(public_url="https://open311.example.org")),
    *[({"REXIAN_DISPATCH_PUBLIC_FEED": on}, _old_meaning(public_feed=True)) for on in ("1", "true", "YES", " on ")],
    *[({"REXIAN_DISPATCH_PUBLIC_FEED": off}, _old_meaning()) for off in ("", "0", "false", "off")],
    ({"REXIAN_DISPATCH_PUBLIC_RATE": "30.5", "REXIAN_DISPATCH_PUBLIC_BURST": "5",
      "REXIAN_DISPATCH_PUBLIC_CONCURRENCY": "1"}, _old_meaning(public_rate=30.5, public_burst=5, public_concurrency=1)),
]


@pytest.mark.parametrize(("env", "expected"), OLD_FROM_ENV)
def test_backend_settings_mean_what_from_env_meant(env: dict[str, str], expected: dict[str, object]) -> None:
    settings = load_settings(env)
    assert type(settings) is BackendSettings  # only the server's part of the section
    assert {name: getattr(settings, name) for name in expected} == expected


def test_one_key_for_the_bot_and_extra_keys_for_the_backend(caplog: pytest.LogCaptureFixture) -> None:
    for env in ({}, {"REXIAN_DISPATCH_API_KEY": "bot-key"}):
        config = load_config(env)
        assert config.dispatch.effective_api_key in load_settings(env).api_keys  # what the bot sends is accepted
    env = {"REXIAN_DISPATCH_API_KEY": "bot-key", "REXIAN_DISPATCH_EXTRA_API_KEYS": "ops-1, ops-2"}
    assert load_config(env).dispatch.effective_api_key == "bot-key"
    settings = load_settings(env)
    assert settings.api_keys == ("bot-key", "ops-1", "ops-2") and not settings.development
    with caplog.at_level(logging.WARNING, logger="dispatch_backend.settings"):
        assert load_settings({}).development
    assert "REXIAN_DISPATCH_API_KEY" in caplog.text  # the development key is announced
    with pytest.raises(ConfigError, match="REXIAN_DISPATCH_EXTRA_API_KEYS"):  # the old list form is refused
        load_config({"REXIAN_DISPATCH_API_KEY": "bot-key,ops-1"})


def test_the_backend_process_reads_the_file_and_the_environment(tmp_path: Path) -> None:
    """A real ``python -m dispatch_backend``: the bot's key from the environment, an operator's key from the file."""
    config = tmp_path / "rexian.yml"
    config.write_text("dispatch:\n  extra_api_keys: [ops-key]\n  public_feed: false\n", encoding="utf-8")
    backend = start_test_backend(f"sqlite:///{tmp_path / 'd.sqlite3'}", free_port(), tmp_path / "backend.log",
                                 api_key="bot-key", extra_env={"REXIAN_CONFIG": str(config)})
    try:
        def status(key: str) -> int:
            return httpx.get(f"{backend.url}/changes.json", headers={"X-Rexian-Api-Key": key}, timeout=10).status_code

        assert (status("bot-key"), status("ops-key"), status("other-key")) == (200, 200, 403)
        assert status(DEV_DISPATCH_API_KEY) == 403  # a configured key ends development mode
    finally:
        backend.stop()


# ------------------------------------------------------------------------------- one table, one reader (the rules)
def _sources() -> list[Path]:
    """The project's own code and config files (not the tests, not environments or data)."""
    found = []
    for path in sorted(PROJECT_ROOT.rglob("*")):
        parts = path.relative_to(PROJECT_ROOT).parts
        if any(part in NOT_SOURCES or part.startswith(".") for part in parts[:-1]):
            continue
        if path.is_file() and (path.suffix in SOURCE_SUFFIXES or path.name == "Makefile"):
            found.append(path)
    return found


def _table() -> dict[str, str]:
    """docs/configuration.md's table: variable → rexian.yml key ("" for none)."""
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `REXIAN_"):
            assert cells[0] not in rows, f"{cells[0]} has two rows"
            rows[cells[0]] = "" if cells[1].startswith("—") else cells[1]
    return rows


def test_every_variable_in_the_code_is_in_the_table() -> None:
    rows = _table()
    undocumented = {}
    for path in _sources():
        for name in VARIABLE.findall(path.read_text(encoding="utf-8", errors="replace")):
            if name in rows:
                continue
            if name.endswith("_") and any(row.startswith(name) for row in rows):  # "REXIAN_TELEGRAM_*" in a text
                continue
            undocumented.setdefault(name, str(path.relative_to(PROJECT_ROOT)))
    assert not undocumented, f"REXIAN_* variables missing from docs/configuration.md: {undocumented}"


def test_every_row_of_the_table_is_read() -> None:
    rows = _table()
    settings_keys = {f"{section}.{key}": env_name(section, key) for section, field in Settings.model_fields.items()
                     for key in field.annotation.model_fields}  # type: ignore[union-attr]
    documented = {key: name for name, key in rows.items() if key}
    assert documented == settings_keys  # one row per setting, named REXIAN_<SECTION>_<KEY>, and no other
    everything = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                           for p in [*_sources(), *(PROJECT_ROOT / "tests").rglob("*.py")] if p != DOC)
    for name, key in rows.items():
        if not key:  # not a setting: REXIAN_CONFIG, test-only variables
            assert name in everything, f"{name} is documented but read nowhere"


#: Modules that may touch ``os.environ`` although they are not ``configuration``: each passes an environment on
#: or sets one for a library, and reads no setting of its own from it.
ENVIRONMENT_ALLOWED = {
    "rexian/stack.py": "the launcher passes its environment on to the processes it starts (and Rasa's PYTHONPATH)",
    "dispatch_backend/launcher.py": "starts python -m dispatch_backend with this environment plus the test's",
    "knowledge_base/embedders.py": "sets GOMP_SPINCOUNT for the e5 engine's OpenMP runtime before it loads",
    "benchmarks/dispatch_bench.py": "a benchmark script: --pg-url defaults to the developer's REXIAN_TEST_PG_URL",
    "benchmarks/console_suggestions.py": "starts the console with this environment plus its own test settings",
}


def _environment_reads(path: Path) -> list[int]:
    """Lines of ``os.environ`` / ``os.getenv`` / ``from os import environ, getenv`` in a file."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "getenvb"):
            if isinstance(node.value, ast.Name) and node.value.id in ("os", "posix"):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "posix"):
            if any(alias.name in ("environ", "environb", "getenv", "getenvb") for alias in node.names):
                lines.append(node.lineno)
    return lines


def test_no_module_outside_configuration_reads_the_environment() -> None:
    readers = {}
    for path in _sources():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if path.suffix != ".py" or relative.startswith("configuration/") or relative in ENVIRONMENT_ALLOWED:
            continue
        if lines := _environment_reads(path):
            readers[relative] = lines
    assert not readers, f"read settings through configuration.load_config(), not os.environ: {readers}"
    assert all((PROJECT_ROOT / path).is_file() for path in ENVIRONMENT_ALLOWED)  # no stale exceptions


def test_the_environment_check_sees_a_read(tmp_path: Path) -> None:
    sample = tmp_path / "probe.py"
    sample.write_text("import os\nfrom os import getenv\n\ndef f():\n    return os.environ.get('X')\n",
                      encoding="utf-8")
    assert sorted(_environment_reads(sample)) == [2, 5]
