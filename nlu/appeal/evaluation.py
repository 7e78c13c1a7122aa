"""Scoring the appeal-type classifier on labelled messages: 3-class P/R/F1, macro-F1, confusion matrix."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from nlu.appeal.types import EVAL_CLASSES, to_eval_class


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    n: int
    accuracy: float
    macro_f1: float
    per_class: list[ClassScore]
    labels: list[str]
    confusion: list[list[int]]  # rows = gold, columns = predicted, in ``labels`` order
    mode: str = "out-of-the-box"

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        """The human-readable printout (Chinese labels, aligned columns)."""
        lines = [
            f"模式：{self.mode}",
            f"样本数 n = {self.n}",
            f"准确率 accuracy = {self.accuracy:.4f}",
            f"宏平均 macro-F1 = {self.macro_f1:.4f}",
            "",
            f"{'类别':<12}{'P':>8}{'R':>8}{'F1':>8}{'n':>7}",
        ]
        for c in self.per_class:
            lines.append(f"{c.label:<12}{c.precision:>8.4f}{c.recall:>8.4f}{c.f1:>8.4f}{c.support:>7}")
        lines += ["", "混淆矩阵（行 = 标注，列 = 预测）：", " " * 14 + "".join(f"{l:>12}" for l in self.labels)]
        for label, row in zip(self.labels, self.confusion):
            lines.append(f"{label:<14}" + "".join(f"{v:>12}" for v in row))
        return "\n".join(lines)


def score(gold: Sequence[str], predicted: Sequence[str], mode: str = "out-of-the-box") -> EvalReport:
    """3-class report; both sides are mapped with :func:`to_eval_class` (求助 and 投诉举报 count as one class)."""
    labels = list(EVAL_CLASSES)
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        confusion[index[to_eval_class(g)]][index[to_eval_class(p)]] += 1
    per_class = []
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        pred = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = tp / pred if pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(ClassScore(label, precision, recall, f1, support))
    n = len(gold)
    accuracy = sum(confusion[i][i] for i in range(len(labels))) / n if n else 0.0
    macro = sum(c.f1 for c in per_class) / len(per_class)
    return EvalReport(n, accuracy, macro, per_class, labels, confusion, mode)


def kfold_predictions(
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int,
    train_and_predict: Callable[[list[int], list[int]], list[str]],
    seed: int = 13,
) -> list[str]:
    """Out-of-fold predictions: ``train_and_predict(train_indices, test_indices)`` is called once per fold.

    Folds are stratified by label and shuffled with a fixed seed, so runs are repeatable.
    """
    if folds < 2:
        raise ValueError("折数至少为 2")
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(to_eval_class(label), []).append(i)
    assignment = [0] * len(texts)
    offset = 0
    for label in sorted(by_label):
        idx = by_label[label]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            assignment[i] = (j + offset) % folds
        offset += len(idx)
    predictions: list[str] = [""] * len(texts)
    for fold in range(folds):
        test = [i for i in range(len(texts)) if assignment[i] == fold]
        train = [i for i in range(len(texts)) if assignment[i] != fold]
        for i, p in zip(test, train_and_predict(train, test)):
            predictions[i] = p
    return predictions
