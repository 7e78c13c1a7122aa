"""The satisfaction callback (回访): the three levels and the one rule for reopening an order for review."""

from __future__ import annotations

from typing import Literal

SATISFIED = "满意"
BASIC = "基本满意"
UNSATISFIED = "不满意"
#: The levels, best first.
SATISFACTION_LEVELS: tuple[str, ...] = (SATISFIED, BASIC, UNSATISFIED)
#: The levels the 满意率 counts as satisfied.
SATISFIED_LEVELS: tuple[str, ...] = (SATISFIED, BASIC)
Satisfaction = Literal["满意", "基本满意", "不满意"]


def reopens_for_review(resolved: bool, satisfaction: str) -> bool:
    """回访复核: an order is reopened when the citizen says the problem is not solved, or is 不满意."""
    return not resolved or satisfaction == UNSATISFIED
