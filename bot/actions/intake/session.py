"""The state of one intake, serialised into the ``intake_state`` slot between turns."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.actions.intake.forms import FORMS, OPTIONAL, AppealType, Field
from bot.actions.slot_state import SlotState
from domain import CategoryLeaf
from nlu.appeal.types import CategorySuggestion

STAGE_APPEAL = "appeal"      # asking which kind of request this is
STAGE_COLLECT = "collect"    # filling the form's fields
STAGE_CONFIRM = "confirm"    # showing the summary, waiting for yes / change / cancel
STAGE_CHOOSE_FIX = "choose_fix"  # the citizen said "修改" without saying what


@dataclass
class IntakeSession(SlotState):
    """Everything the bot knows about the request being taken."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    stage: str = STAGE_COLLECT
    appeal_type: str | None = None
    appeal_confidence: float = 0.0
    appeal_guess: str | None = None  # the classifier's best type, used when the citizen does not choose
    description: str | None = None
    address: str | None = None
    address_detail: dict[str, Any] | None = None
    occurred: str | None = None
    occurred_at: str | None = None
    # the chosen leaf's path (None: not chosen yet; "": none of the offered ones, the hotline centre dispatches it)
    category: str | None = None
    category_candidates: list[CategorySuggestion] = field(default_factory=list)  # the leaves offered, best first
    name: str | None = None
    phone: str | None = None
    phone_declined: bool = False
    callback_consent: bool | None = None
    anonymous: bool | None = None
    photos: list[str] = field(default_factory=list)
    lat: float | None = None
    long: float | None = None
    skipped: list[str] = field(default_factory=list)
    pending: str | None = None
    attempts: dict[str, int] = field(default_factory=dict)
    corrected: list[str] = field(default_factory=list)
    first_message: str = ""
    # address / name as the citizen wrote them ("朝阳区建国路88号", "王"), to find them in the description
    written: dict[str, str] = field(default_factory=dict)
    # a corrected field whose new value is still to come: where its old value stands in the description,
    # [[start, text], …], replaced once the new value arrives
    stale: dict[str, list[list[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.category_candidates = [_suggestion(c) for c in self.category_candidates]

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["category_candidates"] = [_slot_form(c) for c in self.category_candidates]
        return data

    @property
    def appeal(self) -> AppealType | None:
        return AppealType(self.appeal_type) if self.appeal_type else None

    @property
    def category_leaf(self) -> CategoryLeaf | None:
        """The chosen leaf with its department (None until one is chosen, and when the hotline centre dispatches)."""
        if not self.category:
            return None
        return next((c.leaf for c in self.category_candidates if c.leaf.path == self.category),
                    CategoryLeaf(self.category))

    def fields(self) -> tuple[Field, ...]:
        appeal = self.appeal
        return FORMS[appeal] if appeal else ()

    def is_optional(self, name: Field) -> bool:
        appeal = self.appeal
        return bool(appeal) and name in OPTIONAL[appeal]

    def value(self, name: Field) -> Any:
        return getattr(self, name.value)


def _slot_form(suggestion: CategorySuggestion) -> dict[str, Any]:
    """A suggestion as the slot keeps it: the leaf's path and department, and the score."""
    leaf = suggestion.leaf
    return {"path": leaf.path, "department": leaf.department, "department_name": leaf.department_name,
            "score": suggestion.score}


def _suggestion(value: CategorySuggestion | dict[str, Any]) -> CategorySuggestion:
    if isinstance(value, CategorySuggestion):
        return value
    leaf = CategoryLeaf(str(value["path"]), value.get("department") or "", value.get("department_name") or "")
    return CategorySuggestion(leaf, float(value.get("score") or 0.0))
