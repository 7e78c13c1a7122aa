"""A turn's latency, one citizen at a time, through Rasa's REST channel of a running bot (`make up`).

    .venv/app/bin/python benchmarks/turn_latency.py [benchmarks/dialogues/cases.yml] [--url URL] [--limit 150]

Plays the dialogue cases in order (each case as a new citizen, its turns in order, no pause, one request at a time)
and prints the p50 / p95 / max milliseconds per turn, overall and per decision. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from configuration import load_config  # noqa: E402
from rexian.dialogue_eval import RestPlayer, load_cases, read_outcome  # noqa: E402

DEFAULT = Path(__file__).resolve().parent / "dialogues" / "cases.yml"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--url", default=None)
    parser.add_argument("--limit", type=int, default=150, help="cases to play")
    args = parser.parse_args(argv)
    send = RestPlayer(args.url or load_config().rasa.url, timeout=60)
    times: dict[str, list[float]] = defaultdict(list)
    for case in load_cases(args.path)[: args.limit]:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for turn in case.turns:
            started = time.perf_counter()
            messages = send(sender, turn.say)
            elapsed = (time.perf_counter() - started) * 1000
            times[read_outcome(messages).decision].append(elapsed)
    every = [t for values in times.values() for t in values]
    print(f"turns {len(every)}: p50 {statistics.median(every):.0f} ms, p95 {percentile(every, 0.95):.0f} ms, "
          f"max {max(every):.0f} ms")
    for decision, values in sorted(times.items(), key=lambda kv: -len(kv[1])):
        print(f"  {decision:14s} n={len(values):4d} p50 {statistics.median(values):5.0f} ms  "
              f"p95 {percentile(values, 0.95):5.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
