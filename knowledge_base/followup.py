"""Multi-turn follow-ups: keep a short elliptical question on the topic of the previous answer.

After an answer about entry E (say 居住证怎么办理), citizens ask "那需要带什么材料？", "在哪里办", "要多久",
"收费吗" without repeating the service. Such a question is *elliptical* when it names no service the KB knows
and is short or starts with 那/那么/还有/另外. It is rewritten as "<E's service term><question>" and searched first
among E's category, then across the KB; when neither gives a good result the plain question is used. A rewrite is
dropped when the question brings a new topic word (not an aspect such as 材料/多久/收费) that the entry found does not
ask about: "怎么投诉" after 护照 is a new subject, not a question about passports.

A question that only swaps the service ("那护照呢" after 办理居住证需要带什么材料) is answered as E's question with
the service replaced ("办理护照需要带什么材料").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from knowledge_base.banding import Band, BandDecision
from knowledge_base.schema import KBEntry

# Longest first, so "那么" is stripped whole rather than as "那" + "么".
FOLLOWUP_MARKERS: tuple[str, ...] = (
    "那么",
    "那请问",
    "那我",
    "那个",
    "那",
    "还有",
    "另外",
    "再问一下",
    "再问下",
    "请问",
)
STRONG_MARKERS: tuple[str, ...] = ("那么", "那请问", "那我", "那", "还有", "另外", "再问一下", "再问下")
MAX_SHORT_CHARS = 14  # a question this short without a service name is treated as a follow-up
MAX_MARKED_CHARS = 24  # a question starting with 那/还有 up to this length is treated as a follow-up

# Where the subject of a standard question ends ("居住证|怎么办理", "办理护照|需要带什么材料").
_SUBJECT_END = re.compile(
    r"怎么|怎样|如何|需要|要|在哪|去哪|哪里|哪个|哪些|什么|多久|多长|多少|能|可以|可不可以|有没有|是否|吗|呢"
)
_LEADING_VERBS = ("我想", "我要", "想要", "申请", "办理", "领取", "去", "办")
# Aspects any service has: a follow-up made only of these stays on the previous topic.
ASPECT_WORDS: frozenset[str] = frozenset(
    """
    材料 证件 证明 资料 照片 原件 复印件 条件 要求 资格 流程 手续 步骤 程序 地点 地址 哪里 哪儿 在哪 窗口 大厅
    时间 多久 多长时间 几天 时限 工作日 收费 费用 多少钱 免费 交钱 工本费 网上 线上 手机 app 小程序 预约 排队
    办理 申请 代办 委托 本人 异地 外地 加急 进度 查询 电话 怎么办 怎么样 准备 提交 需要 带 能办 办 可以
    花钱 要钱 收钱 钱 价格 标准 限制 期限 时效 有效期 截止 有没有 能不能 可不可以 要不要 领取 领 拿 多少 几个月
    """.split()
)
_TRAILING_PARTICLES = ("的呢", "呢", "呀", "啊", "吧")
_PUNCT = re.compile(r"[\s，。！？、；：,.!?;:~…\"'“”‘’（）()【】\[\]]+")


SearchFn = Callable[[str, set[str]], BandDecision]
"""Search ``query`` among the entry ids given and band the result."""


@dataclass(frozen=True)
class FollowupResult:
    """The decision chosen for a follow-up and the query that produced it."""

    query: str
    decision: BandDecision
    rewritten: bool


def normalise(text: str) -> str:
    """Text without whitespace and punctuation (for length and prefix tests)."""
    return _PUNCT.sub("", text or "")


def strip_markers(text: str) -> str:
    """The question without a leading 那/那么/还有/另外… and surrounding punctuation."""
    core = normalise(text)
    changed = True
    while changed and core:
        changed = False
        for marker in FOLLOWUP_MARKERS:
            if core.startswith(marker) and len(core) > len(marker):
                core = core[len(marker) :]
                changed = True
                break
    return core


def main_term(entry: KBEntry) -> str:
    """The service the entry is about: its first keyword, else the subject of its question, else its category."""
    if entry.keywords:
        return entry.keywords[0]
    subject = question_subject(entry.question)
    return subject if len(subject) >= 2 else entry.category


def question_subject(question: str) -> str:
    """The words before the first interrogative or modal: "办理护照需要带什么材料？" → "护照"."""
    subject = normalise(question)
    match = _SUBJECT_END.search(subject)
    if match:
        subject = subject[: match.start()]
    for verb in _LEADING_VERBS:
        if subject.startswith(verb) and len(subject) > len(verb) + 1:
            subject = subject[len(verb) :]
            break
    return subject


def service_terms(entries: Iterable[KBEntry]) -> set[str]:
    """Every service name the KB knows (main terms and categories, two characters or more)."""
    terms: set[str] = set()
    for entry in entries:
        terms.add(main_term(entry))
        terms.add(entry.category)
    return {t for t in terms if len(t) >= 2}


def is_elliptical(query: str, terms: set[str]) -> bool:
    """True for a follow-up that leaves out the service: names no known service and is short or starts with 那/还有."""
    text = normalise(query)
    if not text or any(term in text for term in terms):
        return False
    if len(text) <= MAX_SHORT_CHARS:
        return True
    return len(text) <= MAX_MARKED_CHARS and text.startswith(STRONG_MARKERS)


def rewrite(query: str, previous: KBEntry) -> str:
    """ "那需要带什么材料？" after an entry about 居住证 → "居住证需要带什么材料"."""
    return main_term(previous) + strip_markers(query)


def substitute(query: str, previous: KBEntry, terms: set[str]) -> str | None:
    """ "那护照呢" after "办理居住证需要带什么材料？" → "办理护照需要带什么材料"; None when the query is not a swap."""
    core = strip_markers(query)
    stripped = True
    while stripped:
        stripped = False
        for particle in _TRAILING_PARTICLES:
            if core.endswith(particle) and len(core) > len(particle):
                core = core[: -len(particle)]
                stripped = True
    if core not in terms:
        return None
    question = normalise(previous.question)
    for old in (main_term(previous), question_subject(previous.question)):
        if len(old) >= 2 and old in question and old != core:
            return question.replace(old, core, 1)
    return None


def new_topic_words(query: str, previous: KBEntry, keywords: Iterable[str] | None = None) -> list[str]:
    """Words of a follow-up that are neither an aspect of a service (材料, 多久, 收费…) nor ``previous``'s service.

    With ``keywords`` (every keyword of the KB), only words that are part of some keyword count: a subject the KB
    knows ("投诉") is a new topic, a fragment of the tokenizer ("领要", "带些") is not."""
    from knowledge_base.tokenizer import tokenize  # jieba with the project dictionaries, loaded on first use

    service = main_term(previous)
    known = list(keywords) if keywords is not None else None
    return [
        token
        for token in tokenize(strip_markers(query))
        if len(token) >= 2 and token not in ASPECT_WORDS and token not in service
        and (known is None or any(token in keyword for keyword in known))
    ]


def _mentions(decision: BandDecision, words: list[str], entries: Mapping[str, KBEntry]) -> bool:
    """True when there are no new topic words or the best hit's entry asks about one of them (its questions and
    keywords; answers mention too much to count)."""
    if not words:
        return True
    entry = entries.get(decision.hits[0].doc_id) if decision.hits else None
    if entry is None:
        return False
    text = "".join([entry.question, *entry.similar_questions, *entry.keywords])
    return any(word in text for word in words)


def resolve_followup(
    query: str,
    previous: KBEntry,
    *,
    search: SearchFn,
    allowed: set[str],
    same_category: set[str],
    terms: set[str],
    entries: Mapping[str, KBEntry],
    keywords: Iterable[str] | None = None,
) -> FollowupResult | None:
    """The best decision for ``query`` as a follow-up of ``previous``, or None when it is not a follow-up.

    A service swap is searched across ``allowed``. An elliptical question is tried, in order of preference, rewritten
    within ``previous``'s category, rewritten across ``allowed``, then plain; the first that reaches the answer band
    wins, else the first did-you-mean, else the plain query's result. A rewrite whose best entry does not mention
    any new topic word of the question ("怎么投诉" after 护照: 投诉) is dropped: the citizen changed the subject.
    """
    attempts: list[FollowupResult] = []
    swapped = substitute(query, previous, terms)
    if swapped is not None:
        attempts.append(FollowupResult(swapped, search(swapped, allowed), True))
    elif is_elliptical(query, terms):
        rewritten = rewrite(query, previous)
        words = new_topic_words(query, previous, keywords)
        in_category = allowed & same_category
        if in_category:
            attempts.append(FollowupResult(rewritten, search(rewritten, in_category), True))
        attempts.append(FollowupResult(rewritten, search(rewritten, allowed), True))
        attempts = [a for a in attempts if _mentions(a.decision, words, entries)]
    else:
        return None
    for attempt in attempts:
        if attempt.decision.band is Band.ANSWER:
            return attempt
    plain = FollowupResult(query, search(query, allowed), False)
    if plain.decision.band is Band.ANSWER:
        return plain
    for attempt in [*attempts, plain]:
        if attempt.decision.band is Band.DID_YOU_MEAN:
            return attempt
    return plain
