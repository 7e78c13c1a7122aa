"""The import rule of docs/architecture.md: a package imports only from the packages below it.

Every ``import`` in the project's packages counts, function-level ones included (they hide cycles, not remove
them). ``connectors.push`` is the push contract every connector serves and the callbacks (and the agent console)
use to reach a citizen's channel; it sits with the clients, below everything that sends.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: unit → the units it may import (besides itself). Order: bottom first.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "configuration": {"domain"},
    "knowledge_base": {"domain", "configuration"},
    "dispatch_backend": {"domain", "configuration"},
    "dispatch_client": {"domain", "configuration"},
    "connectors.push": {"domain", "configuration"},
    "agent_console.contract": {"domain", "configuration"},
    "nlu": {"domain", "configuration", "knowledge_base"},
    "agent_console": {"domain", "configuration", "knowledge_base", "nlu", "dispatch_client", "connectors.push",
                      "agent_console.contract"},
    "callbacks": {"domain", "configuration", "dispatch_client", "connectors.push", "agent_console.contract"},
    "dispatch_reports": {"domain", "configuration", "dispatch_client", "dispatch_backend"},
    "bot": {"domain", "configuration", "knowledge_base", "nlu", "dispatch_client", "agent_console.contract"},
    "connectors": {"domain", "configuration", "connectors.push", "agent_console.contract"},
    "rexian": {"domain", "configuration", "knowledge_base", "dispatch_backend", "dispatch_client",
               "connectors.push", "nlu", "callbacks", "dispatch_reports", "bot", "connectors", "agent_console",
               "agent_console.contract"},
}
PACKAGES = sorted({unit.split(".")[0] for unit in ALLOWED})


def unit_of(module: str) -> str | None:
    """The unit a dotted module name belongs to (the longest unit name that prefixes it)."""
    best = None
    for unit in ALLOWED:
        if module == unit or module.startswith(unit + "."):
            if best is None or len(unit) > len(best):
                best = unit
    return best


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] if "." in package else package
        package += ".__init__"
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from a import b``: b may be a module of another unit (``from connectors import push``)
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def violations() -> list[str]:
    problems: list[str] = []
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            source = unit_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
            assert source is not None
            for line, module in imports_of(path):
                target = unit_of(module)
                if target is None or target == source:
                    continue
                if target not in ALLOWED[source]:
                    problems.append(f"{path.relative_to(ROOT)}:{line} ({source}) imports {target}")
    return sorted(set(problems))


def test_every_package_imports_only_from_below() -> None:
    problems = violations()
    assert not problems, "layer rule broken (docs/architecture.md):\n" + "\n".join(problems)


def test_the_rule_has_no_cycles() -> None:
    order = list(ALLOWED)
    for unit, allowed in ALLOWED.items():
        for other in allowed:
            assert order.index(other) < order.index(unit), f"{unit} may import {other}, which comes after it"


@pytest.mark.parametrize(("module", "unit"), [
    ("connectors.push", "connectors.push"), ("connectors.webchat.app", "connectors"),
    ("bot.actions.actions", "bot"), ("numpy", None), ("domain", "domain"),
    ("agent_console.contract", "agent_console.contract"), ("agent_console.app", "agent_console"),
])
def test_units(module: str, unit: str | None) -> None:
    assert unit_of(module) == unit


def test_the_checker_sees_a_function_level_import(tmp_path: Path) -> None:
    sample = ROOT / "nlu" / "_layer_probe_do_not_commit.py"
    sample.write_text("def f():\n    from bot.actions import actions\n", encoding="utf-8")
    try:
        assert "nlu/_layer_probe_do_not_commit.py:2 (nlu) imports bot" in violations()
    finally:
        sample.unlink()
