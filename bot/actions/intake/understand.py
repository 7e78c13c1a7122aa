"""Reading a citizen's reply inside the intake form: cancel, corrections, yes/no, skip, questions.

Everything here is plain rules over the normalised text; the value extractors live in :mod:`nlu.extract`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.actions.intake.forms import AppealType, Field
from nlu.normalize import normalize
from nlu.readings import (  # noqa: F401  (re-exported: the form reads replies with them)
    asks_for_human,
    compact,
    is_cancel,
    looks_like_question,
    yes_no,
)

_BUTTON_PAYLOAD = re.compile(r"^\s*/[A-Za-z_]")  # a Rasa button payload: "/affirm", '/choose_appeal{"appeal":…}'
# Acknowledgements and bare answers (compacted): they answer a question, they never name a place or a problem.
SHORT_REPLIES = frozenset({
    "好", "好的", "好吧", "好滴", "好嘞", "好了", "好的谢谢", "是", "是的", "对", "对的", "对对", "对对对", "没错", "嗯",
    "嗯嗯", "恩", "嗯好", "行", "行吧", "可以", "可以的", "确认", "确定", "提交", "确认提交", "没问题", "知道了", "知道",
    "好的知道了", "收到", "收到了", "明白", "明白了", "了解", "谢谢", "需要", "不需要", "不", "不是", "不对", "否", "不用",
    "ok", "okay", "yes", "no",
})
_SKIP = ("不清楚", "不知道", "不记得", "记不清", "忘了", "说不清", "无", "没有", "不详", "跳过", "略", "不确定",
         "记不得", "没有具体地点", "没有地址", "不方便说")
_DECLINE_PHONE = re.compile(r"(不方便|不想|不愿|不能|不留|不给|不提供|没有|没|不用|拒绝|保密).{0,4}(电话|号码|手机|联系方式|留|给|提供)?"
                            r"|^(不留|不给|不方便|没有|不想留|不提供)")


_FIELD_WORDS: list[tuple[Field, tuple[str, ...]]] = [
    (Field.ADDRESS, ("地址", "地点", "位置", "地方", "门牌")),
    (Field.PHONE, ("电话", "手机", "号码", "联系方式", "手机号")),
    (Field.OCCURRED, ("时间", "日期", "什么时候")),
    (Field.NAME, ("姓名", "名字", "称呼", "姓")),
    (Field.DESCRIPTION, ("内容", "情况", "描述", "问题描述", "反映的问题", "事情")),
    (Field.CATEGORY, ("分类", "类别", "类型", "部门")),
    (Field.CALLBACK, ("回访",)),
    (Field.ANONYMOUS, ("保密", "匿名")),
]
_CORRECT_VERBS = r"(说错了|写错了|填错了|弄错了|搞错了|错了|不对|有误|不是这个|改成|改为|改一下|改下|换成|更正|更改|修改|应该是|要改|重新说|重说)"
_CORRECTION = re.compile(
    r"(?P<field>" + "|".join(sorted({w for _, ws in _FIELD_WORDS for w in ws}, key=len, reverse=True)) + r")"
    r"[^，,。]{0,3}?" + _CORRECT_VERBS + r"[，,。：:\s]*(?:是|为|成|改成|应该是|应是|正确的是)?[：:\s]*(?P<value>.*)$"
)
_CORRECTION_VERB_FIRST = re.compile(
    r"^(?:把|帮我把|麻烦把)?(?:修改|更改|更正|改一下|改下|换一下|重新填|改)(?:一下)?(?:我的)?(?P<field>"
    + "|".join(sorted({w for _, ws in _FIELD_WORDS for w in ws}, key=len, reverse=True)) + r")"
    r"[，,。：:\s]*(?:为|成|是|改成)?[：:\s]*(?P<value>.*)$"
)

_APPEAL_CHOICES: list[tuple[AppealType, tuple[str, ...]]] = [
    (AppealType.COMPLAINT, ("投诉", "举报", "反映问题", "反映", "1")),
    (AppealType.HELP, ("求助", "帮忙", "帮助", "2")),
    (AppealType.SUGGESTION, ("建议", "意见", "3")),
    (AppealType.CONSULT, ("咨询", "问问", "问一下", "了解", "政策", "4")),
]


_PRIVATE = ("保密", "匿名", "请保密", "要保密", "需要保密", "帮我保密", "我要匿名", "要匿名", "匿名处理", "保密处理",
            "请匿名", "信息保密", "个人信息保密")
_PUBLIC = ("不保密", "不用保密", "不需要保密", "不匿名", "不用匿名", "公开", "可以公开", "不用保密了")


def anonymity_request(text: str) -> bool | None:
    """True when the message only asks for confidentiality ("保密", "匿名处理"), False when it waives it, else None.

    At the confirmation step "保密" answers what the citizen wants done with their details; it is no "yes, submit".
    """
    c = compact(text)
    if c in _PRIVATE:
        return True
    if c in _PUBLIC:
        return False
    return None


def is_reply_only(text: str) -> bool:
    """A button click or a short reply ("好的", "是", "1", "确认", "嗯"): never an address or a description."""
    if _BUTTON_PAYLOAD.match(text or ""):
        return True
    c = compact(text or "")
    return len(c) <= 1 or c.isdigit() or c in SHORT_REPLIES


def is_skip(text: str) -> bool:
    c = compact(text)
    return bool(c) and len(c) <= 8 and any(c == w or c.startswith(w) for w in _SKIP)


def declines_phone(text: str) -> bool:
    c = compact(text)
    return bool(c) and len(c) <= 16 and bool(_DECLINE_PHONE.search(c)) and not re.search(r"\d{5,}", c)


@dataclass(frozen=True)
class Correction:
    """"地址说错了，是…": the field to change and the new value (may be empty: then it is asked)."""

    field: Field
    value: str


def _field_for(word: str) -> Field | None:
    for name, words in _FIELD_WORDS:
        if word in words:
            return name
    return None


def parse_correction(text: str) -> Correction | None:
    """Recognise a correction of one field, with or without the new value."""
    t = normalize(text).strip()
    if t.startswith("/fix"):
        m = re.search(r'"field"\s*:\s*"(\w+)"', t)
        try:
            return Correction(Field(m.group(1)), "") if m else None
        except ValueError:
            return None
    for pattern in (_CORRECTION_VERB_FIRST, _CORRECTION):
        m = pattern.search(t)
        if m:
            name = _field_for(m.group("field"))
            if name is not None:
                value = m.group("value").strip(" ，,。.：:")
                return Correction(name, value)
    return None


def parse_appeal_choice(text: str) -> AppealType | None:
    """The citizen's answer to "您是想投诉、求助、提建议还是咨询？"."""
    t = text.strip()
    if t.startswith("/choose_appeal"):
        for appeal in AppealType:
            if appeal.value in t:
                return appeal
    c = compact(text)
    if not c or len(c) > 12:
        return None
    for appeal, words in _APPEAL_CHOICES:
        if any(w == c or (len(w) > 1 and w in c) for w in words):
            return appeal
    return None


_INTRO = re.compile(
    r"^(你好|您好|喂|在吗|请问)?[，,。！!\s]*"
    r"(我(要|想|需要|准备)?(来)?(投诉|举报|反映|反应|求助|提建议|提意见|提个|提一个|提一下|给你们提)(一下|一个|个)?"
    r"(问题|情况|事情|事|建议|意见)?)?"
    r"[，,。：:！!\s]*"
)
_CONTENTLESS = re.compile(r"^(我?(要|想|需要)?(投诉|举报|反映|反应|求助|建议|提建议|提意见|提个建议|咨询|报修|报警|"
                          r"反映问题|反映个问题|反映一个问题|反映情况|有个问题|有个建议|有个事|有事|有问题)"
                          r"(一下|一个|个)?(问题|情况|事情|事|建议|意见)?(可以吗|行吗|怎么弄|找谁)?)$")


def strip_intro(text: str) -> str:
    """The message without a leading "你好，我要投诉，" so the work order starts with what happened.

    Only a greeting and an announced intent go ("我要投诉", "我想反映个问题"); a sentence that merely starts with 我
    ("我们小区…", "我家楼上…", "我是外卖员…") is the citizen's own account and is kept whole."""
    t = text.strip()
    m = _INTRO.match(t)
    rest = t[m.end():] if m else t
    return rest if len(compact(rest)) >= 4 else t


def has_content(text: str) -> bool:
    """Whether a first message says what happened, beyond "我要投诉"."""
    c = compact(text)
    for greeting in ("你好", "您好", "喂", "在吗"):
        if c.startswith(greeting):
            c = c[len(greeting):]
    if not c or _CONTENTLESS.match(c):
        return False
    return len(c) >= 6
