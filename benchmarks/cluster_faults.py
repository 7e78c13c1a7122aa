"""Fault runs: the cluster (rexian/cluster.py) under a moderate Locust load, with parts killed and restarted.

    .venv/app/bin/python benchmarks/cluster_faults.py                    # every scenario, 20 citizens
    .venv/app/bin/python benchmarks/cluster_faults.py --scenarios a --users 10 --phase 20

Starts its own cluster (free loopback ports, state in a temporary directory, removed afterwards) and runs:

a. kill -9 one Rasa server (then restarts it for the next scenario);
b. kill -9 one action server; then both dispatch backends (down 10 s: confirmations get provisional numbers from
   the outbox, which delivers them once the backends are back); then a restart of PostgreSQL; then of Redis;
c. a citizen's message retried by the channel after a timeout: a complaint through the web chat whose every message
   is first sent with a 50 ms timeout and then again with the same ``message_id``, and the same through Rasa's REST
   channel directly (which has no message id: the figures show what a retrying REST client gets).

For each it prints turns attempted / answered / failed (Locust's, plus the probe's), orders expected (complaints the
bot confirmed with a number) vs created (orders in the backend for the run's citizens), duplicates (must be 0), and
the time to recover after each fault: from the fault until a probe citizen (one consultation every 0.5 s through
the balancer) is answered again after its last failure (0 when it never failed). No assertions: figures only.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load.runner import failures_between, read_run, run_locust  # noqa: E402
from configuration import PROJECT_ROOT, load_config  # noqa: E402
from dispatch_client import DispatchClient  # noqa: E402
from domain import channel_of_sender  # noqa: E402
from rexian.cluster import Cluster, free_port  # noqa: E402
from rexian.stack import ensure_rasa_model  # noqa: E402

REFERENCE = re.compile(r"(?:工单号|受理号)[：:]")
PROBE_QUESTION = "办理居住证需要满足什么条件"
# Each retried complaint has its own phone number and house number: the same words and number again would rightly be
# linked to the first one's open order as a 催办 instead of filing a new order.
COMPLAINT = "我要投诉，朝阳区建国路{number}号楼下的饭店油烟很大，从上周开始的，我姓孙，电话138{phone:08d}"
FORM_ANSWERS = [("哪一类", "1"), ("投诉举报、求助", "投诉举报"), ("涉及具体地点", "无"), ("什么时候", "昨天晚上"),
                ("需要我们回访", "是"), ("保密", "否"), ("具体说一下", "饭店油烟直排，熏得窗户都不能开")]


def cluster_environment(var_dir: Path) -> dict[str, str]:
    """Free ports and private files for every process of the cluster (never the default ports)."""
    return {
        "REXIAN_CONFIG": str(var_dir / "rexian.yml"),
        "REXIAN_RASA_PORT": str(free_port()), "REXIAN_ACTIONS_PORT": str(free_port()),
        "REXIAN_WEBCHAT_PORT": str(free_port()), "REXIAN_DISPATCH_PORT": str(free_port()),
        "REXIAN_CONSOLE_PORT": str(free_port()), "REXIAN_TELEGRAM_PORT": str(free_port()),
        "REXIAN_TELEGRAM_TOKEN": "", "REXIAN_DISPATCH_EMBEDDED": "true",
        "REXIAN_KB_FEEDBACK_DB": str(var_dir / "feedback.sqlite3"),
        "REXIAN_EMERGENCY_EVENTS_DB": str(var_dir / "events.sqlite3"),
        "REXIAN_WEBCHAT_PUSH_DB": str(var_dir / "webchat_push.sqlite3"),
        "REXIAN_CONSOLE_DB_URL": f"sqlite:///{var_dir / 'console.sqlite3'}",
        "REXIAN_CALLBACKS_POLL_SECONDS": "2",
        "REXIAN_DISPATCH_RETRIES": "0",
    }


@dataclass
class Probe:
    """One citizen asking the same question every ``every`` seconds through the balancer."""

    url: str
    every: float = 0.5
    results: list[tuple[float, bool]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Probe:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        sender = f"probe-{uuid.uuid4().hex[:12]}"
        with httpx.Client(timeout=15) as client:
            while not self._stop.is_set():
                try:
                    response = client.post(f"{self.url}/webhooks/rest/webhook",
                                           json={"sender": sender, "message": PROBE_QUESTION})
                    ok = response.status_code == 200 and any(m.get("text") for m in response.json())
                except (httpx.HTTPError, ValueError):
                    ok = False
                self.results.append((time.monotonic(), ok))
                self._stop.wait(self.every)

    def recovery(self, since: float, until: float) -> float:
        """Seconds from ``since`` until answered again after the last failure before ``until`` (0: no failure)."""
        window = [(t, ok) for t, ok in self.results if since <= t <= until]
        failures = [t for t, ok in window if not ok]
        if not failures:
            return 0.0
        after = [t for t, ok in self.results if ok and t > failures[-1]]
        return (after[0] - since) if after else float("inf")

    def counts(self, since: float) -> tuple[int, int]:
        window = [ok for t, ok in self.results if t >= since]
        return len(window), sum(window)


def outbox_pending(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]


def order_counts(cluster: Cluster, ledger: Path, wait_s: float = 90.0) -> tuple[int, int, int, int]:
    """(expected, created, duplicates, lost) for the complaints in ``ledger``, once the outbox is empty."""
    outbox = cluster.var_dir / "dispatch_outbox.sqlite3"
    deadline = time.monotonic() + wait_s
    while outbox_pending(outbox) and time.monotonic() < deadline:
        time.sleep(2)
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()] if ledger.exists() else []
    s = cluster.settings
    created = duplicates = lost = 0
    with DispatchClient(s.dispatch.url, api_key=s.dispatch.effective_api_key, timeout=15) as client:
        for entry in entries:
            count = len(client.list(channel="rest", channel_user_id=entry["sender"]))
            created += count
            duplicates += max(0, count - 1)
            lost += int(entry["confirmed"] and count == 0)
    return sum(e["confirmed"] for e in entries), created, duplicates, lost


def run_under_load(cluster: Cluster, name: str, faults: list[tuple[str, Callable[[], None]]], args: argparse.Namespace,
                   probe: Probe) -> None:
    """Load for (faults + 1) phases; each fault starts a phase; then the figures."""
    url = cluster.settings.rasa.url
    ledger = cluster.var_dir / f"{name}.ledger.jsonl"
    prefix = cluster.var_dir / "load" / name
    run_time = args.phase * (len(faults) + 1) + 5
    process = run_locust(url, args.users, run_time, prefix, pause=args.pause, ledger=ledger, sender_prefix=name,
                         weights=(2, 1), background=True)
    started = time.monotonic()
    recoveries = []
    try:
        time.sleep(args.phase)
        for label, fault in faults:
            t0, wall0 = time.monotonic(), time.time()
            fault()
            time.sleep(max(0.0, args.phase - (time.monotonic() - t0)))
            recoveries.append((label, probe.recovery(t0, time.monotonic()), wall0, time.time()))
        process.wait()
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait()
    run = read_run(args.users, prefix, process.returncode)
    expected, created, duplicates, lost = order_counts(cluster, ledger)
    attempted, answered = probe.counts(started)
    t = run.total
    print(f"\n[{name}] {args.users} citizens, {run_time} s")
    print(f"  turns attempted {t.requests}, answered {t.requests - t.failures}, failed {t.failures} "
          f"(p50 {t.p50_ms:.0f} ms, p95 {t.p95_ms:.0f} ms); probe {attempted} attempted, {answered} answered, "
          f"{attempted - answered} failed")
    print(f"  orders expected {expected}, created {created}, duplicates {duplicates}, confirmed but missing {lost}")
    for label, seconds, start, end in recoveries:
        turns, failed = failures_between(prefix, start, end)
        print(f"  {label}: recovered after {seconds:.1f} s; in its phase {turns} turns, {failed} failed")
    sys.stdout.flush()


def kill_and_restart(cluster: Cluster, names: list[str], down_s: float) -> Callable[[], None]:
    def fault() -> None:
        for name in names:
            cluster.kill(name)
        time.sleep(down_s)
        restarter = threading.Thread(target=lambda: [cluster.restart(n) for n in names], daemon=True)
        restarter.start()  # the restart runs while the phase goes on (a supervisor would do the same)
    return fault


# --- c. a message retried after a timeout ------------------------------------------------------------------------

def tracker_events(cluster: Cluster, sender: str) -> list[dict]:
    s = cluster.settings
    tracker = httpx.get(f"{s.rasa.url}/conversations/{sender}/tracker",
                        params={"token": s.rasa.effective_api_token}, timeout=30).json()
    return tracker.get("events", [])


def repeats_processed(events: list[dict]) -> tuple[int, int]:
    """(user messages that reached Rasa, repeats of an earlier message id after whose turn the conversation's state —
    its slots and active form — differs from before it: must be 0; a slot the message itself fills for one turn
    and that is cleared again does not count)."""
    state: dict[str, object] = {}
    seen: set[str] = set()
    received = processed = 0
    before: dict[str, object] | None = None  # the state when the current turn, a repeat, began
    for event in events:
        kind = event.get("event")
        if kind == "user":
            processed += before is not None and before != state
            received += 1
            message_id = (event.get("metadata") or {}).get("message_id") or ""
            before = dict(state) if message_id and message_id in seen else None
            seen.add(message_id)
        elif kind == "slot":
            state[f"slot:{event.get('name')}"] = event.get("value")
        elif kind == "active_loop":
            state["active_loop"] = event.get("name")
    return received, processed + (before is not None and before != state)


def retried_complaint(send: Callable[[str, str, float], str | None]) -> tuple[int, int, int, bool, str]:
    """A complaint whose every message is sent twice (50 ms timeout, then again): (messages, answered, failed,
    confirmed, the reply the citizen could not go on from)."""
    messages = answered = failed = 0
    reply = ""

    def say(text: str) -> str:
        nonlocal messages, answered, failed
        messages += 1
        message_id = uuid.uuid4().hex
        send(text, message_id, 0.05)                     # the channel gives up after 50 ms ...
        result = send(text, message_id, 60.0)            # ... and sends the same message again
        answered += result is not None
        failed += result is None
        return result or ""

    reply = say(COMPLAINT.format(number=random.randint(1, 300), phone=random.randint(0, 99_999_999)))
    for _ in range(10):
        if "请核对" in reply:
            done = say("确认")
            return messages, answered, failed, REFERENCE.search(done) is not None, ""
        answer = next((a for marker, a in FORM_ANSWERS if marker in reply), None)
        if answer is None:
            break
        reply = say(answer)
    return messages, answered, failed, False, reply


def retry_scenario(cluster: Cluster) -> None:
    s = cluster.settings
    web_sender, rest_sender = f"web:{uuid.uuid4().hex}", f"retry-{uuid.uuid4().hex[:12]}"

    def via_webchat(text: str, message_id: str, timeout: float) -> str | None:
        try:
            r = httpx.post(f"{s.webchat.url}/api/messages", timeout=timeout,
                           json={"sender_id": web_sender, "text": text, "message_id": message_id})
            return "\n".join(m.get("text") or "" for m in r.json()["messages"]) if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError, KeyError):
            return None

    def via_rest(text: str, message_id: str, timeout: float) -> str | None:
        try:
            r = httpx.post(f"{s.rasa.url}/webhooks/rest/webhook", timeout=timeout,
                           json={"sender": rest_sender, "message": text, "metadata": {"message_id": message_id}})
            return "\n".join(m.get("text") or "" for m in r.json()) if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    for label, send, sender in (("web chat (message_id)", via_webchat, web_sender),
                                ("REST channel directly", via_rest, rest_sender)):
        messages, answered, failed, confirmed, stuck = retried_complaint(send)
        time.sleep(2)  # a REST retry still waiting for the conversation's lock
        received, twice = repeats_processed(tracker_events(cluster, sender))
        with DispatchClient(s.dispatch.url, api_key=s.dispatch.effective_api_key, timeout=15) as client:
            created = len(client.list(channel=channel_of_sender(sender), channel_user_id=sender))
        print(f"  {label}: {messages} messages each sent twice; answered {answered}, failed {failed}; "
              f"messages reaching Rasa {received}, repeats processed again {twice}; orders expected "
              f"{int(confirmed)}, created {created}, duplicates {max(0, created - 1)}")
        if not confirmed:
            print(f"    the citizen could not go on after: {stuck[:80]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="a,b,c")
    parser.add_argument("--users", type=int, default=20, help="citizens of the background load")
    parser.add_argument("--pause", default="2,4", help="a citizen's time from one message to the next: MIN,MAX seconds")
    parser.add_argument("--phase", type=int, default=30, help="seconds of load before and after each fault")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory (logs) afterwards")
    args = parser.parse_args(argv)
    args.pause = tuple(float(x) for x in args.pause.split(","))
    scenarios = {s.strip() for s in args.scenarios.split(",")}

    var_dir = Path(tempfile.mkdtemp(prefix="rexian-faults-"))
    var_dir.chmod(0o755)  # PostgreSQL runs as its own user when we are root
    environment = cluster_environment(var_dir)
    (var_dir / "rexian.yml").write_text('console:\n  service_hours: "00:00-24:00"\n', encoding="utf-8")
    cluster = Cluster(load_config(environment), ensure_rasa_model(PROJECT_ROOT), var_dir, environment=environment)
    print(f"Starting the cluster in {var_dir} ...", flush=True)
    try:
        cluster.start()
        probe = Probe(cluster.settings.rasa.url).start()
        if "a" in scenarios:
            run_under_load(cluster, "a-rasa", [("kill -9 rasa-1", lambda: cluster.kill("rasa-1"))], args, probe)
            cluster.restart("rasa-1")
        if "b" in scenarios:
            pg = cluster.postgres
            run_under_load(cluster, "b-actions-dispatch-pg-redis", [
                ("kill -9 actions-1 (restarted after 5 s)", kill_and_restart(cluster, ["actions-1"], 5)),
                ("kill -9 dispatch-1 and dispatch-2 (restarted after 10 s)",
                 kill_and_restart(cluster, ["dispatch-1", "dispatch-2"], 10)),
                ("restart PostgreSQL", pg.restart if pg else lambda: None),
                ("restart Redis", lambda: cluster.restart("redis")),
            ], args, probe)
        if "c" in scenarios:
            print(f"\n[c-retry] under {args.users} citizens of load")
            process = run_locust(cluster.settings.rasa.url, args.users, 120, var_dir / "load" / "c-retry",
                                 pause=args.pause, sender_prefix="c-retry", background=True)
            try:
                retry_scenario(cluster)
            finally:
                process.terminate()
                process.wait()
        probe.stop()
        return 0
    finally:
        cluster.stop()
        if args.keep:
            print(f"Logs kept in {var_dir / 'log'}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
