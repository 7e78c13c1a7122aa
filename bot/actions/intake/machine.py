"""The intake dialogue as a plain-Python state machine: one call per citizen message.

:meth:`IntakeMachine.start` reads the first message (appeal type, category and every field it already
contains); :meth:`IntakeMachine.handle` reads each later message, by the session's stage (:data:`STAGES`). Both
return the replies to send and the new session, or say that the session ended (cancelled, left for a consultation,
or confirmed and ready to submit). What the form does with each field is declared in :mod:`.fields`. The Rasa
actions in :mod:`bot.actions.intake_actions` only move this state in and out of the tracker.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.actions.intake import category, fields, understand, wording
from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.services import IntakeServices
from bot.actions.intake.session import (
    STAGE_APPEAL,
    STAGE_CHOOSE_FIX,
    STAGE_COLLECT,
    STAGE_CONFIRM,
    IntakeSession,
)
from bot.actions.intake.understand import is_reply_only
from bot.actions.replies import Reply

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3            # re-prompts for one field before accepting what we have / moving on
CHANGE_WORDS = ("修改", "改", "改一下", "要改", "有错", "不对")
# What the machine says when asked for a human; the intake action replaces it with the honest outcome of the handoff
# (bot/actions/shared.py: the place in the queue, or why no agent can come now).
HANDOFF_TEXT = "好的，我来为您联系人工话务员。"


@dataclass
class TurnResult:
    """What one message did: replies to send, and the session (None when the intake ended)."""

    replies: list[Reply] = field(default_factory=list)
    session: IntakeSession | None = None
    submit: bool = False          # the citizen confirmed: create the work order from ``session``
    cancelled: bool = False
    to_consultation: bool = False  # the citizen only wanted to ask a question: answer ``session.first_message``
    handoff: bool = False         # the citizen asked for a human agent: the form ends, its fields go along


@dataclass(frozen=True)
class Stage:
    """How a message is read at one stage of the form."""

    handle: Callable[[IntakeMachine, IntakeSession, str], TurnResult]
    corrections: bool  # "地址改成…" changes a field here (before the stage reads the message)


class IntakeMachine:
    """Form filling for one appeal: ask only what is missing, accept corrections anywhere, confirm."""

    def __init__(self, services: IntakeServices) -> None:
        self.services = services

    # ------------------------------------------------------------------ entry
    def start(self, text: str, *, hinted: AppealType | None = None, hint_confidence: float = 0.0,
              metadata: dict[str, Any] | None = None, ask_type: bool = False) -> TurnResult:
        """Open an intake from the first message. ``hinted`` is the type the caller already believes
        (a Rasa intent such as ``complain`` or a button), used unless the classifier is confidently different;
        ``ask_type`` asks the citizen the appeal type first (the caller was unsure)."""
        session = IntakeSession(first_message=text)
        self._absorb_metadata(session, metadata)
        content = understand.has_content(text) and not is_reply_only(text)  # a button that opened it says nothing
        appeal, confidence, unsure = self.services.classify_appeal(text) if content \
            else (hinted or AppealType.COMPLAINT, hint_confidence, hinted is None)
        if hinted is not None and (unsure or appeal == hinted or hint_confidence >= confidence):
            appeal, confidence, unsure = hinted, max(confidence, hint_confidence), False
        if content:
            session.description = understand.strip_intro(text)
            fields.glean(session, text, self.services, skip=None)
        session.appeal_guess = appeal.value
        if unsure or ask_type:
            session.stage = STAGE_APPEAL
            session.appeal_confidence = confidence
            return TurnResult([wording.appeal_question()], session)
        if appeal is AppealType.CONSULT and session.description:
            return TurnResult([], session, to_consultation=True)  # a question after all: the KB answers it
        return self._begin(session, appeal, confidence)

    def start_consultation(self, question: str, metadata: dict[str, Any] | None = None) -> TurnResult:
        """Register a question the KB could not answer as a consultation work order."""
        session = IntakeSession(first_message=question, description=question.strip() or None)
        self._absorb_metadata(session, metadata)
        ack = f"好的，我把您的问题「{question.strip()}」登记为咨询工单，由工作人员查明后答复您。" if question.strip() else None
        return self._begin(session, AppealType.CONSULT, 1.0, ack=ack)

    def _begin(self, session: IntakeSession, appeal: AppealType, confidence: float,
               ack: str | None = None) -> TurnResult:
        session.appeal_type = appeal.value
        session.appeal_confidence = confidence
        session.stage = STAGE_COLLECT
        if session.description:
            category.classify(session, self.services)
        return self._next(session, [ack or wording.start_ack(appeal)])

    # ------------------------------------------------------------------ one turn
    def handle(self, session: IntakeSession, text: str, metadata: dict[str, Any] | None = None) -> TurnResult:
        text = text or ""
        self._absorb_metadata(session, metadata)
        pending = Field(session.pending) if session.pending else None

        # Cancel wins everywhere, except that "不用了" answers a yes/no question.
        if understand.is_cancel(text) and not (pending in (Field.CALLBACK, Field.ANONYMOUS)
                                               and understand.yes_no(text) is not None):
            return TurnResult([wording.cancelled()], None, cancelled=True)

        if understand.asks_for_human(text):
            return TurnResult([Reply(HANDOFF_TEXT)], session, handoff=True)

        if session.stage == STAGE_COLLECT and self._took_location(session, metadata):
            # A shared location (Telegram, WeChat) is the place whatever was asked: the next question follows.
            return self._next(session, ["已收到您发送的位置。"])

        stage = STAGES.get(session.stage, STAGES[STAGE_COLLECT])
        if stage.corrections:
            correction = understand.parse_correction(text)
            if correction is not None and session.appeal is not None and correction.field in session.fields():
                return self._apply_correction(session, correction)
        return stage.handle(self, session, text)

    # ------------------------------------------------------------------ stages
    def _handle_collect(self, session: IntakeSession, text: str) -> TurnResult:
        pending = Field(session.pending) if session.pending else None
        notes: list[str] = []
        if pending is not None:
            outcome = fields.read(session, pending, text, self.services, notes)
            if outcome == "detour":
                return self._detour(session, text, pending)
            if outcome == "invalid":
                session.attempts[pending.value] = session.attempts.get(pending.value, 0) + 1
                if session.attempts[pending.value] >= MAX_ATTEMPTS:
                    fields.give_up(session, pending, text, notes)
                else:
                    return TurnResult([wording.prompt(session, pending, again=True)], session)
        # Whatever else the message said (a phone number, a time ...) fills the fields still empty.
        fields.glean(session, text, self.services, skip=pending)
        return self._next(session, notes)

    def _handle_appeal_choice(self, session: IntakeSession, text: str) -> TurnResult:
        appeal = understand.parse_appeal_choice(text)
        if appeal is None:
            # Whatever the reply says (an address, a phone …) is kept; a second unclear reply takes the guess.
            fields.glean(session, text, self.services, skip=None)
            session.attempts["appeal"] = session.attempts.get("appeal", 0) + 1
            if session.attempts["appeal"] >= 2:
                guess = session.appeal_guess or (AppealType.COMPLAINT.value if session.description else None)
                appeal = AppealType(guess) if guess else AppealType.CONSULT
            else:
                return TurnResult([Reply("请直接回复“投诉举报”“求助”“意见建议”或“咨询”（也可以点击下方按钮）。",
                                         wording.appeal_question().buttons)], session)
        if appeal is AppealType.CONSULT and session.description:
            return TurnResult([], session, to_consultation=True)
        return self._begin(session, appeal, 1.0)

    def _handle_confirm(self, session: IntakeSession, text: str) -> TurnResult:
        private = understand.anonymity_request(text)
        if private is not None:  # "保密" here sets confidentiality; it does not submit
            session.anonymous = private
            return TurnResult([Reply(wording.anonymity_set(private)), wording.summary(session)], session)
        answer = understand.yes_no(text)
        if answer is True:
            return TurnResult([], session, submit=True)
        if answer is False or understand.compact(text) in CHANGE_WORDS:
            session.stage = STAGE_CHOOSE_FIX
            return TurnResult([wording.choose_fix(session)], session)
        if understand.looks_like_question(text):
            answer_text = self.services.kb_answer(text)
            if answer_text:
                return TurnResult([Reply(answer_text), wording.summary(session)], session)
        return TurnResult([Reply("请回复“确认”提交，或直接说要修改的内容，例如“电话改成…”。"), wording.summary(session)],
                          session)

    def _handle_choose_fix(self, session: IntakeSession, text: str) -> TurnResult:
        for name in session.fields():
            if fields.SPECS[name].label in text or f'"{name.value}"' in text:
                return self._apply_correction(session, understand.Correction(name, ""))
        if understand.yes_no(text) is True:
            session.stage = STAGE_CONFIRM
            return TurnResult([wording.summary(session)], session)
        return TurnResult([wording.choose_fix(session)], session)

    def _apply_correction(self, session: IntakeSession, correction: understand.Correction) -> TurnResult:
        """Change one field, keeping every other; the old value's text in the description goes with it (replaced by
        the new value as soon as there is one, see :func:`.fields.read`)."""
        name = correction.field
        stale = fields.old_mentions(session, name)
        if stale:
            session.stale[name.value] = stale
        if name.value not in session.corrected:
            session.corrected.append(name.value)
        if name.value in session.skipped:
            session.skipped.remove(name.value)
        returning_to_confirm = session.stage in (STAGE_CONFIRM, STAGE_CHOOSE_FIX) or not fields.missing(session)
        if correction.value:
            notes: list[str] = []
            outcome = fields.read(session, name, correction.value, self.services, notes, overwrite=True)
            if outcome == "ok":
                session.stage = STAGE_COLLECT
                return self._next(session, [wording.corrected(name)] + notes)
        # No usable new value: ask for this field now, keeping everything else.
        fields.clear(session, name)
        session.stage = STAGE_COLLECT
        session.pending = name.value
        session.attempts.pop(name.value, None)
        lead = "好的，我们改一下。" if returning_to_confirm or correction.value == "" else "这个值没能识别。"
        reply = wording.prompt(session, name)
        return TurnResult([Reply(lead + reply.text, reply.buttons)], session)

    def _detour(self, session: IntakeSession, text: str, pending: Field) -> TurnResult:
        answer_text = self.services.kb_answer(text)
        if answer_text:
            return TurnResult([Reply(answer_text), wording.detour_resume(wording.prompt(session, pending))], session)
        session.attempts[pending.value] = session.attempts.get(pending.value, 0) + 1
        return TurnResult([wording.prompt(session, pending, again=True)], session)

    @staticmethod
    def _absorb_metadata(session: IntakeSession, metadata: dict[str, Any] | None) -> None:
        """Photos and a location that a channel sent along with the message."""
        if not metadata:
            return
        for url in metadata.get("photos") or []:
            if isinstance(url, str) and url not in session.photos and len(session.photos) < 20:
                session.photos.append(url)
        location = metadata.get("location") or {}
        try:
            lat, long = float(location["lat"]), float(location["long"])
        except (KeyError, TypeError, ValueError):
            return
        if -90 <= lat <= 90 and -180 <= long <= 180:
            session.lat, session.long = lat, long

    @staticmethod
    def _took_location(session: IntakeSession, metadata: dict[str, Any] | None) -> bool:
        """Whether this message is a shared location (coordinates already absorbed): its label (WeChat's place
        name), else the coordinates, becomes the address when the citizen has given none."""
        location = (metadata or {}).get("location") or {}
        if not location or session.lat is None or session.long is None:
            return False
        if not session.address:
            label = str(location.get("label") or "").strip()
            session.address = label[:200] if label else f"市民发送的定位（纬度{session.lat:.5f}，经度{session.long:.5f}）"
        return True

    # ------------------------------------------------------------------ next step
    def _next(self, session: IntakeSession, notes: list[str]) -> TurnResult:
        missing = fields.missing(session)
        lead = "".join(notes)
        if missing:
            name = missing[0]
            session.pending = name.value
            session.stage = STAGE_COLLECT
            reply = wording.prompt(session, name)
            return TurnResult([Reply((lead + reply.text) if lead else reply.text, reply.buttons)], session)
        session.pending = None
        session.stage = STAGE_CONFIRM
        replies = [Reply(lead)] if lead else []
        return TurnResult(replies + [wording.summary(session)], session)


STAGES: dict[str, Stage] = {
    STAGE_APPEAL: Stage(IntakeMachine._handle_appeal_choice, corrections=False),
    STAGE_COLLECT: Stage(IntakeMachine._handle_collect, corrections=True),
    STAGE_CONFIRM: Stage(IntakeMachine._handle_confirm, corrections=True),
    STAGE_CHOOSE_FIX: Stage(IntakeMachine._handle_choose_fix, corrections=True),
}
"""The stages of the form; a session in an unknown stage (an older version's) is collecting fields."""
