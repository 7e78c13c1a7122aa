"""Time the intake machine with the real language services (appeal classifier, address parser, extractors).

    .venv/app/bin/python benchmarks/intake_bench.py [--rounds 50]

Prints load time and per-turn milliseconds (mean / p95) for the first message and for later answers. The KB is not
opened (questions inside a form are timed by the KB benchmarks); nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.actions.intake.machine import IntakeMachine  # noqa: E402
from bot.actions.intake.services import LiveIntakeServices  # noqa: E402

FIRST_MESSAGES = [
    "我要投诉，朝阳区建国路88号楼下的烧烤店每天晚上吵到凌晨两点，从上周三开始的，我姓王，电话13812345678",
    "海淀区中关村大街27号院3号楼2单元的电梯坏了三天了，老人上不去楼，物业一直不修",
    "建议在实验小学门口增设红绿灯，早上送孩子的车太多，过马路很危险",
    "家里停水一整天了也没有通知，求帮忙问问什么时候来水",
]
ANSWERS = ["朝阳区建国路88号", "昨天晚上十点", "李女士", "13912345678", "是", "否", "确认"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    started = time.perf_counter()
    machine = IntakeMachine(LiveIntakeServices(kb=None, default_city="北京市"))
    machine.start(FIRST_MESSAGES[0])  # warm-up: jieba's tagger, cpca tables
    print(f"load + first call: {time.perf_counter() - started:.2f} s")
    first, later = [], []
    for i in range(args.rounds):
        t = time.perf_counter()
        result = machine.start(FIRST_MESSAGES[i % len(FIRST_MESSAGES)])
        first.append((time.perf_counter() - t) * 1000)
        session = result.session
        for answer in ANSWERS:
            if session is None or result.submit:
                break
            t = time.perf_counter()
            result = machine.handle(session, answer)
            later.append((time.perf_counter() - t) * 1000)
            session = result.session
    for name, values in (("first message", first), ("later answer", later)):
        print(f"{name}: n={len(values)} mean {statistics.mean(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
