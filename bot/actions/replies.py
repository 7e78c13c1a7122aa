"""The bot's Chinese wording for knowledge-base results and handoffs, kept apart from the Rasa action plumbing."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.actions.handoff_desk import HandoffResult, Outcome

VOTE_BUTTONS = [
    {"title": "有帮助", "payload": "/helpful"},
    {"title": "没帮助", "payload": "/not_helpful"},
]

NO_MATCH_BUTTONS = [
    {"title": "转人工", "payload": "/ask_human"},
    {"title": "登记我的问题", "payload": "/register_question"},
]


@dataclass
class Reply:
    """One message to send: text plus optional buttons."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def answer_reply(question: str, answer: str, department: str = "") -> Reply:
    """A confident answer, with where it comes from and the helpful/not-helpful vote."""
    lines = [f"【{question}】", answer.strip()]
    if department:
        lines.append(f"（主管部门：{department}）")
    lines.append("以上解答对您有帮助吗？")
    return Reply("\n".join(lines), list(VOTE_BUTTONS))


def did_you_mean_reply(questions: list[str]) -> Reply:
    """A close call: the top candidates to pick by number or button."""
    numbered = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, start=1))
    text = f"您是不是想问：\n{numbered}\n请回复序号（如“1”），或点击下方问题；都不是的话请换个说法。"
    buttons = [{"title": q, "payload": f'/choose_option{{"option":"{i}"}}'} for i, q in enumerate(questions, start=1)]
    buttons.append({"title": "都不是", "payload": "/deny"})
    return Reply(text, buttons)


def no_match_reply(closest: list[str] | None = None) -> Reply:
    """An honest no-match with the ways forward, and the closest questions the KB has when there are any."""
    if closest:
        numbered = "\n".join(f"{i}. {q}" for i, q in enumerate(closest, start=1))
        return Reply(
            "抱歉，我没有找到和您的问题完全对应的答案。知识库里最接近的是：\n"
            f"{numbered}\n"
            "如果其中有您想问的，请回复序号；都不是的话，您可以换个说法再问，回复“登记”把问题登记为咨询工单"
            "（工作人员查明后答复您），或回复“转人工”。",
            [{"title": q, "payload": f'/choose_option{{"option":"{i}"}}'} for i, q in enumerate(closest, start=1)]
            + list(NO_MATCH_BUTTONS),
        )
    return Reply(
        "抱歉，知识库里暂时没有找到能准确回答您这个问题的内容，我不想给您不准确的答复。\n"
        "您可以：换个说法再问一次；回复“登记”把问题登记为咨询工单，由工作人员查明后答复您；"
        "或回复“转人工”。",
        list(NO_MATCH_BUTTONS),
    )


#: Offered while the conversation waits for an agent: the citizen may take the request back (plain text, no intent).
WITHDRAW_BUTTON = {"title": "取消转人工", "payload": "取消转人工"}


def _queued(result: HandoffResult) -> str:
    """Where the citizen stands once the console has the conversation, without promising more than that."""
    if result.with_agent:
        return "话务员正在处理您的对话，请直接在这里说明情况，话务员会在本对话中回复您。"
    place = f"，您现在排在第{result.position}位" if result.position else ""
    if not result.agents_online:
        return (f"已为您排入人工队列{place}。不过现在没有话务员在线，可能要等一段时间：话务员上线后会在本对话中"
                "回复您，您在这里留下的话他们都能看到。事情着急的话，请直接拨打12345热线。")
    return (f"已为您转接人工话务员{place}。话务员接入后会在本对话中回复您，请稍候；您之前说的内容话务员都能看到，"
            "等待时也可以在这里继续补充。不需要人工了可以回复“取消”。")


def handoff_reply(result: HandoffResult, *, can_register: bool = False, in_form: bool = False) -> Reply:
    """The honest answer to "转人工": the place in the queue, or why no agent can come now and what to do instead
    (``can_register``: there is a question to register as a consultation order; ``in_form``: the citizen is filling
    in the intake form, which goes on)."""
    if result.open:
        if result.with_agent:
            return Reply(_queued(result))
        return Reply("好的，" + _queued(result), [WITHDRAW_BUTTON])
    register = list(NO_MATCH_BUTTONS[1:]) if can_register and not in_form else []
    again = "稍后再回复“转人工”试一次"
    here = _CONTINUE_FORM if in_form else _REGISTER_HERE_OR_LAST if can_register else _REGISTER_HERE
    if result.outcome is Outcome.OFF_HOURS:
        if not result.hours:
            return Reply("抱歉，本渠道目前没有在线人工服务。您可以：\n"
                         f"1. {here}\n"
                         "2. 拨打12345热线与话务员通话。", register)
        return Reply(f"抱歉，现在不在人工在线服务时间（{result.hours}），暂时没有话务员可以接入。您可以：\n"
                     f"1. {here}\n"
                     "2. 拨打12345热线与话务员通话；\n"
                     "3. 在服务时间内再回复“转人工”。", register)
    if result.outcome is Outcome.UNREACHABLE:
        return Reply("抱歉，人工服务系统暂时连接不上，没能为您转接话务员。您可以：\n"
                     f"1. {here}\n"
                     f"2. 拨打12345热线与话务员通话；\n3. {again}。", register)
    if in_form:
        return Reply("抱歉，本渠道暂时不能转接在线话务员。您可以拨打12345热线与话务员通话，或者接着回答上面的问题，"
                     "在这里继续登记。", register)
    return Reply("抱歉，本渠道暂时不能转接在线话务员。请直接拨打12345热线与话务员通话（可以把刚才说的情况直接告诉"
                 "话务员）。您也可以继续在这里提问，或让我把您的问题登记为工单。", register)


_REGISTER_HERE = "在这里把问题登记为工单：直接描述您要反映的问题，工作人员会按工单流程处理并答复您；"
_CONTINUE_FORM = "接着回答上面的问题，在这里继续登记工单，工作人员会按工单流程处理并答复您（不登记了请回复“取消”）；"
_REGISTER_HERE_OR_LAST = ("在这里把问题登记为工单：回复“登记”登记刚才咨询的问题，或直接描述您要反映的问题，"
                          "工作人员会按工单流程处理并答复您；")


def gave_up_reply(result: HandoffResult) -> Reply:
    """The bot's own give-up after repeated no-match, once the console has the conversation."""
    return Reply("抱歉，我连续几次都没能找到能回答您问题的内容，所以为您转了人工。" + _queued(result),
                 [] if result.with_agent else [WITHDRAW_BUTTON])


def relay_ack_reply() -> Reply:
    """The first message while the conversation waits for an agent: it did reach them."""
    return Reply("已收到，您的消息已转给话务员，话务员接入后会在这里回复您。")


def relay_failed_reply() -> Reply:
    return Reply("抱歉，人工服务系统暂时连接不上，您的这条消息没能转给话务员。请稍后再发一次，或拨打12345热线。")


def language_reply() -> Reply:
    """The message is not in Chinese (English, pinyin)."""
    return Reply(
        "您好！本服务目前只支持中文，请用中文输入您的问题。如需人工帮助，请拨打12345热线。\n"
        "Hello! This service currently works in Chinese only. Please type your question in Chinese, "
        "or call the 12345 hotline to talk to a person.",
        [{"title": "转人工 / Talk to a person", "payload": "/ask_human"}],
    )


def not_understood_reply() -> Reply:
    """Digits, punctuation, emoji or keyboard noise."""
    return Reply("抱歉，我没能看懂您的意思。请用一两句话描述您想咨询或反映的事情，例如“居住证怎么办理”"
                 "或“小区门口的路灯坏了”；需要真人服务请回复“转人工”。")


def out_of_scope_reply() -> Reply:
    return Reply(
        "这个问题不在12345政务服务热线的服务范围内，我暂时帮不上忙。"
        "您可以咨询办事指南、政策规定，或反映城市管理、公共服务方面的问题。"
    )


def pick_without_candidates_reply() -> Reply:
    return Reply("请先告诉我您想咨询的问题，我来帮您查找。")


def invalid_pick_reply(count: int) -> Reply:
    return Reply(f"请回复 1 到 {count} 之间的序号，或直接说出您想问的问题。")
