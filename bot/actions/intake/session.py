"""The state of one intake, serialised into the ``intake_state`` slot between turns."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.actions.intake.forms import FORMS, OPTIONAL, AppealType, Field
from bot.actions.slot_state import SlotState

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
    category: str | None = None
    category_candidates: list[dict[str, Any]] = field(default_factory=list)
    department: str | None = None
    department_name: str | None = None
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

    @property
    def appeal(self) -> AppealType | None:
        return AppealType(self.appeal_type) if self.appeal_type else None

    def fields(self) -> tuple[Field, ...]:
        appeal = self.appeal
        return FORMS[appeal] if appeal else ()

    def is_optional(self, name: Field) -> bool:
        appeal = self.appeal
        return bool(appeal) and name in OPTIONAL[appeal]

    def value(self, name: Field) -> Any:
        return getattr(self, name.value)

    def is_filled(self, name: Field) -> bool:
        if name.value in self.skipped:
            return True
        if name is Field.PHONE:
            return bool(self.phone) or self.phone_declined
        if name is Field.CATEGORY:
            return self.category is not None  # "" = none of the offered ones: the hotline centre dispatches it
        if name is Field.CALLBACK:
            return self.callback_consent is not None or (self.phone_declined and not self.phone)
        return self.value(name) not in (None, "")

    def missing(self) -> list[Field]:
        return [f for f in self.fields() if not self.is_filled(f)]

