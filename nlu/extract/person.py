"""How a citizen wants to be addressed: "张先生", "我姓李", "我叫王小明", "姓欧阳", "刘师傅".

Labels of the returned :class:`Extraction` objects:

* ``"honorific"`` — surname + title as written ("张先生", "王阿姨"); ``value`` is the whole form. Complaints
  also name third parties ("刘老师不让进"), so confidence is 0.9 only after "我是/我叫/本人", else 0.6.
* ``"surname"`` — a surname given on its own ("我姓李", "免贵姓欧阳"); ``value`` is the surname. The caller
  decides how to address the person; :func:`suggested_address` gives the neutral "李先生/女士".
* ``"full_name"`` — "我叫王小明" / "我的名字是王小明"; ``value`` is the name.

Only known surnames are accepted, which keeps "先生" alone, "女士们", "姓名" and "我叫外卖" out.
"""
from __future__ import annotations

import re

from nlu.extract.types import Extraction

__all__ = ["COMPOUND_SURNAMES", "SINGLE_SURNAMES", "extract_addressing", "suggested_address"]

COMPOUND_SURNAMES: tuple[str, ...] = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯", "独孤",
    "长孙", "宇文", "轩辕", "端木", "西门", "南宫", "呼延", "澹台", "闻人", "万俟", "申屠", "太史", "钟离",
)
SINGLE_SURNAMES: frozenset[str] = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆"
    "乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平"
    "计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇"
) - frozenset("和都来时门相原初国那全应向计平海花强阿乌母车位班区司修")  # also everyday words: "和老师反映" is no surname
TITLES: tuple[str, ...] = (
    "先生", "女士", "小姐", "阿姨", "师傅", "老师", "大爷", "大妈", "大姐", "大哥", "叔叔", "奶奶", "爷爷", "老板",
    "医生", "经理", "主任", "同志",
)

_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SINGLE_SURNAMES)) + "])"
_TITLE = "(?:" + "|".join(TITLES) + ")"
# Characters that end a given name: punctuation, digits and common function words that follow a name.
_NAME_CHAR = r"[\u4e00-\u9fff]"
_NAME_STOP = set("的是在住了啊呀吧呢吗，。、！？；：你我他她们电话家从和跟想要打反映投诉联系号楼")

_HONORIFIC_RE = re.compile(rf"(?<!主)(?P<surname>{_SURNAME})(?P<title>{_TITLE})(?!们)")
# "我是张先生" / "本人刘师傅": the honorific names the speaker, not a third party ("刘老师不让进").
_SELF_BEFORE_RE = re.compile(r"(?:我是|我叫|本人是?|这里是|这边是|我)$")
_SURNAME_RE = re.compile(rf"(?<!百)(?:我|本人|免贵|鄙人)?姓(?P<surname>{_SURNAME})(?![名氏])")
_FULL_NAME_RE = re.compile(rf"(?:我叫|我名叫|本人叫|我的名字是|我的名字叫|我名字叫|我名字是)(?P<name>{_SURNAME}{_NAME_CHAR}{{1,2}})")


def suggested_address(surname: str) -> str:
    """The neutral polite form for a bare surname: "李" -> "李先生/女士"."""
    return f"{surname}先生/女士"


def _trim_given_name(name: str, surname_len: int) -> str:
    """Cut the given name at the first character that cannot belong to a name (e.g. "王明住" -> "王明")."""
    for index in range(surname_len, len(name)):
        if name[index] in _NAME_STOP:
            return name[:index]
    return name


def _surname_length(name: str) -> int:
    return 2 if name[:2] in COMPOUND_SURNAMES else 1


def extract_addressing(text: str) -> list[Extraction]:
    """Every way of addressing the speaker found in ``text``, ordered by position; offsets index ``text``."""
    found: list[Extraction] = []
    taken: list[tuple[int, int]] = []

    def add(label: str, value: str, start: int, end: int, confidence: float) -> None:
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            return
        taken.append((start, end))
        found.append(Extraction(label=label, value=value, start=start, end=end, confidence=confidence,
                                text=text[start:end]))

    for match in _FULL_NAME_RE.finditer(text):
        raw = match.group("name")
        surname_len = _surname_length(raw)
        name = _trim_given_name(raw, surname_len)
        if len(name) == surname_len or text[match.start("name") + surname_len:].startswith(TITLES):
            continue  # "我叫王师傅" is an honorific, not a full name
        start = match.start("name")
        add("full_name", name, start, start + len(name), 0.9)
    for match in _HONORIFIC_RE.finditer(text):
        about_speaker = bool(_SELF_BEFORE_RE.search(text[max(0, match.start() - 4):match.start()]))
        add("honorific", match.group(0), match.start(), match.end(), 0.9 if about_speaker else 0.6)
    for match in _SURNAME_RE.finditer(text):
        add("surname", match.group("surname"), match.start("surname"), match.end("surname"), 0.9)
    found.sort(key=lambda item: item.start)
    return found
