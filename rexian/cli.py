"""The ``rexian`` command: ``rexian <group> <command> ...``.

Each command group lives next to the code it drives and exposes ``register(subparsers)``; add a group by adding
its module to :data:`GROUPS` (e.g. ``nlu.cli`` for ``rexian nlu ...``, a report module for ``rexian report ...``).
A group sets ``func(args) -> int`` as its parser default (e.g. printing its usage) and each command overrides it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

GROUPS: tuple[str, ...] = ("knowledge_base.cli", "nlu.cli", "dispatch_reports.cli", "rexian.eval_cli", "rexian.events_cli",
                          "dispatch_backend.cli")


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

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
