"""Fixtures: the real dispatch backend as a uvicorn subprocess, on SQLite and (when
REXIAN_TEST_PG_URL is set) PostgreSQL, driven over HTTP by dispatch_client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_client import DispatchClient
from tests.backend import start_test_backend

PROJECT_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-bot-key"
WEBHOOK_SECRET = "test-webhook-secret"
TEST_NOW_HEADER = "X-Rexian-Test-Now"
#: Department keys from dispatch_backend/config/departments.yml.
DEPT_KEYS = {
    "gongan": "dev-dept-gongan",
    "shizheng": "dev-dept-shizheng",
    "chengguan": "dev-dept-chengguan",
    "water": "dev-dept-water",
    "power": "dev-dept-power",
}


def start_backend(db_url: str, port: int, log_path: Path, webhook_url: str = "") -> BackendProcess:
    """Start the backend with the test settings (test clock on, sweeper off)."""
    return start_test_backend(db_url, port, log_path, api_key=API_KEY, webhook_url=webhook_url,
                              webhook_secret=WEBHOOK_SECRET)


@dataclass
class WebhookReceiver:
    """Collects webhook deliveries (headers, raw body)."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def wait_for(self, predicate: Callable[[dict[str, object]], bool], timeout: float = 10.0
                 ) -> tuple[dict[str, str], bytes]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for headers, body in list(self.received):
                if predicate(json.loads(body)):
                    return headers, body
            time.sleep(0.05)
        raise AssertionError("webhook not received")


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(({k: v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def _fresh_postgres(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


PG_SCRIPT = PROJECT_ROOT / "scripts" / "test_postgres.sh"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """REXIAN_TEST_PG_URL; the value ``auto`` starts a private scripts/test_postgres.sh server (removed afterwards)."""
    configured = os.environ.get("REXIAN_TEST_PG_URL", "").strip()
    if configured != "auto":
        yield configured or None
        return
    folder = tempfile.mkdtemp(prefix="rexian-pg.")  # a private cluster on a free port for this session
    url = subprocess.run([str(PG_SCRIPT), "start", folder], check=True, capture_output=True, text=True
                         ).stdout.strip().splitlines()[-1]
    try:
        yield url
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", folder], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database: a SQLite file, or the PostgreSQL server with an empty schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('dispatch') / 'dispatch.sqlite3'}"
    pg_url = request.getfixturevalue("postgres_url")
    if not pg_url:
        pytest.skip("REXIAN_TEST_PG_URL 未设置（scripts/test_postgres.sh start 会给出，或设为 auto）")
    return _fresh_postgres(pg_url)


@pytest.fixture(scope="session")
def backend(db_url: str, webhook_receiver: WebhookReceiver,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    log_path = tmp_path_factory.mktemp("logs") / "backend.log"
    process = start_backend(db_url, free_port(), log_path, webhook_receiver.url)
    yield process
    process.stop()


@pytest.fixture
def client(backend: BackendProcess) -> Iterator[DispatchClient]:
    """Client at the real current time."""
    with DispatchClient(backend.url, API_KEY, retries=1, backoff=0.05) as c:
        yield c


@pytest.fixture
def client_at(backend: BackendProcess) -> Iterator[Callable[[str], DispatchClient]]:
    """Factory of clients whose requests carry a test clock (ISO time, Beijing when no offset)."""
    made: list[DispatchClient] = []

    def make(when: str) -> DispatchClient:
        c = DispatchClient(backend.url, API_KEY, retries=1, backoff=0.05, headers={TEST_NOW_HEADER: when})
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against the REXIAN_TEST_PG_URL PostgreSQL server")
