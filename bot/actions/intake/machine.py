"""The intake dialogue as a plain-Python state machine: one call per citizen message.

:meth:`IntakeMachine.start` reads the first message (appeal type, category and every field it already
contains); :meth:`IntakeMachine.handle` reads each later message. Both return the replies to send and the new
session, or say that the session ended (cancelled, left for a consultation, or confirmed and ready to submit).
The Rasa actions in :mod:`bot.actions.intake_actions` only move this state in and out of the tracker.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.actions.intake import understand, wording
from bot.actions.intake.contacts import remove_contacts
from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.session import (
    STAGE_APPEAL,
    STAGE_CHOOSE_FIX,
    STAGE_COLLECT,
    STAGE_CONFIRM,
    IntakeSession,
)
from bot.actions.replies import Reply
from nlu.extract import extract_addressing, extract_phones, extract_times
from nlu.extract.address import strip_lead_in
from nlu.extract.person import COMPOUND_SURNAMES, SINGLE_SURNAMES
from nlu.normalize import normalize

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3            # re-prompts for one field before accepting what we have / moving on
MIN_DESCRIPTION_CHARS = 6   # fewer meaningful characters is not a description
CATEGORY_AUTO_SCORE = 0.5   # a top category scoring at least this is taken without asking
CATEGORY_AUTO_MARGIN = 0.15  # ... or leading the runner-up by this much (and scoring at least CATEGORY_MIN_SCORE)
CATEGORY_MIN_SCORE = 0.25
CATEGORY_OFFER_MIN = 0.05   # a runner-up is offered as an option only when it scores at least this
CATEGORY_OFFER_RATIO = 0.2  # ... and at least this share of the top score (no far-fetched options)
CATCH_ALL_DEPARTMENT = "rexian_center"  # the hotline centre: orders nobody else takes, dispatched by hand
ADDRESS_HINT = re.compile(r"(路|街|道|巷|弄|胡同|号|小区|社区|村|镇|乡|区|县|市|楼|栋|幢|单元|广场|公园|医院|学校|"
                          r"门口|附近|对面|旁边|路口|站|场|大厦|中心|花园|苑|府|城|湾|庄|里)")
_BUTTON_PAYLOAD = re.compile(r"^\s*/[A-Za-z_]")  # a Rasa button payload: "/affirm", '/choose_appeal{"appeal":…}'
# Acknowledgements and bare answers (compacted): they answer a question, they never name a place or a problem.
SHORT_REPLIES = frozenset({
    "好", "好的", "好吧", "好滴", "好嘞", "好了", "好的谢谢", "是", "是的", "对", "对的", "对对", "对对对", "没错", "嗯",
    "嗯嗯", "恩", "嗯好", "行", "行吧", "可以", "可以的", "确认", "确定", "提交", "确认提交", "没问题", "知道了", "知道",
    "好的知道了", "收到", "收到了", "明白", "明白了", "了解", "谢谢", "需要", "不需要", "不", "不是", "不对", "否", "不用",
    "ok", "okay", "yes", "no",
})
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")
MIN_STALE_CHARS = 2  # an old value shorter than this is only replaced where it was seen, never searched for


def is_reply_only(text: str) -> bool:
    """A button click or a short reply ("好的", "是", "1", "确认", "嗯"): never an address or a description."""
    if _BUTTON_PAYLOAD.match(text or ""):
        return True
    c = understand.compact(text or "")
    return len(c) <= 1 or c.isdigit() or c in SHORT_REPLIES


def _plausible(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The best candidate and the runners-up close enough to it to be worth offering to the citizen."""
    if not candidates:
        return []
    floor = max(CATEGORY_OFFER_MIN, candidates[0]["score"] * CATEGORY_OFFER_RATIO)
    return candidates[:1] + [c for c in candidates[1:] if c["score"] >= floor]


class IntakeServices(Protocol):
    """What the machine needs from the language layer, the KB and the clock (injected, so it is testable)."""

    def classify_appeal(self, text: str) -> tuple[AppealType, float, bool]: ...

    def suggest_categories(self, text: str) -> list[dict[str, Any]]: ...

    def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None: ...

    def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None: ...

    def kb_answer(self, text: str) -> str | None: ...

    def now(self) -> datetime: ...


@dataclass
class TurnResult:
    """What one message did: replies to send, and the session (None when the intake ended)."""

    replies: list[Reply] = field(default_factory=list)
    session: IntakeSession | None = None
    submit: bool = False          # the citizen confirmed: create the work order from ``session``
    cancelled: bool = False
    to_consultation: bool = False  # the citizen only wanted to ask a question: answer ``session.first_message``
    handoff: bool = False         # the citizen asked for a human agent: the form ends, its fields go along


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
            self._fill_from_message(session, text, skip=None)
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
            self._classify_category(session)
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
            return TurnResult([Reply("好的，已为您转人工。话务员接入后会在本对话中继续为您登记，您已提供的信息会一并转给话务员；"
                                     "如需立即通话，请直接拨打12345热线。")], session, handoff=True)

        if session.stage == STAGE_APPEAL:
            return self._handle_appeal_choice(session, text)

        correction = understand.parse_correction(text)
        if correction is not None and session.appeal is not None and correction.field in session.fields():
            return self._apply_correction(session, correction)

        if session.stage == STAGE_CONFIRM:
            return self._handle_confirm(session, text)
        if session.stage == STAGE_CHOOSE_FIX:
            return self._handle_choose_fix(session, text)

        notes: list[str] = []
        if pending is not None:
            outcome = self._fill_field(session, pending, text, notes)
            if outcome == "detour":
                return self._detour(session, text, pending)
            if outcome == "invalid":
                session.attempts[pending.value] = session.attempts.get(pending.value, 0) + 1
                if session.attempts[pending.value] >= MAX_ATTEMPTS:
                    self._give_up_on(session, pending, text, notes)
                else:
                    return TurnResult([wording.prompt(session, pending, again=True)], session)
        # Whatever else the message said (a phone number, a time ...) fills the fields still empty.
        self._fill_from_message(session, text, skip=pending)
        return self._next(session, notes)

    # ------------------------------------------------------------------ stages
    def _handle_appeal_choice(self, session: IntakeSession, text: str) -> TurnResult:
        appeal = understand.parse_appeal_choice(text)
        if appeal is None:
            # Whatever the reply says (an address, a phone …) is kept; a second unclear reply takes the guess.
            self._fill_from_message(session, text, skip=None)
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
        if answer is False or understand.compact(text) in ("修改", "改", "改一下", "要改", "有错", "不对"):
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
            if wording.FIELD_LABELS[name] in text or f'"{name.value}"' in text:
                return self._apply_correction(session, understand.Correction(name, ""))
        if understand.yes_no(text) is True:
            session.stage = STAGE_CONFIRM
            return TurnResult([wording.summary(session)], session)
        return TurnResult([wording.choose_fix(session)], session)

    def _apply_correction(self, session: IntakeSession, correction: understand.Correction) -> TurnResult:
        """Change one field, keeping every other; the old value's text in the description goes with it (replaced by
        the new value as soon as there is one, see :meth:`_fill_field`)."""
        name = correction.field
        stale = _old_mentions(session, name)
        if stale:
            session.stale[name.value] = stale
        if name.value not in session.corrected:
            session.corrected.append(name.value)
        if name.value in session.skipped:
            session.skipped.remove(name.value)
        returning_to_confirm = session.stage in (STAGE_CONFIRM, STAGE_CHOOSE_FIX) or not session.missing()
        if correction.value:
            notes: list[str] = []
            outcome = self._fill_field(session, name, correction.value, notes, overwrite=True)
            if outcome == "ok":
                session.stage = STAGE_COLLECT
                return self._next(session, [wording.corrected(name)] + notes)
        # No usable new value: ask for this field now, keeping everything else.
        self._clear(session, name)
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

    # ------------------------------------------------------------------ fields
    def _fill_field(self, session: IntakeSession, name: Field, text: str, notes: list[str],
                    overwrite: bool = False) -> str:
        """Try to use ``text`` as the value of ``name``: "ok", "invalid" or "detour" (a question to answer).

        When the field was corrected, the old value's text in the description is replaced by the new value."""
        outcome = self._read_field(session, name, text, notes, overwrite)
        if outcome == "ok":
            _replace_stale(session, name)
        return outcome

    def _read_field(self, session: IntakeSession, name: Field, text: str, notes: list[str],
                    overwrite: bool = False) -> str:
        t = normalize(text).strip()
        question = understand.looks_like_question(t)
        if session.is_optional(name) and understand.is_skip(t):
            self._clear(session, name)
            session.skipped.append(name.value)
            return "ok"
        if name is Field.DESCRIPTION:
            if is_reply_only(t) or len(understand.compact(t)) < MIN_DESCRIPTION_CHARS:
                return "invalid"
            session.description = t if overwrite or not session.description else f"{session.description}；{t}"
            self._classify_category(session)
            return "ok"
        if name is Field.ADDRESS:
            if is_reply_only(t):
                return "invalid"
            parsed = self.services.parse_address(t) or self.services.find_address(t)
            if parsed is not None:
                _set_address(session, parsed, t)
                return "ok"
            if question:
                return "detour"
            place = strip_lead_in(t)
            if len(understand.compact(place)) >= 3 and ADDRESS_HINT.search(place) and not understand.is_skip(t):
                session.address, session.address_detail = place, None
                session.written[Field.ADDRESS.value] = place
                return "ok"
            return "invalid"
        if name is Field.OCCURRED:
            mentions = extract_times(t, now=self.services.now())
            if mentions:
                _set_occurred(session, mentions)
                return "ok"
            if question:
                return "detour"
            if understand.is_skip(t):
                session.occurred = "不详"
                return "ok"
            if re.search(r"(年|月|天|周|星期|礼拜|小时|点|早|晚|夜|前|后|刚才|今|昨|前天|最近|一直|经常|每)", t) and len(t) <= 20:
                session.occurred = t
                return "ok"
            return "invalid"
        if name is Field.NAME:
            found = extract_addressing(t)
            if found:
                session.name = _display_name(found[0].label, found[0].value)
                session.written[Field.NAME.value] = found[0].value
                return "ok"
            c = understand.compact(t)
            if understand.is_skip(t) or c in ("不方便", "不想说", "保密", "匿名", "不告诉你"):
                session.name = "市民"
                session.written.pop(Field.NAME.value, None)
                return "ok"
            if question:
                return "detour"
            if re.fullmatch(r"[\u4e00-\u9fff]{1,4}", c) and _starts_with_surname(c):
                session.name = f"{c}先生/女士" if len(c) == 1 or c in COMPOUND_SURNAMES else c
                session.written[Field.NAME.value] = c
                return "ok"
            return "invalid"
        if name is Field.PHONE:
            phones = [p for p in extract_phones(t) if p.confidence >= 0.5]
            if phones:
                session.phone = phones[0].value
                session.phone_declined = False
                return "ok"
            if understand.declines_phone(t):
                session.phone = None
                session.phone_declined = True
                session.callback_consent = False
                notes.append(wording.phone_declined())
                return "ok"
            if question and not re.search(r"\d{3,}", t):
                return "detour"
            return "invalid"
        if name in (Field.CALLBACK, Field.ANONYMOUS):
            answer = understand.yes_no(t)
            if answer is None:
                if question:
                    return "detour"
                return "invalid"
            setattr(session, name.value, answer)
            return "ok"
        if name is Field.CATEGORY:
            return self._choose_category(session, t)
        return "invalid"

    def _choose_category(self, session: IntakeSession, text: str) -> str:
        candidates = session.category_candidates[:3]
        c = understand.compact(text)
        number = int(c) if c.isdigit() else None
        if number is None:
            for i, cand in enumerate(candidates, start=1):
                if cand["path"].split("/")[-1] in text:
                    number = i
        if number is None and (c in ("都不是", "不确定", "不知道", "其他", "不清楚") or understand.is_skip(text)):
            number = len(candidates) + 1
        if number is None or not 1 <= number <= len(candidates) + 1:
            return "invalid"
        if number == len(candidates) + 1:
            session.category, session.department, session.department_name = "", None, None
        else:
            self._set_category(session, candidates[number - 1])
        return "ok"

    def _give_up_on(self, session: IntakeSession, name: Field, text: str, notes: list[str]) -> None:
        """After several unusable answers: keep the last answer as written (or skip) so the citizen can go on."""
        if name is Field.PHONE:
            session.phone_declined = True
            session.callback_consent = False
            notes.append("电话号码没能识别，先不登记电话；确认前您还可以说“电话改成…”补充。")
        elif name is Field.CATEGORY:
            session.category = ""
        elif name in (Field.CALLBACK, Field.ANONYMOUS):
            setattr(session, name.value, name is Field.CALLBACK)
        elif name is Field.DESCRIPTION:
            first = session.first_message if not is_reply_only(session.first_message) else ""
            session.description = ("" if is_reply_only(text) else normalize(text).strip()) or first \
                or "（市民未详细说明）"
        elif name is Field.ADDRESS:
            place = "" if is_reply_only(text) else strip_lead_in(normalize(text).strip())
            session.address, session.address_detail = place or "不详", None
            _replace_stale(session, name)
        else:
            setattr(session, name.value, normalize(text).strip() or "不详")
            _replace_stale(session, name)

    @staticmethod
    def _clear(session: IntakeSession, name: Field) -> None:
        session.written.pop(name.value, None)
        if name is Field.PHONE:
            session.phone, session.phone_declined = None, False
            if session.callback_consent is False:
                session.callback_consent = None
        elif name is Field.ADDRESS:
            session.address, session.address_detail = None, None
        elif name is Field.OCCURRED:
            session.occurred, session.occurred_at = None, None
        elif name is Field.CATEGORY:
            session.category, session.department, session.department_name = None, None, None
        else:
            setattr(session, name.value, None)

    def _fill_from_message(self, session: IntakeSession, text: str, skip: Field | None) -> None:
        """Use everything a message says for fields that are still empty (never overwrite).

        A button click or a short reply ("好的", "1") says nothing beyond answering the question it answers."""
        if is_reply_only(text):
            return
        t = normalize(text)
        if skip is not Field.PHONE and not session.phone:
            phones = [p for p in extract_phones(text) if p.confidence >= 0.5]
            if phones:
                session.phone, session.phone_declined = phones[0].value, False
        if skip is not Field.NAME and not session.name:
            found = extract_addressing(text)
            if found:
                session.name = _display_name(found[0].label, found[0].value)
                session.written[Field.NAME.value] = found[0].value
        if skip is not Field.OCCURRED and not session.occurred:
            mentions = extract_times(t, now=self.services.now())
            if mentions:
                _set_occurred(session, mentions)
        if skip is not Field.ADDRESS and not session.address:
            found_address = self.services.find_address(text)
            if found_address is not None:
                _set_address(session, found_address, text)
        if re.search(r"(要求|需要|希望|请)?(匿名|保密|不要透露|别透露)", t) and session.anonymous is None \
                and not re.search(r"不(用|需要|要)(匿名|保密)", t):
            session.anonymous = True

    def _classify_category(self, session: IntakeSession) -> None:
        if session.category is not None and "category" in session.corrected:
            return
        # Phone numbers, ID numbers and the address say nothing about the category and only add noise; the
        # hotline centre's catch-all leaf is what "都不是" gives, so it is never offered as a guess.
        candidates = [c for c in self.services.suggest_categories(_category_text(session))
                      if c.get("department") != CATCH_ALL_DEPARTMENT]
        session.category_candidates = _plausible(candidates)[:3]
        if not candidates:
            session.category = ""
            return
        top = candidates[0]
        runner = candidates[1]["score"] if len(candidates) > 1 else 0.0
        if top["score"] >= CATEGORY_AUTO_SCORE or (top["score"] >= CATEGORY_MIN_SCORE
                                                   and top["score"] - runner >= CATEGORY_AUTO_MARGIN):
            self._set_category(session, top)
        else:
            session.category, session.department, session.department_name = None, None, None

    @staticmethod
    def _set_category(session: IntakeSession, cand: dict[str, Any]) -> None:
        session.category = cand["path"]
        session.department = cand.get("department")
        session.department_name = cand.get("department_name")

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

    # ------------------------------------------------------------------ next step
    def _next(self, session: IntakeSession, notes: list[str]) -> TurnResult:
        missing = session.missing()
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


def _set_occurred(session: IntakeSession, mentions: list[Any]) -> None:
    """All time mentions as written ("每天晚上，从上周三开始"), the earliest resolved start as the time."""
    texts: list[str] = []
    for mention in sorted(mentions, key=lambda m: m.start)[:3]:
        if mention.text not in texts:
            texts.append(mention.text)
    session.occurred = "，".join(texts)
    starts = [m.start_at for m in mentions if m.start_at is not None]
    session.occurred_at = min(starts).isoformat() if starts else None


def _set_address(session: IntakeSession, parsed: tuple[str, dict[str, Any]], source: str) -> None:
    """Take a parsed address, remembering how it was written in ``source`` (its span, when the parser gives one)."""
    session.address, session.address_detail = parsed
    detail = parsed[1] or {}
    start, end = detail.get("start"), detail.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(source):
        session.written[Field.ADDRESS.value] = source[start:end].strip()
    else:
        session.written.pop(Field.ADDRESS.value, None)


def _occurrences(text: str, part: str) -> list[list[Any]]:
    if len(part) < MIN_STALE_CHARS:
        return []
    return [[m.start(), part] for m in re.finditer(re.escape(part), text)]


def _old_mentions(session: IntakeSession, name: Field) -> list[list[Any]]:
    """Where the current value of ``name`` stands in the description: ``[[start, text], …]`` (may be empty)."""
    text = session.description or ""
    if not text:
        return []
    if name is Field.ADDRESS and session.address:
        detail = session.address_detail or {}
        candidates = {str(c) for c in (session.written.get(name.value), detail.get("rest"), session.address) if c}
        for candidate in sorted(candidates, key=len, reverse=True):  # the fullest form first
            spans = _occurrences(text, candidate)
            if spans:
                return spans
    elif name is Field.PHONE and session.phone:
        return [[e.start, e.text] for e in extract_phones(text) if e.value == session.phone]
    elif name is Field.NAME and session.name:
        # the citizen's own name only: "我是王先生的邻居" names someone else
        return [[e.start, e.text] for e in extract_addressing(text)
                if _display_name(e.label, e.value) == session.name and not text.startswith("的", e.end)]
    elif name is Field.OCCURRED and session.occurred and session.occurred != "不详":
        return [span for part in dict.fromkeys(session.occurred.split("，")) for span in _occurrences(text, part)]
    return []


def _new_text(session: IntakeSession, name: Field) -> str:
    """What stands in the description for the new value of ``name`` ("" when nothing sensible does)."""
    if name is Field.ADDRESS:
        if not session.address or session.address == "不详" or name.value in session.skipped:
            return ""
        return strip_lead_in(session.written.get(name.value, "")) or session.address
    if name is Field.PHONE:
        return session.phone.split(",")[0] if session.phone else ""
    if name is Field.NAME:
        return session.written.get(name.value, "") if session.name and session.name != "市民" else ""
    if name is Field.OCCURRED:
        return session.occurred if session.occurred and session.occurred != "不详" else ""
    return ""


def _replace_stale(session: IntakeSession, name: Field) -> None:
    """The old value of a corrected field, where it stood in the description, gives way to the new value."""
    stale = session.stale.pop(name.value, None)
    if stale and session.description:
        session.description = _rewrite(session.description, stale, _new_text(session, name))


def _rewrite(text: str, stale: list[list[Any]], new: str) -> str:
    """``text`` with the first old mention replaced by ``new`` and the others removed (all removed without ``new``).

    A mention is looked for where it was seen; if the text changed since, it is searched (unless very short)."""
    spans: list[tuple[int, int]] = []
    for start, old in stale:
        old = str(old)
        if not (isinstance(start, int) and text[start:start + len(old)] == old):
            start = text.find(old) if len(old) >= MIN_STALE_CHARS else -1
        end = start + len(old)
        if start >= 0 and not any(start < e and s < end for s, e in spans):
            spans.append((start, end))
    spans.sort()
    for index in range(len(spans) - 1, -1, -1):
        start, end = spans[index]
        text = text[:start] + new + text[end:] if index == 0 and new else _cut(text, start, end)
    return text


def _cut(text: str, start: int, end: int) -> str:
    """``text`` without ``text[start:end]``; a clause left with only a label ("电话", "我姓") goes too."""
    head, tail = text[:start], text[end:]
    left = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
    after = _CLAUSE_END.search(tail)
    right = after.start() if after else len(tail)
    if len(understand.compact(head[left:] + tail[:right])) > 3:
        return head + tail
    if after is not None:
        return head[:left] + tail[after.end():]
    return head[:left].rstrip("，,。；;！!？? \n") + tail[right:]


def _category_text(session: IntakeSession) -> str:
    """The description without phone numbers, ID numbers and the address."""
    text = remove_contacts(session.description or "", with_label=False)
    detail = session.address_detail or {}
    for part in (detail.get("rest"), session.address):
        if part and part in text:
            text = text.replace(part, "")
    return text


def _starts_with_surname(text: str) -> bool:
    return text[:2] in COMPOUND_SURNAMES or text[:1] in SINGLE_SURNAMES


def _display_name(label: str, value: str) -> str:
    if label == "surname":
        return f"{value}先生/女士"
    return value


ServicesFactory = Callable[[], IntakeServices]
