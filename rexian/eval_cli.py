"""``rexian eval ...``: evaluations against a running bot.

* ``dialogues FILE [--url URL] [--smoke] [--json] [--show-failures N] [--concurrency N] [--timeout S]`` — play
  the dialogue cases of FILE through Rasa's REST channel and print the metric lines of docs/decisions.md
  (:mod:`rexian.dialogue_eval`).

Results go to stdout, failing turns and errors to stderr. The exit status is 0 whatever the scores; 2 when the
file is invalid or the bot cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from rexian import dialogue_eval

logger = logging.getLogger(__name__)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1（至少为 1）")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative（不能为负数）")
    return value


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``eval`` command group to the ``rexian`` parser."""
    parser = groups.add_parser("eval", help="评测：对运行中的机器人回放对话用例并打印指标")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def usage(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    parser.set_defaults(func=usage)

    description = (
        "通过 Rasa REST 通道回放 FILE 中的对话用例（每个用例一个新的会话），按 docs/decisions.md 打印指标："
        "每行 `名称 数值`，然后 `group.<分组> 通过率 (通过/总数)`。"
    )
    dialogues = commands.add_parser("dialogues", help="回放对话用例，打印决定准确率等指标", description=description)
    dialogues.set_defaults(func=cmd_dialogues)
    dialogues.add_argument("file", metavar="FILE", help="对话用例 YAML 文件（如 benchmarks/dialogues/cases.yml）")
    dialogues.add_argument("--url", help="Rasa 服务地址（默认：配置 rasa.url）")
    dialogues.add_argument("--smoke", action="store_true", help="只回放标记了 smoke: true 的用例")
    dialogues.add_argument("--json", action="store_true", help="以 JSON 输出结果（含失败轮次）")
    dialogues.add_argument(
        "--show-failures", type=_non_negative_int, default=0, metavar="N", help="在标准错误上列出至多 N 个失败轮次"
    )
    dialogues.add_argument(
        "--concurrency", type=_positive_int, default=dialogue_eval.DEFAULT_CONCURRENCY, metavar="N",
        help=f"同时回放的用例数（默认 {dialogue_eval.DEFAULT_CONCURRENCY}）",
    )
    dialogues.add_argument(
        "--timeout", type=float, default=dialogue_eval.DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"每条消息等待回复的秒数（默认 {dialogue_eval.DEFAULT_TIMEOUT:g}）",
    )


def cmd_dialogues(args: argparse.Namespace) -> int:
    try:
        cases = dialogue_eval.load_cases(args.file)
    except dialogue_eval.DialogueFileError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.smoke:
        cases = [case for case in cases if case.smoke]
        if not cases:
            logger.warning("%s has no case with smoke: true（没有 smoke 用例）", args.file)
    url = args.url
    if not url:
        from configuration import load_config

        url = load_config().rasa.url
    logger.info("playing %d case(s) against %s", len(cases), url)
    try:
        report = dialogue_eval.evaluate(cases, url, concurrency=args.concurrency, timeout=args.timeout)
    except dialogue_eval.BotUnreachable as exc:
        print(f"机器人不可达 / bot unreachable: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(dialogue_eval.format_report(report))
    if args.show_failures and report.failures:
        print(dialogue_eval.format_failures(report.failures, args.show_failures), file=sys.stderr)
    return 0
