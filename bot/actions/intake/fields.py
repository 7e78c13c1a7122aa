"""The intake form declared as data: one :class:`FieldSpec` per work-order field.

A spec says everything the form does with its field: the question (worded per appeal type where it differs), the
question again after an unusable answer, how an answer is read (parsed, checked and stored: "ok", "invalid", or
"detour" for a question to answer first), what any message fills in passing, the summary line, how the value is
cleared for a correction, what happens after three unusable answers, and where the value stands in the description
(so that a correction replaces it there too). The readers are in :mod:`.values`; :mod:`.machine` and
:mod:`.wording` only look specs up. Which fields each appeal type asks, in which order, is the table in
:mod:`.forms`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.actions.intake import category, understand
from bot.actions.intake import values as v
from bot.actions.intake.contacts import mask_contacts
from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.rewrite import rewrite
from bot.actions.intake.services import IntakeServices
from bot.actions.intake.session import IntakeSession
from bot.actions.intake.submit import strip_contact
from bot.actions.intake.values import Answer, Outcome
from bot.actions.replies import Reply
from nlu.extract import mask_phone
from nlu.normalize import normalize

Button = dict[str, str]

YES_NO_BUTTONS: tuple[Button, ...] = ({"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"})
CANCEL_BUTTON: Button = {"title": "取消本次登记", "payload": "/cancel_intake"}


@dataclass(frozen=True)
class FieldSpec:
    """Everything the intake form does with one field."""

    field: Field
    label: str                                   # its name in the summary and the "修改哪一项" buttons
    question: str                                # the prompt
    reprompt: str                                # the prompt after an unusable answer
    read: Callable[[Answer], Outcome]            # parse, check and store one answer
    summary: Callable[[IntakeSession], str]      # the value on the summary line (numbers masked)
    give_up: Callable[[IntakeSession, str, list[str]], None]  # after three unusable answers: keep going anyway
    settles: bool = False                        # the given-up value replaces the old one in the description too
    questions: Mapping[AppealType, str] = field(default_factory=dict)  # the prompt where an appeal type words it
    buttons: tuple[Button, ...] = ()             # offered with the prompt (before "取消本次登记")
    skip_button: Button | None = None            # offered too when the field is optional in the form
    ask_with: Callable[[IntakeSession, bool], Reply] | None = None  # a prompt built from the session instead
    filled: Callable[[IntakeSession], bool] | None = None  # default: the value is neither None nor ""
    clear: Callable[[IntakeSession], None] | None = None   # default: the value set to None
    glean: Callable[[IntakeSession, str, IntakeServices], None] | None = None  # fill it from any message if empty
    mentions: Callable[[IntakeSession, str], list[list[Any]]] | None = None   # where the value stands in a text
    new_text: Callable[[IntakeSession], str] | None = None  # what stands there once the value is corrected

    def ask(self, session: IntakeSession, *, again: bool = False) -> Reply:
        """The question; ``again`` after an answer that could not be used."""
        if self.ask_with is not None:
            return self.ask_with(session, again)
        appeal = session.appeal
        text = self.reprompt if again else self.questions.get(appeal, self.question) if appeal else self.question
        skip = [self.skip_button] if self.skip_button and session.is_optional(self.field) else []
        return Reply(text, list(self.buttons) + skip + [CANCEL_BUTTON])

    def line(self, session: IntakeSession) -> str:
        """Its line in the confirmation summary."""
        return f"{self.label}：{self.summary(session)}"


# ------------------------------------------------------------------------------------------------- category
def _ask_category(s: IntakeSession, again: bool) -> Reply:
    offered = s.category_candidates[:category.OFFERED]
    lines = ["请帮我确认一下问题属于哪一类（回复序号）："]
    buttons = []
    for i, candidate in enumerate(offered, start=1):
        leaf = candidate.leaf
        lines.append(f"{i}. {leaf.level3}（{leaf.path.replace('/', ' > ')}）")
        buttons.append({"title": leaf.level3, "payload": str(i)})
    lines.append(f"{len(buttons) + 1}. 都不是 / 不确定")
    buttons.append({"title": "都不是", "payload": str(len(buttons) + 1)})
    if again:
        lines.insert(0, f"请回复 1 到 {len(offered) + 1} 之间的序号，或点击下方的分类。")
    return Reply("\n".join(lines), buttons + [CANCEL_BUTTON])


def _category_summary(s: IntakeSession) -> str:
    leaf = s.category_leaf
    if leaf is None:
        return "由热线中心人工分派"
    return leaf.path.replace("/", " > ") + (f"（建议承办：{leaf.department_name}）" if leaf.department_name else "")



def _yes_no(value: bool | None) -> str:
    return "是" if value else "否"


# ------------------------------------------------------------------------------------------------- the table
SPECS: dict[Field, FieldSpec] = {spec.field: spec for spec in (
    FieldSpec(
        Field.DESCRIPTION, "反映内容",
        question="请您具体说一下遇到了什么问题（发生了什么、影响到什么）。如有照片可以直接发送。",
        reprompt="内容有点少，请再具体描述一下问题，例如“小区门口的路灯坏了一个星期，晚上很黑”。",
        questions={AppealType.SUGGESTION: "请说说您的建议：希望改进什么、怎么改。",
                   AppealType.CONSULT: "请完整地说一下您想咨询的问题。",
                   AppealType.HELP: "请说一下您需要什么帮助、现在是什么情况。"},
        read=v.read_description, give_up=v.give_up_description,
        summary=lambda s: mask_contacts(strip_contact(s.description or ""))),
    FieldSpec(
        Field.ADDRESS, "地点",
        question="请问问题发生在哪里？请尽量说到区、街道（路名）和门牌号或小区、楼栋，例如“海淀区中关村大街27号”。",
        reprompt="没能识别出地点。请说到区、街道（路名）和门牌号或小区名，例如“朝阳区建国路88号”“阳光小区3号楼”。",
        questions={AppealType.SUGGESTION: "您的建议涉及具体地点吗？有的话请说一下（例如某条路、某个路口），没有请回复“无”。"},
        skip_button={"title": "没有具体地点", "payload": "无"},
        read=v.read_address, give_up=v.give_up_address, settles=True, clear=v.clear_address, glean=v.glean_address,
        summary=lambda s: mask_contacts(s.address) if s.address else "未提供",
        mentions=v.address_mentions, new_text=v.new_address_text),
    FieldSpec(
        Field.OCCURRED, "发生时间",
        question="请问是什么时候发生的，或者从什么时候开始的？例如“昨天晚上十点”“上周三开始每天凌晨”。记不清可以回复“不清楚”。",
        reprompt="没能识别出时间。请说“昨天晚上”“11月20日开始”这样的时间，记不清请回复“不清楚”。",
        buttons=({"title": "记不清了", "payload": "不清楚"},),
        read=v.read_occurred, give_up=v.keep_as_written(Field.OCCURRED), settles=True, clear=v.clear_occurred,
        glean=v.glean_occurred,
        summary=lambda s: s.occurred or v.UNKNOWN, mentions=v.occurred_mentions, new_text=v.new_occurred_text),
    FieldSpec(
        Field.CATEGORY, "问题分类", question="", reprompt="", ask_with=_ask_category,
        read=v.read_category, give_up=v.give_up_category,
        filled=lambda s: s.category is not None,  # "" = none of the offered ones: the hotline centre dispatches it
        summary=_category_summary),
    FieldSpec(
        Field.NAME, "称呼",
        question="请问怎么称呼您？例如“张先生”“李女士”。",
        reprompt="请告诉我怎么称呼您，例如“王女士”；不方便的话回复“不方便”即可。",
        read=v.read_name, give_up=v.keep_as_written(Field.NAME), settles=True, glean=v.glean_name,
        summary=lambda s: s.name or "未提供", mentions=v.name_mentions, new_text=v.new_name_text),
    FieldSpec(
        Field.PHONE, "联系电话",
        question="请留一个联系电话，方便承办部门联系您，例如 13812345678 或 010-12345678。不方便留可以回复“不留”。",
        reprompt="这个号码好像不正确。请提供11位手机号（例如 13812345678）或带区号的固定电话（例如 010-12345678）。"
                 "不方便留电话请回复“不留”。",
        questions={AppealType.CONSULT: "请留一个联系电话，工作人员查明后会给您答复，例如 13812345678。"},
        buttons=({"title": "不方便留电话", "payload": "不留"},),
        read=v.read_phone, give_up=v.give_up_phone, clear=v.clear_phone, glean=v.glean_phone,
        filled=lambda s: bool(s.phone) or s.phone_declined,
        summary=lambda s: mask_phone(s.phone) if s.phone else "未留（无法电话回访）",
        mentions=v.phone_mentions, new_text=lambda s: s.phone.split(",")[0] if s.phone else ""),
    FieldSpec(
        Field.CALLBACK, "是否回访",
        question="办结后需要我们回访您，了解处理结果是否满意吗？",
        reprompt="请回复“是”或“否”：办结后需要回访您吗？",
        buttons=YES_NO_BUTTONS, read=v.read_yes_no(Field.CALLBACK), give_up=v.assume(Field.CALLBACK, True),
        filled=lambda s: s.callback_consent is not None or (s.phone_declined and not s.phone),
        summary=lambda s: _yes_no(s.callback_consent)),
    FieldSpec(
        Field.ANONYMOUS, "是否保密",
        question="是否需要对您的个人信息保密？选择保密后，承办部门看不到您的姓名和电话。",
        reprompt="请回复“是”或“否”：需要对您的个人信息保密吗？",
        buttons=YES_NO_BUTTONS, read=v.read_yes_no(Field.ANONYMOUS), give_up=v.assume(Field.ANONYMOUS, False),
        glean=v.glean_anonymity, summary=lambda s: _yes_no(s.anonymous)),
)}


# ------------------------------------------------------------------------------------------------- using it
def is_filled(session: IntakeSession, name: Field) -> bool:
    spec = SPECS[name]
    if name.value in session.skipped:
        return True
    return spec.filled(session) if spec.filled is not None else session.value(name) not in (None, "")


def missing(session: IntakeSession) -> list[Field]:
    """The form's fields still to ask, in order."""
    return [f for f in session.fields() if not is_filled(session, f)]


def read(session: IntakeSession, name: Field, text: str, services: IntakeServices, notes: list[str],
         overwrite: bool = False) -> Outcome:
    """Use ``text`` as the value of ``name``. A corrected field's old value in the description gives way to the new
    one; an optional field may be skipped ("不清楚", "无")."""
    t = normalize(text).strip()
    if session.is_optional(name) and understand.is_skip(t):
        clear(session, name)
        session.skipped.append(name.value)
        outcome: Outcome = "ok"
    else:
        outcome = SPECS[name].read(Answer(session, t, services, notes, overwrite))
    if outcome == "ok":
        replace_stale(session, name)
    return outcome


def give_up(session: IntakeSession, name: Field, text: str, notes: list[str]) -> None:
    """After several unusable answers: keep the last answer as written (or skip) so the citizen can go on."""
    spec = SPECS[name]
    spec.give_up(session, text, notes)
    if spec.settles:
        replace_stale(session, name)


def clear(session: IntakeSession, name: Field) -> None:
    session.written.pop(name.value, None)
    spec = SPECS[name]
    if spec.clear is not None:
        spec.clear(session)
    else:
        setattr(session, name.value, None)


def glean(session: IntakeSession, text: str, services: IntakeServices, skip: Field | None) -> None:
    """Use everything a message says for fields that are still empty (never overwrite), except ``skip``.

    A button click or a short reply ("好的", "1") says nothing beyond answering the question it answers."""
    if understand.is_reply_only(text):
        return
    for spec in SPECS.values():
        if spec.glean is not None and spec.field is not skip:
            spec.glean(session, text, services)


def old_mentions(session: IntakeSession, name: Field) -> list[list[Any]]:
    """Where the current value of ``name`` stands in the description: ``[[start, text], …]`` (may be empty)."""
    text, spec = session.description or "", SPECS[name]
    return spec.mentions(session, text) if text and spec.mentions is not None else []


def replace_stale(session: IntakeSession, name: Field) -> None:
    """The old value of a corrected field, where it stood in the description, gives way to the new value."""
    stale = session.stale.pop(name.value, None)
    if stale and session.description:
        spec = SPECS[name]
        session.description = rewrite(session.description, stale, spec.new_text(session) if spec.new_text else "")
