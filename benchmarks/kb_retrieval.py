"""Retrieval quality and latency of the KB index: bm25, dense, hybrid (and rrf) on the development sets.

    python benchmarks/kb_retrieval.py [--gov ../shared/eval/gov_qa_retrieval] \
        [--lcqmc ../shared/eval/paraphrase/lcqmc_retrieval] [--embedders e5,use] \
        [--modes bm25,dense,rrf,hybrid] [--limit N] [--cache-dir DIR]

For each data set and embedder the index is built once (or reused from ``--cache-dir``) and every mode is run on
the same index. gov_qa_retrieval is indexed as answers-only entries; lcqmc_retrieval as question-only entries
(the FAQ case). Latency is wall time of ``HybridIndex.search`` per query, query embedding included. Prints numbers;
asserts nothing. Data sets that are absent are skipped with a message.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge_base.evaluation import (  # noqa: E402
    build_or_load,
    evaluate_index,
    params_for_mode,
    queries_file,
    read_jsonl,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOV = ROOT.parent / "shared" / "eval" / "gov_qa_retrieval"
DEFAULT_LCQMC = ROOT.parent / "shared" / "eval" / "paraphrase" / "lcqmc_retrieval"


def _row(name: str, embedder: str, mode: str, m: dict[str, float]) -> str:
    return (
        f"| {name} | {embedder if mode != 'bm25' else '-'} | {mode} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | "
        f"{m['mrr@10']:.3f} | {m['latency_p50_ms']:.1f} | {m['latency_p95_ms']:.1f} | {int(m['n_queries'])} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gov", type=Path, default=DEFAULT_GOV)
    parser.add_argument("--lcqmc", type=Path, default=DEFAULT_LCQMC)
    parser.add_argument("--embedders", default="e5,use")
    parser.add_argument("--modes", default="bm25,dense,rrf,hybrid")
    parser.add_argument("--limit", type=int, default=None, help="only the first N queries of each set")
    parser.add_argument("--cache-dir", type=Path, default=None, help="keep built indexes here and reuse them")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    sets = [("gov_qa_retrieval", args.gov, "answers"), ("lcqmc_retrieval", args.lcqmc, "questions")]
    print("| data | embedder | mode | R@1 | R@5 | MRR@10 | p50 ms | p95 ms | queries |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, directory, corpus_as in sets:
        if not (directory / "corpus.jsonl").is_file():
            print(f"| {name} | skipped: {directory}/corpus.jsonl not found | | | | | | | |")
            continue
        queries = read_jsonl(queries_file(directory))[: args.limit or None]
        bm25_done = False
        for spec in [s.strip() for s in args.embedders.split(",") if s.strip()]:
            cache = args.cache_dir / f"{name}-{spec.replace(':', '_').replace('/', '_')}" if args.cache_dir else None
            index, build_s = build_or_load(directory, embedder_spec=spec, corpus_as=corpus_as, index_dir=cache)
            print(f"<!-- {name} {spec}: {len(index)} entries, {len(index.units.texts)} dense units, "
                  f"build {build_s:.0f}s -->", flush=True)
            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                if mode == "bm25" and bm25_done:
                    continue
                metrics = evaluate_index(index, queries, params=params_for_mode(mode, index.params))
                print(_row(name, spec, mode, metrics), flush=True)
                bm25_done = bm25_done or mode == "bm25"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
