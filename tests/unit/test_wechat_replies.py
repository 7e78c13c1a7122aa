"""The bot's replies as WeChat messages: length limits, numbered options, msgmenu, and reading choices back."""
from __future__ import annotations

from wechatpy import parse_message

from connectors.push import PushButton, PushMessage
from connectors.wechat import texts
from connectors.wechat.inbound import Ignore, Say, ToBot, interpret
from connectors.wechat.options import Option, choose, numbered
from connectors.wechat.replies import MenuOut, TextOut, customer_service, menu_as_text, passive, split_text
from connectors.wechat.simulator import WeChatServer

VOTE = [PushButton(title="有帮助", payload="/helpful"), PushButton(title="没帮助", payload="/not_helpful")]
OPTIONS = numbered(VOTE)


def test_split_text_keeps_every_piece_within_the_byte_limit_and_loses_nothing() -> None:
    text = "\n".join(f"第{i}行：" + "很长的说明" * 30 for i in range(40)) + "\n" + "无换行" * 2000
    pieces = split_text(text, limit=2000)
    assert len(pieces) > 2
    assert all(0 < len(p.encode()) <= 2000 for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("短") == ["短"]
    assert split_text("") == []


def test_passive_reply_numbers_the_options_once() -> None:
    rendered = passive([PushMessage(text="【问题】答案"), PushMessage(text="以上解答对您有帮助吗？", buttons=VOTE)])
    assert rendered.passive == "【问题】答案\n\n以上解答对您有帮助吗？\n\n请回复序号选择：\n1. 有帮助\n2. 没帮助"
    assert rendered.options == OPTIONS and rendered.follow_up == []
    listed = PushMessage(text="您是不是想问：\n1. 有帮助\n2. 没帮助\n请回复序号", buttons=VOTE)
    assert passive([listed]).passive == listed.text  # did-you-mean numbers them itself
    others = PushMessage(text="您是不是想问：\n1. 有帮助\n请回复序号", buttons=[*VOTE[:1], PushButton(title="都不是",
                                                                                       payload="/deny")])
    assert passive([others]).passive == others.text + "\n2. 都不是"  # only what it does not number


def test_customer_service_sends_texts_then_a_msgmenu() -> None:
    rendered = customer_service([PushMessage(text="第一段"), PushMessage(text="请选择：", buttons=VOTE),
                                 PushMessage(text="最后")])
    assert rendered.follow_up == [TextOut("第一段"), MenuOut("请选择：", [("1", "有帮助"), ("2", "没帮助")]),
                                  TextOut("最后")]
    assert customer_service([PushMessage(text="只有文字")]).follow_up == [TextOut("只有文字")]
    assert menu_as_text(MenuOut("请选择：", [("1", "有帮助")])) == ["请选择：\n\n请回复序号选择：\n1. 有帮助"]


def test_choose_reads_numbers_titles_and_menu_clicks() -> None:
    assert choose(OPTIONS, "1") == OPTIONS[0]
    assert choose(OPTIONS, " ２。") == OPTIONS[1]
    assert choose(OPTIONS, "第二个") == OPTIONS[1]
    assert choose(OPTIONS, "没帮助") == OPTIONS[1]
    assert choose(OPTIONS, "没帮助", menu_id="1") == OPTIONS[0]  # the click's id wins over its text
    assert choose(OPTIONS, "3") is None
    assert choose(OPTIONS, "12345") is None
    assert choose([], "1") is None
    assert choose(OPTIONS, "我还有别的问题") is None


def _parsed(xml: str):
    return parse_message(xml)


SIM = WeChatServer("http://unused", "t", "wx1")


def photo_url(media_id: str) -> str:
    return f"https://wx.example/media/{media_id}.sig"


def test_interpret_each_message_type() -> None:
    offered = [Option(1, "是", "/affirm")]
    assert interpret(_parsed(SIM.text("o1", "/restart").xml), [], photo_url) == ToBot("restart")  # no injected intent
    assert interpret(_parsed(SIM.text("o1", "1").xml), offered, photo_url) == ToBot("/affirm")
    assert interpret(_parsed(SIM.text("o1", "  ").xml), [], photo_url) == Say(texts.EMPTY_TEXT)
    assert interpret(_parsed(SIM.image("o1", "M1").xml), [], photo_url) == \
        ToBot("（图片）", {"photos": ["https://wx.example/media/M1.sig"]})
    place = interpret(_parsed(SIM.location("o1", 31.2, 121.5, "上海市黄浦区").xml), [], photo_url)
    assert place == ToBot("上海市黄浦区", {"location": {"lat": 31.2, "long": 121.5, "label": "上海市黄浦区"}})
    assert interpret(_parsed(SIM.voice("o1", "是").xml), offered, photo_url) == ToBot("/affirm")
    assert interpret(_parsed(SIM.voice("o1").xml), [], photo_url) == Say(texts.VOICE_NOT_RECOGNISED)
    assert interpret(_parsed(SIM.event("o1", "subscribe").xml), [], photo_url) == Say(texts.SUBSCRIBED)
    assert isinstance(interpret(_parsed(SIM.event("o1", "unsubscribe").xml), [], photo_url), Ignore)
    assert interpret(_parsed(SIM.event("o1", "CLICK", "AGENT").xml), [], photo_url) == ToBot("/ask_human")
    assert isinstance(interpret(_parsed(SIM.event("o1", "CLICK", "NOT_OURS").xml), [], photo_url), Ignore)
    video = SIM.text("o1", "x").xml.replace("<MsgType><![CDATA[text]]>", "<MsgType><![CDATA[video]]>")
    assert interpret(_parsed(video), [], photo_url) == Say(texts.UNSUPPORTED)
