"""Start and stop the whole Rexian stack: dispatch backend, seat-agent console, action server, Rasa server, web chat
(and the callbacks scheduler, the Telegram bridge when it has a token, the WeChat connector when it has an app id).

``python -m rexian.stack up`` (what ``make up`` runs) trains the Rasa model when its inputs changed, builds the
knowledge-base index when the KB or embedder changed, starts every service, waits until each answers, prints the
web chat and console URLs and stops every process it started on Ctrl-C. The same :class:`Stack` is used by the
end-to-end tests.

Secrets reach the processes the way every other setting does: each reads the same ``rexian.yml`` and inherits the
launcher's environment, so the console and the action server share ``console.internal_token`` (and the connectors
and the callbacks scheduler ``callbacks.push_token``); only Rasa, which cannot read the configuration, gets its
token on the command line.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import yaml

from configuration import PROJECT_ROOT, Settings, load_config

logger = logging.getLogger(__name__)

RASA_INPUTS = ("bot/config.yml", "bot/domain.yml", "bot/data", "nlu/dicts", "requirements/rasa-constraints.txt")


def rasa_venv() -> Path:
    return load_config().rasa.venv


def rasa_command(*args: str) -> list[str]:
    """``rasa ARGS`` in Rasa's environment through :mod:`bot.rasa_main` (Rasa's own CLI with its per-turn schema
    check built once); every process that runs a Rasa server uses this."""
    return [str(rasa_venv() / "bin" / "python"), "-m", "bot.rasa_main", *args]


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    # The project root is on the path for Rasa's tokenizer dictionaries and any project component.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def _hash_paths(root: Path, relative: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for rel in relative:
        path = root / rel
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def rasa_model_path(root: Path = PROJECT_ROOT) -> Path:
    """The model file for the current Rasa inputs (named by their hash)."""
    return root / "bot" / "models" / f"rexian-{_hash_paths(root, RASA_INPUTS)}.tar.gz"


def ensure_rasa_model(root: Path = PROJECT_ROOT) -> Path:
    """Train the Rasa model only when its data, config or dictionaries changed."""
    model = rasa_model_path(root)
    if model.exists():
        logger.info("Rasa model up to date: %s", model.name)
        return model
    logger.info("Training the Rasa model (inputs changed) ...")
    model.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(rasa_venv() / "bin" / "rasa"), "train",
        "--config", "bot/config.yml", "--domain", "bot/domain.yml", "--data", "bot/data",
        "--out", str(model.parent), "--fixed-model-name", model.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(cmd, cwd=root, env=rasa_env(), check=True)
    for old in model.parent.glob("rexian-*.tar.gz"):
        if old != model:
            old.unlink()
    return model


def ensure_kb_index(settings: Settings) -> None:
    """Build the knowledge-base index when the KB or the embedder changed (a no-op otherwise)."""
    subprocess.run([sys.executable, "-m", "rexian", "kb", "build"], cwd=PROJECT_ROOT, check=True)


def tracker_store_config(url: str) -> dict:
    """Rasa's SQL tracker store settings from one database URL (sqlite:///file or postgresql://...)."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        db_path = Path(unquote(parts.path.removeprefix("/")))
        if not db_path.is_absolute():
            db_path = PROJECT_ROOT / db_path
        db_path.parent.mkdir(parents=True, exist_ok=True)
        return {"type": "SQL", "dialect": "sqlite", "db": str(db_path)}
    if parts.scheme.startswith("postgres"):
        config = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "db": parts.path.lstrip("/"),
        }
        if parts.username:
            config["username"] = unquote(parts.username)
        if parts.password:
            config["password"] = unquote(parts.password)
        return config
    raise ValueError(f"不支持的对话存储地址（tracker_store.url）：{parts.scheme}://…，请使用 sqlite:/// 或 postgresql://")


def write_endpoints(settings: Settings, var_dir: Path) -> Path:
    """Write the Rasa endpoints file (action server + tracker store) derived from the settings."""
    endpoints = {
        "action_endpoint": {"url": f"http://{settings.actions.host}:{settings.actions.port}/webhook"},
        "tracker_store": tracker_store_config(settings.tracker_store.url),
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Service:
    """One process of the stack and how to tell it is ready."""

    name: str
    cmd: list[str]
    health_url: str | None  # None: a background worker, ready once it has started and not exited
    env: dict[str, str]
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.cmd, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}; see {self.log_path}")
            if self.health_url is None:
                time.sleep(1.0)  # a worker without an HTTP face: alive after a second is good enough
                if self.process is not None and self.process.poll() is None:
                    return
                continue
            try:
                if httpx.get(self.health_url, timeout=2.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()


@dataclass
class Stack:
    """The running services, started in dependency order and stopped in reverse."""

    settings: Settings
    model: Path
    var_dir: Path
    services: list[Service] = field(default_factory=list)

    def _service_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        return env

    def plan(self) -> list[Service]:
        s = self.settings
        app_env = self._service_env()
        services: list[Service] = []
        if (PROJECT_ROOT / "dispatch_backend" / "__main__.py").exists() and s.dispatch.embedded:
            backend_url = s.dispatch.url.rstrip("/")
            services.append(Service("dispatch", [sys.executable, "-m", "dispatch_backend"],
                                    f"{backend_url}/discovery.json", app_env))
        # Before the action server, whose handoffs it receives (console.internal_token: the same for both).
        services.append(Service("console", [sys.executable, "-m", "agent_console"], f"{s.console.url}/healthz",
                                app_env))
        actions_env = dict(app_env, SANIC_HOST=s.actions.host)
        services.append(Service(
            "actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "bot.actions.actions", "--port", str(s.actions.port)],
            f"http://{s.actions.host}:{s.actions.port}/health", actions_env,
        ))
        endpoints = write_endpoints(s, self.var_dir)
        services.append(Service(
            "rasa",
            rasa_command("run", "--model", str(self.model), "--endpoints", str(endpoints),
                         "--credentials", "bot/credentials.yml", "--interface", s.rasa.host, "--port", str(s.rasa.port),
                         # The HTTP API lets the callbacks scheduler start surveys (trigger_intent); it needs the token.
                         "--enable-api", "--auth-token", s.rasa.effective_api_token),
            f"http://{s.rasa.host}:{s.rasa.port}/", rasa_env(),
        ))
        services.append(Service("webchat", [sys.executable, "-m", "connectors.webchat"],
                                f"http://{s.webchat.host}:{s.webchat.port}/healthz", app_env))
        if s.callbacks.enabled:
            services.append(Service("callbacks", [sys.executable, "-m", "callbacks"], None, app_env))
        if s.telegram.token:
            services.append(Service("telegram", [sys.executable, "-m", "connectors.telegram"],
                                    f"http://{s.telegram.host}:{s.telegram.port}/healthz", app_env))
        if s.wechat.enabled:
            services.append(Service("wechat", [sys.executable, "-m", "connectors.wechat"],
                                    f"{s.wechat.url}/healthz", app_env))
        return services

    def start(self, timeout: float = 300.0) -> None:
        self.services = self.plan()
        try:
            for service in self.services:
                logger.info("Starting %s ...", service.name)
                service.start(self.var_dir / "log")
                service.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def restart(self, name: str, timeout: float = 300.0) -> None:
        """Stop and start one service (the tests use it to prove conversations survive a Rasa restart)."""
        service = next(s for s in self.services if s.name == name)
        service.stop()
        service.start(self.var_dir / "log")
        service.wait_ready(timeout)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def ensure_appeal_model() -> None:
    """Train (or load from its cache under var/) the appeal-type and category classifier, so the action server's
    first citizen does not wait for it: the first training embeds the seed examples and takes a minute or two."""
    from nlu.appeal import load_classifier

    load_classifier()


def ensure_emergency_model() -> None:
    """Train (or load from var/emergency_model/) the semantic emergency model: about 15 s the first time."""
    from nlu.emergency_semantic import load_model

    load_model()


def prepare(settings: Settings) -> Path:
    """Everything before starting: KB index, appeal classifier, emergency model and Rasa model, each rebuilt only
    when its inputs changed."""
    ensure_kb_index(settings)
    ensure_appeal_model()
    ensure_emergency_model()
    return ensure_rasa_model()


def python_command() -> str:
    """This interpreter as the operator would type it: relative to the project root when it lives inside it."""
    executable = Path(sys.executable)
    try:
        return str(executable.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(executable)


def console_accounts(settings: Settings) -> int | None:
    """Active accounts of the console (None when its database cannot be read: the banner then gives the hint)."""
    from agent_console.cli import active_accounts
    from agent_console.settings import ConsoleConfig

    try:
        return active_accounts(ConsoleConfig.from_config(settings))
    except Exception as exc:  # a hint in the banner is not worth stopping a running stack for
        logger.warning("Could not count the console's accounts: %s", exc)
        return None


def banner(settings: Settings, accounts: int | None) -> str:
    """What ``make up`` prints once every service answers (``accounts``: the console's, None when unknown)."""
    console = f"Agent console (坐席助手): {settings.console.url}/\n"
    if not accounts:
        console += (f"  No console account yet: create one with "
                    f"{python_command()} -m agent_console users add NAME --role agent  (or --role supervisor)\n")
    return (
        f"\nRexian is running. Web chat: {settings.webchat.url}/\n"
        + console
        + f"Rasa REST channel: {settings.rasa.url}/webhooks/rest/webhook\n"
        f"Work orders (Open311): {settings.dispatch.url}/requests.json\n"
        f"Telegram: {'on' if settings.telegram.token else 'off (set REXIAN_TELEGRAM_TOKEN)'}; "
        + (f"WeChat: server URL {settings.wechat.url}{settings.wechat.path} (register its public HTTPS address, "
           f"docs/wechat.md); " if settings.wechat.enabled else "WeChat: off (set REXIAN_WECHAT_APP_ID); ")
        + f"satisfaction callbacks: {'on' if settings.callbacks.enabled else 'off'}\n"
        f"Logs: {PROJECT_ROOT / 'var' / 'log'}\nPress Ctrl-C to stop.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rexian.stack", description="Start the Rexian services.")
    parser.add_argument("command", choices=["up", "prepare"], help="up: prepare and run; prepare: only build")
    parser.add_argument("--cluster", action="store_true",
                        help="several processes per role behind HAProxy, with Redis and PostgreSQL "
                             "(rexian/cluster.py, docs/deploy.md)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = load_config()
    model = prepare(settings)
    if args.command == "prepare":
        return 0
    stack = Stack(settings, model, PROJECT_ROOT / "var")
    def _request_stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (e.g. by `&`)
    if args.cluster:
        from rexian.cluster import run as run_cluster

        return run_cluster(settings, model)
    try:
        stack.start()
        sys.stdout.write(banner(settings, console_accounts(settings)))
        sys.stdout.flush()
        while True:
            for service in stack.services:
                if service.process is not None and service.process.poll() is not None:
                    logger.error("%s stopped unexpectedly; see %s", service.name, service.log_path)
                    return 1
            time.sleep(1.0)
    except KeyboardInterrupt:
        logger.info("Stopping ...")
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
