"""Load benchmark: realistic citizens (benchmarks/load/locustfile.py) on a running stack's REST channel.

    .venv/app/bin/python benchmarks/load_test.py                      # the configured Rasa URL (make up)
    .venv/app/bin/python benchmarks/load_test.py --url http://127.0.0.1:5005 --steps 10,25 --run-time 60
    .venv/app/bin/python benchmarks/load_test.py --stack-pid $(pgrep -f 'rexian.stack up --cluster')

For each step of concurrency (default 10, 25, 50, 100 citizens, each writing a message every 3–7 s, counted from
their previous message) Locust runs headless in its own process (loopback only, bounded in users and time) and this
prints, for the time when every citizen of the step is writing (the ramp-up is left out), turns/s, p50/p95/max
latency, errors, the slowest kind of turn, the peak resident memory of each service process, and at the end the
knee: the first step whose p95 passes 1 s. The CSV files of every step go to ``--out`` (default var/load/<time>).
Service processes are the descendants of ``--stack-pid`` (the ``rexian.stack up`` launcher), else the processes
listening on the configured ports (Rasa, actions, dispatch, web chat, console). The figures are what this machine
did at that moment: no assertions.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load.runner import MemorySampler, descendants, listening_pids, run_locust  # noqa: E402
from configuration import PROJECT_ROOT, load_config  # noqa: E402

KNEE_MS = 1000.0


def service_pids(stack_pid: int | None) -> list[int]:
    if stack_pid:
        return [pid for pid in descendants(stack_pid) if pid != stack_pid]
    s = load_config()
    return listening_pids([s.rasa.port, s.actions.port, s.dispatch.port, s.webchat.port, s.console.port])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="", help="Rasa (or the balancer in front of it); default: rasa.url")
    parser.add_argument("--steps", default="10,25,50,100", help="citizens at once, per step")
    parser.add_argument("--run-time", type=int, default=60, help="seconds per step")
    parser.add_argument("--pause", default="3,7", help="a citizen's time from one message to the next: MIN,MAX seconds")
    parser.add_argument("--stack-pid", type=int, default=0, help="the launcher whose child processes to measure")
    parser.add_argument("--out", type=Path, default=None, help="where Locust's CSV files go")
    args = parser.parse_args(argv)

    url = args.url or load_config().rasa.url
    steps = [int(s) for s in args.steps.split(",") if s.strip()]
    pause_min, pause_max = (float(x) for x in args.pause.split(","))
    out = args.out or PROJECT_ROOT / "var" / "load" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    pids = service_pids(args.stack_pid)
    print(f"Load on {url}: steps {steps}, {args.run_time} s each (ramp-up left out), a message every "
          f"{pause_min:g}–{pause_max:g} s per citizen; "
          f"{len(pids)} service processes measured; CSV in {out}")
    print(f"{'citizens':>8} {'turns':>6} {'turns/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'errors':>6}  "
          f"slowest kind (p95)")
    knee = None
    memory_lines = []
    for users in steps:
        with MemorySampler(pids) as memory:
            run = run_locust(url, users, args.run_time, out / f"u{users}", pause=(pause_min, pause_max),
                             sender_prefix=f"load{users}", steady_only=True)
        t = run.total
        slowest = max(run.by_kind.values(), key=lambda k: k.p95_ms, default=None)
        slow = f"{slowest.name} {slowest.p95_ms:.0f} ms" if slowest else "-"
        print(f"{users:>8} {t.requests:>6} {t.turns_per_s:>8.2f} {t.p50_ms:>7.0f} {t.p95_ms:>7.0f} {t.max_ms:>7.0f} "
              f"{t.failures:>6}  {slow}", flush=True)
        memory_lines.append(f"  {users:>3} citizens: {memory.report()}")
        if knee is None and t.p95_ms > KNEE_MS:
            knee = users
    print("Peak resident memory per service process:")
    print("\n".join(memory_lines))
    print(f"Knee (p95 > {KNEE_MS:.0f} ms): " + (f"at {knee} citizens" if knee else f"not reached up to {steps[-1]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
