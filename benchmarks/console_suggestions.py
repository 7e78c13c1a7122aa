"""From a citizen's message to its suggested answers on the agents' screens: the agent console under load.

    .venv/app/bin/python benchmarks/console_suggestions.py [--agents 10] [--conversations 50] [--messages 200]
                                                           [--rate 5] [--seed 7]

Starts ``python -m agent_console`` on a free port with ``console.assist=kb`` and a temporary database (the knowledge
base of the configuration's ``kb`` section: the shipped seed KB and its saved index by default), makes ``--agents``
accounts that log in and keep their live stream (``GET /events``) open, hands ``--conversations`` conversations
over (all waiting), then posts ``--messages`` citizen messages as the bot does (``POST /internal/message``),
round-robin over the conversations at ``--rate`` a second (open loop: a slow answer does not delay the next
message). The questions are the seed KB's own similar questions and some complaints, shuffled (``--seed``).

Prints, in milliseconds: the time from the start of each ``POST /internal/message`` to the ``suggestions`` event of
that message on each agent's stream (p50 / p95 / max over every message × agent, and over each message's slowest
agent), the bot's ``POST /internal/message`` itself, and the console's resident memory (VmRSS, and the peak VmHWM)
after start-up and after the run. The goal of issue 14 is p95 ≤ 300 ms. Nothing is asserted. Nothing but the
console is started: the dispatch backend is not needed (the appeal classifier of the work-order form still loads,
so the memory figure is the console's as deployed with ``assist=kb``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.console_harness import EventStream, RunningConsole, login, running_console  # noqa: E402
from tests.fakes.servers import free_port  # noqa: E402

TOKEN = "bench-console-token"
PASSWORD = "bench password 2026"
COMPLAINTS = [
    "楼下烧烤店天天开到凌晨两点，油烟太大了",
    "小区门口的路灯坏了一个星期了，晚上很黑",
    "工地晚上施工噪音太吵了，睡不着觉",
    "公司拖欠我三个月工资不发",
    "我们楼停水两天了也没人通知",
    "路边有人占道经营，堵得车过不去",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB (Linux)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def questions(kb_paths: list[Path]) -> list[str]:
    """The similar questions of the KB's YAML files (what citizens really type), and a few complaints."""
    found: list[str] = []
    for path in kb_paths:
        files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
        for file in files:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            for entry in data.get("entries") or []:
                found.extend(str(q) for q in entry.get("similar_questions") or [])
    from agent_console.suggesting import suggestable

    # what the console does not search ("转人工", greetings) gets no suggestions event by design
    return [q for q in found if suggestable(q, None)] + COMPLAINTS * 3


class Arrivals:
    """One agent's ``/events``: the arrival time of each ``suggestions`` event, by the message's bot id."""

    def __init__(self, client: httpx.Client) -> None:
        self.arrivals: dict[str, float] = {}
        self.empty = 0
        self.stream = EventStream(client, on_event=self._on_event)

    def _on_event(self, event: str, body: dict[str, Any]) -> None:
        if event == "suggestions" and body.get("source_id"):
            self.arrivals[body["source_id"]] = time.perf_counter()
            self.empty += not body["suggestions"]

    def close(self) -> None:
        self.stream.close()


def make_accounts(db_url: str, agents: int) -> None:
    from agent_console.service import ConsoleService
    from agent_console.settings import ConsoleConfig
    from agent_console.store import Store

    class Nobody:
        def send(self, *args: Any) -> Any:
            raise AssertionError("nothing is sent in this benchmark")

        def resume(self, *args: Any) -> None:
            raise AssertionError("nothing is resumed in this benchmark")

    store = Store(db_url).create()
    service = ConsoleService(store, ConsoleConfig(db_url=db_url), sender=Nobody(), resumer=Nobody())  # type: ignore[arg-type]
    for i in range(agents):
        service.create_user(f"agent{i:02d}", PASSWORD, "agent", f"坐席{i:02d}")
    store.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="citizen messages a second, all conversations")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from configuration import load_config

    kb = load_config().kb
    pool = questions(list(kb.paths))
    random.Random(args.seed).shuffle(pool)
    folder = Path(tempfile.mkdtemp(prefix="console-bench-"))
    db_url = f"sqlite:///{folder / 'console.sqlite3'}"
    make_accounts(db_url, args.agents)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REXIAN_CONSOLE_")}
    env.update({"REXIAN_CONSOLE_PORT": str(port), "REXIAN_CONSOLE_DB_URL": db_url,
                "REXIAN_CONSOLE_INTERNAL_TOKEN": TOKEN, "REXIAN_CONSOLE_ASSIST": "kb",
                "REXIAN_DISPATCH_URL": f"http://127.0.0.1:{free_port()}"})  # no backend: the shipped tree
    started = time.perf_counter()
    streams: list[Arrivals] = []
    with running_console(env, port, timeout=120, quiet=True) as console:
        bot = httpx.Client(base_url=console.url, headers={"X-Rexian-Console-Token": TOKEN}, timeout=30)
        try:
            return _measure(args, kb, pool, bot, console, streams, started)
        finally:
            for stream in streams:
                stream.close()
            bot.close()


def _measure(args: argparse.Namespace, kb: Any, pool: list[str], bot: httpx.Client, console: RunningConsole,
             streams: list[Arrivals], started: float) -> int:
    base = console.url
    up = time.perf_counter() - started
    senders = [f"web:bench{i:04d}" for i in range(args.conversations)]
    for sender in senders:
        bot.post("/internal/handoff", json={"sender_id": sender, "reason": "citizen_request", "transcript": [
            {"role": "citizen", "text": "转人工", "id": f"{sender}:0"}]}).raise_for_status()
    clients = [login(base, f"agent{i:02d}", PASSWORD)[0] for i in range(args.agents)]
    streams.extend(Arrivals(c) for c in clients)
    # warm-up: the knowledge base opens in the background; wait until a message gets real suggestions
    probe = 0
    while True:
        probe += 1
        key = f"warm-{probe}"
        bot.post("/internal/message", json={"sender_id": senders[0], "text": "公积金怎么提取", "id": key})
        deadline = time.perf_counter() + 60
        while key not in streams[0].arrivals and time.perf_counter() < deadline:
            time.sleep(0.05)
        if key in streams[0].arrivals and streams[0].empty == 0:
            break
        streams[0].empty = 0
        if probe > 20:
            print("suggestions never became ready", file=sys.stderr)
            return 1
        time.sleep(1)
    ready = time.perf_counter() - started
    time.sleep(3)  # let the appeal classifier finish loading too (memory as deployed)
    rss_ready = memory(console.pid)

    sent_at: dict[str, float] = {}
    post_ms: list[float] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        key = f"msg-{i}"
        body = {"sender_id": senders[i % len(senders)], "text": pool[i % len(pool)], "id": key}
        t0 = time.perf_counter()
        with lock:
            sent_at[key] = t0
        bot.post("/internal/message", json=body).raise_for_status()
        with lock:
            post_ms.append((time.perf_counter() - t0) * 1000)

    interval = 1.0 / args.rate
    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as workers:
        for i in range(args.messages):
            delay = begin + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            workers.submit(send, i)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and not all(
            all(k in s.arrivals for k in sent_at) for s in streams):
        time.sleep(0.1)
    rss_after = memory(console.pid)

    pairs: list[float] = []
    slowest: list[float] = []
    missing = 0
    for key, t0 in sent_at.items():
        seen = [(s.arrivals[key] - t0) * 1000 for s in streams if key in s.arrivals]
        missing += len(streams) - len(seen)
        pairs.extend(seen)
        if seen:
            slowest.append(max(seen))
    print(f"console up in {up:.1f} s; suggestions ready {ready:.1f} s after start "
          f"(knowledge base {', '.join(str(p) for p in kb.paths)}, index {kb.index_dir})")
    print(f"{args.agents} agents on the live stream, {args.conversations} waiting conversations, "
          f"{len(sent_at)} citizen messages at {args.rate:g}/s")
    print(f"message → suggestions on an agent's stream (ms, {len(pairs)} message×agent pairs): "
          f"p50 {percentile(pairs, .5):.1f}  p95 {percentile(pairs, .95):.1f}  max {max(pairs):.1f}")
    print(f"message → on every agent's stream (slowest agent per message, ms): "
          f"p50 {percentile(slowest, .5):.1f}  p95 {percentile(slowest, .95):.1f}  max {max(slowest):.1f}")
    print(f"POST /internal/message (the bot's request, ms): p50 {percentile(post_ms, .5):.1f}  "
          f"p95 {percentile(post_ms, .95):.1f}  max {max(post_ms):.1f}")
    print(f"events missing: {missing}; messages with no suggestion: "
          f"{sum(s.empty for s in streams) // max(1, len(streams))}")
    print(f"console memory: after start-up {rss_ready['VmRSS']:.0f} MiB RSS; after the run "
          f"{rss_after['VmRSS']:.0f} MiB RSS (peak {rss_after['VmHWM']:.0f} MiB)")
    print("goal (issue 14): p95 ≤ 300 ms — " + ("met" if percentile(pairs, .95) <= 300 else "NOT met"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
