"""Driving a running agent console from tests and benchmarks: start ``python -m agent_console`` in a subprocess with
its accounts, log a browser in (session cookie + CSRF token), read its ``/events`` stream.

Used by tests/integration/test_console_live.py, test_console_assist_live.py, the browser tests and
benchmarks/console_suggestions.py, so the console is started and read one way everywhere.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent


def console_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m agent_console ARGS`` (e.g. ``users add``) with ``env``; its completed process."""
    return subprocess.run([sys.executable, "-m", "agent_console", *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@dataclass(frozen=True)
class RunningConsole:
    url: str
    pid: int


@contextmanager
def running_console(env: dict[str, str], port: int, *, users: Iterable[tuple[str, str, str]] = (),
                    password: str = "", timeout: float = 60.0, quiet: bool = False) -> Iterator[RunningConsole]:
    """Add ``users`` (name, role, display name) with ``password``, start the console on ``port`` and yield its
    URL and process id once ``/healthz`` answers; terminated (killed after 10 s) on exit."""
    for name, role, display in users:
        made = console_cli(env, "users", "add", name, "--role", role, "--display-name", display,
                           stdin=password + "\n")
        if made.returncode != 0:
            raise RuntimeError(f"users add {name}: {made.stderr}")
    output = subprocess.DEVNULL if quiet else subprocess.PIPE
    process = subprocess.Popen([sys.executable, "-m", "agent_console"], env=env, cwd=ROOT, stdout=output,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError("the console stopped: " + (process.stdout.read() if process.stdout else ""))
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the console did not start")
            time.sleep(0.2)
        yield RunningConsole(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def login(url: str, name: str, password: str, *, timeout: float = 30.0) -> tuple[httpx.Client, str]:
    """A logged-in browser: the client (session cookie) and the CSRF token of its pages."""
    client = httpx.Client(base_url=url, timeout=timeout)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    if not token:
        raise AssertionError("no login form")
    answer = client.post("/login", data={"name": name, "password": password, "csrf_token": token.group(1),
                                         "next": "/queue"})
    if answer.status_code != 303:
        raise AssertionError(f"login {name}: {answer.status_code} {answer.text}")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/queue").text)
    if not csrf:
        raise AssertionError("no CSRF token on /queue")
    return client, csrf.group(1)


def post(client: httpx.Client, csrf: str, path: str, payload: dict[str, Any] | None = None) -> httpx.Response:
    """A browser's JSON POST with its CSRF header."""
    return client.post(path, json=payload if payload is not None else {}, headers={"X-CSRF-Token": csrf})


class EventStream:
    """A browser's ``/events`` (server-sent events) read in a thread: (event, data) pairs in :attr:`events`;
    ``on_event`` (if given) is called with each pair as it arrives, in the reading thread."""

    def __init__(self, client: httpx.Client, *, on_event: Callable[[str, dict[str, Any]], None] | None = None,
                 wait_hello: float = 30.0) -> None:
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._on_event = on_event
        self._client = httpx.Client(base_url=str(client.base_url), cookies=client.cookies,
                                    timeout=httpx.Timeout(10, read=None))
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if wait_hello and not self.wait_for("hello", lambda data: True, timeout=wait_hello):
            raise AssertionError("no hello event")

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/events") as response:
                self._response = response
                event, data = "message", []
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "":
                        if data:
                            pair = (event, json.loads("\n".join(data)))
                            if self._on_event is not None:
                                self._on_event(*pair)
                            self.events.put(pair)
                        event, data = "message", []
        except (httpx.HTTPError, RuntimeError):
            pass

    def wait_for(self, name: str, predicate: Callable[[dict[str, Any]], bool],
                 timeout: float = 30.0) -> dict[str, Any] | None:
        """The data of the first ``name`` event matching ``predicate`` within ``timeout`` s (others are dropped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if event == name and predicate(data):
                return data
        return None

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
        self._client.close()
        self._thread.join(timeout=5)
