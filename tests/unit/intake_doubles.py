"""Intake services for unit tests: a fixed appeal type and category, no KB, the real address extractors."""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot.actions.intake.forms import AppealType
from bot.actions.intake.services import _as_pair
from domain import CategoryLeaf
from nlu.appeal.types import CategorySuggestion
from nlu.extract import extract_addresses, parse_address


class RealAddressServices:
    """Classifier and KB stand-ins (a complaint in ``category``); addresses parsed for real in 北京市."""

    def __init__(self, category: str = "城乡建设与管理/噪音扰民/社会生活噪音", department: str = "gongan",
                 department_name: str = "市公安局") -> None:
        self.category = CategorySuggestion(CategoryLeaf(category, department, department_name), 0.8)

    def classify_appeal(self, text: str) -> tuple[AppealType, float, bool]:
        return AppealType.COMPLAINT, 0.9, False

    def suggest_categories(self, text: str) -> list[CategorySuggestion]:
        return [self.category]

    def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        return _as_pair(parse_address(text, default_city="北京市"))

    def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        found = extract_addresses(text, default_city="北京市")
        return _as_pair(max(found, key=lambda a: a.confidence)) if found else None

    def kb_answer(self, text: str) -> str | None:
        return None

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 11, 27, 10, 0)
