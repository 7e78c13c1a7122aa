"""The intake form's Chinese wording around the fields: the appeal-type question, acknowledgements, the
confirmation summary. Each field's own question, re-prompt and summary line are in its spec (:mod:`.fields`)."""
from __future__ import annotations

import json

from bot.actions.intake.fields import CANCEL_BUTTON, SPECS
from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.session import IntakeSession
from bot.actions.replies import Reply

APPEAL_BUTTONS = [  # '/choose_appeal{"appeal":"投诉举报"}' …, in the order the question names them
    {"title": title, "payload": "/choose_appeal" + json.dumps({"appeal": appeal.value}, ensure_ascii=False,
                                                              separators=(",", ":"))}
    for appeal, title in ((AppealType.COMPLAINT, AppealType.COMPLAINT.value), (AppealType.HELP, AppealType.HELP.value),
                          (AppealType.SUGGESTION, AppealType.SUGGESTION.value), (AppealType.CONSULT, "政策咨询"))
]


def prompt(session: IntakeSession, field: Field, *, again: bool = False) -> Reply:
    """The question for one field; ``again`` after an answer that could not be used."""
    return SPECS[field].ask(session, again=again)


def appeal_question() -> Reply:
    return Reply("为了更快帮您办理，请问您是想：投诉举报、求助、提意见建议，还是咨询政策？", list(APPEAL_BUTTONS))


def start_ack(appeal: AppealType) -> str:
    return {
        AppealType.COMPLAINT: "好的，我来帮您登记投诉举报。",
        AppealType.HELP: "好的，我来帮您登记求助。",
        AppealType.SUGGESTION: "感谢您的建议，我来帮您登记。",
        AppealType.CONSULT: "好的，我把您的问题登记为咨询工单，由工作人员查明后答复您。",
    }[appeal]


def summary(session: IntakeSession) -> Reply:
    """The confirmation summary; phone and ID numbers masked."""
    appeal = session.appeal
    lines = ["请核对以下信息：", f"诉求类型：{appeal.value if appeal else '未确定'}"]
    lines += [SPECS[field].line(session) for field in session.fields()]
    if session.anonymous and Field.ANONYMOUS not in session.fields():  # asked for without being asked
        lines.append(f"{SPECS[Field.ANONYMOUS].label}：是")
    if session.photos:
        lines.append(f"照片：{len(session.photos)} 张")
    lines.append("信息无误请回复“确认”；需要修改请直接说，例如“地址改成…”“电话改成…”；不办了请回复“取消”。")
    buttons = [{"title": "确认提交", "payload": "/affirm"}, {"title": "修改", "payload": "/deny"}, CANCEL_BUTTON]
    return Reply("\n".join(lines), buttons)


def anonymity_set(private: bool) -> str:
    if private:
        return "好的，将对您的个人信息保密，承办部门看不到您的姓名和电话。"
    return "好的，不对您的个人信息保密。"


def choose_fix(session: IntakeSession) -> Reply:
    buttons = [{"title": SPECS[f].label, "payload": f'/fix{{"field":"{f.value}"}}'} for f in session.fields()]
    return Reply("请问要修改哪一项？可以直接说，例如“地址改成朝阳区建国路88号”。", buttons)


def cancelled() -> Reply:
    return Reply("好的，已取消本次登记，您提供的信息不会提交。还有其他需要随时告诉我。")


def detour_resume(field_prompt: Reply) -> Reply:
    return Reply("我们继续刚才的登记。" + field_prompt.text, field_prompt.buttons)


def corrected(field: Field) -> str:
    return f"好的，{SPECS[field].label}已更新。"
