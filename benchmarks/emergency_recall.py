"""Emergency recall and false alarms of the recogniser alone (``nlu.emergency``), on dialogue files.

    .venv/app/bin/python benchmarks/emergency_recall.py benchmarks/dialogues/emergency_holdout.yml [more files]
        [--show 20]

A turn whose ``expect`` is (or lists only) ``emergency`` must be recognised; a turn that does not expect it must
not be. The first turn of each case is read alone (no conversation), so this is the recogniser's share of
``rexian eval dialogues``, in milliseconds instead of minutes. Prints recall, false-alarm rate, per-kind recall and
the misses.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlu.emergency import assess_emergency  # noqa: E402
from rexian.dialogue_eval import load_cases  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=20, help="misses and false alarms to print")
    parser.add_argument("--semantic", action="store_true",
                        help="the whole recogniser the bot uses: rules, then the semantic model (e5)")
    args = parser.parse_args(argv)
    recognise = assess_emergency
    if args.semantic:
        from nlu.emergency_semantic import EmergencyRecogniser

        recognise = EmergencyRecogniser()
    for path in args.paths:
        hits = wanted = alarms = others = 0
        misses: list[str] = []
        false_alarms: list[str] = []
        per_kind: Counter[str] = Counter()
        per_kind_hit: Counter[str] = Counter()
        started = time.perf_counter()
        for case in load_cases(path):
            for turn in case.turns:
                expected = set(turn.expect or [])
                found = recognise(turn.say)
                if expected == {"emergency"}:
                    wanted += 1
                    kind = case.id.split("-")[2] if case.id.count("-") >= 2 else "?"
                    per_kind[kind] += 1
                    if found is not None:
                        hits += 1
                        per_kind_hit[kind] += 1
                    else:
                        misses.append(f"{case.id}: {turn.say}")
                elif "emergency" not in expected:
                    others += 1
                    if found is not None:
                        alarms += 1
                        false_alarms.append(f"{case.id} ({found.kind.value}): {turn.say}")
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{path}: recall {hits / max(1, wanted):.3f} ({hits}/{wanted}), false alarms "
              f"{alarms / max(1, others):.3f} ({alarms}/{others}), {elapsed:.0f} ms in all")
        print("  per kind (from case ids): " + ", ".join(
            f"{kind} {per_kind_hit[kind]}/{n}" for kind, n in sorted(per_kind.items())))
        for line in misses[: args.show]:
            print(f"  MISS {line[:150]}")
        for line in false_alarms[: args.show]:
            print(f"  FALSE ALARM {line[:150]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
