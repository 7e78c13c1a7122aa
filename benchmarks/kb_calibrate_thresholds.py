"""Calibrate the answer / did-you-mean / no-match thresholds from labelled paraphrase pairs.

    python benchmarks/kb_calibrate_thresholds.py ../shared/eval/paraphrase/LCQMC.pairs.tsv \
        [--embedders e5,use] [--precision 0.9] [--recall 0.95] [--limit N] \
        [--retrieval-dir ../shared/eval/paraphrase/lcqmc_retrieval --retrieval-limit 2000]

For every pair (``sent1 \\t sent2 \\t label``) it computes the similarity that ``Hit.similarity`` uses for an FAQ
entry: the cosine of the two sentences, both embedded as queries. Then, per embedder:

* ``answer``  = the lowest threshold whose precision (share of label-1 pairs among pairs at or above it) reaches
  ``--precision``;
* ``suggest`` = the highest threshold that still keeps ``--recall`` of the label-1 pairs at or above it;
* ``margin``  = with ``--retrieval-dir`` (a corpus of questions + queries with gold ids): the smallest lead of
  the top-1 similarity over the best *wrong* entry's such that, among queries whose top-1 is at or above
  ``answer``, the answered ones are right with ``--margin-precision`` (a real ranking, so stricter than the pair
  precision); without it a conservative default.

Prints the numbers and a YAML block for ``knowledge_base/thresholds.yaml``; changes no file.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge_base.embedders import get_embedder  # noqa: E402

DEFAULT_MARGIN = 0.02


def read_pairs(path: Path, limit: int | None) -> tuple[list[str], list[str], np.ndarray]:
    s1: list[str] = []
    s2: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[2].strip() not in {"0", "1"}:
                continue
            s1.append(parts[0])
            s2.append(parts[1])
            labels.append(int(parts[2]))
    y = np.asarray(labels, dtype=int)
    if limit and limit < len(y):
        rng = np.random.default_rng(0)
        keep = np.sort(rng.choice(len(y), size=limit, replace=False))
        return [s1[i] for i in keep], [s2[i] for i in keep], y[keep]
    return s1, s2, y


def pair_similarities(spec: str, s1: list[str], s2: list[str]) -> np.ndarray:
    emb = get_embedder(spec)
    a = emb.embed_queries(s1)
    b = emb.embed_queries(s2)
    return np.einsum("ij,ij->i", a, b)


def precision_recall_at(sims: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float, float]:
    """Precision, recall of label 1 and share of all pairs at or above ``t``."""
    above = sims >= t
    tp = int((above & (y == 1)).sum())
    precision = tp / max(1, int(above.sum()))
    recall = tp / max(1, int((y == 1).sum()))
    return precision, recall, float(above.mean())


def choose_answer(sims: np.ndarray, y: np.ndarray, target_precision: float) -> float:
    """Lowest threshold with precision >= target (scanning thresholds from high to low)."""
    order = np.argsort(-sims)
    tp = np.cumsum(y[order] == 1)
    precision = tp / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= target_precision)
    # the last prefix (largest set) that still meets the precision target; ignore tiny prefixes (< 20 pairs)
    ok = ok[ok >= 19]
    if ok.size == 0:
        return float(sims.max())
    return float(sims[order][ok[-1]])


def choose_suggest(sims: np.ndarray, y: np.ndarray, target_recall: float) -> float:
    pos = np.sort(sims[y == 1])
    return float(pos[int(np.floor((1.0 - target_recall) * len(pos)))])


def auc(sims: np.ndarray, y: np.ndarray) -> float:
    ranks = np.argsort(np.argsort(sims)) + 1
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / max(1, n_pos * n_neg))


def choose_margin(spec: str, directory: Path, answer: float, target_precision: float, limit: int) -> dict:
    """Margin from a retrieval set: lead of top-1 over top-2 needed for answered queries to be right."""
    from knowledge_base.evaluation import build_or_load, queries_file, read_jsonl

    index, _ = build_or_load(
        directory, embedder_spec=spec, corpus_as="questions", index_dir=Path("/tmp") / f"rexian_calib_{spec}"
    )
    queries = read_jsonl(queries_file(directory))[:limit]
    tops: list[tuple[float, float, bool]] = []
    for q in queries:
        hits = index.search(q["query"], k=5)
        if not hits:
            continue
        second = max((h.similarity for h in hits[1:] if h.doc_id not in q["gold"]), default=-1.0)
        tops.append((hits[0].similarity, hits[0].similarity - second, hits[0].doc_id in set(q["gold"])))
    arr = np.asarray(tops, dtype=float)
    confident = arr[arr[:, 0] >= answer]
    result = {"queries": len(arr), "top1_above_answer": len(confident)}
    if len(confident) == 0:
        result["margin"] = DEFAULT_MARGIN
        return result
    result["precision_without_margin"] = float(confident[:, 2].mean())
    result["share_answered_without_margin"] = len(confident) / len(arr)
    chosen = None
    for m in np.round(np.arange(0.0, 0.151, 0.005), 3):
        sel = confident[confident[:, 1] >= m]
        if len(sel) >= 20 and sel[:, 2].mean() >= target_precision:
            chosen = (float(m), float(sel[:, 2].mean()), len(sel) / len(arr))
            break
    if chosen is None:
        result["margin"] = 0.05
    else:
        result["margin"], result["precision_with_margin"], result["share_answered_with_margin"] = chosen
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", type=Path, help="sent1<TAB>sent2<TAB>label file (LCQMC.pairs.tsv)")
    parser.add_argument("--embedders", default="e5,use")
    parser.add_argument("--precision", type=float, default=0.9)
    parser.add_argument("--recall", type=float, default=0.95)
    parser.add_argument("--limit", type=int, default=None, help="random sample of N pairs (seed 0)")
    parser.add_argument("--retrieval-dir", type=Path, default=None)
    parser.add_argument("--retrieval-limit", type=int, default=2000)
    parser.add_argument("--margin-precision", type=float, default=0.92)
    args = parser.parse_args()
    if not args.pairs.is_file():
        print(f"pairs file not found: {args.pairs} — nothing to calibrate")
        return 0
    s1, s2, y = read_pairs(args.pairs, args.limit)
    print(f"{len(y)} pairs, {int(y.sum())} positive ({y.mean():.1%})")
    yaml_lines = ["embedders:"]
    for spec in [s.strip() for s in args.embedders.split(",") if s.strip()]:
        started = time.perf_counter()
        sims = pair_similarities(spec, s1, s2)
        print(f"\n== {spec}  ({time.perf_counter() - started:.0f}s to embed)  ROC AUC {auc(sims, y):.3f}")
        print(
            f"  similarity quartiles  positives {np.percentile(sims[y == 1], [25, 50, 75]).round(3).tolist()}"
            f"  negatives {np.percentile(sims[y == 0], [25, 50, 75]).round(3).tolist()}"
        )
        answer = choose_answer(sims, y, args.precision)
        suggest = min(choose_suggest(sims, y, args.recall), answer)
        for label, t in (("answer", answer), ("suggest", suggest)):
            p, r, share = precision_recall_at(sims, y, t)
            print(f"  {label:8s} >= {t:.3f}: precision {p:.3f}  recall {r:.3f}  share of pairs {share:.3f}")
        print("  curve (threshold: precision / recall):")
        for t in np.round(np.linspace(suggest - 0.05, min(answer + 0.05, 1.0), 7), 3):
            p, r, _ = precision_recall_at(sims, y, float(t))
            print(f"    {t:.3f}: {p:.3f} / {r:.3f}")
        margin = DEFAULT_MARGIN
        if args.retrieval_dir and (args.retrieval_dir / "corpus.jsonl").is_file():
            m = choose_margin(spec, args.retrieval_dir, answer, args.margin_precision, args.retrieval_limit)
            margin = float(m["margin"])
            print(f"  margin from retrieval set: {m}")
        else:
            print(f"  margin: default {margin} (no --retrieval-dir)")
        yaml_lines += [f"  {spec}:", f"    answer: {answer:.3f}", f"    suggest: {suggest:.3f}", f"    margin: {margin:.3f}"]
    print("\n# for knowledge_base/thresholds.yaml")
    print("\n".join(yaml_lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
