"""The bot's Chinese wording for knowledge-base results, kept apart from the Rasa action plumbing."""
from __future__ import annotations

from dataclasses import dataclass, field

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


def handoff_reply() -> Reply:
    """What "转人工" really does today: the request is recorded; a person is reached on the phone line."""
    return Reply(
        "好的，已记录您需要人工服务。目前在线文字坐席还没有接入本渠道，请直接拨打12345热线与话务员通话"
        "（已提供的信息可以直接告诉话务员）。您也可以继续在这里提问，或让我把您的问题登记为工单。"
    )


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
