"""Index build time and peak memory; flat vs approximate (HNSW) agreement and latency on a synthetic KB.

    python benchmarks/kb_build.py [KB_PATH ...] [--embedder e5] [--synthetic 20000] [--synthetic-embedder use] \
        [--queries 300] [--skip-synthetic]

* ``KB_PATH``: KB files or directories in any format the importer reads (e.g. ``knowledge_base/seed``), or an
  evaluation directory holding ``corpus.jsonl`` (indexed as answers-only entries). Default: the seed KB.
* The synthetic KB has ``--synthetic`` entries (standard question, 3 similar questions, a 2–4 sentence answer) made
  from random combinations of generic words; it measures scale, not quality.

Each build runs in a fresh child process so that its peak RSS (``ru_maxrss``) is its own. Prints numbers; asserts
nothing.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = ["市", "区", "街道", "社区", "县", "镇", "开发区", "新区"]
SUBJECTS = [
    "居住证", "身份证", "户口", "社保卡", "医保", "公积金", "营业执照", "驾驶证", "行驶证", "护照", "结婚证",
    "出生证明", "房产证", "不动产登记", "契税", "个税", "失业金", "养老金", "低保", "残疾证", "老年卡", "学籍",
    "入学", "积分落户", "人才引进", "职称", "就业登记", "劳动合同", "工伤认定", "生育津贴", "异地就医", "门诊报销",
    "车辆年检", "违章处理", "停车许可", "占道施工", "噪音投诉", "垃圾清运", "供水", "供暖", "燃气", "电费",
    "物业纠纷", "租房备案", "消费维权", "食品安全", "价格举报", "公交卡", "地铁", "出租车", "共享单车", "犬证",
]
ACTIONS = [
    "怎么办理", "需要什么材料", "在哪里办", "要多长时间", "收费吗", "能网上办吗", "怎么补办", "怎么变更",
    "怎么注销", "怎么查询进度", "有什么条件", "过期了怎么办", "丢了怎么办", "可以代办吗", "怎么预约", "怎么投诉",
]
PREFIXES = ["请问", "我想问一下", "你好，", "咨询一下", "", "", "麻烦问下", "想了解"]
FILLERS = [
    "携带本人有效身份证件", "到就近的政务服务中心", "通过线上平台提交申请", "工作人员审核后", "在规定时限内",
    "按照相关规定", "如材料齐全", "可以委托他人代为办理", "需要提前预约", "办理结果会短信通知",
    "不收取任何费用", "具体以当地最新政策为准", "可拨打服务热线咨询", "逾期需要重新申请", "符合条件的",
]


def synthetic_entries(n: int, seed: int = 7) -> list[dict]:
    """``n`` synthetic FAQ entries: {doc_id, questions, answer} (deterministic for a seed)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        place, subject, action = rng.choice(PLACES), rng.choice(SUBJECTS), rng.choice(ACTIONS)
        tag = f"{i % 97:02d}号"  # keeps entries distinct without changing the topic words
        question = f"{place}{subject}{action}（{tag}）"
        similar = [f"{rng.choice(PREFIXES)}{subject}{rng.choice(ACTIONS)}{place}{tag}" for _ in range(3)]
        sentences = [f"{rng.choice(FILLERS)}，{rng.choice(FILLERS)}。" for _ in range(rng.randint(2, 4))]
        out.append({"doc_id": f"syn-{i:05d}", "questions": [question, *similar], "answer": subject + "：" + "".join(sentences)})
    return out


def synthetic_queries(entries: list[dict], n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    picks = rng.sample(entries, min(n, len(entries)))
    return [f"{rng.choice(PREFIXES)}{e['questions'][rng.randrange(len(e['questions']))]}" for e in picks]


def _load_docs(paths: list[str]):
    from knowledge_base.evaluation import corpus_docs
    from knowledge_base.importer import load_entries
    from knowledge_base.index import IndexDoc

    if len(paths) == 1 and (Path(paths[0]) / "corpus.jsonl").is_file():
        return corpus_docs(Path(paths[0]))
    return [IndexDoc(e.id, e.all_questions(), e.answer) for e in load_entries(paths)]


def child(spec: dict) -> dict:
    """Build (and optionally query) one index in this process; returns measurements."""
    import numpy as np

    from knowledge_base.embedders import get_embedder
    from knowledge_base.fusion import FusionParams
    from knowledge_base.index import HybridIndex, IndexDoc

    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    embedder = get_embedder(spec["embedder"])
    if spec["kind"] == "synthetic":
        entries = synthetic_entries(spec["n"])
        docs = [IndexDoc(e["doc_id"], e["questions"], e["answer"]) for e in entries]
    else:
        docs = _load_docs(spec["paths"])
    started = time.perf_counter()
    index = HybridIndex.build(docs, embedder, approximate=spec.get("approximate", False))
    build_s = time.perf_counter() - started
    result = {
        "entries": len(docs),
        "units": len(index.units.texts),
        "build_s": build_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_build_mb": rss_start / 1024,
    }
    if spec.get("save_dir"):
        started = time.perf_counter()
        index.save(Path(spec["save_dir"]), kb_hash="bench")
        result["save_s"] = time.perf_counter() - started
    if spec.get("queries"):
        rankings: dict[str, list[list[str]]] = {}
        latencies: dict[str, list[float]] = {}
        for mode in ("dense", "weighted"):
            params = FusionParams(method=mode)
            rankings[mode], latencies[mode] = [], []
            for q in spec["queries"]:
                t = time.perf_counter()
                hits = index.search(q, k=10, params=params)
                latencies[mode].append((time.perf_counter() - t) * 1000)
                rankings[mode].append([h.doc_id for h in hits])
        result["rankings"] = rankings
        result["latency_p50_ms"] = {m: float(np.percentile(v, 50)) for m, v in latencies.items()}
        result["latency_p95_ms"] = {m: float(np.percentile(v, 95)) for m, v in latencies.items()}
    return result


def run_child(spec: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec, ensure_ascii=False)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_time(directory: Path, embedder: str) -> float:
    code = (
        "import time,sys; from pathlib import Path; from knowledge_base.embedders import get_embedder;"
        "from knowledge_base.index import HybridIndex; e=get_embedder(sys.argv[2]); t=time.perf_counter();"
        "HybridIndex.load(Path(sys.argv[1]), e, kb_hash='bench'); print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(directory), embedder], cwd=ROOT, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else float("nan")


def agreement(a: list[list[str]], b: list[list[str]], k: int = 10) -> float:
    scores = [len(set(x[:k]) & set(y[:k])) / max(1, min(k, len(x))) for x, y in zip(a, b)]
    return sum(scores) / max(1, len(scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kb", nargs="*", default=[str(ROOT / "knowledge_base" / "seed")])
    parser.add_argument("--embedder", default=None, help="embedder for the given KB (default: DEFAULT_EMBEDDER)")
    parser.add_argument("--synthetic", type=int, default=20000)
    parser.add_argument("--synthetic-embedder", default="use", help="embedder for the synthetic KB (default: use)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0

    from knowledge_base.embedders import DEFAULT_EMBEDDER

    import tempfile

    embedder = args.embedder or DEFAULT_EMBEDDER
    with tempfile.TemporaryDirectory() as tmp:
        print(f"## KB {' '.join(args.kb)} (embedder {embedder})")
        r = run_child({"kind": "kb", "paths": args.kb, "embedder": embedder, "save_dir": f"{tmp}/kb"})
        print(
            f"entries {r['entries']}, dense units {r['units']}, build {r['build_s']:.1f}s, save {r['save_s']:.2f}s, "
            f"load {load_time(Path(tmp) / 'kb', embedder):.2f}s, peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(process before build {r['rss_before_build_mb']:.0f} MB)"
        )
        if args.skip_synthetic:
            return 0
        queries = synthetic_queries(synthetic_entries(args.synthetic), args.queries)
        results = {}
        for approximate in (False, True):
            kind = "hnsw" if approximate else "flat"
            results[kind] = run_child(
                {
                    "kind": "synthetic",
                    "n": args.synthetic,
                    "embedder": args.synthetic_embedder,
                    "approximate": approximate,
                    "queries": queries,
                    "save_dir": f"{tmp}/{kind}",
                }
            )
        print(f"\n## synthetic KB, {args.synthetic} entries (embedder {args.synthetic_embedder}), {len(queries)} queries")
        print("| index | dense units | build s | load s | peak RSS MB | p50 ms dense | p95 ms dense | p50 ms hybrid | p95 ms hybrid |")
        print("|---|---|---|---|---|---|---|---|---|")
        for kind, r in results.items():
            print(
                f"| {kind} | {r['units']} | {r['build_s']:.1f} | {load_time(Path(tmp) / kind, args.synthetic_embedder):.2f} | "
                f"{r['peak_rss_mb']:.0f} | {r['latency_p50_ms']['dense']:.1f} | {r['latency_p95_ms']['dense']:.1f} | "
                f"{r['latency_p50_ms']['weighted']:.1f} | {r['latency_p95_ms']['weighted']:.1f} |"
            )
        for mode in ("dense", "weighted"):
            agree = agreement(results["flat"]["rankings"][mode], results["hnsw"]["rankings"][mode])
            print(f"top-10 agreement HNSW vs flat ({'hybrid' if mode == 'weighted' else mode}): {agree:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
