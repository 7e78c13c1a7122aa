"""The real handoff from the bot's side, driven directly: "转人工", the emergency protocol and the bot's own give-up
hand the conversation to the seat-agent console (a recording double of its internal API behind the real
:class:`~bot.actions.handoff_desk.HandoffDesk`) with the transcript and the understanding; the citizen is told the
truth (place in the queue, nobody online, outside the service hours, not on this channel, console down); while
``handoff_active`` every message is relayed, the emergency check still answers at once, and a 404 hands the
conversation back to the bot. The conversation keeps Rasa's events (timestamps, bot messages with their decision
payloads, slots) as the tracker would, so the transcript is read the way the action server reads it."""
from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from agent_console.contract import (
    CancelAnswer,
    CancelRequest,
    HandoffAnswer,
    HandoffRequest,
    MessageAnswer,
    MessageRequest,
)
from bot.actions.container import build_services, installed
from bot.actions.handoff_desk import HandoffDesk
from bot.actions.intake_actions import ValidateIntakeForm
from bot.actions.router import ActionRespond
from bot.actions.survey_actions import ActionStartSurvey
from configuration import ServiceHours
from domain import BEIJING
from nlu.appeal.taxonomy import load_taxonomy
from nlu.emergency import assess_emergency
from tests.unit.action_doubles import InMemoryBackend, InMemoryKnowledgeBase, KeywordClassifier, Turn, settings_in

IN_HOURS = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
OFF_HOURS = dt.datetime(2026, 12, 1, 22, 30, tzinfo=BEIJING)
UNKNOWN = ["无人机飞行空域怎么申请？", "游艇驾驶证在哪里考？", "热气球可以在市区放飞吗？"]


# ------------------------------------------------------------------------------------------------ the console
@dataclass
class FakeConsole:
    """The console's internal API as the bot's client sees it; records every request."""

    agents_online: int = 2
    position: int = 3
    state: str = "waiting"
    down: bool = False
    open: bool = False
    handoffs: list[HandoffRequest] = field(default_factory=list)
    messages: list[MessageRequest] = field(default_factory=list)

    def handoff(self, request: HandoffRequest) -> HandoffAnswer:
        if self.down:
            raise httpx.ConnectError("console down")
        self.handoffs.append(request)
        created, self.open = not self.open, True
        return HandoffAnswer(conversation_id=7, state=self.state, created=created,
                             position=self.position if self.state == "waiting" else None, waiting=self.position,
                             agents_online=self.agents_online)

    def message(self, request: MessageRequest) -> MessageAnswer | None:
        if self.down:
            raise httpx.ConnectError("console down")
        if not self.open:
            return None  # handed back or closed: 404
        self.messages.append(request)
        return MessageAnswer(conversation_id=7, state=self.state, stored=True)

    def cancel(self, sender_id: str, request: CancelRequest) -> CancelAnswer | None:
        if self.down:
            raise httpx.ConnectError("console down")
        if not self.open:
            return None
        if self.state != "waiting":
            return CancelAnswer(conversation_id=7, cancelled=False, state=self.state)
        self.open = False
        return CancelAnswer(conversation_id=7, cancelled=True, state="returned")


@dataclass
class Desk:
    console: FakeConsole
    now: dt.datetime = IN_HOURS
    hours: str = "08:00-20:00"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    kb, backend, taxonomy = InMemoryKnowledgeBase(), InMemoryBackend(), load_taxonomy()
    state = Desk(FakeConsole())
    handoff_desk = HandoffDesk(state.console, lambda: ServiceHours.parse(state.hours), clock=lambda: state.now)
    services = build_services(settings_in(tmp_path), knowledge_base=kb,  # type: ignore[arg-type]
                              dispatch_client=backend.client(), taxonomy=taxonomy,
                              classifier=KeywordClassifier(taxonomy),  # type: ignore[arg-type]
                              emergency_recogniser=assess_emergency, handoff_desk=handoff_desk, start_outbox=False)
    with installed(services):
        yield state
    services.outbox.close()


# ------------------------------------------------------------------------------------------- a conversation
@dataclass
class History:
    """One citizen's conversation with Rasa's events kept as the tracker would keep them."""

    sender: str = "web:citizen0001"
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=lambda: [{"event": "session_started", "timestamp": 1.0}])
    clock: Iterator[int] = field(default_factory=lambda: itertools.count(1_764_554_400))

    def run(self, action: Action, text: str, intent: str | None = None, *, in_form: str | None = None) -> Turn:
        message = {"text": text, "intent": {"name": intent, "confidence": 1.0 if intent else 0.0}, "entities": [],
                   "metadata": {}}
        if in_form:  # the form's one slot takes every message
            self.slots.update(requested_slot=in_form, **{in_form: text})
        self.events.append({"event": "user", "timestamp": float(next(self.clock)), "text": text,
                            "parse_data": message, "input_channel": "rest"})
        tracker = Tracker(self.sender, dict(self.slots), message, list(self.events), False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        returned = [dict(e) for e in action.run(dispatcher, tracker, {})]
        for sent in dispatcher.messages:  # Rasa puts the bot's messages before the action's own events
            data = {"buttons": sent.get("buttons") or None, "custom": sent.get("custom")}
            self.events.append({"event": "bot", "timestamp": float(next(self.clock)), "text": sent.get("text"),
                                "data": data})
        for event in returned:
            if event.get("event") == "slot":
                value = json.loads(json.dumps(event["value"]))
                self.slots[event["name"]] = value
                self.events.append({"event": "slot", "timestamp": float(next(self.clock)), "name": event["name"],
                                    "value": value})
        return Turn(list(dispatcher.messages), returned)

    def say(self, text: str, intent: str | None = None) -> Turn:
        return self.run(ActionRespond(), text, intent)

    @property
    def handoff_active(self) -> bool:
        return bool(self.slots.get("handoff_active"))


def handoff_of(turn: Turn) -> dict[str, Any] | None:
    payloads = [m["custom"]["rexian"] for m in turn.messages if (m.get("custom") or {}).get("rexian")]
    return payloads[-1]["handoff"]


# ---------------------------------------------------------------------------------------------- "转人工"
def test_asking_for_a_human_queues_the_conversation_with_the_transcript_and_tells_the_place(desk: Desk) -> None:
    chat = History()
    chat.say("居住证怎么办理？")
    turn = chat.say("转人工")
    assert turn.decision == "handoff" and chat.handoff_active
    assert "第3位" in turn.text and "话务员接入后会在本对话中回复您" in turn.text
    assert handoff_of(turn) == {"reason": "citizen_request", "outcome": "queued", "open": True, "state": "waiting",
                                "position": 3, "agents_online": 2}
    [request] = desk.console.handoffs
    assert request.sender_id == "web:citizen0001" and request.reason == "citizen_request"
    roles = [(item.role, item.text[:8]) for item in request.transcript]
    assert roles == [("citizen", "居住证怎么办理？"), ("bot", "【居住证怎么办理"), ("citizen", "转人工")]
    question, answer, ask = request.transcript
    assert question.understanding and question.understanding["kb"]["band"] == "answer"  # from the turn's decision
    assert answer.understanding is None and answer.id and answer.id.startswith("rasa:")
    assert ask.understanding and ask.understanding["readings"]["handoff"] is True  # the current message's
    assert question.at is not None and question.at.tzinfo is not None


def test_nobody_online_in_the_service_hours_is_said_and_the_citizen_may_leave_messages(desk: Desk) -> None:
    desk.console.agents_online = 0
    chat = History()
    turn = chat.say("转人工")
    assert chat.handoff_active and handoff_of(turn)["agents_online"] == 0
    assert "现在没有话务员在线" in turn.text and "留下的话他们都能看到" in turn.text and "12345" in turn.text
    assert "请稍候" not in turn.text


def test_outside_the_service_hours_nothing_is_queued_and_the_alternatives_are_offered(desk: Desk) -> None:
    desk.now = OFF_HOURS
    chat = History()
    chat.say(UNKNOWN[0])
    turn = chat.say("转人工")
    assert turn.decision == "handoff" and not chat.handoff_active
    assert not desk.console.handoffs  # nobody is asked to come
    assert handoff_of(turn)["outcome"] == "off_hours" and handoff_of(turn)["open"] is False
    assert "不在人工在线服务时间（每天 08:00-20:00）" in turn.text
    assert "登记" in turn.text and "12345" in turn.text and "话务员接入后" not in turn.text
    assert [b["payload"] for b in turn.messages[0]["buttons"]] == ["/register_question"]
    desk.hours = ""  # no agent ever works on the chat channels
    never = chat.say("转人工")
    assert "本渠道目前没有在线人工服务" in never.text and "服务时间" not in never.text


def test_a_channel_agents_cannot_answer_on_is_never_queued(desk: Desk) -> None:
    chat = History(sender="rest-citizen-1")  # Rasa's bare REST channel: no connector to push an answer to
    turn = chat.say("转人工")
    assert not desk.console.handoffs and not chat.handoff_active
    assert handoff_of(turn)["outcome"] == "no_channel" and "12345" in turn.text
    assert "排" not in turn.text


def test_the_console_down_is_said_honestly(desk: Desk) -> None:
    desk.console.down = True
    chat = History()
    turn = chat.say("转人工")
    assert not chat.handoff_active and handoff_of(turn)["outcome"] == "unreachable"
    assert "人工服务系统暂时连接不上" in turn.text and "12345" in turn.text


def test_the_handoff_button_shows_its_title_to_the_agent(desk: Desk) -> None:
    chat = History()
    chat.say(UNKNOWN[0])
    turn = chat.say("/ask_human", "ask_human")
    assert turn.decision == "handoff" and chat.handoff_active
    assert desk.console.handoffs[0].transcript[-1].text == "[按钮] 转人工"


# ------------------------------------------------------------------------------------------- emergencies
def test_an_emergency_gives_the_numbers_first_and_goes_to_an_agent_with_top_priority(desk: Desk) -> None:
    chat = History()
    turn = chat.say("我家楼道着火了！")
    assert turn.decision == "emergency" and chat.handoff_active
    lines = turn.text.split("\n")
    assert "119" in lines[0] and "已为您优先转接人工话务员" in lines[1] and lines[2].startswith("紧急电话：")
    assert not turn.messages[0].get("buttons")  # no 转人工 / 事后登记工单: the agent follows up
    [request] = desk.console.handoffs
    assert request.reason == "emergency"
    assert request.transcript[0].understanding["emergency"]["kind"] == "fire"
    assert request.transcript[-1].role == "bot" and "119" in request.transcript[-1].text


def test_an_emergency_with_nobody_online_says_to_call_first(desk: Desk) -> None:
    desk.console.agents_online = 0
    turn = History().say("我不想活了")
    assert turn.text.split("\n")[0].count("12356") == 1
    assert "现在没有话务员在线，请一定先拨打上面的电话" in turn.text


def test_an_emergency_outside_the_service_hours_keeps_todays_protocol(desk: Desk) -> None:
    desk.now = OFF_HOURS
    chat = History()
    turn = chat.say("我家楼道着火了！")
    assert turn.decision == "emergency" and not chat.handoff_active and not desk.console.handoffs
    assert "请拨打12345热线" in turn.text
    assert [b["payload"] for b in turn.messages[0]["buttons"]] == ["/ask_human", "/complain"]


# ------------------------------------------------------------------------------------------- the relay
def test_while_an_agent_has_it_every_message_is_relayed_and_the_bot_says_nothing_more(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    first = chat.say("楼下烧烤摊油烟太大了，天天熏得开不了窗")
    assert first.decision == "handoff" and first.text == "已收到，您的消息已转给话务员，话务员接入后会在这里回复您。"
    assert handoff_of(first) == {"reason": None, "outcome": "relayed", "open": True, "state": "waiting",
                                 "position": None, "agents_online": None}
    second = chat.say("居住证怎么办理？")  # a question the bot could answer: the agent answers it now
    assert second.text == "" and second.decision == "handoff" and chat.handoff_active
    citizen = [m for m in desk.console.messages if m.role == "citizen"]
    assert [m.text for m in citizen] == ["楼下烧烤摊油烟太大了，天天熏得开不了窗", "居住证怎么办理？"]
    assert citizen[0].understanding["route"]["appeal_type"] == "投诉举报" and citizen[0].id.startswith("rasa:")
    assert [m.text for m in desk.console.messages if m.role == "bot"] == [first.text]  # the agent sees the ack


def test_with_an_agent_on_it_even_the_first_message_gets_no_acknowledgement(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    desk.console.state = "assigned"
    assert chat.say("你好，在吗").text == ""
    desk.console.state = "waiting"  # the agent's console died: back in the queue, one acknowledgement
    assert "已转给话务员" in chat.say("还在吗？").text
    assert chat.say("喂？").text == ""


def test_an_emergency_during_the_handoff_gets_the_numbers_at_once(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    desk.console.state = "assigned"
    turn = chat.say("快来人，小区门口有人持刀打架")
    assert turn.decision == "emergency" and "110" in turn.text.split("\n")[0]
    assert "您的这条消息也已转给话务员" in turn.text and chat.handoff_active
    relayed = desk.console.messages
    assert relayed[0].understanding["emergency"]["kind"] == "violence"  # the console raises its priority
    assert relayed[-1].role == "bot" and "110" in relayed[-1].text
    assert len(desk.console.handoffs) == 1  # relayed, not handed over a second time


def test_after_the_hand_back_the_bot_answers_again(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    desk.console.open = False  # the agent handed back, and Rasa's slot reset never arrived: the console says 404
    turn = chat.say("居住证怎么办理？")
    assert turn.decision == "answer" and "携带身份证" in turn.text
    assert not chat.handoff_active and not desk.console.messages


def test_a_relay_the_console_cannot_take_is_said_honestly_and_the_handoff_stays(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    desk.console.down = True
    turn = chat.say("你们什么时候回复？")
    assert "这条消息没能转给话务员" in turn.text and "12345" in turn.text
    assert chat.handoff_active and handoff_of(turn)["outcome"] == "unreachable"


def test_no_survey_starts_while_an_agent_has_the_conversation(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    turn = chat.run(ActionStartSurvey(), "/start_survey", "start_survey")
    assert turn.messages == [] and turn.events == []


# ------------------------------------------------------------------------------------------- the give-up
def test_the_third_no_match_in_a_row_hands_over_when_an_agent_can_take_it(desk: Desk) -> None:
    chat = History()
    assert [chat.say(q).decision for q in UNKNOWN[:2]] == ["no_match", "no_match"]
    turn = chat.say(UNKNOWN[2])
    assert turn.decision == "handoff" and handoff_of(turn)["reason"] == "bot_gave_up" and chat.handoff_active
    assert "连续几次都没能找到" in turn.text and "第3位" in turn.text
    assert desk.console.handoffs[0].reason == "bot_gave_up"
    assert [i.text for i in desk.console.handoffs[0].transcript if i.role == "citizen"] == UNKNOWN


def test_outside_the_hours_the_third_no_match_is_a_no_match(desk: Desk) -> None:
    desk.now = OFF_HOURS
    chat = History()
    assert [chat.say(q).decision for q in UNKNOWN] == ["no_match"] * 3
    assert not desk.console.handoffs and not chat.handoff_active


def test_an_answer_in_between_restarts_the_count(desk: Desk) -> None:
    chat = History()
    decisions = [chat.say(q).decision for q in [UNKNOWN[0], UNKNOWN[1], "居住证怎么办理？", UNKNOWN[2]]]
    assert decisions == ["no_match", "no_match", "answer", "no_match"] and not desk.console.handoffs


# ------------------------------------------------------------------------------------------- inside a form
COMPLAINT = "我要投诉，朝阳区建国路88号楼下的烧烤店每天晚上吵到凌晨两点"


def test_asking_for_a_human_in_the_form_ends_it_when_an_agent_will_take_it(desk: Desk) -> None:
    chat = History()
    chat.say(COMPLAINT)
    turn = chat.run(ValidateIntakeForm(), "能不能给我转人工客服", in_form="intake_reply")
    assert turn.decision == "handoff" and chat.handoff_active and chat.slots["intake_state"] is None
    assert desk.console.handoffs[0].transcript[0].text == COMPLAINT


def test_asking_for_a_human_in_the_form_outside_the_hours_lets_the_citizen_go_on(desk: Desk) -> None:
    desk.now = OFF_HOURS
    chat = History()
    chat.say(COMPLAINT)
    turn = chat.run(ValidateIntakeForm(), "转人工", in_form="intake_reply")
    assert turn.decision == "handoff" and not chat.handoff_active
    assert chat.slots["intake_state"] is not None and chat.slots["requested_slot"] == "intake_reply"
    assert "接着回答上面的问题" in turn.text and "12345" in turn.text


def test_an_emergency_in_the_form_hands_over_and_the_form_waits_for_the_hand_back(desk: Desk) -> None:
    chat = History()
    chat.say(COMPLAINT)
    state = chat.slots["intake_state"]
    turn = chat.run(ValidateIntakeForm(), "等一下，楼下冒浓烟了，好像着火了", in_form="intake_reply")
    assert turn.decision == "emergency" and chat.handoff_active and chat.slots["intake_state"] == state
    relayed = chat.run(ValidateIntakeForm(), "我已经打了119了", in_form="intake_reply")
    assert relayed.decision == "handoff" and chat.slots["intake_state"] == state
    assert desk.console.messages[0].text == "我已经打了119了"
    desk.console.open = False  # handed back: the form goes on with what it had
    after = chat.run(ValidateIntakeForm(), "我姓王", in_form="intake_reply")
    assert after.decision == "form" and not chat.handoff_active
    assert chat.slots["intake_state"]["name"] == "王先生/女士"


def test_what_the_system_triggered_is_not_shown_as_the_citizens_words(desk: Desk) -> None:
    chat = History()
    chat.run(ActionStartSurvey(), "/start_survey", "start_survey")  # the callbacks scheduler's trigger_intent
    chat.say("转人工")
    assert [i.text for i in desk.console.handoffs[0].transcript if i.role == "citizen"] == ["转人工"]


def test_an_emergency_during_the_handoff_with_the_console_down_still_gets_the_numbers(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    desk.console.down = True
    turn = chat.say("我家楼道着火了！")
    assert turn.decision == "emergency" and "119" in turn.text.split("\n")[0]
    assert "人工服务系统暂时连接不上" in turn.text and chat.handoff_active


# ------------------------------------------------------------------------------------ withdrawing the request
def test_the_place_in_the_queue_comes_with_a_button_to_take_the_request_back(desk: Desk) -> None:
    chat = History()
    turn = chat.say("转人工")
    assert [b["title"] for b in turn.messages[0]["buttons"]] == ["取消转人工"]
    assert "回复“取消”" in turn.text
    back = chat.say(turn.messages[0]["buttons"][0]["payload"])
    assert "已为您取消转人工" in back.text and not chat.handoff_active and not desk.console.open


def test_cancelling_while_waiting_inside_the_form_keeps_the_form(desk: Desk) -> None:
    chat = History()
    chat.say(COMPLAINT)
    state = chat.slots["intake_state"]
    chat.run(ValidateIntakeForm(), "等一下，楼下冒浓烟了，好像着火了", in_form="intake_reply")  # handed over
    assert chat.handoff_active and desk.console.state == "waiting"
    turn = chat.run(ValidateIntakeForm(), "不用了", in_form="intake_reply")
    assert "已为您取消转人工" in turn.text and not chat.handoff_active
    assert chat.slots["intake_state"] == state and not desk.console.messages  # not relayed; the form goes on
    after = chat.run(ValidateIntakeForm(), "我姓王", in_form="intake_reply")
    assert after.decision == "form" and chat.slots["intake_state"]["name"] == "王先生/女士"


def test_once_an_agent_has_it_the_words_go_to_the_agent(desk: Desk) -> None:
    chat = History()
    chat.say("转人工")
    desk.console.state = "assigned"
    turn = chat.say("不用了")
    assert chat.handoff_active and [m.text for m in desk.console.messages] == ["不用了"]
    assert "已为您取消转人工" not in turn.text
