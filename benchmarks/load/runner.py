"""What the load benchmark and the fault runs share: run Locust headless in its own process on the citizens of
``locustfile.py``, read its CSV statistics, and measure the resident memory of the services from /proc.

Locust is never imported here (it monkey-patches the standard library with gevent): it runs as ``python -m locust``.
"""
from __future__ import annotations

import csv
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_USERS = 200
MAX_SECONDS = 1800

#: How a service process is recognised from its command line (first match wins).
PROCESS_NAMES = [
    ("rasa run", "rasa"), ("bot.rasa_main", "rasa"), ("rasa_sdk", "actions"), ("dispatch_backend", "dispatch"), ("agent_console", "console"),
    ("connectors.webchat", "webchat"), ("connectors.telegram", "telegram"), ("-m callbacks", "callbacks"),
    ("haproxy", "haproxy"), ("redis-server", "redis"), ("postgres", "postgres"),
]


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"load only against this machine (loopback), not {host!r}")


@dataclass(frozen=True)
class StepStats:
    """One Locust run: every turn together (``name`` = "Aggregated") or one kind of turn."""

    name: str
    requests: int
    failures: int
    turns_per_s: float
    p50_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def from_row(cls, row: dict[str, str]) -> StepStats:
        def number(key: str) -> float:
            value = row.get(key) or "0"
            return 0.0 if value == "N/A" else float(value)

        return cls(row["Name"], int(number("Request Count")), int(number("Failure Count")), number("Requests/s"),
                   number("50%"), number("95%"), number("Max Response Time"))


@dataclass(frozen=True)
class LocustRun:
    users: int
    total: StepStats
    by_kind: dict[str, StepStats]
    returncode: int


def run_locust(url: str, users: int, run_time_s: int, out_prefix: Path, *, spawn_rate: float | None = None,
               pause: tuple[float, float] = (3.0, 7.0), ledger: Path | None = None, sender_prefix: str = "load",
               weights: tuple[int, int] = (3, 1), background: bool = False,
               steady_only: bool = False) -> LocustRun | subprocess.Popen:
    """Locust headless against ``url`` (loopback only, bounded); the statistics, or the process when ``background``
    (then :func:`read_run` reads its statistics after it ended). With ``steady_only`` the statistics start once
    every citizen has arrived (Locust's ``--reset-stats``): the ramp-up neither lowers turns/s nor hides latency."""
    require_loopback(url)
    if not 1 <= users <= MAX_USERS or not 1 <= run_time_s <= MAX_SECONDS:
        raise SystemExit(f"bounded load: 1–{MAX_USERS} users, 1–{MAX_SECONDS} s")
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    rate = spawn_rate or max(1.0, users / 10)
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(rate),
           "--run-time", f"{run_time_s}s", "--host", url.rstrip("/"), "--csv", str(out_prefix), "--only-summary",
           "--stop-timeout", "60", "--loglevel", "WARNING", "--pause-min", str(pause[0]), "--pause-max", str(pause[1]),
           "--consult-weight", str(weights[0]), "--complaint-weight", str(weights[1]), "--sender-prefix", sender_prefix]
    if ledger is not None:
        cmd += ["--ledger", str(ledger)]
    if steady_only:
        cmd.append("--reset-stats")
    log = (out_prefix.parent / f"{out_prefix.name}.locust.log").open("ab")
    process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    if background:
        return process
    process.wait()
    return read_run(users, out_prefix, process.returncode)


def read_run(users: int, out_prefix: Path, returncode: int) -> LocustRun:
    path = Path(f"{out_prefix}_stats.csv")
    if not path.exists():
        raise RuntimeError(f"Locust wrote no statistics ({path}); see {out_prefix}.locust.log")
    with path.open(encoding="utf-8") as f:
        rows = [StepStats.from_row(row) for row in csv.DictReader(f)]
    total = next(r for r in rows if r.name == "Aggregated")
    return LocustRun(users, total, {r.name: r for r in rows if r.name != "Aggregated"}, returncode)


def failures_between(out_prefix: Path, start: float, end: float) -> tuple[int, int]:
    """(turns, failed turns) Locust counted between two wall-clock times (from its per-second history)."""
    path = Path(f"{out_prefix}_stats_history.csv")
    if not path.exists():
        return 0, 0
    with path.open(encoding="utf-8") as f:
        rows = [(int(r["Timestamp"]), int(r["Total Request Count"]), int(r["Total Failure Count"]))
                for r in csv.DictReader(f) if r.get("Name") == "Aggregated"]

    def totals_at(when: float) -> tuple[int, int]:
        before = [(requests, failures) for stamp, requests, failures in rows if stamp <= when]
        return before[-1] if before else (0, 0)

    (r0, f0), (r1, f1) = totals_at(start), totals_at(end)
    return r1 - r0, f1 - f0


# --- resident memory of the services ------------------------------------------------------------------------------

def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def service_name(pid: int) -> str:
    """What the process is: a service by its command line, else a helper of its parent service (e.g. the action
    server's worker processes: "actions[123] child")."""
    cmdline = _cmdline(pid)
    name = next((name for marker, name in PROCESS_NAMES if marker in cmdline), None)
    if name:
        return name
    parent = _parent(pid)
    return f"{service_name(parent)}[{parent}] child" if parent > 1 else (cmdline.split(" ")[0] or "?")


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc/*/stat parent ids)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def listening_pids(ports: list[int]) -> list[int]:
    """The processes that listen on these TCP ports (from /proc/net/tcp* and each process's sockets)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) in ports:
                inodes.add(fields[9])
    sockets, pids = {f"socket:[{i}]" for i in inodes}, []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(fd.readlink().name in sockets for fd in fd_dir.iterdir()):
                pids.append(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids


class MemorySampler:
    """The largest resident memory of each process during a step (sampled every ``every`` seconds)."""

    def __init__(self, pids: list[int], every: float = 2.0) -> None:
        self.pids, self.every = pids, every
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            for pid in self.pids:
                self.peak[pid] = max(self.peak.get(pid, 0), rss_kib(pid))
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> str:
        parts = [f"{service_name(pid)}[{pid}] {kib / 1024:.0f} MiB" for pid, kib in sorted(self.peak.items()) if kib]
        return ", ".join(parts) or "(no service processes found)"
