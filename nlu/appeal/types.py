"""Labels and result types of the appeal classifier."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import APPEAL_TYPES, COMPLAINT, HELP, CategoryLeaf
from domain import CONSULTATION as CONSULT
from domain import SUGGESTION as SUGGEST

__all__ = ["APPEAL_TYPES", "COMPLAINT", "CONSULT", "EVAL_CLASSES", "HELP", "LABEL_ALIASES", "MERGED", "SUGGEST",
           "AppealPrediction", "CategorySuggestion", "to_eval_class"]

MERGED = "投诉举报|求助"
"""The label of data sources (and of the 3-class evaluation) that do not tell complaints from help requests."""
EVAL_CLASSES: tuple[str, ...] = (CONSULT, MERGED, SUGGEST)

LABEL_ALIASES: dict[str, str] = {
    "咨询": CONSULT,
    "求助": HELP,
    "投诉": COMPLAINT,
    "举报": COMPLAINT,
    "投诉举报": COMPLAINT,
    "意见": SUGGEST,
    "建议": SUGGEST,
    "建言": SUGGEST,
    "意见建议": SUGGEST,
    MERGED: MERGED,
    "投诉/求助": MERGED,
    "求助|投诉举报": MERGED,
}


def to_eval_class(label: str) -> str:
    """The 3-class evaluation label of a 4-class (or already merged) label."""
    return MERGED if label in (HELP, COMPLAINT, MERGED) else label


@dataclass(frozen=True)
class AppealPrediction:
    """The appeal type of one message.

    ``scores`` has a probability for each of the four types (they sum to 1); ``unsure`` tells the dialogue to ask the
    citizen one short question before relying on ``appeal_type``.
    """

    appeal_type: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    unsure: bool = False


@dataclass(frozen=True)
class CategorySuggestion:
    """One candidate leaf of the category tree (with the department that handles it) and its score."""

    leaf: CategoryLeaf
    score: float
