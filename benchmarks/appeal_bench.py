"""Load time and per-message time of the appeal classifier (prints numbers; no assertions).

    python benchmarks/appeal_bench.py [--file ../shared/eval/appeals_dev.jsonl] [--n 300]

Measures: cold load (seed model from the cache in var/appeal_seed_cache, or trained when the cache is missing; the
e5 sentence encoder is loaded on the first message, which is excluded from the per-message numbers),
then ``classify`` and ``suggest_categories`` per message (mean, p50, p95) on real-length messages from FILE when it
exists, else on the project's seed messages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _texts(path: Path, n: int) -> tuple[list[str], str]:
    if path.is_file():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r["text"] for r in rows[:n]], str(path)
    seed = ROOT / "nlu" / "appeal" / "data" / "appeals_seed.jsonl"
    rows = [json.loads(line) for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows[:n]], f"{seed}（评估文件不存在：{path}）"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=ROOT.parent / "shared" / "eval" / "appeals_dev.jsonl")
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()

    start = time.perf_counter()
    from nlu.appeal import load_classifier

    clf = load_classifier()
    load_s = time.perf_counter() - start
    texts, source = _texts(args.file, args.n)
    clf.classify(texts[0])
    clf.suggest_categories(texts[0])
    classify_ms, suggest_ms = [], []
    for text in texts:
        t0 = time.perf_counter()
        clf.classify(text)
        t1 = time.perf_counter()
        clf.suggest_categories(text, k=3)
        t2 = time.perf_counter()
        classify_ms.append((t1 - t0) * 1000)
        suggest_ms.append((t2 - t1) * 1000)

    def line(name: str, values: list[float]) -> str:
        q = statistics.quantiles(values, n=20)
        return f"{name:<22} mean {statistics.mean(values):6.2f} ms   p50 {statistics.median(values):6.2f} ms   p95 {q[18]:6.2f} ms"

    print(f"模型来源: {clf.source}")
    print(f"句向量模型: {clf.meta.get('embedder') or '无（仅字符 n-gram）'}")
    print(f"加载时间（含 import）: {load_s:.2f} s")
    print(f"消息: {len(texts)} 条，平均 {statistics.mean(len(t) for t in texts):.0f} 字，来自 {source}")
    print(line("classify", classify_ms))
    print(line("suggest_categories", suggest_ms))
    print(line("both", [a + b for a, b in zip(classify_ms, suggest_ms)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
