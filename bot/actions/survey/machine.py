"""The survey as a small state machine: one call per citizen message, state kept in the ``survey_state`` slot."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.actions.intake.understand import compact, is_cancel
from bot.actions.replies import Reply
from bot.actions.slot_state import SlotState
from domain import BASIC, SATISFACTION_LEVELS, SATISFIED, UNSATISFIED, reopens_for_review

ASK_RESOLVED, ASK_SATISFACTION, ASK_REASON, ASK_COMMENT = "resolved", "satisfaction", "reason", "comment"
MAX_ATTEMPTS = 3

RESOLVED_BUTTONS = [{"title": "已解决", "payload": "/survey_resolved"}, {"title": "未解决", "payload": "/survey_unresolved"}]
SATISFACTION_BUTTONS = [{"title": s, "payload": f'/survey_rate{{"satisfaction":"{s}"}}'}
                        for s in SATISFACTION_LEVELS]
NO_COMMENT_BUTTONS = [{"title": "没有了", "payload": "没有了"}]

_UNRESOLVED = re.compile(r"(没|未|不|还没|并没|根本没)(有)?(解决|处理|修|弄好|管|人来|人管|落实|办)|没人(来|管|理|处理|联系)|"
                         r"还是(老样子|一样|没变|照旧)|依然|仍然|照样|一点没变|更严重|又出现|又开始|没变化|没效果|没用")
_RESOLVED = re.compile(r"(已经|已|都)?(解决|处理好|处理完|修好|弄好|搞定|好了|办好|清理|清走|恢复|没问题)")
_UNSATISFIED = re.compile(r"不满意|很差|太差|差评|非常差|不行|不好|敷衍|糊弄|垃圾|态度(很|太)?差|失望|不认可|不接受")
_BASIC = re.compile(r"基本满意|还行|还可以|凑合|一般|马马虎虎|还好|过得去|勉强|差不多|基本")
_SATISFIED = re.compile(r"满意|很好|非常好|挺好|不错|点赞|感谢|谢谢|好评|辛苦了|给力")
_NO_COMMENT = re.compile(r"^(没有了?|没了|无|没|不用了?|没什么|没啥|没有意见|没意见|就这样|谢谢|好的|不需要|没有其他)$")
# Clauses of an answer; "因为…" starts a new one even without a comma ("不满意因为没人来").
_CLAUSES = re.compile(r"[，,。！!？?；;、\s]+|(?=因为|原因是)")
_REASON_LEAD = re.compile(r"^(但是|可是|不过|而且|就是|因为|原因是|由于|主要是)+")
# Words that only colour a bare answer ("很不满意", "真的没解决啊").
_ANSWER_FILLER = re.compile(r"很|非常|特别|十分|太|真的?|挺|比较|还是|都|也|已经|已|了|啊|呀|吧|呢|的|哦|嗯|我|觉得|感觉|根本|完全|并|就|但是")
_BARE_ANSWERS = frozenset({
    "满意", "不满意", "基本满意", "还行", "还可以", "可以", "一般", "一般般", "凑合", "还好", "过得去", "马马虎虎", "不错",
    "好", "好评", "差评", "差", "不好", "不行", "失望", "谢谢", "感谢", "谢谢你们", "辛苦", "辛苦你们",
    "解决", "解决好", "没解决", "未解决", "没有解决", "没", "没有", "有", "是", "否", "不是", "对", "修好", "处理好",
    "处理完", "搞定", "弄好", "办好", "恢复", "没处理", "没有处理", "未处理", "没修好", "没修", "没弄好", "没办", "老样子",
    "一样", "没变", "没变化", "照旧", "没效果", "没用", "一点没变",
})
MIN_REASON_CHARS = 4


def parse_resolved(text: str) -> bool | None:
    t = text.strip()
    if t == "/survey_resolved":
        return True
    if t == "/survey_unresolved":
        return False
    c = compact(text)
    if not c:
        return None
    if _UNRESOLVED.search(c) or c in ("没有", "否", "不是", "没", "未解决", "no"):
        return False
    if _RESOLVED.search(c) or c in ("是", "是的", "对", "嗯", "有", "yes"):
        return True
    return None


def parse_satisfaction(text: str) -> str | None:
    t = text.strip()
    for label in (UNSATISFIED, BASIC, SATISFIED):
        if t.startswith("/survey_rate") and f'"{label}"' in t:
            return label
    c = compact(text)
    if not c:
        return None
    if _UNSATISFIED.search(c):
        return UNSATISFIED
    if _BASIC.search(c):
        return BASIC
    if _SATISFIED.search(c):
        return SATISFIED
    return None


def _is_bare_answer(clause: str) -> bool:
    """"很不满意", "没解决", "满意": a clause that only answers, with nothing about what went wrong."""
    c = compact(clause)
    return _ANSWER_FILLER.sub("", c) in _BARE_ANSWERS or (
        len(c) <= 3 and (parse_resolved(clause) is not None or parse_satisfaction(clause) is not None))


def parse_reason(text: str) -> str:
    """What the citizen says went wrong besides the bare answer: "不满意，物业根本没来人" → "物业根本没来人".

    Empty when the message is only an answer ("很不满意", "还是老样子") or has just one clause."""
    clauses = [c.strip() for c in _CLAUSES.split(text.strip()) if c and c.strip()]
    if len(clauses) < 2 or not any(_is_bare_answer(c) for c in clauses):
        return ""
    rest = [_REASON_LEAD.sub("", c) for c in clauses if not _is_bare_answer(c)]
    reason = "，".join(c for c in rest if compact(c))
    return reason[:500] if len(compact(reason)) >= MIN_REASON_CHARS else ""


@dataclass
class SurveySession(SlotState):
    service_request_id: str
    stage: str = ASK_RESOLVED
    resolved: bool | None = None
    satisfaction: str | None = None
    reason: str = ""
    comment: str = ""
    attempts: dict[str, int] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        """The answers so far reopen the order for review (the backend applies the same rule when recording)."""
        return reopens_for_review(self.resolved is not False, self.satisfaction or "")


@dataclass
class SurveyTurn:
    replies: list[Reply]
    session: SurveySession | None
    record: bool = False      # all answers in: record them (and reopen when needed)
    postponed: bool = False   # the citizen does not want to answer now


def invitation(order_id: str, summary: str, department: str, result: str) -> Reply:
    lines = [f"您好，这里是12345热线回访。您反映的“{summary}”（工单号 {order_id}）"
             f"{'已由' + department if department else '已'}办结。"]
    if result:
        lines.append(f"办理结果：{result}")
    lines.append("请问您的问题解决了吗？")
    return Reply("\n".join(lines), list(RESOLVED_BUTTONS))


def satisfaction_question() -> Reply:
    return Reply("您对这次办理结果满意吗？请选择：满意、基本满意、不满意。", list(SATISFACTION_BUTTONS))


class SurveyMachine:
    def handle(self, session: SurveySession, text: str) -> SurveyTurn:
        if is_cancel(text) or compact(text) in ("以后再说", "现在没空", "没空", "稍后再说", "不想评价"):
            return SurveyTurn([Reply("好的，不打扰您了。之后如需评价，可以发送“评价工单”加工单号。")], None,
                              postponed=True)
        if session.stage == ASK_RESOLVED:
            resolved = parse_resolved(text)
            satisfaction = parse_satisfaction(text)
            if resolved is None and satisfaction is not None:
                resolved = satisfaction != UNSATISFIED if satisfaction == SATISFIED else None
            if satisfaction is not None:
                session.satisfaction = satisfaction  # kept even when the question is asked again
            self._keep_reason(session, text, resolved, satisfaction)
            if resolved is None:
                return self._again(session, Reply("请问问题解决了吗？请回复“已解决”或“未解决”。", list(RESOLVED_BUTTONS)))
            session.resolved = resolved
            return self._next(session)
        if session.stage == ASK_SATISFACTION:
            satisfaction = parse_satisfaction(text)
            self._keep_reason(session, text, session.resolved, satisfaction)
            if satisfaction is None:
                return self._again(session, satisfaction_question())
            session.satisfaction = satisfaction
            return self._next(session)
        if session.stage == ASK_REASON:
            session.reason = text.strip()[:500] or "市民未说明原因"
            session.stage = ASK_COMMENT
            return SurveyTurn([], session, record=True)
        if session.stage == ASK_COMMENT:
            if not _NO_COMMENT.match(compact(text)):
                session.comment = text.strip()[:500]
            return SurveyTurn([], session, record=True)
        return SurveyTurn([], session, record=True)

    @staticmethod
    def _keep_reason(session: SurveySession, text: str, resolved: bool | None, satisfaction: str | None) -> None:
        """A reason typed with the answer ("没解决，路灯还是不亮") is the reason: it is not asked for again. With a
        good answer ("满意，师傅很负责") the same words are a comment."""
        if resolved is False or satisfaction == UNSATISFIED or session.needs_review:
            session.reason = session.reason or parse_reason(text)
        elif resolved is not None or satisfaction is not None:
            session.comment = session.comment or parse_reason(text)

    def _again(self, session: SurveySession, reply: Reply) -> SurveyTurn:
        session.attempts[session.stage] = session.attempts.get(session.stage, 0) + 1
        if session.attempts[session.stage] >= MAX_ATTEMPTS:
            return SurveyTurn([Reply("抱歉没能理解您的回答。之后如需评价，可以发送“评价工单”加工单号，或拨打12345热线。")],
                              None, postponed=True)
        return SurveyTurn([reply], session)

    def _next(self, session: SurveySession) -> SurveyTurn:
        if session.satisfaction is None:
            session.stage = ASK_SATISFACTION
            return SurveyTurn([satisfaction_question()], session)
        if session.needs_review and not session.reason:
            session.stage = ASK_REASON
            return SurveyTurn([Reply("很抱歉没能让您满意。请说一下还存在什么问题，我们会安排承办部门重新核查处理（回访复核）。")],
                              session)
        if session.needs_review:  # the reason came with an answer: record it, as after the reason question
            session.stage = ASK_COMMENT
            return SurveyTurn([], session, record=True)
        session.stage = ASK_COMMENT
        return SurveyTurn([Reply("感谢您的评价！对我们的工作还有其他意见或建议吗？没有请回复“没有了”。",
                                 list(NO_COMMENT_BUTTONS))], session)
