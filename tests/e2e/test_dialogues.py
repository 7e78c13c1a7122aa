"""The smoke subset of the dialogue benchmark (``benchmarks/dialogues/cases.yml``, cases with ``smoke: true``)
played through the real stack over Rasa's REST channel, held to the targets on that subset:

emergency recall 1.0, false alarms at most 2 %, consultations answered or offered at least 90 % (95 % on the full
set, measured by the benchmark), forms started by mistake at most 5 %, cases passing at least 90 %. The full benchmark is ``rexian eval dialogues FILE``.
"""
from __future__ import annotations

import pytest

from configuration import PROJECT_ROOT
from rexian.dialogue_eval import Report, evaluate, format_failures, format_report, load_cases
from rexian.stack import Stack

pytestmark = pytest.mark.e2e

CASES_FILE = PROJECT_ROOT / "benchmarks" / "dialogues" / "cases.yml"

#: metric → (">=" or "<=", target)
TARGETS: dict[str, tuple[str, float]] = {
    "emergency_recall": (">=", 1.0),
    "emergency_false_alarm": ("<=", 0.02),
    # The subset has about 30 consultation turns (one is three points); the full set is held to 0.95 as a benchmark.
    "consult_answered_or_choice": (">=", 0.90),
    "wrong_form_rate": ("<=", 0.05),
    "overall": (">=", 0.90),
}


def _missed_targets(report: Report) -> list[str]:
    missed = []
    for name, (op, target) in TARGETS.items():
        value = report.value(name)
        if value is None:
            missed.append(f"{name}: not measured (no smoke turn counts towards it)")
        elif (op == ">=" and value < target) or (op == "<=" and value > target):
            missed.append(f"{name} {value:.3f}, target {op} {target}")
    return missed


def test_smoke_dialogues_meet_the_targets(stack: Stack) -> None:
    assert CASES_FILE.is_file(), f"{CASES_FILE} is missing"
    cases = [case for case in load_cases(CASES_FILE) if case.smoke]
    assert cases, f"no case in {CASES_FILE} has smoke: true"
    report = evaluate(cases, stack.settings.rasa.url)
    missed = _missed_targets(report)
    assert not missed, (
        "dialogue targets missed: " + "; ".join(missed)
        + "\n\n" + format_report(report)
        + "\n\nfailing turns:\n" + format_failures(report.failures)
    )
