"""Start the backend as a child process (used by the tests and the benchmark)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from configuration import PROJECT_ROOT


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BackendProcess:
    """A running ``python -m dispatch_backend``."""

    url: str
    db_url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        """Terminate the process (kill after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_backend(db_url: str, port: int, log_path: Path, env: dict[str, str] | None = None,
                  timeout: float = 60.0) -> BackendProcess:
    """Start the backend on 127.0.0.1:``port`` and wait until /discovery.json answers."""
    child_env = {**os.environ, **(env or {}), "REXIAN_DISPATCH_DB_URL": db_url,
                 "REXIAN_DISPATCH_HOST": "127.0.0.1", "REXIAN_DISPATCH_PORT": str(port)}
    log = log_path.open("ab")
    process = subprocess.Popen([sys.executable, "-m", "dispatch_backend"], cwd=PROJECT_ROOT, env=child_env,
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"backend exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/discovery.json", timeout=1).status_code == 200:
                return BackendProcess(url, db_url, port, process, log_path)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait(timeout=5)
    raise RuntimeError(f"backend did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
