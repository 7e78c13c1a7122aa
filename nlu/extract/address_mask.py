"""Mark the words of a free-text message that cannot be part of a place name.

In "另外新华小区的井盖也丢了" the POI is "新华小区", not "另外新华小区": the rule layer (which only knows suffixes
such as 小区) cannot see where a name starts. :func:`mask_non_place_words` segments the message with jieba's
part-of-speech tagger and overwrites every character of a function word (conjunction, adverb, preposition,
pronoun, particle, interjection), of a time word ("昨天晚上") and of a complaint / discourse verb ("反映", "投诉")
with a character the strict rules treat as a word boundary. The result has the same length as the input, so
offsets stay valid.
"""

from __future__ import annotations

import functools
import logging
import re

logger = logging.getLogger(__name__)

BOUNDARY = "的"  # one of nlu.extract.address_rules' stop characters
_BLOCKED_FLAGS = ("c", "d", "p", "r", "u", "y", "e", "o")
_TIME_WORD = re.compile(r".*(?:天|晚|早|午|夜|时|点|周|星期|月|号晚上)$")
# Verbs and phrases that open or frame a complaint; none of them starts a place name.
DISCOURSE_WORDS: frozenset[str] = frozenset(
    {
        "反映", "投诉", "举报", "请问", "咨询", "处理", "希望", "还有", "另外", "就是", "麻烦", "你好", "您好",
        "帮忙", "发现", "看到", "要求", "建议", "请求", "报修", "经过", "路过", "位于", "住在", "知道", "一下",
        "问题", "情况", "现在", "目前", "一直", "已经", "没有", "不能", "可以", "需要", "导致", "造成", "影响",
        # the words that announce an address ("地址是…", "具体位置在…"); none of them is part of one
        "地址", "住址", "地点", "位置", "具体位置", "详细地址", "具体地址", "地方", "事发", "是",
    }
)
# "3至5号楼", "3到5号": a range connector between two numbers is part of the address.
_RANGE_WORDS = frozenset({"至", "到", "~", "～", "-"})


@functools.lru_cache(maxsize=1)
def _posseg():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def _blocked(word: str, flag: str) -> bool:
    if any(char.isdigit() for char in word):
        return False
    if word in DISCOURSE_WORDS:
        return True
    if flag.startswith(_BLOCKED_FLAGS):
        return True
    return flag == "t" and bool(_TIME_WORD.match(word))


def _between_numbers(text: str, start: int, end: int) -> bool:
    return 0 < start and end < len(text) and text[start - 1].isdigit() and text[end].isdigit()


def mask_non_place_words(text: str) -> str:
    """``text`` with every character of a non-place word replaced by :data:`BOUNDARY` (same length)."""
    chars = list(text)
    position = 0
    for pair in _posseg().cut(text):
        word, flag = pair.word, pair.flag
        if word in _RANGE_WORDS and _between_numbers(text, position, position + len(word)):
            position += len(word)
            continue
        if _blocked(word, flag):
            chars[position:position + len(word)] = BOUNDARY * len(word)
        position += len(word)
    return "".join(chars)
