"""How each intake field's value is read: from the reply to its question (parsed, checked, stored), from any
message in passing, after three unusable answers; how it is cleared; where it stands in the description and what
stands there once it is corrected. :mod:`.fields` puts these together, one spec per field."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.actions.intake import category, understand
from bot.actions.intake.forms import Field
from bot.actions.intake.rewrite import occurrences
from bot.actions.intake.services import IntakeServices
from bot.actions.intake.session import IntakeSession
from nlu.extract import extract_addressing, extract_phones, extract_times
from nlu.extract.address import strip_lead_in
from nlu.extract.person import COMPOUND_SURNAMES, SINGLE_SURNAMES
from nlu.normalize import normalize

Outcome = Literal["ok", "invalid", "detour"]

MIN_DESCRIPTION_CHARS = 6   # fewer meaningful characters is not a description
UNKNOWN = "不详"            # a time or place the citizen does not know
CITIZEN = "市民"            # how a citizen who gives no name is called
ADDRESS_HINT = re.compile(r"(路|街|道|巷|弄|胡同|号|小区|社区|村|镇|乡|区|县|市|楼|栋|幢|单元|广场|公园|医院|学校|"
                          r"门口|附近|对面|旁边|路口|站|场|大厦|中心|花园|苑|府|城|湾|庄|里)")
_TIME_WORDS = re.compile(r"(年|月|天|周|星期|礼拜|小时|点|早|晚|夜|前|后|刚才|今|昨|前天|最近|一直|经常|每)")
_NO_NAME = ("不方便", "不想说", "保密", "匿名", "不告诉你")
_ANONYMITY = re.compile(r"(要求|需要|希望|请)?(匿名|保密|不要透露|别透露)")
_NO_ANONYMITY = re.compile(r"不(用|需要|要)(匿名|保密)")
PHONE_DECLINED = "好的，不留电话也可以登记。需要提醒您：没有联系电话，承办部门将无法联系您，也无法回访办理结果。"
PHONE_GIVEN_UP = "电话号码没能识别，先不登记电话；确认前您还可以说“电话改成…”补充。"


@dataclass
class Answer:
    """A reply to the question for one field, with what reading it may use."""

    session: IntakeSession
    text: str                 # normalised and stripped
    services: IntakeServices
    notes: list[str]          # what to say before the next question
    overwrite: bool = False   # a correction: the new value replaces the old one instead of adding to it

    @property
    def question(self) -> bool:
        """The reply asks something (then a reply that is no value is a detour, not a mistake)."""
        return understand.looks_like_question(self.text)


# ------------------------------------------------------------------------------------------------- description
def read_description(a: Answer) -> Outcome:
    if understand.is_reply_only(a.text) or len(understand.compact(a.text)) < MIN_DESCRIPTION_CHARS:
        return "invalid"
    s = a.session
    s.description = a.text if a.overwrite or not s.description else f"{s.description}；{a.text}"
    category.classify(s, a.services)
    return "ok"


def give_up_description(s: IntakeSession, text: str, notes: list[str]) -> None:
    first = s.first_message if not understand.is_reply_only(s.first_message) else ""
    s.description = ("" if understand.is_reply_only(text) else normalize(text).strip()) or first or "（市民未详细说明）"


# ------------------------------------------------------------------------------------------------- address
def set_address(s: IntakeSession, parsed: tuple[str, dict[str, Any]], source: str) -> None:
    """Take a parsed address, remembering how it was written in ``source`` (its span, when the parser gives one)."""
    s.address, s.address_detail = parsed
    detail = parsed[1] or {}
    start, end = detail.get("start"), detail.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(source):
        s.written[Field.ADDRESS.value] = source[start:end].strip()
    else:
        s.written.pop(Field.ADDRESS.value, None)


def read_address(a: Answer) -> Outcome:
    if understand.is_reply_only(a.text):
        return "invalid"
    s = a.session
    parsed = a.services.parse_address(a.text) or a.services.find_address(a.text)
    if parsed is not None:
        set_address(s, parsed, a.text)
        return "ok"
    if a.question:
        return "detour"
    place = strip_lead_in(a.text)
    if len(understand.compact(place)) >= 3 and ADDRESS_HINT.search(place) and not understand.is_skip(a.text):
        s.address, s.address_detail = place, None
        s.written[Field.ADDRESS.value] = place
        return "ok"
    return "invalid"


def glean_address(s: IntakeSession, text: str, services: IntakeServices) -> None:
    if not s.address and (found := services.find_address(text)) is not None:
        set_address(s, found, text)


def give_up_address(s: IntakeSession, text: str, notes: list[str]) -> None:
    place = "" if understand.is_reply_only(text) else strip_lead_in(normalize(text).strip())
    s.address, s.address_detail = place or UNKNOWN, None


def clear_address(s: IntakeSession) -> None:
    s.address, s.address_detail = None, None


def address_mentions(s: IntakeSession, text: str) -> list[list[Any]]:
    if not s.address:
        return []
    detail = s.address_detail or {}
    forms = {str(c) for c in (s.written.get(Field.ADDRESS.value), detail.get("rest"), s.address) if c}
    for form in sorted(forms, key=len, reverse=True):  # the fullest form first
        spans = occurrences(text, form)
        if spans:
            return spans
    return []


def new_address_text(s: IntakeSession) -> str:
    if not s.address or s.address == UNKNOWN or Field.ADDRESS.value in s.skipped:
        return ""
    return strip_lead_in(s.written.get(Field.ADDRESS.value, "")) or s.address


# ------------------------------------------------------------------------------------------------- time
def set_occurred(s: IntakeSession, mentions: list[Any]) -> None:
    """All time mentions as written ("每天晚上，从上周三开始"), the earliest resolved start as the time."""
    texts: list[str] = []
    for mention in sorted(mentions, key=lambda m: m.start)[:3]:
        if mention.text not in texts:
            texts.append(mention.text)
    s.occurred = "，".join(texts)
    starts = [m.start_at for m in mentions if m.start_at is not None]
    s.occurred_at = min(starts).isoformat() if starts else None


def read_occurred(a: Answer) -> Outcome:
    s = a.session
    mentions = extract_times(a.text, now=a.services.now())
    if mentions:
        set_occurred(s, mentions)
        return "ok"
    if a.question:
        return "detour"
    if understand.is_skip(a.text):
        s.occurred = UNKNOWN
        return "ok"
    if _TIME_WORDS.search(a.text) and len(a.text) <= 20:
        s.occurred = a.text
        return "ok"
    return "invalid"


def glean_occurred(s: IntakeSession, text: str, services: IntakeServices) -> None:
    if not s.occurred and (mentions := extract_times(normalize(text), now=services.now())):
        set_occurred(s, mentions)


def clear_occurred(s: IntakeSession) -> None:
    s.occurred, s.occurred_at = None, None


def occurred_mentions(s: IntakeSession, text: str) -> list[list[Any]]:
    if not s.occurred or s.occurred == UNKNOWN:
        return []
    return [span for part in dict.fromkeys(s.occurred.split("，")) for span in occurrences(text, part)]


def new_occurred_text(s: IntakeSession) -> str:
    return s.occurred if s.occurred and s.occurred != UNKNOWN else ""


def keep_as_written(name: Field) -> Callable[[IntakeSession, str, list[str]], None]:
    """The give-up of a free-text field: the last answer as written ("不详" when empty)."""
    def give_up(s: IntakeSession, text: str, notes: list[str]) -> None:
        setattr(s, name.value, normalize(text).strip() or UNKNOWN)
    return give_up


# ------------------------------------------------------------------------------------------------- name
def _display_name(label: str, value: str) -> str:
    return f"{value}先生/女士" if label == "surname" else value


def _take_addressing(s: IntakeSession, text: str) -> bool:
    found = extract_addressing(text)
    if found:
        s.name = _display_name(found[0].label, found[0].value)
        s.written[Field.NAME.value] = found[0].value
    return bool(found)


def read_name(a: Answer) -> Outcome:
    s = a.session
    if _take_addressing(s, a.text):
        return "ok"
    c = understand.compact(a.text)
    if understand.is_skip(a.text) or c in _NO_NAME:
        s.name = CITIZEN
        s.written.pop(Field.NAME.value, None)
        return "ok"
    if a.question:
        return "detour"
    if re.fullmatch(r"[\u4e00-\u9fff]{1,4}", c) and (c[:2] in COMPOUND_SURNAMES or c[:1] in SINGLE_SURNAMES):
        s.name = f"{c}先生/女士" if len(c) == 1 or c in COMPOUND_SURNAMES else c
        s.written[Field.NAME.value] = c
        return "ok"
    return "invalid"


def glean_name(s: IntakeSession, text: str, services: IntakeServices) -> None:
    if not s.name:
        _take_addressing(s, text)


def name_mentions(s: IntakeSession, text: str) -> list[list[Any]]:
    if not s.name:
        return []
    # the citizen's own name only: "我是王先生的邻居" names someone else
    return [[e.start, e.text] for e in extract_addressing(text)
            if _display_name(e.label, e.value) == s.name and not text.startswith("的", e.end)]


def new_name_text(s: IntakeSession) -> str:
    return s.written.get(Field.NAME.value, "") if s.name and s.name != CITIZEN else ""


# ------------------------------------------------------------------------------------------------- phone
def _phones(text: str) -> list[Any]:
    return [p for p in extract_phones(text) if p.confidence >= 0.5]


def read_phone(a: Answer) -> Outcome:
    s = a.session
    phones = _phones(a.text)
    if phones:
        s.phone, s.phone_declined = phones[0].value, False
        return "ok"
    if understand.declines_phone(a.text):
        s.phone, s.phone_declined, s.callback_consent = None, True, False
        a.notes.append(PHONE_DECLINED)
        return "ok"
    if a.question and not re.search(r"\d{3,}", a.text):
        return "detour"
    return "invalid"


def glean_phone(s: IntakeSession, text: str, services: IntakeServices) -> None:
    if not s.phone and (phones := _phones(text)):
        s.phone, s.phone_declined = phones[0].value, False


def give_up_phone(s: IntakeSession, text: str, notes: list[str]) -> None:
    s.phone_declined, s.callback_consent = True, False
    notes.append(PHONE_GIVEN_UP)


def clear_phone(s: IntakeSession) -> None:
    s.phone, s.phone_declined = None, False
    if s.callback_consent is False:
        s.callback_consent = None


def phone_mentions(s: IntakeSession, text: str) -> list[list[Any]]:
    return [[e.start, e.text] for e in extract_phones(text) if e.value == s.phone] if s.phone else []


# ------------------------------------------------------------------------------------------------- yes / no
def read_yes_no(name: Field) -> Callable[[Answer], Outcome]:
    def read(a: Answer) -> Outcome:
        answer = understand.yes_no(a.text)
        if answer is None:
            return "detour" if a.question else "invalid"
        setattr(a.session, name.value, answer)
        return "ok"
    return read


def assume(name: Field, value: bool) -> Callable[[IntakeSession, str, list[str]], None]:
    def give_up(s: IntakeSession, text: str, notes: list[str]) -> None:
        setattr(s, name.value, value)
    return give_up


def glean_anonymity(s: IntakeSession, text: str, services: IntakeServices) -> None:
    t = normalize(text)
    if s.anonymous is None and _ANONYMITY.search(t) and not _NO_ANONYMITY.search(t):
        s.anonymous = True


# ------------------------------------------------------------------------------------------------- category
def read_category(a: Answer) -> Outcome:
    return category.choose(a.session, a.text)


def give_up_category(s: IntakeSession, text: str, notes: list[str]) -> None:
    s.category = ""
