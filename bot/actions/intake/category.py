"""The category step of the intake: guess the leaf from the description, or let the citizen pick one of three."""
from __future__ import annotations

from typing import Literal

from bot.actions.intake import understand
from bot.actions.intake.contacts import remove_contacts
from bot.actions.intake.services import IntakeServices
from bot.actions.intake.session import IntakeSession
from nlu.appeal.types import CategorySuggestion

CATEGORY_AUTO_SCORE = 0.5   # a top category scoring at least this is taken without asking
CATEGORY_AUTO_MARGIN = 0.15  # ... or leading the runner-up by this much (and scoring at least CATEGORY_MIN_SCORE)
CATEGORY_MIN_SCORE = 0.25
CATEGORY_OFFER_MIN = 0.05   # a runner-up is offered as an option only when it scores at least this
CATEGORY_OFFER_RATIO = 0.2  # ... and at least this share of the top score (no far-fetched options)
CATCH_ALL_DEPARTMENT = "rexian_center"  # the hotline centre: orders nobody else takes, dispatched by hand
OFFERED = 3                 # candidates offered at most ("都不是" is one more option)
NONE_OF_THEM = ("都不是", "不确定", "不知道", "其他", "不清楚")


def plausible(candidates: list[CategorySuggestion]) -> list[CategorySuggestion]:
    """The best candidate and the runners-up close enough to it to be worth offering to the citizen."""
    if not candidates:
        return []
    floor = max(CATEGORY_OFFER_MIN, candidates[0].score * CATEGORY_OFFER_RATIO)
    return candidates[:1] + [c for c in candidates[1:] if c.score >= floor]


def classify(session: IntakeSession, services: IntakeServices) -> None:
    """Guess the category from the description: taken when the classifier is confident, else offered."""
    if session.category is not None and "category" in session.corrected:
        return
    # Phone numbers, ID numbers and the address say nothing about the category and only add noise; the
    # hotline centre's catch-all leaf is what "都不是" gives, so it is never offered as a guess.
    candidates = [c for c in services.suggest_categories(category_text(session))
                  if c.leaf.department != CATCH_ALL_DEPARTMENT]
    session.category_candidates = plausible(candidates)[:OFFERED]
    if not candidates:
        session.category = ""
        return
    top = candidates[0].score
    runner = candidates[1].score if len(candidates) > 1 else 0.0
    confident = top >= CATEGORY_AUTO_SCORE or (top >= CATEGORY_MIN_SCORE and top - runner >= CATEGORY_AUTO_MARGIN)
    session.category = candidates[0].leaf.path if confident else None


def choose(session: IntakeSession, text: str) -> Literal["ok", "invalid"]:
    """The citizen's pick among the offered leaves (number, leaf name, "都不是"): "ok" or "invalid"."""
    candidates = session.category_candidates[:OFFERED]
    c = understand.compact(text)
    number = int(c) if c.isdigit() else None
    if number is None:
        for i, cand in enumerate(candidates, start=1):
            if cand.leaf.level3 in text:
                number = i
    if number is None and (c in NONE_OF_THEM or understand.is_skip(text)):
        number = len(candidates) + 1
    if number is None or not 1 <= number <= len(candidates) + 1:
        return "invalid"
    session.category = "" if number == len(candidates) + 1 else candidates[number - 1].leaf.path
    return "ok"


def category_text(session: IntakeSession) -> str:
    """The description without phone numbers, ID numbers and the address."""
    text = remove_contacts(session.description or "", with_label=False)
    detail = session.address_detail or {}
    for part in (detail.get("rest"), session.address):
        if part and part in text:
            text = text.replace(part, "")
    return text
