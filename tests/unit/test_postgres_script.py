"""scripts/test_postgres.sh run: two runs at once (two checkouts running ``make test``) get their own server.

Each run must use its own data directory and a free port, and stop/delete only its own server: run B ends (and
cleans up) while run A is still using its server, which must keep answering. Needs the PostgreSQL server
binaries (skipped without them: the script would otherwise try to apt-get install them).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "test_postgres.sh"


def _have_postgres() -> bool:
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        if all(os.access(os.path.join(bindir, b), os.X_OK) for b in ("pg_ctl", "initdb", "psql")):
            return True
    return all(shutil.which(b) for b in ("pg_ctl", "initdb", "psql"))


pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgresql,
    pytest.mark.skipif(not _have_postgres(), reason="PostgreSQL server binaries (pg_ctl, initdb, psql) not installed"),
    pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash"),
]

# The command each run executes: record REXIAN_TEST_PG_URL, optionally wait for a go file, then check that the
# server of this run still accepts connections on its port.
PROBE = r"""
import os, re, socket, sys, time
url = os.environ["REXIAN_TEST_PG_URL"]
open(sys.argv[1], "w").write(url)
go = sys.argv[2]
deadline = time.monotonic() + 120
while go and not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.1)
port = int(re.search(r":(\d+)/", url).group(1))
with socket.create_connection(("127.0.0.1", port), timeout=5):
    pass
"""


def _run(name: str, tmp_path: Path, go: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REXIAN_PG_PORT", "REXIAN_PG_DIR", "REXIAN_TEST_PG_URL")}
    return subprocess.Popen(["bash", str(SCRIPT), "run", "--", sys.executable, "-c", PROBE,
                             str(tmp_path / f"{name}.url"), go],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run_dir(stderr: str) -> Path:
    match = re.search(r"server for this run: \S+ \((.+)\)", stderr)
    assert match, stderr[-2000:]
    return Path(match.group(1))


def test_two_concurrent_runs_get_their_own_server_and_leave_each_other_alone(tmp_path: Path) -> None:
    go = tmp_path / "go"
    first = _run("a", tmp_path, str(go))      # keeps its server until told to check it
    second = _run("b", tmp_path, "")          # checks its server and ends at once
    try:
        out_b, err_b = second.communicate(timeout=180)
        assert second.returncode == 0, err_b[-3000:]
        dir_b = _run_dir(err_b)
        assert not dir_b.exists()             # B stopped and deleted only its own server ...
        deadline = time.monotonic() + 180
        while not (tmp_path / "a.url").exists():
            assert first.poll() is None and time.monotonic() < deadline, "run A did not start its server"
            time.sleep(0.2)
        go.touch()                            # ... and A's server still answers after B's cleanup
        out_a, err_a = first.communicate(timeout=180)
        assert first.returncode == 0, err_a[-3000:]
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                process.communicate(timeout=60)
    dir_a = _run_dir(err_a)
    assert dir_a != dir_b and not dir_a.exists()
    url_a, url_b = (tmp_path / "a.url").read_text(), (tmp_path / "b.url").read_text()
    port = re.compile(r"127\.0\.0\.1:(\d+)/")
    assert port.search(url_a).group(1) != port.search(url_b).group(1)   # type: ignore[union-attr]


def test_run_passes_on_the_exit_status_of_the_command() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REXIAN_PG_PORT", "REXIAN_PG_DIR")}
    result = subprocess.run(["bash", str(SCRIPT), "run", "sh", "-c", 'test -n "$REXIAN_TEST_PG_URL"; exit 7'],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 7, result.stderr[-3000:]
    assert not _run_dir(result.stderr).exists()
