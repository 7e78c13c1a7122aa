"""The ``rexian`` command: ``rexian <group> <command> ...``.

Each command group lives next to the code it drives and exposes ``register(subparsers)``; add a group by adding
its module to :data:`GROUPS` (e.g. ``nlu.cli`` for ``rexian nlu ...``, a report module for ``rexian report ...``).
A group sets ``func(args) -> int`` as its parser default (e.g. printing its usage) and each command overrides it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

GROUPS: tuple[str, ...] = ("knowledge_base.cli", "nlu.cli", "dispatch_reports.cli", "rexian.eval_cli", "rexian.events_cli",
                          "dispatch_backend.cli", "connectors.wechat.menu")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rexian", description="Rexian（热线）12345 智能受理机器人 命令行工具")
    parser.add_argument("-v", "--verbose", action="store_true", help="输出调试日志")
    groups = parser.add_subparsers(dest="group", metavar="GROUP")
    groups.required = True
    for module_name in GROUPS:
        importlib.import_module(module_name).register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from configuration import ConfigError

    if args.group == "report" and not getattr(args, "report_command", None):
        args.func = with_suggestion_use(args.func)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2


def with_suggestion_use(report: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``rexian report`` followed by a section on how seat agents used the suggested answers in the same period
    (the console's database, ``console.db_url``; ``dispatch_reports`` may not import the console, this command may).
    Not with ``--json`` (one JSON document) or when the report failed."""

    def run(args: argparse.Namespace) -> int:
        status = int(report(args) or 0)
        if status == 0 and not getattr(args, "json", False):
            print()
            print("\n".join(suggestion_use_lines(args.first, args.last)))
        return status

    return run


def suggestion_use_lines(first: dt.date | None, last: dt.date | None) -> list[str]:
    """The suggestion-use section for the report's period (its defaults: the 8 weeks up to today)."""
    from agent_console.usage import suggestion_usage_from_config, usage_lines
    from configuration import load_config
    from dispatch_reports.cli import DEFAULT_WEEKS
    from dispatch_reports.seed import display_url, sqlite_path
    from domain import BEIJING

    last = last or dt.datetime.now(BEIJING).date()
    first = first or last - dt.timedelta(days=7 * DEFAULT_WEEKS - 1)
    db_url = load_config().console.db_url
    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        return [f"坐席建议答复：未找到坐席控制台数据库 {path}（控制台尚未运行过），没有可统计的数据。"]
    usage = suggestion_usage_from_config(first, last + dt.timedelta(days=1), db_url=db_url)
    return [f"坐席建议答复的使用（{first} 至 {last}，{display_url(db_url)}）", *usage_lines(usage)]


if __name__ == "__main__":
    raise SystemExit(main())
