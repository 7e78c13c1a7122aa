"""Plain readings of a short citizen reply: cancel, yes/no, handoff, question shape, status query.

Rules over the normalised text (:func:`nlu.normalize.normalize`); shared by the message understanding
(:mod:`nlu.understanding`) and the forms that read replies (intake, survey).
"""
from __future__ import annotations

import re

from nlu.normalize import normalize

_PUNCT = re.compile(r"[\s,.!?;:~，。！？；：、…~\"'“”‘’（）()【】\[\]<>《》\-—]+")

_CANCEL_WORDS = ("算了", "取消", "不办了", "不用了", "不报了", "不投诉了", "不反映了", "不举报了", "不提了",
                 "不登记了", "退出", "不弄了", "不要了", "撤销", "不想说了", "不说了", "放弃")
_CANCEL_AT_START = re.compile(r"^(算了|取消|不用了|不办了|退出|放弃|撤销)")

_YES = ("是", "是的", "对", "对的", "好", "好的", "可以", "行", "需要", "要", "同意", "嗯", "嗯嗯", "没问题", "确认",
        "确定", "提交", "确认提交", "ok", "okay", "yes", "y", "没错", "正确", "愿意", "当然", "要的", "需要的", "接受",
        "保密", "匿名", "对的没错", "好的谢谢", "可以的", "行的", "是滴", "恩", "ok的", "1")
_NO = ("不", "不是", "否", "不要", "不需要", "不用", "不行", "不对", "不可以", "没必要", "不愿意", "拒绝", "no", "n",
       "算了吧", "不必", "不用了谢谢", "不需要了", "无需", "不同意", "不保密", "不用保密", "不匿名", "公开", "可以公开",
       "不用回访", "不需要回访", "2")

_QUESTION = re.compile(r"[?？]$|吗[?？]?$|怎么|如何|哪里|哪儿|多久|多长时间|能不能|可不可以|是否|什么时候|为什么|请问|咋")
def compact(text: str) -> str:
    """Normalised text without spaces and punctuation, lower-case."""
    return _PUNCT.sub("", normalize(text)).lower()


_CANCEL_TAIL = re.compile(r"^(吧|了|了吧|吧谢谢|谢谢|谢谢你|不用了|不办了|不弄了|我不办了|不说了|不报了|这个|这事|这件事)?$")
_CANCEL_INTENT = re.compile(r"(不想|不要|不用|不打算|先不)(再)?(投诉|举报|反映|办|报|提|登记|弄|说|处理|提交)了?(吧|谢谢)?$")


def is_cancel(text: str) -> bool:
    """"算了/取消/不办了" and the like — a message whose point is to stop, not one that mentions cancelling."""
    if text.strip() in ("/cancel_intake", "/cancel"):
        return True
    c = compact(text)
    if not c:
        return False
    m = _CANCEL_AT_START.match(c)
    if m and _CANCEL_TAIL.match(c[m.end():]):
        return True
    if len(c) <= 12 and _CANCEL_INTENT.search(c):
        return True
    return len(c) <= 6 and any(w in c for w in _CANCEL_WORDS)


def yes_no(text: str) -> bool | None:
    """True for agreement, False for refusal, None when the message is neither."""
    t = text.strip()
    if t in ("/affirm", "/confirm_intake"):
        return True
    if t in ("/deny",):
        return False
    c = compact(text)
    if not c:
        return None
    if c in _NO:
        return False
    if c in _YES:
        return True
    for prefix in ("不需要", "不用", "不要", "不必", "不想", "不愿意", "不同意", "不行", "别"):
        if c.startswith(prefix) and len(c) <= 10:
            return False
    for prefix in ("需要", "可以", "好的", "同意", "是的", "对", "确认", "要", "愿意", "没问题", "行"):
        if c.startswith(prefix) and len(c) <= 10:
            return True
    return None


_HUMAN = re.compile(r"^(你好|您好)?(我要|我想|我需要|帮我|请|麻烦|能不能|可以)?(给我)?(转|找|接|转接|换|要)(一个|个|一下)?(人工|真人|话务员|客服人员|人工客服|真人客服|工作人员|接线员)"
                    r"(客服|服务|处理|来|说话|聊|回复)?(吧|谢谢|可以吗|行吗|好吗)?$|^(人工|真人)(客服|服务)?(呢|吧)?$|^我要人工$")


_HUMAN_ANYWHERE = re.compile(
    r"(转|接|找|叫|让|要|换|给我接|给我转)(你们|你们的)?(个|一个|一下|位|一位)?(人工|真人|活人|工作人员|话务员|坐席|客服人员|接线员|人工坐席|人工服务)"
    r"|(叫|找|来)(个|一个)人(来)?(跟|和|同)我(说|聊|讲)|有没有(活人|真人|人工)|^(人工)+$|(别|不要|不想)(让)?(跟|和)?(机器|机器人)"
    r"|(跟|和)(真人|人|话务员|工作人员)(说|聊|讲|沟通)")


def asks_for_human(text: str) -> bool:
    """"转人工", "人工客服", "别让机器人回答了，给我接个工作人员", the handoff button."""
    if text.strip() == "/ask_human":
        return True
    c = compact(text)
    return bool(_HUMAN.match(c)) or (len(c) <= 30 and bool(_HUMAN_ANYWHERE.search(c)))


_GREET = re.compile(r"^(你好|您好|你们好|早上好|早安|上午好|中午好|下午好|晚上好|早|在吗|在不在|哈喽|嗨|hello|hi|喂)+"
                    r"(呀|啊|啦|哦|吗|呢|小助手|机器人)?$")
_BYE = re.compile(r"^(好的|好|行|嗯|那|那就|ok)*(那)?(再见|拜拜|bye|回见|下次见|先这样|没事了|没有了|不用了)+(啦|了|吧|呀|哈|啊)?$")
_THANKS = re.compile(r"^(好的|好|嗯|ok)?(谢谢|感谢|多谢|谢了|谢啦|辛苦了|麻烦你了)+(你|您|你们|啦|了|哈|呀)*(的帮助|帮忙)?$")


def small_talk(text: str) -> str | None:
    """"greet", "goodbye" or "thank" for a message that is only that, else None."""
    c = compact(text)
    if _GREET.match(c):
        return "greet"
    if _BYE.match(c):
        return "goodbye"
    if _THANKS.match(c):
        return "thank"
    return None


def looks_like_question(text: str) -> bool:
    return bool(_QUESTION.search(normalize(text).strip()))


_STATUS = re.compile(
    r"(查|查询|查一下|查下|看看|看一下|问一下|问问)?(我的|我那个|我提交的|我反映的|我登记的|我投诉的|之前的|上次的|那个)?"
    r"(工单|单子|投诉|诉求|反映的问题|报修)(编号)?.{0,12}(进度|状态|怎么样|处理得怎么样|办得怎么样|到哪|有结果|有回复|处理了吗|处理没|"
    r"怎么还没|还没处理|还没人|什么情况|结果|在办|办了没|管了没|有人管|谁在处理|谁处理)"

    r"|^(查|查询|查一下|查下)(一下)?(我的)?(工单|单子|进度)"
    r"|工单(进度|状态)|(查|查询).{0,4}工单")
_OWN_MATTER = re.compile(r"(反映|投诉|报|登记|提交|提|打12345)(过|了)?(的)?.{0,12}(事|问题|情况|单子).{0,16}"
                         r"(有人管|管了没|有人处理|处理没|处理了没|处理了吗|怎么样|有结果|有消息|有回复|有信|进度|没人回复|没回复|"
                         r"没消息|没动静|查一下|查查|帮我查)")
_ORDER_NUMBER = re.compile(r"(?<!\d)20\d{14}(?!\d)|LS\d{12}-[0-9A-F]{6}", re.IGNORECASE)


def asks_status(text: str) -> bool:
    """"查一下我的工单 2026…", "我的工单怎么样了", "我投诉的事有结果了吗" — a question about the citizen's own work
    order. A general question ("12345的工单进度一般通过什么渠道查") is a consultation."""
    from nlu.language import standardise

    t = normalize(text).strip()
    c = compact(standardise(text))
    if re.search(r"(评价|打分|满意)", c):
        return False
    if _ORDER_NUMBER.search(t.replace(" ", "")) and len(c) <= 40:
        return True
    if _OWN_MATTER.search(c):
        return True
    if re.match(r"(帮我)?(查|查询|查一下|查下|查查)", c) and _STATUS.search(c):
        return True  # a command: "查询工单进度 编号…"
    return bool(_STATUS.search(c)) and (bool(re.search(r"我|俺|咱", c)) or len(c) <= 10)
