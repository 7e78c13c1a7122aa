"""The emergency protocol end to end: Rasa → action server → the citizen's reply, the supervisors' event log."""
from __future__ import annotations

import sqlite3

import pytest

from rexian.stack import Stack
from tests.e2e.harness import RestChat

pytestmark = pytest.mark.e2e

# One message per kind, in the words citizens used when the bot filed them as routine work orders.
EMERGENCIES = [
    ("我家楼道着火了！", "fire", "119"),
    ("闻到很大的煤气味，好像燃气泄漏了", "gas", "119"),
    ("小区门口有人持刀打架，快来人", "violence", "110"),
    ("有老人在路边摔倒了，流了很多血", "medical", "120"),
    ("有个小孩掉河里了，在水里扑腾", "drowning", "120"),
    ("路口两辆车撞了，有人被压在车里出不来", "traffic_injury", "122"),
    ("大风把电线刮断了，掉在人行道上还在冒火花", "electric_collapse", "119"),
    ("我爸爸有老年痴呆，今天上午走丢了", "missing_person", "110"),
    ("我老公又在打我，我躲在厕所里", "domestic_violence", "110"),
    ("我不想活了", "self_harm", "12356"),
]
LOOK_ALIKES = ["消防通道被杂物堵了", "上个月着火的那栋楼还没修好", "急死我了，社保断缴怎么办", "灭火器去哪里买"]


def _decision(messages: list[dict]) -> dict:
    payloads = [m["custom"]["rexian"] for m in messages if isinstance(m.get("custom"), dict) and "rexian" in m["custom"]]
    assert payloads, messages
    return payloads[-1]


def _text(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.mark.parametrize(("message", "kind", "number"), EMERGENCIES)
def test_an_emergency_gets_the_number_at_once(stack: Stack, message: str, kind: str, number: str) -> None:
    replies = RestChat(stack.settings.rasa.url).say(message)
    decision = _decision(replies)
    assert decision["decision"] == "emergency" and decision["emergency"] == kind, decision
    text = _text(replies)
    assert number in text.split("\n")[0], text  # the first line names the number
    assert "请问问题发生在哪里" not in text  # never only a form


@pytest.mark.parametrize("message", LOOK_ALIKES)
def test_a_look_alike_is_not_an_emergency(stack: Stack, message: str) -> None:
    assert _decision(RestChat(stack.settings.rasa.url).say(message))["decision"] != "emergency"


def test_an_emergency_inside_the_complaint_form_and_the_form_goes_on(stack: Stack) -> None:
    chat = RestChat(stack.settings.rasa.url)
    assert _decision(chat.say("我要投诉，楼道里堆满了杂物"))["decision"] == "intake"
    replies = chat.say("等一下，楼下冒浓烟了，好像着火了")
    assert _decision(replies)["decision"] == "emergency" and "119" in _text(replies)
    after = chat.say("朝阳区建国路88号")  # the form kept what it had and takes the next answer
    assert _decision(after)["decision"] == "form", after


def test_every_emergency_is_recorded_for_supervisors(stack: Stack) -> None:
    RestChat(stack.settings.rasa.url).say("救命，我家厨房着火了，电话13812345678")
    with sqlite3.connect(stack.var_dir / "events.sqlite3") as db:
        rows = db.execute("SELECT kind, services, message FROM emergency_events").fetchall()
    assert any(kind == "fire" for kind, _, _ in rows), rows
    assert all("13812345678" not in message for _, _, message in rows)  # no phone numbers in the log


def test_the_follow_up_order_starts_from_what_the_citizen_already_wrote(stack: Stack) -> None:
    chat = RestChat(stack.settings.rasa.url)
    assert _decision(chat.say("朝阳区幸福小区3号楼楼道着火了，浓烟很大"))["decision"] == "emergency"
    replies = chat.say("/complain")  # the "事后登记工单" button
    decision = _decision(replies)
    assert decision["decision"] in ("intake", "ask_type"), decision
    assert "请说一下您需要什么帮助" not in _text(replies)  # the description is not asked for again
