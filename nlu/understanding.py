"""One understanding of one citizen message, computed once per turn and shared by everything that decides.

:class:`Understander` reads a message with what the conversation already knows (:class:`TurnContext`: the Rasa
intent, the entry last answered, the candidates last offered) and returns an :class:`Understanding`:

* the text as typed, the standard text searched, and the language;
* the emergency assessment (:mod:`nlu.emergency`), read before anything else;
* the readings of a short reply: handoff, status query, cancel, yes/no, a picked option;
* the consultation-vs-problem **route** with the appeal type and the classifier's scores;
* the knowledge-base band and candidates (with follow-ups resolved against the topic last answered *or offered*);
* the fields a work order would take (phone and ID numbers only masked).

The bot's actions decide from this object; the seat-agent console shows it (:meth:`Understanding.to_dict` is its
stable, documented shape: docs/decisions.md). The knowledge base and the appeal classifier are injected, so this
module stays plain Python and testable with small doubles.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Protocol

from domain import COMPLAINT, CONSULTATION, HELP, SUGGESTION, beijing_now
from nlu import readings
from nlu.emergency import EmergencyAssessment, assess_emergency
from nlu.language import Language, detect_language, standardise
from nlu.normalize import normalize

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
INTENT_TRUSTED = 0.8   # a Rasa intent at or above this counts as evidence for the route
PROBLEM_CLEAR = 0.65   # a statement is a problem (work order) when the classifier gives the three problem types this much
CONSULT_CLEAR = 0.6    # ... and a consultation when it gives 咨询 this much and the KB has something close
SHORT_TOPIC = 6        # a message this short that names a KB topic ("公积金") asks about that topic


class Route(str, Enum):
    """What the citizen wants from this message."""

    CONSULT = "consult"   # a question: answer from the knowledge base
    PROBLEM = "problem"   # a complaint, help request or suggestion: a work order
    UNSURE = "unsure"     # ask the citizen with buttons


@dataclass(frozen=True)
class KBCandidate:
    entry_id: str
    question: str
    similarity: float


@dataclass(frozen=True)
class Fields:
    """What a work order would take from this message. Phone and ID numbers appear only masked."""

    phones: list[str] = field(default_factory=list)
    id_numbers: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    address: str | None = None
    person: str | None = None


@dataclass(frozen=True)
class TurnContext:
    """What the conversation knows before this message."""

    intent: str | None = None
    intent_confidence: float = 0.0
    last_entry_id: str | None = None          # the entry answered last
    offered_entry_ids: Sequence[str] = ()     # the did-you-mean / no-match candidates offered last


@dataclass
class Understanding:
    text: str
    standard: str
    language: Language
    emergency: EmergencyAssessment | None
    intent: str | None
    intent_confidence: float
    handoff: bool
    status: bool
    small_talk: str | None
    cancel: bool
    yes_no: bool | None
    route: Route
    route_reason: str
    appeal_type: str | None
    appeal_confidence: float
    appeal_scores: dict[str, float]
    kb_band: str
    kb_query: str
    kb_followup_of: str | None
    kb_candidates: list[KBCandidate]
    fields: Fields

    @property
    def is_chinese(self) -> bool:
        return self.language is Language.CHINESE

    def to_dict(self) -> dict[str, Any]:
        """The documented, JSON-able shape (docs/decisions.md, "The understanding")."""
        return {
            "version": SCHEMA_VERSION,
            "text": self.text,
            "standard": self.standard,
            "language": self.language.value,
            "emergency": None if self.emergency is None else {
                "kind": self.emergency.kind.value, "services": list(self.emergency.services),
                "evidence": self.emergency.evidence},
            "intent": {"name": self.intent, "confidence": round(self.intent_confidence, 3)},
            "readings": {"handoff": self.handoff, "status": self.status, "small_talk": self.small_talk,
                         "cancel": self.cancel, "yes_no": self.yes_no},
            "route": {"kind": self.route.value, "reason": self.route_reason, "appeal_type": self.appeal_type,
                      "confidence": round(self.appeal_confidence, 3),
                      "scores": {k: round(v, 3) for k, v in self.appeal_scores.items()}},
            "kb": {"band": self.kb_band, "query": self.kb_query, "followup_of": self.kb_followup_of,
                   "candidates": [{"entry_id": c.entry_id, "question": c.question,
                                   "similarity": round(c.similarity, 4)} for c in self.kb_candidates]},
            "fields": asdict(self.fields),
        }


class KnowledgeBaseLike(Protocol):
    def ask(self, query: str, *, previous_entry_id: str | None = None) -> Any: ...


class AppealClassifierLike(Protocol):
    def classify(self, text: str) -> Any: ...


# ---------------------------------------------------------------------------------------------- the route rules
# An explicit type word wins (the citizen says what they want); a question frame makes a consultation even when
# the question mentions a problem; a rhetorical "怎么没人管" is a complaint; otherwise the classifier and the intent.
_HELP_WORD = re.compile(r"^(求助|求救|求帮忙)|(我|我们|我家)(要|想|需要)?(求助|求救)|请求(帮助|帮忙|援助)|寻求帮助|求助一下|紧急求助")
_SUGGEST_WORD = re.compile(r"^(建议|意见建议|提个?建议|提(个|点|一点)意见|我(有|想提|要提|想给|给|提)(一个|个|点|一点|几条)?(建议|意见))"
                           r"|^(我|我们)?建议|(建议|希望)(政府|有关部门|相关部门|市里|区里|你们|贵单位)")
_COMPLAIN_WORD = re.compile(r"^(投诉|举报|我要投诉|我要举报|我想投诉|我想举报|我来投诉|我来举报|实名举报|实名投诉)"
                            r"|(我|我们)(要|想|来)(投诉|举报)|强烈(投诉|要求)|必须(投诉|举报)")
_ABOUT_COMPLAINING = re.compile(r"(怎么|如何|去哪|去哪里|在哪|向哪|找哪|哪个部门|哪里可以|能不能|可不可以|可以)(投诉|举报|求助|提建议)"
                                r"|(投诉|举报|求助)(电话|热线|渠道|方式|流程|途径)")
_RHETORICAL = re.compile(r"(怎么|为什么|为啥|咋)(就)?(没人|也不|都不|还不|还没|一直不|一直没)(管|处理|修|解决|来|过问|理)"
                         r"|有没有人管|到底管不管|还管不管|谁来管管|没人管吗|不管吗|也不管吗|太不像话|还让不让人"
                         r"|(都|也|一直|还|始终|根本)没(有)?人(管|修|处理|理|来)"
                         r"|(说了|反映了|反映过|找了|找过|打了|投诉了|投诉过)[^，。,.]{0,6}(也没用|没用|不管用|不理|没人理|没下文|不了了之)")
# In a long message (background first, the ask at the end) the ask decides: a request for action, a suggestion or a
# complaint named anywhere in it.
LONG_MESSAGE = 60
_REQUEST_CUE = re.compile(
    r"(希望|恳请|请求|要求|望|盼|恳求|敦促|呼吁|请|麻烦)[^。！？!?]{0,24}"
    r"(解决|处理|查处|整改|退费|退款|退还|赔偿|重视|督促|协调|帮助|帮忙|改造|实施|落实|调查|核实|规范|取缔|维护|给予|关注|"
    r"管一管|管管|整治|治理|监管|追回|支付|补发|拆除|清理|修复|维修)"
    r"|以求帮助|求求|恳请领导|请领导|请相关部门|请有关部门|望相关部门|望有关部门")
_SUGGEST_ANYWHERE = re.compile(r"(提|几点|几条|一点|一个|个|以下|如下|的|合理化|我的|我们的)(建议|意见)|建议(政府|相关|有关|市里|区里|增设|增加|"
                               r"设置|安装|将|把|对|在|尽快|取消|延长|开通|出台|修改|调整|加强|完善)")
_COMPLAIN_ANYWHERE = re.compile(r"(我|我们|特此|现|在此|实名)(要|想|来)?(投诉|举报)|(投诉|举报)(该|这家|此|他们|这个|那家)")

# A request for action phrased as a question ("能不能派人来疏通一下") asks for a work order, not an answer.
_ACTION_REQUEST = re.compile(
    r"(能不能|能否|可不可以|可以|能|麻烦|请|希望|赶紧|尽快|快点)[^。？?！!]{0,14}"
    r"(派人|来人|找人|安排人|过来看|上门|帮忙|帮我们|帮着|处理一下|处理处理|管管|管一管|管一下|修一下|修修|维修|疏通|清理|清走|拖走|"
    r"检测一下|填一下|填上|摘掉|拆掉|拆除|查处|整治|治理|取缔|解决一下|协调一下|说说|督促|加个|加装|增加|增设|安装|装个|设置|"
    r"开通|延长|多开|多设|改善|改进|优化)")
# What is left of a question once "什么也不干"-style negations are taken out.
_NOT_A_QUESTION = re.compile(r"(什么|啥)(也|都)|好几(个|次|天)|几个(月|星期|礼拜)(了|都|还|一直)"
                             r"|(这|那|前|近|头|最近|过去)几(天|年|个月|次|回|周)|几(天|年|个月|周)(前|以来|了)")
_QUESTION_FRAME = re.compile(
    r"[?？]\s*$|吗[?？。!！]?\s*$|呢[?？。]?\s*$|怎么|怎样|如何|哪里|哪儿|哪个|哪些|去哪|多久|多长时间|多少|"
    r"几(次|天|点|年|月|号|岁|个月|个工作日|时|种|样|项|类)|能不能|能否|可不可以|可以.{0,8}吗|是否|是不是|有没有|什么时候|为什么|为啥|"
    r"请问|想问|问一下|问下|咨询一下|咨询|了解一下|什么|需要.{0,6}(材料|条件|手续)|要.{0,4}(材料|手续)|算不算|该怎么|"
    r"应该找|(向|找|跟|问)谁|归谁管|谁管|哪个部门|在哪|哪办|哪能|谁(定|批|负责|说了算)|是谁"
    r"|(能|可以|行|会|有|要|还能|还有|是|够|算|给|让)[^，。,.!！]{0,16}不[?？。]?\s*$"
    r"|(?P<verb>[\u4e00-\u9fff])不(?P=verb)")
# "能不能多装几个…", "能不能周末也开半天": a suggestion phrased as a question.
_SUGGESTION_QUESTION = re.compile(r"(能不能|能否|可不可以|可否|是否可以|是不是可以|希望)[^，。？?]{0,12}"
                                  r"(多装|多设|多开|多建|多加|也开|加开|增加|增设|加个|加装|延长|开通|开放|设置|安装|装个|建个|配备|改成)")

# "想补一个", "想迁到…", "想在房本上加上…": a procedure the citizen wants to go through.
_WANTS_PROCEDURE = re.compile(
    r"(想|想要|打算|准备|需要)[^，。,.]{0,10}(办|补|迁|换|领|取|申请|开具|开个|转|加上|改|交|缴|报名|登记|落户|分出|单独立|续|"
    r"注销|提取|贷款|过户|认证|备案|挂失|更正|变更)"
    r"|(证|本|卡|照|执照|证件|证明)[^，。,.]{0,6}(丢了|丢失|找不着|找不到|搞丢|弄丢|遗失|掉了|过期|到期|坏了|被偷)"
    r"|(丢了|丢失|搞丢|弄丢|遗失|掉了)[^，。,.]{0,4}(证|本|卡|照|执照|证件)")


_ASK_MARKER = re.compile(r"(想问一下|想问问|想问下|想问|请问一下|请问|想咨询一下|想咨询|咨询一下|问一下|问下)")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
QUESTION_PART_FROM = 40  # messages at least this long are also searched by their question alone


def question_part(text: str) -> str | None:
    """The question of a long message that tells its background first: what follows the last "想问一下/请问",
    else its last sentence that asks something; None for a short message or one without a question."""
    t = (text or "").strip()
    if len(t) < QUESTION_PART_FROM:
        return None
    markers = list(_ASK_MARKER.finditer(t))
    if markers:
        rest = t[markers[-1].end():].strip(" ，,：:")
        return rest if len(rest) >= 4 else None
    sentences = [s.strip(" ，,") for s in _SENTENCE_END.split(t) if s.strip(" ，,")]
    for sentence in reversed(sentences[1:]):
        if is_question(sentence) and len(sentence) >= 4:
            return sentence
    return None


def is_question(text: str) -> bool:
    """Whether ``text`` asks something (question words, particles, "A不A", "…能办不"), ignoring "什么也不干"."""
    return bool(_QUESTION_FRAME.search(_NOT_A_QUESTION.sub("", normalize(text))))


def decide_route(text: str, *, intent: str | None, intent_confidence: float, prediction: Any,
                 kb_band: str, kb_top_question: str = "") -> tuple[Route, str | None, float, str]:
    """(route, appeal type, confidence, reason) for a Chinese message outside a form."""
    t = readings.compact(text)
    about = bool(_ABOUT_COMPLAINING.search(t))
    if _HELP_WORD.search(t) and not about:
        return Route.PROBLEM, HELP, 1.0, "help_word"
    if _SUGGEST_WORD.search(t) and not about:
        return Route.PROBLEM, SUGGESTION, 1.0, "suggest_word"
    if _COMPLAIN_WORD.search(t) and not about:
        return Route.PROBLEM, COMPLAINT, 1.0, "complaint_word"
    if len(t) >= LONG_MESSAGE:
        if _SUGGEST_ANYWHERE.search(t) and not about:
            return Route.PROBLEM, SUGGESTION, 0.9, "suggest_word"
        if _COMPLAIN_ANYWHERE.search(t) and not about:
            return Route.PROBLEM, COMPLAINT, 0.9, "complaint_word"

    scores = dict(getattr(prediction, "scores", {}) or {})
    p_consult = float(scores.get(CONSULTATION, 0.5))
    problem_scores = {k: v for k, v in scores.items() if k in (COMPLAINT, HELP, SUGGESTION)}
    intent_type = {"complain": COMPLAINT, "request_help": HELP, "suggest": SUGGESTION}.get(intent or "")
    problem_type = max(problem_scores, key=problem_scores.__getitem__) if problem_scores else (intent_type or COMPLAINT)
    p_problem = 1.0 - p_consult

    if _RHETORICAL.search(t):
        return Route.PROBLEM, problem_type, p_problem, "rhetorical_question"
    if _SUGGESTION_QUESTION.search(t) and not about:
        return Route.PROBLEM, SUGGESTION, max(p_problem, 0.6), "suggestion_question"
    if _ACTION_REQUEST.search(t) and not about:
        return Route.PROBLEM, problem_type, p_problem, "action_request"
    if len(t) >= LONG_MESSAGE and _REQUEST_CUE.search(t) and p_problem >= 0.35:
        return Route.PROBLEM, problem_type, p_problem, "request"
    if about or is_question(text):
        if len(t) >= LONG_MESSAGE and kb_band == "no_match" and p_problem >= 0.5:
            return Route.UNSURE, problem_type, p_problem, "long_question_unmatched"  # ask rather than guess
        return Route.CONSULT, CONSULTATION, 1.0, "question_frame"
    topic = re.sub(r"(的事情|的事儿|的事|的问题|相关的|相关|方面的|方面)$", "", t)
    if len(topic) <= SHORT_TOPIC and topic and topic in readings.compact(kb_top_question) and kb_band != "no_match":
        return Route.CONSULT, CONSULTATION, max(p_consult, 0.5), "topic_word"  # "公积金", "护照"
    if _WANTS_PROCEDURE.search(t) and kb_band != "no_match":
        return Route.CONSULT, CONSULTATION, max(p_consult, 0.5), "wants_procedure"
    # A statement: what the citizen wants done. The classifier's consultation-vs-problem split decides when clear.
    if p_problem >= PROBLEM_CLEAR:
        return Route.PROBLEM, problem_type, p_problem, "classifier"
    if intent_type and intent_confidence >= INTENT_TRUSTED and p_problem >= 0.5:
        return Route.PROBLEM, intent_type, intent_confidence, "intent"
    if p_consult >= CONSULT_CLEAR and kb_band != "no_match":
        return Route.CONSULT, CONSULTATION, p_consult, "classifier"
    if kb_band == "answer":
        return Route.CONSULT, CONSULTATION, p_consult, "kb_answer"
    return Route.UNSURE, problem_type if p_problem >= 0.5 else CONSULTATION, max(p_consult, p_problem), "unsure"


# ---------------------------------------------------------------------------------------------- the understander
class Understander:
    """Builds an :class:`Understanding`; the knowledge base, classifier and field extractor are injected."""

    def __init__(self, kb: KnowledgeBaseLike | None, classifier: AppealClassifierLike | None,
                 extract_fields: Callable[[str], Fields] | None = None,
                 assess: Callable[[str], EmergencyAssessment | None] = assess_emergency) -> None:
        self.kb = kb
        self.classifier = classifier
        self.extract_fields = extract_fields or extract_message_fields
        self.assess = assess

    def understand(self, text: str, context: TurnContext | None = None) -> Understanding:
        ctx = context or TurnContext()
        raw = (text or "").strip()
        language = detect_language(raw)
        standard = standardise(raw)
        emergency = self.assess(raw) if language not in (Language.EMPTY, Language.OTHER) else None
        kb_band, kb_query, followup_of, candidates = "no_match", standard, None, []
        prediction = None
        if language is Language.CHINESE and not raw.startswith("/"):
            kb_band, kb_query, followup_of, candidates = self._search(standard, ctx)
            if self.classifier is not None:
                prediction = self.classifier.classify(raw)
        if language is Language.CHINESE:
            route, appeal, confidence, reason = decide_route(standard, intent=ctx.intent,
                                                             intent_confidence=ctx.intent_confidence,
                                                             prediction=prediction, kb_band=kb_band,
                                                             kb_top_question=candidates[0].question if candidates else "")
        else:
            route, appeal, confidence, reason = Route.CONSULT, None, 0.0, f"language:{language.value}"
        return Understanding(
            text=raw, standard=standard, language=language, emergency=emergency,
            intent=ctx.intent, intent_confidence=float(ctx.intent_confidence or 0.0),
            handoff=readings.asks_for_human(raw), status=readings.asks_status(raw),
            small_talk=readings.small_talk(raw),
            cancel=readings.is_cancel(raw), yes_no=readings.yes_no(raw),
            route=route, route_reason=reason, appeal_type=appeal, appeal_confidence=confidence,
            appeal_scores=dict(getattr(prediction, "scores", {}) or {}),
            kb_band=kb_band, kb_query=kb_query, kb_followup_of=followup_of, kb_candidates=candidates,
            fields=self.extract_fields(raw) if language is Language.CHINESE else Fields(),
        )

    def _search(self, query: str, ctx: TurnContext) -> tuple[str, str, str | None, list[KBCandidate]]:
        if self.kb is None:
            return "no_match", query, None, []
        # A follow-up stays on the topic last answered, or, right after a did-you-mean, on the topic offered first.
        previous = ctx.last_entry_id or (ctx.offered_entry_ids[0] if ctx.offered_entry_ids else None)
        result = self.kb.ask(query, previous_entry_id=previous)
        asked = question_part(query)
        if asked and asked != query:  # background first, the question last: search the question too
            focused = self.kb.ask(asked, previous_entry_id=previous)
            if focused.entries and (not result.entries or focused.entries[0].similarity > result.entries[0].similarity):
                result = focused
        candidates = [KBCandidate(m.entry.id, m.entry.question, float(m.similarity)) for m in result.entries]
        band = getattr(result.band, "value", str(result.band))
        return band, result.query, result.followup_of, candidates


def extract_message_fields(text: str, default_city: str | None = None) -> Fields:
    """Phones and ID numbers (masked), time expressions, the likeliest address and how the citizen is addressed."""
    from nlu.extract import (
        extract_addresses,
        extract_addressing,
        extract_id_numbers,
        extract_phones,
        extract_times,
        mask_id,
        mask_phone,
    )

    phones = [mask_phone(p.value) for p in extract_phones(text)]
    ids = [mask_id(i.value) for i in extract_id_numbers(text)]
    times = [t.text for t in extract_times(text, now=beijing_now().replace(tzinfo=None))]
    addresses = extract_addresses(text, default_city=default_city)
    address = max(addresses, key=lambda a: a.confidence).normalized if addresses else None
    persons = extract_addressing(text)
    person = persons[0].value if persons else None
    return Fields(phones=phones, id_numbers=ids, times=times, address=address or None, person=person)
