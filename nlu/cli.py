"""``rexian nlu ...``: Chinese language handling commands.

Each command lives next to the code it drives and is registered here:

* ``eval-address FILE`` — address extraction span P/R/F1 (:mod:`nlu.address_eval`);
* ``eval-appeals [--adapt] FILE``, ``train-appeals FILE`` — appeal type and category (:mod:`nlu.appeal.cli`);
* ``build-dicts [--check]`` — the jieba user-dictionary directory (:mod:`nlu.dicts_build`).
"""

from __future__ import annotations

import argparse
import importlib

COMMAND_MODULES: tuple[str, ...] = ("nlu.address_eval", "nlu.appeal.cli", "nlu.dicts_build")


def register(groups: argparse._SubParsersAction) -> None:
    parser = groups.add_parser("nlu", help="中文语言处理：地址、诉求类型、分类、词典")
    parser.set_defaults(func=lambda args: parser.print_help() or 1)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command module still being written
            if not module_name.startswith(str(exc.name)):
                raise
            continue
        module.add_commands(commands)
