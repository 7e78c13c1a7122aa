"""Which language a message is in, and the standard Mandarin a search should see.

:func:`detect_language` tells Chinese from English, Hanyu Pinyin typed without characters, and keyboard noise;
the bot serves Chinese and answers the others politely in both languages. :func:`standardise` rewrites the
dialect words and the common misspellings of service names that citizens type ("咋" → "怎么", "俺家娃" →
"我家孩子", "公基金" → "公积金") after :func:`nlu.normalize.normalize` (full-width, traditional characters), so the
knowledge base sees the words its entries use.
"""
from __future__ import annotations

import re
from enum import Enum

from nlu.normalize import normalize


class Language(str, Enum):
    CHINESE = "zh"
    ENGLISH = "en"
    PINYIN = "pinyin"
    FOREIGN = "foreign"  # another script: Korean, Japanese kana, Cyrillic, Arabic, Thai ...
    OTHER = "other"   # no letters or characters that make words: digits, punctuation, emoji, keyboard mash
    EMPTY = "empty"


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]+")
_FOREIGN_SCRIPT = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3040-\u30ff\u0400-\u04ff\u0600-\u06ff\u0e00-\u0e7f"
                             r"\u0900-\u097f\u0590-\u05ff]")
_MOJIBAKE = re.compile(r"锟斤拷|烫烫烫|屯屯屯|\ufffd{2,}|(Ã.|Â.|â€.){2,}")
_PLACEHOLDER = re.compile(r"\[[^\]]{1,6}\]")  # "[语音]", "[图片]", "[表情]": what a channel shows for media
_INTERJECTIONS = set("啊哦噢嗯呃哈额唉哎呀嘿喔哇呵嘻咦嗷")

_INITIALS = "zh|ch|sh|b|p|m|f|d|t|n|l|g|k|h|j|q|x|r|z|c|s|y|w"
_FINALS = ("iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|in|un|vn|ia|ie|iu|ua|uo|ue|ui|"
           "ve|a|o|e|i|u|v")
_SYLLABLE = f"(?:(?:{_INITIALS})?(?:{_FINALS}))"
_PINYIN_WORD = re.compile(f"^(?:{_SYLLABLE})+$")
_PINYIN_HINTS = ("zenme", "shenme", "nali", "banli", "xuyao", "keyi", "ma", "ne", "wo", "ni", "de", "shi", "bu",
                 "gongjijin", "shebao", "hukou", "juzhuzheng", "yibao", "qu", "ban", "zhang", "shenqing", "tousu")
_ENGLISH_WORDS = frozenset(
    """a an the i you he she we they it is are was were be been am do does did can could will would should may might
    must have has had how what when where why who which whom my your our their me us him her this that these those
    to of in on at for from with about by as and or but not no yes please help hello hi thanks thank apply get
    need want know tell find report complain complaint permit residence card id passport license visa tax job
    work water power street road car bus there here any some if then so just also only very much many more""".split()
)


def detect_language(text: str) -> Language:
    """The language of ``text``: Chinese as soon as it has two Chinese characters (or one in a short message)."""
    t = _PLACEHOLDER.sub("", normalize(text or "")).strip()
    if not t:
        return Language.EMPTY
    hans = _CJK.findall(t)
    han = len(hans)
    words = [w.lower() for w in _WORD.findall(t)]
    letters = sum(len(w) for w in words)
    foreign = len(_FOREIGN_SCRIPT.findall(t))
    if hans and set(hans) <= _INTERJECTIONS and not letters:
        return Language.OTHER  # "啊啊啊啊", "哈哈哈"
    if _MOJIBAKE.search(t):
        return Language.OTHER  # text decoded with the wrong charset: "锟斤拷", "烫烫烫"
    if foreign >= 2 and foreign > han:
        return Language.FOREIGN
    if han >= 2 or (han == 1 and letters < 4):
        return Language.CHINESE
    if not words or letters < 2:
        return Language.OTHER
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    pinyin = [w for w in words if _PINYIN_WORD.match(w)]
    hinted = any(w in _PINYIN_HINTS for w in words)
    if english >= max(1, len(words) // 3) and english >= len(words) - len(pinyin):
        return Language.ENGLISH
    if len(pinyin) == len(words) and (hinted or len(words) >= 2):
        return Language.PINYIN
    if english >= 1:
        return Language.ENGLISH
    return Language.OTHER


# Dialect words and misspellings, longest first where they overlap. Each maps to the standard word the KB uses.
_STANDARD: tuple[tuple[str, str], ...] = (
    ("咋整", "怎么办"), ("咋办", "怎么办"), ("咋弄", "怎么办理"), ("咋个", "怎么"), ("咋样", "怎么样"), ("咋", "怎么"),
    ("啥时候", "什么时候"), ("啥", "什么"), ("么子", "什么"), ("哪噶", "哪里"), ("搞么", "怎么"),
    ("俺们", "我们"), ("俺家", "我家"), ("俺", "我"), ("咱家", "我家"),
    ("娃娃", "孩子"), ("小娃", "孩子"), ("娃儿", "孩子"), ("娃", "孩子"), ("伢", "孩子"), ("崽", "孩子"),
    ("老汉", "父亲"), ("老娘", "母亲"), ("婆娘", "妻子"), ("媳妇儿", "妻子"),
    ("公基金", "公积金"), ("公机金", "公积金"), ("公积积", "公积金"), ("住房公基金", "住房公积金"),
    ("社宝", "社保"), ("设保", "社保"), ("医报", "医保"), ("医宝", "医保"), ("身分证", "身份证"), ("身份正", "身份证"),
    ("居住正", "居住证"), ("居往证", "居住证"), ("户口簿", "户口本"), ("护找", "护照"), ("驾照", "驾驶证"),
    ("驾驶本", "驾驶证"), ("结婚正", "结婚证"), ("出生正明", "出生医学证明"), ("准生正", "准生证"),
    ("退修", "退休"), ("养老经", "养老金"), ("低宝", "低保"), ("不动产正", "不动产证"), ("房产正", "房产证"),
    ("上户口", "落户口"), ("报户口", "落户口"),
)
_STANDARD_RE = re.compile("|".join(re.escape(a) for a, _ in sorted(_STANDARD, key=lambda p: -len(p[0]))))
_STANDARD_MAP = dict(_STANDARD)


def standardise(text: str) -> str:
    """``text`` normalised (:func:`nlu.normalize.normalize`) with dialect words and misspellings made standard."""
    return _STANDARD_RE.sub(lambda m: _STANDARD_MAP[m.group(0)], normalize(text or ""))
