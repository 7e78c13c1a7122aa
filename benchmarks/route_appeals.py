"""What the bot would do with real citizen messages: the understanding's route per labelled appeal type.

    python benchmarks/route_appeals.py [../shared/eval/appeals_dev.jsonl] [--limit 500] [--min-chars 0]

For each message (``{"text", "appeal_type"}``; 投诉举报 and 求助 are one class there) it runs the same
:class:`nlu.understanding.Understander` the bot uses, with no Rasa intent, and counts the route: a problem taken
into the intake form, a consultation answered from the knowledge base, or a question back ("unsure"). Prints a
table per label and the share routed where the label says (a consultation → consult; the others → problem). The
file is development data (../shared/eval); nothing of it is kept.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge_base.service import KnowledgeBase  # noqa: E402
from nlu.appeal import load_classifier  # noqa: E402
from nlu.understanding import Fields, Route, Understander  # noqa: E402
from configuration import load_config  # noqa: E402

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "appeals_dev.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--min-chars", type=int, default=0, help="only messages at least this long")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(f"no data at {args.path}: skipped")
        return 0
    rows = [json.loads(line) for line in args.path.open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if len(r.get("text", "")) >= args.min_chars]
    random.Random(args.seed).shuffle(rows)
    rows = rows[: args.limit]

    kb = KnowledgeBase.from_config(load_config(), rebuild_if_stale=False)
    understander = Understander(kb, load_classifier(), extract_fields=lambda text: Fields())
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        u = understander.understand(row["text"])
        table[row["appeal_type"]][u.route.value] += 1
    right = total = asked = 0
    print(f"{len(rows)} messages (min {args.min_chars} chars)")
    print(f"{'label':12s} {'n':>5s} " + " ".join(f"{r.value:>8s}" for r in Route))
    for label, counts in sorted(table.items()):
        n = sum(counts.values())
        want = Route.CONSULT.value if label == "咨询" else Route.PROBLEM.value
        right += counts[want]
        asked += counts[Route.UNSURE.value]
        total += n
        print(f"{label:12s} {n:5d} " + " ".join(f"{counts[r.value] / n:8.3f}" for r in Route))
    print(f"routed as labelled {right / max(1, total):.3f}")
    print(f"routed as labelled or asked {(right + asked) / max(1, total):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
