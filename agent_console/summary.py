"""The service summary (服务小结) of a conversation, composed from what happened: where the citizen came from, when,
which agent, the appeal, what was done (orders filed or reminded, answers sent) and how it ended.

Plain text in simplified Chinese; phone and ID numbers masked. The agent may edit it before it is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent_console import masking
from domain import BEIJING

MAX_SUMMARY = 2000
GIST_CHARS = 80


@dataclass(frozen=True)
class SummaryFacts:
    channel_label: str
    reason_label: str
    state_label: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    agents: Sequence[str]
    appeal_type: str | None
    category: str | None
    gist: str
    created: Sequence[tuple[str, str | None]] = field(default_factory=tuple)   # (order id, agency)
    reminded: Sequence[str] = field(default_factory=tuple)
    replies: int = 0
    suggestions_sent: int = 0
    emergency_label: str | None = None
    is_call: bool = False


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def compose(facts: SummaryFacts) -> str:
    lines = ["【服务小结】"]
    source = "电话来电（坐席电话辅助）" if facts.is_call else f"{facts.channel_label}对话（{facts.reason_label}）"
    lines.append(f"来源：{source}")
    period = _time(facts.started_at)
    if facts.ended_at is not None:
        period += f" 至 {facts.ended_at.astimezone(BEIJING):%H:%M}"
    lines.append(f"时间：{period}（北京时间）")
    if facts.agents:
        lines.append("坐席：" + "、".join(dict.fromkeys(facts.agents)))
    if facts.emergency_label:
        lines.append(f"紧急情况：{facts.emergency_label}")
    appeal = " · ".join(part for part in (facts.appeal_type, facts.category) if part)
    if appeal:
        lines.append(f"诉求：{appeal}")
    if facts.gist:
        gist = facts.gist if len(facts.gist) <= GIST_CHARS else facts.gist[:GIST_CHARS] + "…"
        lines.append(f"{'来电人' if facts.is_call else '市民'}反映：{gist}")
    done = []
    for order_id, agency in facts.created:
        done.append(f"登记工单 {order_id}" + (f"（承办：{agency}）" if agency else ""))
    for order_id in facts.reminded:
        done.append(f"对工单 {order_id} 催办")
    if facts.replies:
        answered = f"答复 {facts.replies} 条"
        if facts.suggestions_sent:
            answered += f"（其中知识库建议答复 {facts.suggestions_sent} 条）"
        done.append(answered)
    lines.append("处理：" + ("；".join(done) if done else "已听取诉求，未登记工单"))
    lines.append(f"结果：{facts.state_label}")
    return masking.mask_numbers("\n".join(lines))[:MAX_SUMMARY]
