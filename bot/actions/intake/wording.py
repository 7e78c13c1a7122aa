"""The intake form's Chinese wording: prompts, re-prompts, the confirmation summary."""
from __future__ import annotations

from bot.actions.intake.contacts import mask_contacts
from bot.actions.intake.forms import APPEAL_LABELS, FIELD_LABELS, AppealType, Field
from bot.actions.intake.session import IntakeSession
from bot.actions.intake.submit import strip_contact
from bot.actions.replies import Reply
from nlu.extract import mask_phone

YES_NO_BUTTONS = [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]
CANCEL_BUTTON = {"title": "取消本次登记", "payload": "/cancel_intake"}

APPEAL_BUTTONS = [
    {"title": "投诉举报", "payload": '/choose_appeal{"appeal":"投诉举报"}'},
    {"title": "求助", "payload": '/choose_appeal{"appeal":"求助"}'},
    {"title": "意见建议", "payload": '/choose_appeal{"appeal":"意见建议"}'},
    {"title": "政策咨询", "payload": '/choose_appeal{"appeal":"咨询"}'},
]

_PROMPTS: dict[Field, str] = {
    Field.DESCRIPTION: "请您具体说一下遇到了什么问题（发生了什么、影响到什么）。如有照片可以直接发送。",
    Field.ADDRESS: "请问问题发生在哪里？请尽量说到区、街道（路名）和门牌号或小区、楼栋，例如“海淀区中关村大街27号”。",
    Field.OCCURRED: "请问是什么时候发生的，或者从什么时候开始的？例如“昨天晚上十点”“上周三开始每天凌晨”。记不清可以回复“不清楚”。",
    Field.NAME: "请问怎么称呼您？例如“张先生”“李女士”。",
    Field.PHONE: "请留一个联系电话，方便承办部门联系您，例如 13812345678 或 010-12345678。不方便留可以回复“不留”。",
    Field.CALLBACK: "办结后需要我们回访您，了解处理结果是否满意吗？",
    Field.ANONYMOUS: "是否需要对您的个人信息保密？选择保密后，承办部门看不到您的姓名和电话。",
}

_APPEAL_PROMPT_OVERRIDES: dict[tuple[AppealType, Field], str] = {
    (AppealType.SUGGESTION, Field.DESCRIPTION): "请说说您的建议：希望改进什么、怎么改。",
    (AppealType.SUGGESTION, Field.ADDRESS): "您的建议涉及具体地点吗？有的话请说一下（例如某条路、某个路口），没有请回复“无”。",
    (AppealType.CONSULT, Field.DESCRIPTION): "请完整地说一下您想咨询的问题。",
    (AppealType.CONSULT, Field.PHONE): "请留一个联系电话，工作人员查明后会给您答复，例如 13812345678。",
    (AppealType.HELP, Field.DESCRIPTION): "请说一下您需要什么帮助、现在是什么情况。",
}

_REPROMPTS: dict[Field, str] = {
    Field.DESCRIPTION: "内容有点少，请再具体描述一下问题，例如“小区门口的路灯坏了一个星期，晚上很黑”。",
    Field.ADDRESS: "没能识别出地点。请说到区、街道（路名）和门牌号或小区名，例如“朝阳区建国路88号”“阳光小区3号楼”。",
    Field.OCCURRED: "没能识别出时间。请说“昨天晚上”“11月20日开始”这样的时间，记不清请回复“不清楚”。",
    Field.NAME: "请告诉我怎么称呼您，例如“王女士”；不方便的话回复“不方便”即可。",
    Field.PHONE: "这个号码好像不正确。请提供11位手机号（例如 13812345678）或带区号的固定电话（例如 010-12345678）。"
                 "不方便留电话请回复“不留”。",
    Field.CALLBACK: "请回复“是”或“否”：办结后需要回访您吗？",
    Field.ANONYMOUS: "请回复“是”或“否”：需要对您的个人信息保密吗？",
}


def prompt(session: IntakeSession, field: Field, *, again: bool = False) -> Reply:
    """The question for one field; ``again`` after an answer that could not be used."""
    appeal = session.appeal
    if field is Field.CATEGORY:
        reply = category_prompt(session)
        if again:
            count = len(session.category_candidates[:3]) + 1
            return Reply(f"请回复 1 到 {count} 之间的序号，或点击下方的分类。\n" + reply.text, reply.buttons)
        return reply
    text = _REPROMPTS[field] if again else _APPEAL_PROMPT_OVERRIDES.get((appeal, field), _PROMPTS[field]) \
        if appeal else _PROMPTS[field]
    buttons: list[dict[str, str]] = []
    if field in (Field.CALLBACK, Field.ANONYMOUS):
        buttons = list(YES_NO_BUTTONS)
    elif field is Field.PHONE:
        buttons = [{"title": "不方便留电话", "payload": "不留"}]
    elif field is Field.OCCURRED:
        buttons = [{"title": "记不清了", "payload": "不清楚"}]
    elif field is Field.ADDRESS and session.is_optional(field):
        buttons = [{"title": "没有具体地点", "payload": "无"}]
    return Reply(text, buttons + [CANCEL_BUTTON])


def category_prompt(session: IntakeSession) -> Reply:
    lines = ["请帮我确认一下问题属于哪一类（回复序号）："]
    buttons = []
    for i, cand in enumerate(session.category_candidates[:3], start=1):
        leaf = cand["path"].split("/")[-1]
        lines.append(f"{i}. {leaf}（{cand['path'].replace('/', ' > ')}）")
        buttons.append({"title": leaf, "payload": str(i)})
    lines.append(f"{len(buttons) + 1}. 都不是 / 不确定")
    buttons.append({"title": "都不是", "payload": str(len(buttons) + 1)})
    return Reply("\n".join(lines), buttons + [CANCEL_BUTTON])


def appeal_question() -> Reply:
    return Reply("为了更快帮您办理，请问您是想：投诉举报、求助、提意见建议，还是咨询政策？", list(APPEAL_BUTTONS))


def start_ack(appeal: AppealType) -> str:
    return {
        AppealType.COMPLAINT: "好的，我来帮您登记投诉举报。",
        AppealType.HELP: "好的，我来帮您登记求助。",
        AppealType.SUGGESTION: "感谢您的建议，我来帮您登记。",
        AppealType.CONSULT: "好的，我把您的问题登记为咨询工单，由工作人员查明后答复您。",
    }[appeal]


def _yes_no(value: bool | None) -> str:
    return "是" if value else "否"


def summary(session: IntakeSession) -> Reply:
    """The confirmation summary; phone and ID numbers masked."""
    appeal = session.appeal
    lines = ["请核对以下信息：", f"诉求类型：{APPEAL_LABELS[appeal] if appeal else '未确定'}"]
    for field in session.fields():
        label = FIELD_LABELS[field]
        if field is Field.DESCRIPTION:
            lines.append(f"{label}：{mask_contacts(strip_contact(session.description or ''))}")
        elif field is Field.ADDRESS:
            lines.append(f"{label}：{mask_contacts(session.address) if session.address else '未提供'}")
        elif field is Field.OCCURRED:
            lines.append(f"{label}：{session.occurred or '不详'}")
        elif field is Field.CATEGORY:
            if session.category:
                dept = f"（建议承办：{session.department_name}）" if session.department_name else ""
                lines.append(f"{label}：{session.category.replace('/', ' > ')}{dept}")
            else:
                lines.append(f"{label}：由热线中心人工分派")
        elif field is Field.NAME:
            lines.append(f"{label}：{session.name or '未提供'}")
        elif field is Field.PHONE:
            lines.append(f"{label}：{mask_phone(session.phone) if session.phone else '未留（无法电话回访）'}")
        elif field is Field.CALLBACK:
            lines.append(f"{label}：{_yes_no(session.callback_consent)}")
        elif field is Field.ANONYMOUS:
            lines.append(f"{label}：{_yes_no(session.anonymous)}")
    if session.anonymous and Field.ANONYMOUS not in session.fields():  # asked for without being asked
        lines.append(f"{FIELD_LABELS[Field.ANONYMOUS]}：是")
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
    buttons = [{"title": FIELD_LABELS[f], "payload": f'/fix{{"field":"{f.value}"}}'} for f in session.fields()]
    return Reply("请问要修改哪一项？可以直接说，例如“地址改成朝阳区建国路88号”。", buttons)


def cancelled() -> Reply:
    return Reply("好的，已取消本次登记，您提供的信息不会提交。还有其他需要随时告诉我。")


def phone_declined() -> str:
    return "好的，不留电话也可以登记。需要提醒您：没有联系电话，承办部门将无法联系您，也无法回访办理结果。"


def detour_resume(field_prompt: Reply) -> Reply:
    return Reply("我们继续刚才的登记。" + field_prompt.text, field_prompt.buttons)


def corrected(field: Field) -> str:
    return f"好的，{FIELD_LABELS[field]}已更新。"
