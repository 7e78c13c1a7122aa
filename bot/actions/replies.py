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


def no_match_reply() -> Reply:
    """An honest no-match with the ways forward."""
    return Reply(
        "抱歉，知识库里暂时没有找到能准确回答您这个问题的内容，我不想给您不准确的答复。\n"
        "您可以：换个说法再问一次；回复“转人工”由话务员为您解答；或回复“登记”把问题登记下来，"
        "我们会补充答案。",
        list(NO_MATCH_BUTTONS),
    )


def out_of_scope_reply() -> Reply:
    return Reply(
        "这个问题不在12345政务服务热线的服务范围内，我暂时帮不上忙。"
        "您可以咨询办事指南、政策规定，或反映城市管理、公共服务方面的问题。"
    )


def pick_without_candidates_reply() -> Reply:
    return Reply("请先告诉我您想咨询的问题，我来帮您查找。")


def invalid_pick_reply(count: int) -> Reply:
    return Reply(f"请回复 1 到 {count} 之间的序号，或直接说出您想问的问题。")
