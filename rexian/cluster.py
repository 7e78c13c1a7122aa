"""Cluster mode on one machine: several processes per role on the engines a real deployment uses.

``python -m rexian.stack up --cluster`` (``make up-cluster``) installs what is missing
(``scripts/install_cluster_deps.sh``: redis-server and haproxy; ``scripts/test_postgres.sh``: PostgreSQL) and
starts, each on loopback, with its state under ``var/cluster/``:

* PostgreSQL (``var/cluster/pg``, kept between runs): the dispatch backend's database, Rasa's tracker store and the
  callbacks scheduler's store, three databases of one server;
* Redis (no persistence, only locks): Rasa's lock store, so two Rasa servers never handle one conversation at once;
* HAProxy (config generated into ``var/cluster/haproxy.cfg``): least-connection balancing with health checks and
  retries on connection failure only (a POST that reached a server is never sent twice), in front of the Rasa
  servers (on ``rasa.port``), the action servers (``actions.port``) and the dispatch backends (``dispatch.port``);
* two Rasa servers sharing conversations (Redis lock store, PostgreSQL tracker store), whose ``action_endpoint`` is
  the balancer: a dead action server is routed around instead of taking a Rasa server's turns down with it;
* two action servers (stateless; the outbox file ``var/cluster/dispatch_outbox.sqlite3`` is shared through its
  leases), two dispatch backends on PostgreSQL (only the first sweeps deadlines), the agent console, the web chat
  pointed at the balancer, and two callbacks schedulers coordinating through their leases in PostgreSQL.

The internal instances listen on free ports; what a user or a connector reaches keeps its configured port. Ctrl-C
stops every process started here and the PostgreSQL server. The tests and ``benchmarks/cluster_faults.py`` use
:class:`Cluster` to kill and restart single parts.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from configuration import PROJECT_ROOT, Settings, TrackerStoreSettings
from rexian.stack import Service, rasa_command, rasa_env, write_endpoints

logger = logging.getLogger(__name__)

INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_cluster_deps.sh"
POSTGRES_SCRIPT = PROJECT_ROOT / "scripts" / "test_postgres.sh"
DISPATCH_DB, TRACKER_DB, CALLBACKS_DB = "rexian_dispatch", "rexian_tracker", "rexian_callbacks"
INSTANCES = 2


class ClusterUnavailable(RuntimeError):
    """Something cluster mode needs cannot be installed here (the message says what)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def program(name: str) -> str:
    """The path of a system program (also in /usr/sbin, which is not on every user's PATH)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin") or name


def ensure_system_programs() -> None:
    """Install redis-server and haproxy when missing (root + apt-get), else raise :class:`ClusterUnavailable`."""
    result = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True)
    if result.returncode != 0:
        raise ClusterUnavailable(f"redis-server/haproxy missing and not installable: {result.stderr.strip()[-300:]}")


@dataclass(frozen=True)
class Postgres:
    """The cluster's PostgreSQL server, run by scripts/test_postgres.sh in ``directory``."""

    directory: Path

    def _script(self, command: str) -> str:
        env = dict(rasa_env(), REXIAN_PG_DB=DISPATCH_DB)
        env.pop("REXIAN_PG_PORT", None)  # the port recorded for the directory, else a free one
        result = subprocess.run(["bash", str(POSTGRES_SCRIPT), command, str(self.directory)], env=env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise ClusterUnavailable(f"PostgreSQL {command} failed: {result.stderr.strip()[-500:]}")
        return result.stdout.strip()

    def start(self) -> str:
        """Start (installing PostgreSQL if needed), create the databases; returns the dispatch database URL."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        url = self._script("start")
        self._create_databases(url)
        return url

    def stop(self) -> None:
        self._script("stop")

    def restart(self) -> None:
        """Stop and start on the same port (the fault runs: do services reconnect by themselves?)."""
        self.stop()
        self._script("start")

    @staticmethod
    def _create_databases(url: str) -> None:
        import psycopg

        server = url.replace("postgresql+psycopg://", "postgresql://").rpartition("/")[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            for name in (TRACKER_DB, CALLBACKS_DB):
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                    conn.execute(f'CREATE DATABASE "{name}"')


def database_url(dispatch_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``dispatch_url``."""
    return f"{dispatch_url.rpartition('/')[0]}/{name}"


@dataclass(frozen=True)
class Ports:
    """Free loopback ports of the internal instances (the balancer's own fronts keep the configured ports)."""

    redis: int = field(default_factory=free_port)
    stats: int = field(default_factory=free_port)
    rasa: tuple[int, ...] = field(default_factory=lambda: tuple(free_port() for _ in range(INSTANCES)))
    actions: tuple[int, ...] = field(default_factory=lambda: tuple(free_port() for _ in range(INSTANCES)))
    dispatch: tuple[int, ...] = field(default_factory=lambda: tuple(free_port() for _ in range(INSTANCES)))


def haproxy_config(settings: Settings, ports: Ports, dispatch: bool = True) -> str:
    """HAProxy: least-conn, a check of each server every second, retries (and another server) on connection failure
    only."""
    def backend(name: str, front_port: int, check: str | None, servers: tuple[int, ...]) -> str:
        lines = [f"frontend {name}_front", f"    bind 127.0.0.1:{front_port}", f"    default_backend {name}",
                 f"backend {name}", "    balance leastconn"]
        if check:
            lines += [f"    option httpchk GET {check}", "    http-check expect rstatus ^[234]"]
        lines += ["    default-server inter 1s fall 2 rise 2",
                 # which server answered (tests and fault runs kill the one a conversation is on)
                 "    http-response set-header X-Rexian-Server %[srv_name]"]
        lines += [f"    server {name}-{i} 127.0.0.1:{port} check" for i, port in enumerate(servers, start=1)]
        return "\n".join(lines)

    sections = [
        "global\n    maxconn 4096",
        "defaults\n    mode http\n    timeout connect 2s\n    timeout client 180s\n    timeout server 180s\n"
        "    timeout check 3s\n    retries 3\n    option redispatch 1\n    retry-on conn-failure",
        # Rasa and the action servers get a connection check, not an HTTP one: a server busy with a turn's CPU work
        # answers /health late but is alive; an HTTP check would take every busy server out at the peak (all
        # DOWN = 503 for everyone). A dead server refuses connections and is out within two seconds.
        backend("rasa", settings.rasa.port, None, ports.rasa),
        backend("actions", settings.actions.port, None, ports.actions),
    ]
    if dispatch:
        sections.append(backend("dispatch", settings.dispatch.port, "/discovery.json", ports.dispatch))
    sections.append(f"frontend stats\n    bind 127.0.0.1:{ports.stats}\n    stats enable\n    stats uri /stats\n"
                    "    stats refresh 5s")
    return "\n\n".join(sections) + "\n"


def write_cluster_endpoints(settings: Settings, tracker_url: str, redis_port: int, var_dir: Path) -> Path:
    """Rasa's endpoints for a cluster member: actions through the balancer, shared tracker and lock stores."""
    path = write_endpoints(settings.model_copy(update={"tracker_store": TrackerStoreSettings(url=tracker_url)}),
                           var_dir)
    endpoints = yaml.safe_load(path.read_text(encoding="utf-8"))
    endpoints["lock_store"] = {"type": "redis", "url": "127.0.0.1", "port": redis_port, "db": 1,
                               "key_prefix": "rexian"}
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Cluster:
    """The cluster's processes, started in waves (each wave's services start together) and stopped in reverse."""

    settings: Settings
    model: Path
    var_dir: Path
    ports: Ports = field(default_factory=Ports)
    postgres: Postgres | None = None
    dispatch_db_url: str = ""
    environment: dict[str, str] = field(default_factory=dict)  # REXIAN_* for every process, over this one's own
    waves: list[list[Service]] = field(default_factory=list)

    @property
    def services(self) -> list[Service]:
        return [service for wave in self.waves for service in wave]

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.stats}/stats"

    def _env(self, **extra: str) -> dict[str, str]:
        env = dict(rasa_env(), **self.environment)  # this environment, PYTHONPATH with the project root
        env.update({
            "REXIAN_DISPATCH_URL": self.settings.dispatch.url,
            "REXIAN_DISPATCH_DB_URL": self.dispatch_db_url,
            "REXIAN_DISPATCH_OUTBOX": str(self.var_dir / "dispatch_outbox.sqlite3"),
            "REXIAN_TRACKER_STORE_URL": database_url(self.dispatch_db_url, TRACKER_DB),
            "REXIAN_CALLBACKS_STORE_URL": database_url(self.dispatch_db_url, CALLBACKS_DB),
        })
        env.update(extra)
        return env

    def plan(self) -> list[list[Service]]:
        s, ports, py = self.settings, self.ports, sys.executable
        haproxy_cfg = self.var_dir / "haproxy.cfg"
        haproxy_cfg.write_text(haproxy_config(s, ports, dispatch=s.dispatch.embedded), encoding="utf-8")
        redis_dir = self.var_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        waves: list[list[Service]] = [[
            Service("redis", [program("redis-server"), "--port", str(ports.redis),
                              "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(redis_dir)],
                    None, self._env()),
            Service("balancer", [program("haproxy"), "-db", "-f", str(haproxy_cfg)], self.stats_url,
                    self._env()),
        ]]
        if s.dispatch.embedded:
            dispatch = [Service(f"dispatch-{i}", [py, "-m", "dispatch_backend"],
                                f"http://127.0.0.1:{port}/discovery.json",
                                self._env(REXIAN_DISPATCH_HOST="127.0.0.1", REXIAN_DISPATCH_PORT=str(port),
                                          REXIAN_DISPATCH_PUBLIC_URL=s.dispatch.url,
                                          # one sweeper of missed deadlines is enough (the others on reads only)
                                          **({} if i == 1 else {"REXIAN_DISPATCH_SWEEP_SECONDS": "0"})))
                        for i, port in enumerate(ports.dispatch, start=1)]
            waves += [dispatch[:1], dispatch[1:]]  # the first migrates the database alone
        waves.append([Service("console", [py, "-m", "agent_console"], f"{s.console.url}/healthz", self._env())])
        waves.append([Service(f"actions-{i}", [py, "-m", "rasa_sdk", "--actions", "bot.actions.actions",
                                               "--port", str(port)],
                              f"http://127.0.0.1:{port}/health", self._env(SANIC_HOST="127.0.0.1"))
                      for i, port in enumerate(ports.actions, start=1)])
        endpoints = write_cluster_endpoints(s, database_url(self.dispatch_db_url, TRACKER_DB), ports.redis,
                                            self.var_dir)
        waves.append([Service(f"rasa-{i}", rasa_command(
            "run", "--model", str(self.model), "--endpoints", str(endpoints), "--credentials", "bot/credentials.yml",
            "--interface", "127.0.0.1", "--port", str(port), "--enable-api", "--auth-token", s.rasa.effective_api_token),
            f"http://127.0.0.1:{port}/", self._env()) for i, port in enumerate(ports.rasa, start=1)])
        connectors = [Service("webchat", [py, "-m", "connectors.webchat"],
                              f"http://{s.webchat.host}:{s.webchat.port}/healthz", self._env())]
        if s.callbacks.enabled:
            connectors += [Service(f"callbacks-{i}", [py, "-m", "callbacks"], None, self._env())
                           for i in range(1, INSTANCES + 1)]
        if s.telegram.token:
            connectors.append(Service("telegram", [py, "-m", "connectors.telegram"],
                                      f"http://{s.telegram.host}:{s.telegram.port}/healthz", self._env()))
        if s.wechat.enabled:  # one process: its retries are kept apart in wechat.db, shared by a second one too
            connectors.append(Service("wechat", [py, "-m", "connectors.wechat"], f"{s.wechat.url}/healthz",
                                      self._env()))
        waves.append(connectors)
        return waves

    def start(self, timeout: float = 300.0) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        ensure_system_programs()
        self.postgres = Postgres(self.var_dir / "pg")
        try:
            self.dispatch_db_url = self.postgres.start()
            self.waves = self.plan()
            for wave in self.waves:
                for service in wave:
                    logger.info("Starting %s ...", service.name)
                    service.start(self.var_dir / "log")
                for service in wave:
                    service.wait_ready(timeout)
            self.wait_balanced(timeout)
        except BaseException:
            self.stop()
            raise

    def kill(self, name: str) -> None:
        """kill -9 one service (its whole process group), as a crashed machine would."""
        service = self.service(name)
        if service.process is not None and service.process.poll() is None:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()

    def restart(self, name: str, timeout: float = 300.0) -> None:
        service = self.service(name)
        service.stop()
        service.start(self.var_dir / "log")
        service.wait_ready(timeout)
        self.wait_balanced(timeout, [name])

    def wait_balanced(self, timeout: float, names: list[str] | None = None) -> None:
        """Until the balancer has seen the servers (all, or ``names``) answer: ready is not yet in rotation."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.balancer_state()
            waiting = [n for n in (names or states) if n in states and states[n] != "UP"]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the balancer does not see {', '.join(waiting)} up; see {self.stats_url}")
            time.sleep(0.5)

    def balancer_state(self) -> dict[str, str]:
        """``{"rasa-1": "UP", ...}`` from the balancer's statistics (CSV)."""
        rows = httpx.get(f"{self.stats_url};csv", timeout=5).text.splitlines()
        header = rows[0].lstrip("# ").split(",")
        states = {}
        for row in rows[1:]:
            record = dict(zip(header, row.split(",")))
            if record.get("svname") not in ("FRONTEND", "BACKEND", None):
                states[record["svname"]] = record.get("status", "")
        return states

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        if self.postgres is not None:
            try:
                self.postgres.stop()
            except ClusterUnavailable as exc:
                logger.warning("%s", exc)


def banner(cluster: Cluster) -> str:
    s = cluster.settings
    return (
        f"\nRexian cluster is running (state in {cluster.var_dir}).\n"
        f"Web chat: {s.webchat.url}/\nAgent console (坐席助手): {s.console.url}/\n"
        f"Rasa REST channel (balancer): {s.rasa.url}/webhooks/rest/webhook\n"
        f"Work orders (balancer): {s.dispatch.url}/requests.json\n"
        f"Balancer statistics: {cluster.stats_url}\n"
        f"PostgreSQL: {cluster.dispatch_db_url.rpartition('/')[0]}  Redis: 127.0.0.1:{cluster.ports.redis}\n"
        f"Logs: {cluster.var_dir / 'log'}\nPress Ctrl-C to stop.\n"
    )


def run(settings: Settings, model: Path, var_dir: Path | None = None) -> int:
    """Start the cluster, print its URLs, keep it running until Ctrl-C / SIGTERM; a dead member is reported once
    (the balancer routes around it) rather than stopping the others."""
    cluster = Cluster(settings, model, var_dir or PROJECT_ROOT / "var" / "cluster")
    reported: set[str] = set()
    try:
        cluster.start()
        sys.stdout.write(banner(cluster))
        sys.stdout.flush()
        while True:
            for service in cluster.services:
                if service.process is not None and service.process.poll() is not None and service.name not in reported:
                    reported.add(service.name)
                    logger.error("%s stopped unexpectedly; see %s", service.name, service.log_path)
            time.sleep(1.0)
    except KeyboardInterrupt:
        logger.info("Stopping the cluster ...")
        return 0
    except ClusterUnavailable as exc:
        logger.error("%s", exc)
        return 1
    finally:
        cluster.stop()
