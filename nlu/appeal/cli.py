"""``rexian nlu eval-appeals [--adapt] FILE`` and ``rexian nlu train-appeals FILE [--out DIR]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nlu.appeal.evaluation import EvalReport, kfold_predictions, score
from nlu.appeal.training import (
    CITY_WEIGHT,
    TrainingDataError,
    read_labelled,
    save_models,
    train_models,
)
from nlu.appeal.types import MERGED


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``eval-appeals`` and ``train-appeals`` under ``rexian nlu``."""
    ev = subparsers.add_parser(
        "eval-appeals",
        help="评估诉求类型分类（3 类：咨询 / 投诉举报|求助 / 意见建议）",
        description="在带标注的 JSONL/CSV（字段 text、appeal_type）上评估诉求类型分类；投诉举报与求助合并为一类计分。",
    )
    ev.add_argument("file", type=Path, help="评估文件（JSONL 或 CSV）")
    ev.add_argument("--adapt", action="store_true", help="k 折交叉验证：每折用项目数据 + 其余各折训练后评估")
    ev.add_argument("--folds", type=int, default=5, help="--adapt 的折数（默认 5）")
    ev.add_argument("--only-folds", action="store_true", help="--adapt 时不用项目自带数据，只用其余各折训练")
    ev.add_argument("--city-weight", type=float, default=CITY_WEIGHT, help=f"--adapt 时本地数据的权重（默认 {CITY_WEIGHT}）")
    ev.add_argument("--json", action="store_true", help="输出 JSON")
    ev.set_defaults(func=run_eval)

    tr = subparsers.add_parser(
        "train-appeals",
        help="用本市历史工单重新训练诉求类型与分类模型",
        description="读取历史工单（JSONL 或 CSV：text、appeal_type，可选 category、department），"
        "与项目自带数据一起训练并保存模型；load_classifier() 之后使用该模型。任何一行有错都不保存。",
    )
    tr.add_argument("file", type=Path, help="历史工单文件（JSONL 或 CSV）")
    tr.add_argument("--out", type=Path, default=None, help="模型目录（默认 $REXIAN_APPEAL_MODEL_DIR 或 var/appeal_model）")
    tr.add_argument("--without-seed", action="store_true", help="只用本市数据训练，不加入项目自带数据")
    tr.add_argument("--city-weight", type=float, default=CITY_WEIGHT, help=f"本市数据相对项目数据的权重（默认 {CITY_WEIGHT}）")
    tr.set_defaults(func=run_train)


def _print_errors(exc: TrainingDataError) -> None:
    print(f"数据有 {len(exc.errors)} 处错误，未做任何处理：", file=sys.stderr)
    for line in exc.errors[:50]:
        print("  " + line, file=sys.stderr)
    if len(exc.errors) > 50:
        print(f"  ……另有 {len(exc.errors) - 50} 处错误", file=sys.stderr)


def evaluate_file(path: Path, adapt: bool = False, folds: int = 5, only_folds: bool = False, city_weight: float = CITY_WEIGHT) -> EvalReport:
    """Score the seed-trained classifier on ``path``, or (``adapt``) out-of-fold predictions of retrained ones."""
    examples = read_labelled(path)
    texts = [e.text for e in examples]
    gold = [e.appeal_type or MERGED for e in examples]
    if not adapt:
        from nlu.appeal.classifier import seed_classifier

        model = seed_classifier()._models.appeal
        return score(gold, model.predict_eval_classes(texts), mode="开箱（仅项目自带数据训练）")

    def train_and_predict(train: list[int], test: list[int]) -> list[str]:
        models = train_models([examples[i] for i in train], use_seed=not only_folds, city_weight=city_weight)
        return models.appeal.predict_eval_classes([texts[i] for i in test])

    predictions = kfold_predictions(texts, gold, folds, train_and_predict)
    source = "仅其余各折" if only_folds else f"项目数据 + 其余各折（本地权重 {city_weight:g}）"
    return score(gold, predictions, mode=f"适配：{folds} 折交叉验证，训练数据 = {source}")


def run_eval(args: argparse.Namespace) -> int:
    try:
        report = evaluate_file(args.file, args.adapt, args.folds, args.only_folds, args.city_weight)
    except TrainingDataError as exc:
        _print_errors(exc)
        return 1
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.format())
    return 0


def run_train(args: argparse.Namespace) -> int:
    from nlu.appeal.classifier import model_dir

    try:
        examples = read_labelled(args.file)
    except TrainingDataError as exc:
        _print_errors(exc)
        return 1
    models = train_models(examples, use_seed=not args.without_seed, city_weight=args.city_weight)
    out = args.out or model_dir()
    target = save_models(models, out)
    with_category = sum(1 for e in examples if e.category)
    with_department = sum(1 for e in examples if e.department)
    print(f"已训练并保存：{target}")
    print(f"本市数据 {len(examples)} 条（含分类 {with_category} 条，含部门 {with_department} 条），项目数据 {models.meta['seed_rows']} 条，用时 {models.meta['seconds']} 秒")
    if args.out is not None and args.out.resolve() != model_dir().resolve():
        print(f"提示：机器人默认读取 {model_dir()}；要使用这个模型，请设置环境变量 REXIAN_APPEAL_MODEL_DIR={out}")
    return 0
