"""The citizen-facing wording of the emergency and crisis protocol (docs/decisions.md, decision ``emergency``).

The first line names the number(s) to call now plus one safety tip; the second says what a human agent will do:
when the conversation went to the seat-agent console (with top priority, :mod:`bot.actions.handoff`), that an
agent will reply here, else the 12345 line and, except for self-harm, a work order afterwards. The bot never calls
anyone itself, so the wording never says that help has been sent. Numbers come from the city's table
(``rexian.yml`` → ``emergency``); a missing entry falls back to the national number (the gas line has none:
"当地燃气抢修电话" and 119).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.actions.replies import Reply
from nlu.emergency import EmergencyAssessment, EmergencyKind

logger = logging.getLogger(__name__)

EMERGENCY_SERVICE_LABELS: dict[str, str] = {
    "police": "报警电话",
    "fire": "火警电话",
    "ambulance": "急救电话",
    "traffic": "交通事故报警电话",
    "gas": "燃气抢修电话",
    "crisis": "心理援助热线",
}
NATIONAL_NUMBERS: dict[str, str] = {"police": "110", "fire": "119", "ambulance": "120", "traffic": "122",
                                    "crisis": "12356"}
HUMAN_BUTTON = {"title": "转人工", "payload": "/ask_human"}
FOLLOW_UP_BUTTON = {"title": "事后登记工单", "payload": "/complain"}

# One safety tip per kind, after the numbers (fire continues the sentence, as in "拨打119火警电话，并迅速撤离").
_ADVICE: dict[EmergencyKind, str] = {
    EmergencyKind.FIRE: "，并迅速撤离到安全地带，不要乘坐电梯。",
    EmergencyKind.VIOLENCE: "。请先躲到安全的地方，保护好自己。",
    EmergencyKind.MEDICAL: "。请保持电话畅通，按急救人员的指导处置。",
    EmergencyKind.DROWNING: "。请不要贸然下水，可抛救生圈、绳子或木板。",
    EmergencyKind.TRAFFIC_INJURY: "。请开启双闪、放置警示标志，不要随意移动伤者。",
    EmergencyKind.ELECTRIC_COLLAPSE: "。请远离现场，不要触碰电线，不要进入危险建筑。",
    EmergencyKind.MISSING_PERSON: "。报警不需要等24小时，请准备好照片和衣着特征。",
    EmergencyKind.DOMESTIC_VIOLENCE: "。请先到安全的地方，保护好自己。",
}
# When no agent can take the conversation now (outside the service hours, a channel agents cannot answer on, the
# console unreachable): the 12345 phone line is the human.
_HUMAN_LINE = "需要话务员帮助，请拨打12345热线；脱离危险后，还可以在这里登记工单跟进。"
_CRISIS_HUMAN_LINE = "如果您想找人说说话，也可以拨打12345热线，话务员会接听。"


def _number(numbers: Mapping[str, str], service: str) -> str:
    """The city's number for ``service``, else the national one ("" for the gas line, which has none)."""
    return (numbers.get(service) or "").strip() or NATIONAL_NUMBERS.get(service, "")


def _named(numbers: Mapping[str, str], service: str) -> str:
    """"119火警电话", or "当地燃气抢修电话" when the city has no gas number."""
    number = _number(numbers, service)
    label = EMERGENCY_SERVICE_LABELS.get(service, "紧急求助电话")
    return f"{number}{label}" if number else f"当地{label}"


def _gas_line(assessment: EmergencyAssessment, numbers: Mapping[str, str]) -> str:
    text = (f"请立即离开现场，不要开关电器、不要用明火，到室外安全处拨打{_named(numbers, 'gas')}"
            f"或{_named(numbers, 'fire')}。")
    if "ambulance" in assessment.services:
        text += f"有人不适请拨打{_named(numbers, 'ambulance')}。"
    return text


def _crisis_line(numbers: Mapping[str, str]) -> str:
    return (f"您愿意说出来，我很感谢。您不是一个人，请现在就拨打心理援助热线{_number(numbers, 'crisis')}，"
            f"那里有人愿意听您说。如果您已经伤害了自己或马上有危险，请立刻拨打{_number(numbers, 'ambulance')}"
            f"或{_number(numbers, 'police')}。")


def human_line(assessment: EmergencyAssessment, *, queued: bool, agents_online: int | None = None,
               relayed: bool = False) -> str | None:
    """The second line when the console has the conversation (``queued``: just handed over, ``relayed``: a message
    of an open handoff), None otherwise (the 12345 line and the buttons)."""
    if relayed:
        return "您的这条消息也已转给话务员，话务员会在本对话中回复您；请先拨打上面的电话。"
    if not queued:
        return None
    if agents_online == 0:
        return "已为您优先排入人工队列，但现在没有话务员在线，请一定先拨打上面的电话。"
    if assessment.kind is EmergencyKind.SELF_HARM:
        return "我也请了人工话务员优先过来，话务员接入后会在这里回复您。"
    return "已为您优先转接人工话务员，话务员接入后会在本对话中回复您；在此之前请先拨打上面的电话。"


def emergency_reply(assessment: EmergencyAssessment, numbers: Mapping[str, str], human: str | None = None) -> Reply:
    """The emergency protocol's reply: the numbers to call now, a safety tip, then a human with top priority:
    ``human`` (see :func:`human_line`) when an agent has the conversation, no buttons then; else the 12345 line with
    the 转人工 (and 事后登记工单) buttons."""
    kind = assessment.kind
    if kind is EmergencyKind.SELF_HARM:
        logger.info("emergency reply: self_harm")
        return Reply(f"{_crisis_line(numbers)}\n{human or _CRISIS_HUMAN_LINE}\n{all_numbers_line(numbers)}",
                     [] if human else [dict(HUMAN_BUTTON)])
    if kind is EmergencyKind.GAS:
        first = _gas_line(assessment, numbers)
    else:
        services = assessment.services or ("police",)
        called = "、".join(_named(numbers, service) for service in services)
        first = f"情况紧急！请立即拨打{called}{_ADVICE.get(kind, '。')}"
    logger.info("emergency reply: %s, services %s", kind.value, ",".join(assessment.services))
    return Reply(f"{first}\n{human or _HUMAN_LINE}\n{all_numbers_line(numbers)}",
                 [] if human else [dict(HUMAN_BUTTON), dict(FOLLOW_UP_BUTTON)])


def all_numbers_line(numbers: Mapping[str, str]) -> str:
    """Every emergency number in one short line: the bot may read the kind wrong, the citizen must not lose time."""
    order = ("police", "fire", "ambulance", "traffic", "gas", "crisis")
    short = {"police": "报警", "fire": "火警", "ambulance": "急救", "traffic": "交通事故", "gas": "燃气抢修",
             "crisis": "心理援助"}
    return "紧急电话：" + " ".join(f"{short[s]}{_number(numbers, s)}" for s in order if _number(numbers, s))
