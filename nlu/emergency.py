"""Emergency and crisis recognition for citizen messages: compositional rules plus a small scoring rule, no ML.

``assess_emergency(text)`` returns an :class:`EmergencyAssessment` (the kind, the emergency services to name,
most important first, and the trigger phrase) or ``None``. It runs before anything else on every message
(docs/decisions.md), so it must be high-recall on real emergencies and quiet on look-alikes.

Rules are composed from vocabularies rather than listed as whole phrases: *who or what is in danger* (a person,
a child, a building, a vehicle, water ...) + *a critical state or a harmful action* (倒地/叫不醒/没呼吸,
打/掐/砍/拖/抢, 冲走/漂在水面, 塌/压住, 冒火/浓烟, 燃气味 ...) + *it is happening now*. How a message is scored:

1. The text is normalised (full-width, traditional → simplified) and Cantonese is mapped to Mandarin (晕咗 → 晕了,
   唔 → 不, 喺 → 在). Spaces between Chinese phrases, "…" and "~" become clause breaks (spaces between single
   words are dropped), and harmless phrases that contain a trigger ("跳楼价", "火锅", "打不着火") are blanked.
   English is matched as it is.
2. Every rule that matches gives a candidate. A rule may need a context somewhere in the message (``needs``: a
   water word for "还没上来") and may be ruled out by one (``unless``: a funeral for "后事都安排好了", a barbecue
   for "烟很大"). Base 3 = a self-harm statement, 2 = a critical state or harmful action on its own, 1 = a weak
   sign that needs a cue or a second sign, 0 = a sign that only counts next to another one (a child's age).
3. Cues add one each: now or urgent ("现在", "正在", "还没停", "救命", "突然", "help"); "!"; a severity word
   ("严重", "厉害"); an injury (fire, violence, traffic, collapse); a second, separate sign of the same kind
   (胸口疼 + 满头大汗, 道别 + 不用找我, 一股臭鸡蛋味 + 像是煤气).
4. Look-alike signs subtract, and only near the trigger, so that a long message which starts with background
   ("上个月反映过…", "之前投诉过…") and then reports what is happening now still counts: a past-time word in the
   trigger's own clause with no present cue between (not for a missing person: "昨晚出门到现在没回来"), the
   aspect "过", a resolution in the next three clauses ("已经灭了", "找到了"); a hypothetical, preventive,
   worried, figurative, hearsay or negating word in its clause before it ("如果", "防", "担心", "气得", "听说",
   "没有"), a risk word in its clause ("隐患"), "…的时候" right after it (all −3); news, dreams, jokes anywhere
   (−3); a procedure question (fees, claims, applications, repairs) in or after its clause (−2, not for
   self-harm statements); a habitual word in its clause ("天天", "经常", −2, not for self-harm). Self-harm also
   ignores hypothetical and worried words: "我怕她想不开" is the crisis itself.
5. The best candidate scoring ≥ 2 wins; ties go to the rule listed first. Violence with a family member in the
   trigger's clause, or a domestic sign anywhere ("家暴", "我老公", "我和孩子", "又开始打", "husband"), is domestic
   violence. Services are the rule's, or its ``hurt`` services when someone is hurt (self-harm: has already
   acted, e.g. "吃了一瓶安眠药").

Gas explosions, live wires, collapses and falling objects share the kind ``electric_collapse``
(docs/decisions.md). A bare cry for help ("救命！！") is ``violence`` with the police, the general number.
Each rule is compiled with a look-ahead on the characters its branches can start with, which keeps a long
message well under a millisecond.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum

from nlu.normalize import normalize

try:  # the regex parser, only to compute first-character gates (a speed-up; matching does not depend on it)
    from re import _constants as _sre, _parser as _sre_parse
except ImportError:  # pragma: no cover - other Python implementations
    _sre = _sre_parse = None

logger = logging.getLogger(__name__)

THRESHOLD = 2


class EmergencyKind(str, Enum):
    FIRE = "fire"
    GAS = "gas"
    VIOLENCE = "violence"
    MEDICAL = "medical"
    DROWNING = "drowning"
    TRAFFIC_INJURY = "traffic_injury"
    ELECTRIC_COLLAPSE = "electric_collapse"
    MISSING_PERSON = "missing_person"
    DOMESTIC_VIOLENCE = "domestic_violence"
    SELF_HARM = "self_harm"


@dataclass(frozen=True)
class EmergencyAssessment:
    """A recognised emergency.

    ``services`` are keys of the city's emergency-number table (``police``, ``fire``, ``ambulance``, ``traffic``,
    ``gas``, ``crisis``), most important first; ``evidence`` is the trigger phrase, digit runs masked.
    """

    kind: EmergencyKind
    services: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class _Rule:
    kind: EmergencyKind
    base: int
    services: tuple[str, ...]
    hurt_services: tuple[str, ...]  # when someone is hurt (self-harm: has already acted)
    pattern: re.Pattern[str]
    needs: re.Pattern[str] | None  # must also occur somewhere in the message
    unless: re.Pattern[str] | None  # must not occur anywhere in the message (checked before blanking)


def _first_chars(items: list) -> tuple[set[str] | None, bool]:
    """The characters a parsed pattern can start with (``None``: too many) and whether it can match empty."""
    chars: set[str] = set()
    for op, av in items:
        if op is _sre.AT or op is _sre.ASSERT_NOT or (op is _sre.ASSERT and av[0] < 0):
            continue  # zero width: anchors, negative look-arounds, look-behinds
        if op is _sre.LITERAL:
            return chars | {chr(av)}, False
        if op is _sre.IN:
            for o, a in av:
                if o is _sre.LITERAL:
                    chars.add(chr(a))
                elif o is _sre.RANGE and a[1] - a[0] < 64:
                    chars.update(map(chr, range(a[0], a[1] + 1)))
                else:
                    return None, False  # a negated class, a category, a wide range
            return chars, False
        if op is _sre.ASSERT:  # a look-ahead: the next character must be one it can start with
            first, empty = _first_chars(av[1])
            if first is None or empty:
                continue
            return chars | first, False
        if op is _sre.SUBPATTERN:
            first, empty = _first_chars(av[-1])
        elif op is _sre.BRANCH:
            firsts = [_first_chars(branch) for branch in av[1]]
            if any(first is None for first, _ in firsts):
                return None, False
            first, empty = set().union(*(f for f, _ in firsts)), any(e for _, e in firsts)
        elif op is _sre.MAX_REPEAT or op is _sre.MIN_REPEAT:
            first, empty = _first_chars(av[2])
            empty = empty or av[0] == 0
        else:
            return None, False
        if first is None:
            return None, False
        chars |= first
        if not empty:
            return chars, False
    return chars, True


def _gated(pattern: str) -> re.Pattern[str]:
    """``pattern`` behind a look-ahead on its possible first characters, when they can be worked out."""
    first, empty = _first_chars(list(_sre_parse.parse(pattern))) if _sre_parse else (None, True)
    if first is None or empty:
        return re.compile(pattern)
    return re.compile(f"(?=[{''.join(re.escape(char) for char in sorted(first))}])(?:{pattern})")


def _rule(kind: EmergencyKind, base: int, services: tuple[str, ...], phrases: list[str],
          hurt: tuple[str, ...] | None = None, needs: str | None = None, unless: str | None = None) -> _Rule:
    return _Rule(kind, base, services, hurt or services, _gated("|".join(phrases)),
                 re.compile(needs) if needs else None, re.compile(unless) if unless else None)


def _any(*words: str) -> str:
    """An alternation of vocabulary entries behind a look-ahead on their first characters (faster matching)."""
    return _gated("|".join(words)).pattern


K = EmergencyKind
# ---------------------------------------------------------------- vocabularies: who, what, how
_KIN = _any("孩子", "小孩", "娃", "伢", "崽", "宝宝", "儿子", "女儿", "闺女", "老人", "老爷子", "老太太", "老头", "老太",
            "爸", "妈", "娘", "爹", "爷", "奶", "姥", "外公", "外婆", "老伴", "老公", "媳妇", "老婆", "弟", "妹", "哥",
            "姐", "外甥", "侄", "孙")
_PERSON = _any("有人", _KIN, "学生", "同学", "朋友", "同事", "室友", "邻居", "工人", "男的", "女的", "男人", "女人", "女孩",
               "男孩", "小伙子?", "姑娘", "大爷", "大妈", "阿姨", "叔叔", "阿伯", "小哥", "骑手", "行人", "路人", "骑车的",
               "开车的", "路过的", "孕妇", "他", "她", "人(?!家|员)")
_EN_FAMILY = r"son|daughter|child|kid|mother|father|mom|dad"
_EN_PERSON = (r"(?:someone|somebody|a (?:man|guy|woman|child|kid|boy|girl|person)|\bhe|\bshe|they|people|my (?:son|"
              r"daughter|child|kid|friend|brother|sister|husband|wife|partner|boyfriend|girlfriend|dad|father|mum|mom|"
              r"mother|grand\w+|neighbou?r))")
# A gap between a person and what happened to them that names no object or negation ("她手机不见了").
_NOT_IN_GAP = r"没|不是|手机|钱包|钥匙|证|卡|车|狗|猫|宠物|东西|快递|行李|票|包|书|手表|档案|材料|资料|文件|记录|合同|发票"
_GAP = rf"(?:(?!{_NOT_IN_GAP})[^,.!?;的]){{0,6}}"
_LONG_GAP = rf"(?:(?!{_NOT_IN_GAP})[^.!?的]){{0,30}}"
_PARTNER = _any("老公", "丈夫", "我男人", "俺男人", "我家男人", "俺家男人", "当家的", "男朋友", "男友", "女朋友", "女友",
                "对象", "老婆", "媳妇", "妻子", "前夫", "前妻")
_FAMILY = _any(_PARTNER, "继父", "继母", "后爸", "后妈", "公公", "婆婆", "姐夫", "嫂子", "爸", "爹", "妈", "娘", "儿子",
               "哥", "弟", "姐", "妹")
_VULNERABLE = _any("痴呆", "阿尔茨海默", "阿尔兹海默", "糊涂", "认知障碍", "智力障碍", "智障", "失智", "自闭症", "抑郁",
                   "精神病", "精神分裂", "精神疾病", "脑子不(?:太)?(?:清楚|好使)", "不认路", "记不住", "记性不(?:太)?好",
                   "dementia", "alzheimer", "autis")
_WATER = _any("河", "湖", "江", "海", "水", "池", "塘", "水库", "井(?!下)", "沟", "渠", "冰窟窿", "冰面")
_GAS = _any("煤气", "燃气", "然气", "天然气", "液化气", "石油气", "瓦斯", "煤汽", "沼气", "调压箱", "调压柜", "钢瓶", "气罐")
_STRUCTURE = _any("房子", "房屋", "楼", "墙", "屋顶", "房顶", "天花板", "吊顶", "顶棚", "棚", "阳台", "雨棚", "楼板", "楼梯",
                  "脚手架", "广告牌", "桥", "隧道", "塔吊", "吊车", "山体", "土坡", "厂房", "屋", "基坑", "坑", "沟槽", "矿",
                  "车库", "地下室", "围挡")
_HIGH = _any("楼顶", "天台", "顶楼", "屋顶", "房顶", "窗台", "窗户外", "阳台外", "桥上", "大桥", "桥栏", "栏杆", "护栏",
             "楼沿", "高架")
_WEAPON = _any("刀(?!具)", "剪刀", "匕首", "斧", "棍", "棒", "砖", "铁锹", "枪", "锤", "酒瓶", "钢管", "凳子", "椅子",
               "锄头", "擀面杖", "扳手", "石头", "铁棍")
_SMOKE_SOURCE = (r"烧烤|烤炉|烤串|烤肉|油烟|排烟|烟囱|工厂|厂子|作坊|烧纸|烧香|焚烧|秸秆|做饭|炒菜|抽烟|吸烟|香烟|烧垃圾|熏"
                 r"|蚊香|烟花|鞭炮|炮仗|barbecue|bbq|cigarette")
_LOTS = r"(?:一整?(?:瓶|盒|板|把)|半(?:瓶|盒|板)|整(?:瓶|盒|板)|一大把|全部|所有|好多|很多|几十|[0-9]{2,})"
# Violent verbs: "打" only when it is not 打电话 / 打扫 / 打针 / 打麻将 ...
_NOT_HIT = ("算|扫|听|开|折|卡|车|的|工|印|针|电话|个电话|牌|球|篮球|麻将|扑克|游戏|羽毛球|乒乓|太极|拳|招呼|包|扰|理|交道|不通"
            "|通|过来|给|烊|赌|字|雷|呼噜|喷嚏|哈欠|嗝|猎|鱼|水|饭|气|分|疫苗|量|造|磨|款|钱|点|官司|火|药|底|探|折扣|蜡|退|发"
            "|消|破|动|中|进|出|响|滑|转|湿|伞|酱油|架子|地铺|比方|桩|钻|零|孔|洞|闹|井|杂|草稿|结")
_HIT = rf"(?:殴打|揍|踹|踢(?!球|毽|足球|腿)|掐|勒|砍(?!树|价|柴|伐|竹)|捅(?!马蜂)|打(?!{_NOT_HIT}))"
_HIT_OBJ = rf"(?:{_HIT}|抽|烫|扇|咬|扎|刺|砸)"  # violent with a person as the object ("抽我妈", "烫我孩子")
_VICTIM = (rf"(?:一个|个|一位|几个|那个|这个)?(?:[我他她]的?)?(?:我|人|{_PERSON}|店员|收银员|保安|司机|老板|他们)"
           r"(?![^,.!?]{0,3}(?:电话|手机))")
_ONGOING = r"(?:正在|还在|又在|又开始|开始|一直在?|不停地?)"
_GROUP = (r"(?:一群人|一伙人|一帮人|好几个人|几个人|(?:[二三四五六七八九十两几][0-9一二三四五六七八九十两几]{0,2}|[0-9]{2,}"
          r"|[2-9])个(?:人|男的|小伙子?)|围着|围住)")
_ENDS = r"(?=[,.!?;]|$)"  # at the end of a clause

# ---------------------------------------------------------------- rules, in priority order (ties: earlier wins)
_RULES: tuple[_Rule, ...] = (
    # -- self-harm: statements and acts (base 3), being on the edge, a note, a burden (2), farewell signals (1)
    _rule(K.SELF_HARM, 3, ("crisis", "police"), [
        r"不想再?活|不(?:想)?活了|(?<!让人)(?<!叫人)(?<!们都)(?<!们都快)(?<!们快)活不下去|(?:不想|没法|没办法|没有?勇气|不能)(?:再)?(?:继续)?活下去",
        r"没有活下去的(?:意义|理由|勇气)|(?:活着|人生|生命|活下去)[^,.!?]{0,3}(?:没|有什么|毫无)[^,.!?]{0,2}(?:意思|意义)",
        r"活着[^,.!?]{0,4}(?:意思|意义)都没有?|活够了|不想(?:再)?拖累|这一切都?结束|结束这一切|一了百了|死了算了|不如死了",
        r"想去死|(?:我|要|准备|打算)去死|想不开|怎么死|怎样死|死法|自杀|轻生|寻死|自尽|自残|服毒|上吊|伤害自己|自我了断",
        r"(?<!得)(?<!得我)(?:^|[,.!?;\n ]|我|真|好|很|就|只|都|他|她|也)想死(?![你您他她它我在]|了你)",
        r"结束(?:自己的?)?生命|结束(?:掉)?自己(?!的)|了结(?:我?自己)|把自己了结|了断自己|没人的地方[^,.!?]{0,4}(?:结束|了断|死)",
        r"(?:想|要|准备|打算)去?跳(?:楼|搂|河|江|桥|海|湖|崖)|有人(?:要|想)?跳楼|(?:想|要|准备|打算|感觉|觉得|不如|干脆)[^,.!?]{0,6}跳下去",
        r"(?:楼顶|天台|顶楼|桥上|窗台)[^.]{0,8}不想下去|从[^,.!?]{0,6}(?:楼|桥|阳台|窗户?|天台|楼顶)[^,.!?]{0,3}跳(?:下去|出去|下来)",
        r"(?:今晚|今天|马上|现在|等会儿?|待会儿?)就?[^,.!?]{0,4}跳(?:下去|楼|河|江)",
        r"割腕|割脉|割了?(?:手腕|腕|动脉)|(?:手腕|手臂|胳膊)[^,.!?被]{0,4}(?:划|割)(?!破)|(?:划|割)了?[^,.!?]{0,2}(?:手腕|腕|动脉|手臂|胳膊)",
        r"(?:划|割)伤?自己|刀片[^,.!?]{0,4}(?:划|割)|想[^,.!?]{0,4}(?:划|割)(?:下去|自己|手)",
        r"烧[了着]?炭|炭[^,.!?]{0,4}(?:点上|点着|烧上|生上)|(?:点|烧|生)(?:了|上)?炭|写好?了?遗书",
        r"药(?:都|全)(?:吃|吞)了|(?:攒|囤|买|准备)(?:了|好|够)?了?[^,.!?]{0,3}(?:安眠药|安定|农药|百草枯|老鼠药)",
        r"药[^,.!?]{0,3}(?:都|全)?(?:攒|囤|准备|买)(?:好|够)了|(?:安眠药|药)[^,.!?]{0,3}睡过去",
        r"拿(?:了|着)[^,.!?]{0,4}(?:农药|百草枯|安眠药|老鼠药|敌敌畏)",
        r"(?:吃|吞|服)了?" + _LOTS + r"的?[^,.!?]{0,4}(?:药|安定)|(?:吞|服)了?[^,.!?]{0,4}(?:安眠药|安定片)",
        r"(?:喝|吞|服|吃)了?(?:点|些|一瓶|半瓶)?(?:百草枯|农药|老鼠药|敌敌畏|毒药)",
        r"(?:不如|干脆|永远)消失|消失算了|从这个世界上?消失|离开这个世界|去另一个世界|(?:明天|今晚|很快|马上)就?不在了",
        r"永远睡(?:过去|下去)|(?:再也|永远)不(?:想)?醒(?:来|过来)?|睡下去(?:再)?不醒|一直睡下去|睡着了?(?:就)?(?:再)?不(?:要)?醒",
        r"(?:kill|killing|hang) (?:myself|himself|herself)|suicid",
        r"end (?:my|his|her) (?:own )?life|take my (?:own )?life",
        r"end it all|end it (?:tonight|today|now)|going to end it",
        r"want to die|(?:do not|don'?t) want to (?:live|be alive)",
        r"(?:going to|gonna|want to|about to) jump|cut(?:ting)? my",
        r"point in living|reason to live|better off without me",
        r"can'?t go on|(?:taken|took) an overdose",
        r"took (?:all|a bottle of|too many|an overdose)[^.]{0,10}(?:pills|tablets|medication)",
        r"take all (?:my|the|her|his) (?:pills|tablets|medication)|going to take (?:all|a bottle)",
        r"(?:notice|care|miss me) if i (?:was|were|'m) gone|planned (?:it|my death|to die)",
    ], hurt=("crisis", "ambulance", "police")),
    _rule(K.SELF_HARM, 2, ("crisis", "police"), [
        rf"(?:站|坐|蹲|爬|骑)(?:在|到|上)[^,.!?]{{0,8}}{_HIGH}[^,.!?]{{0,3}}(?:边上|边缘|外面|外侧|外边)",
        rf"(?:站|坐|蹲|爬|骑)(?:在|到|上)[^,.!?]{{0,8}}(?:栏杆|护栏|桥栏|窗台|楼沿)上?|{_HIGH}(?:边上|边缘|外侧|外面)[^,.!?]{{0,3}}(?:站|坐|蹲)",
        r"遗书|遗言|(?:说|想|要|准备)要?跳(?=[,.!?;了]|$)|(?:这个世界|世界上|大家)[^,.!?]{0,3}没有我",
        r"(?:今天|今晚|今天晚上|明天|马上|现在)就?(?:结束|了断|解脱)(?=[,.!?;了吧]|$)",
        r"最后一次(?:跟|和|给)[^,.!?]{0,6}(?:说话|联系|打电话|发消息)",
        r"(?:是个?|成了|就是个)(?:累赘|拖累|废物)|没有我[^,.!?]{0,4}(?:更好|会好|更幸福)|不在了[^,.!?]{0,4}(?:更好|会好)",
    ]),
    _rule(K.SELF_HARM, 1, ("crisis", "police"), [
        rf"(?:站|坐|爬)(?:在|到|上)[^,.!?]{{0,4}}{_HIGH}|往下(?:跳|看)|跳下(?:去|来)|往前一步|一步就(?:结束|解脱)",
        r"道别|告别|永别|下辈子|来世|先走了|最后一次(?:跟|和|给)|这辈子就这样|再见了|说(?:一)?声?再见|(?:以后)?(?:也)?不会再见(?:了|面)",
        r"再也见不到|后事|遗嘱|(?:都|全)?(?:安排|交代|托付)(?:好了|给)|(?:都|全)(?:安排|交代|托付)(?:好)?了|(?:不用|别|不要)(?:再)?找(?:我|她|他)",
        r"(?:对不起|抱歉)(?:大家|所有人|你们)|(?:跟|对)(?:大家|所有人|你们|家里人|家人|爸妈|父母|孩子)[^,.!?]{0,4}(?:对不起|抱歉)",
        r"别劝我|不要劝我|别拦我|这些年[^,.!?]{0,6}(?:照顾|陪伴)|谢谢[^,.!?]{0,4}(?:一直以来|这些年)|写好了?[^,.!?]{0,6}信",
        r"已经想好了|已经决定了|下定决心|想解脱|(?:想|要|准备)(?:就)?(?:结束|解脱)了?" + _ENDS + r"|就(?:都)?结束了" + _ENDS,
        r"(?:让我|想|要)(?:安静地|悄悄地?|永远)?离开(?:这个世界|吧|了)?" + _ENDS + r"|准备[^,.!?]{0,3}走(?:了|吧)?" + _ENDS,
        r"麻烦(?:任何人|大家|别人)|不想再?(?:给[^,.!?]{0,4})?添麻烦|不想再?撑|撑不下去|撑不住了|受够了|没有(?:一点|任何)?希望|好痛苦",
        r"活[得着][^,.!?]{0,3}(?:太|好|真)?累|(?:门窗|窗户)[^,.!?]{0,3}(?:封|堵)",
        r"written a note|standing on (?:the )?(?:bridge|roof|ledge|edge)|goodbye",
    ], unless=r"去世|过世|逝世|病逝|丧|葬|殡|出国|离职|毕业|搬家|退休|调走|辞职|欢送"),
    _rule(K.SELF_HARM, 2, ("crisis", "police"), [  # following someone who died
        r"(?:跟|随)[^,.!?]{0,4}一起(?:走|去)|(?:去陪|想陪|要陪)(?:我)?(?:爸|妈|他|她|老伴)"], needs=r"去世|过世|死了|走了|不在了"),
    _rule(K.SELF_HARM, 0, ("crisis", "police"), [
        rf"在{_HIGH}|在(?:江边|河边|海边|湖边|桥上|水库边)", r"不对劲|很反常|(?:说了些|说些)奇怪的话|受不了了"]),
    _rule(K.SELF_HARM, 2, ("crisis", "police"), [r"(?:想|要|准备)[^,.!?]{0,3}(?:走|跳|冲)进(?:去|水里|河里|海里|江里)"],
          needs=_WATER),
    # -- fire: flames (2), intensity unless cooking (2), mentions (1); smoke unless a harmless source (2 / 1)
    _rule(K.FIRE, 2, ("fire",), [
        r"着火|着伙了|自燃|爆燃|起火|失火|烧起来|燃起来|烧着了|火势|火光|明火|救火|(?<![蹲坐躺站趴跪靠扶])着起来|引燃|(?:失|起|着)了火",
        r"(?:看到|看见|有|冒|窜出|蹿出|往外[蹿窜冒])火苗|火苗(?:窜|蹿)|火苗子?[^,.!?]{0,4}(?:[0-9一二三四五六七八九十两几]+米)?高",
        r"(?<!气得)(?<!心里)冒火(?!花|气)|(?:喷|窜|蹿)(?:出)?火(?!车|锅|花|气)|(?:好像|像是|似乎)(?:是)?火(?=[,.!?;了]|$)",
        r"火[^,.!?]{0,10}(?:蔓延|烧过来|烧到|窜到|蹿到|往[^,.!?]{0,6}烧)|火[^,.!?]{0,4}(?:老高|很高|好高|冲天|很旺|好旺|旺)",
        r"(?:全是|都是|一片|一团)火(?!车|锅|腿|柴|候)|火星子?[^,.!?]{0,3}(?:乱?[冒溅飞]|往下掉|掉下来|四溅)|冒火星|火[^,.!?]{0,4}起来了",
        r"(?:轮胎|电线|插排|插座|线路|电瓶|电池|电动车|充电器?|充电宝)[^,.!?]{0,8}(?:着了|烧了|烧起来|冒火)",
        r"(?:垛|堆|棚|麦秸|稻草|树|草|房|屋|车|楼|店|厂|仓库|山|林|机器|设备|电器|电视|冰箱|空调|线|箱|柜|床|沙发|被子|窗帘|锅)"
        r"[^,.!?睡]{0,2}(?<![睡找急接见碰用等看搁够借])着了",
        r"(?:阳台|房子|屋|楼|车|仓库|店|厂房|山|树林|垃圾)[^,.!?]{0,3}在烧|烧(?:黑|焦|穿|塌)了|烧得(?:噼里啪啦|很旺|很大|厉害)",
        r"火[^,.!?]{0,4}(?:上来了|窜上来)|把[^,.!?]{0,6}(?:点着|点燃|烧着)了?|(?:快|要|已经)烧到(?:房子|楼|屋|家|这边|我们)",
        r"on fire|caught fire|there'?s a fire|a fire (?:in|at|on)",
        r"flames|(?:is|are) burning|burning (?:building|house|car)",
    ], hurt=("fire", "ambulance")),
    _rule(K.FIRE, 2, ("fire",), [r"火(?:很|好|太|挺|特别|越来越|越烧越)(?:大|旺|猛)"], hurt=("fire", "ambulance"),
          unless=r"做菜|炒菜|做饭|烧菜|炖|灶火|油烟|厨师|炉火|篝火|烧烤"),
    _rule(K.FIRE, 1, ("fire",), [r"火灾|火警|大火|有火(?!车)|在(?:燃)?烧(?!饭|水|菜|纸|香|烤|开水|炭|秸秆|垃圾|钱)",
                                 r"\bfire\b|alarm is going off"], hurt=("fire", "ambulance")),
    _rule(K.FIRE, 2, ("fire",), [
        r"浓烟|(?:全|都)是[黑浓白]?烟|(?<!烟囱)冒烟了|满(?:屋|楼|房间|走廊)[^,.!?]{0,3}烟|烟[^,.!?]{0,3}看不清|(?:往外|往上|滚滚|直)冒[^,.!?]{0,2}烟",
        r"(?:门缝|楼道|走廊|楼梯|窗户?|屋里|房间|电梯|通风口|插座|电线|电箱|配电箱)[^,.!?]{0,4}(?:冒|进|有|往[^,.!?]{0,2}冒|飘)[^,.!?]{0,2}烟",
        r"smoke (?:everywhere|is (?:coming|pouring|filling)|coming)",
        r"smoke[^.]{0,10}(?:pouring|billowing|filling)|(?:black|thick) smoke",
    ], hurt=("fire", "ambulance"), unless=_SMOKE_SOURCE),
    _rule(K.FIRE, 1, ("fire",), [
        r"冒(?:黑|白|浓)?烟|烟(?:很|好|太|特别)大|烟[^,.!?]{0,4}(?:灌|涌|呛|往上|进屋)|黑烟|烟是黑的|(?:烧焦|焦糊|糊|焦)的?味|\bsmoke\b",
    ], hurt=("fire", "ambulance"), unless=_SMOKE_SOURCE),
    _rule(K.FIRE, 0, ("fire",), [r"(?:大家|人|我们)[^,.!?]{0,3}(?:在)?往外跑|疏散|逃出来|跑出来",
                                 r"(?:还有|有)(?:一个|几个|人)?[^,.!?]{0,3}没(?:跑)?出来"]),
    # -- gas: a leak, a smell, an alarm (2); signs that need a second one when gas is named (1); alarms beeping (0)
    _rule(K.GAS, 2, ("gas", "fire"), [
        _GAS + r"[罐管道灶表阀门]{0,3}[^,.!?费]{0,3}(?:泄漏|泄露|泄了|漏气|外泄|在漏|漏得|漏了(?=[,.!?;啊呀吧]|$))",
        _GAS + r"[^.]{0,20}(?:泄漏|泄露|漏气)", r"漏(?:了)?" + _GAS, _GAS + r"管道?[^,.!?]{0,4}(?:断|破|裂)了",
        r"(?:闻到|有|是|一股|满屋子?|全是|都是|很|好|特别)[^,.!?]{0,6}" + _GAS + r"[^,.!?]{0,2}味",
        _GAS + r"[^,.!?]{0,2}味[^,.!?]{0,3}(?:很|好|太|特别|越来越)?(?:大|重|浓|冲|刺鼻)",
        _GAS + r"[^.]{0,12}(?:嘶嘶|(?<!没)有味|味儿)", _GAS + r"报警器[^,.!?]{0,3}(?:响|叫)",
        _GAS + r"[^,.!?]{0,4}(?:灶|阀)[^,.!?]{0,4}关不(?:了|掉)火",
        r"smell(?:s|ing)? (?:of |like )?gas|gas (?:leak|smell)|leaking gas|gas is leaking",
        r"gas (?:pipe|line|main|tank|cylinder)[^.]{0,10}(?:burst|broke|leak|ruptured|damaged|explod)",
    ], hurt=("gas", "fire", "ambulance")),
    _rule(K.GAS, 1, ("gas", "fire"), [
        _GAS + r"[^,.!?]{0,2}味|臭鸡蛋|熏(?:倒|晕)|熏得[^,.!?]{0,3}(?:晕|倒)|闻到[^,.!?]{0,10}味|头(?:疼|痛|晕)|恶心",
        r"(?:像是?|好像是?|应该是|估计是)" + _GAS + r"|嘶嘶|呲呲|滋滋|哧哧|咝咝|呼呼|往外(?:喷|冒|漏)|(?:喷|冒|漏)白?气|(?:一直|在|还在)漏(?!水|雨)",
        _GAS + r"[^,.!?费]{0,4}(?:管|阀|罐|灶)[^,.!?]{0,8}(?:断|破|裂|爆|关不了|关不上|关不住|关不掉|坏了)",
        r"(?:都是|全是|满是)[^,.!?]{0,3}味|(?:一股|有股|有)[^,.!?]{0,2}味|味道?[^,.!?]{0,2}(?:越来越|很|特别|好)(?:浓|大|重|冲)",
    ], hurt=("gas", "fire", "ambulance"), needs=_GAS),
    _rule(K.GAS, 0, ("gas", "fire"), [_GAS + r"(?:报警器|表|探测器)?[^,.!?]{0,4}(?:在响|响了|响个不停|一直响)"]),
    # -- live wires, collapses, explosions, falling objects (2); people trapped or buried, bare "塌了" (1)
    _rule(K.ELECTRIC_COLLAPSE, 2, ("fire", "police"), [
        r"(?:电线|高压线|电缆)[^,.!?]{0,4}(?:掉|断|落|垂|耷拉|冒火花|打火|着)|电线杆[^,.!?]{0,2}倒|冒火花",
        _STRUCTURE + r"(?:往下|[^,.!?的下皮砖灰漆]){0,4}(?:塌|倒了|垮|倒下来|砸下来|刮下来|吹下来|(?:整个|整块|一大块)掉下来)",
        r"(?:山坡|土坡|山)[^,.!?]{0,3}(?:滑下来|塌下来|垮了)|倒塌|坍塌|塌方|泥石流|(?:山体)?滑坡|(?:地面|路面)塌陷|(?:矿|井下|坑道|巷道)[^.]{0,10}(?:没上来|没出来|被困|困住)",
        r"(?:落石|石头|山石|巨石)[^,.!?]{0,6}(?:滚下来|砸|压)|树[^,.!?]{0,4}(?:倒|断)[^,.!?]{0,4}(?:砸|压)",
        r"砸(?:到|伤|中|倒)了?[^,.!?]{0,3}" + _PERSON + r"|被炸(?:伤|死|飞)|爆炸|炸(?:开|塌|飞|毁)了|" + _GAS + r"[罐管道灶]{0,2}爆",
        r"(?:变电箱|配电箱|电箱|变压器|锅炉|煤气罐|气罐|罐子|电瓶|电池|高压锅|锅)[^,.!?]{0,3}(?:爆了|炸了|爆炸)",
        r"(?:building|house|roof|ceiling|wall|bridge|floor|balcony|stage|scaffold\w*)[^.]{0,30}(?:collapsed|caved in)",
        r"(?:wall|roof|ceiling|tree|building|balcony) (?:fell|collapsed|came down) on|explosion|exploded|power lines? (?:is |are )?(?:down|fell|fallen|came down)|live wire",
    ], hurt=("fire", "ambulance", "police")),
    _rule(K.ELECTRIC_COLLAPSE, 1, ("fire", "police"), [
        r"被(?:压|埋)(?:在|住)|困在(?:里面|下面|废墟)|(?:压|埋)在(?:下面|底下|里面|废墟)|(?<![要得])炸了|埋了|轰的一声",
        r"(?:还有人|有人)[^,.!?]{0,4}(?:没(?:跑|逃)?出来|出不来|困在(?!车))|(?:底下|下面|里面)(?:还)?有(?:人|工人)",
        r"泥[^,.!?]{0,4}冲下来|有人[^,.!?]{0,3}掉(?:下去|进去)|(?:路面|地面|马路)[^,.!?]{0,3}(?:塌|陷)|塌了|塌下来",
        r"trapped (?:under|in the rubble|beneath)|buried|stuck under|pinned under|(?:fell in|came down|fell down) on",
    ], hurt=("fire", "ambulance", "police")),
    _rule(K.ELECTRIC_COLLAPSE, 0, ("fire", "police"), [r"里面(?:还)?(?:有|住着)[^,.!?]{0,4}(?:人|老人)"]),
    _rule(K.ELECTRIC_COLLAPSE, 1, ("fire", "police"), [r"漏电"], hurt=("ambulance", "fire")),
    _rule(K.ELECTRIC_COLLAPSE, 2, ("ambulance", "fire"), [  # electrocution
        r"触电|被电(?:到|击|打|住|倒|晕|伤|死|得|了)|电(?:死|晕)了|(?:漏电|电到|电击)[^.]{0,12}(?:倒地|倒在|晕|不动)|electrocuted"]),
    # -- drowning: in the water and in trouble, swept away, under and not up, floating
    _rule(K.DROWNING, 2, ("ambulance", "police"), [
        r"溺水|落水|有人跳(?:河|江|湖|海)|淹死|翻船|船翻了|(?:船|艇|筏|竹排)[^,.!?]{0,4}翻了|呛(?:了)?水|捞上来[^,.!?]{0,4}(?:没|不)",
        r"被[^,.!?]{0,4}(?:浪|水|河水|大水|洪水|急流|激流|山洪|离岸流|潮水|水流|漩涡)[^,.!?]{0,3}(?:卷|冲|带|吸)(?:走|下去|跑|到|进|出去)",
        r"(?:水|河|湖|江|海|塘)里[^,.!?]{0,6}(?:挣扎|扑腾|喊救命|呼救|沉(?:下去|底|了|没))|被困在[^,.!?]{0,4}(?:礁石|河心|江心|沙洲|水中|孤岛)",
        r"在(?:水|河|江|洪水|海)里[^,.!?]{0,4}(?:抱着|抓着|扒着|漂)|(?:抱着|抓着|扒着)[^,.!?]{0,4}(?:树|木头|石头)[^,.!?]{0,3}在(?:水|河|江)里",
        r"(?:河|湖|江|海|水|池|塘|水库|沟)里[^,.!?]{0,3}(?:漂|浮)着[^,.!?]{0,3}(?:人|尸体)|(?:游泳|下水)[^,.!?]{0,6}(?:抽筋|沉)",
        r"沉(?:下去|到水里)了|冒头[^,.!?]{0,6}沉|往下沉|沉了下去|沉底",
        rf"(?:{_PERSON}|车){_GAP}(?:(?:掉|跌|滑|摔|栽|落)(?:进|到|入|下)?|(?:冲|开|翻)(?:进|到|入|下))了?[^,.!?]{{0,3}}{_WATER}",
        _PERSON + r"[^,.!?]{0,6}跳(?:到|进|入|下)了?[^,.!?]{0,2}(?:河|湖|江|海|水库|塘)",
        _PERSON + r"[^,.!?]{0,8}(?:漂|浮|趴|泡)在[^,.!?]{0,3}水|(?:脸|头)朝下[^,.!?]{0,3}(?:漂|浮|趴)",
        r"(?:水|河|池|塘|沟|江|湖|海)里[^.]{0,12}(?:头朝下|脸朝下|不动了|一动不动)",
        r"(?:车|人)[^,.!?]{0,6}(?:被困|困在)[^,.!?]{0,8}(?:积水|水里|洪水)|水[^,.!?]{0,3}(?:淹到|没过)[^,.!?]{0,3}(?:车窗|车顶|脖子|胸口|腰)",
        rf"(?:{_WATER}|潜水|游泳|下水|跳水)(?:(?!{_NOT_IN_GAP})[^.]){{0,24}}"
        r"(?:没(?:有|再)?(?:浮|冒)?上来|没(?:看见|看到)[^,.!?]{0,2}(?:浮|冒)?上来|跳下去|没冒头|没(?:浮|冒)出来|上不来|回不来|看不到了|看不到人|看不见了|不见了|人没了|没影了|被困"
        r"|(?:掉|滑|跌|栽)下去|(?:翻|冲|开|掉)进去|被(?:卷|冲|吸)(?:走|进去|下去)|只(?:回来|剩|上来)了?(?:一个|一)|扑腾|挣扎|喊救命|呼救)",
        rf"{_WATER}[^.]{{0,8}}车[^,.!?]{{0,4}}(?:翻|冲|开|掉)(?:进去|下去|进)",
        rf"drown|{_EN_PERSON}\b[^.]{{0,10}}\b(?:fell|fallen|jumped|slipped) (?:in|into)",
        rf"swept away|(?:fell|fallen) through the ice",
        r"(?:jump|jumped|jumps|fell|fallen) (?:off|from|into) (?:the |a )?(?:bridge|pier|river|water|sea|lake)|overboard|pulled under|current (?:took|pulled|swept)|went under|(?:hasn'?t|has not|not) come (?:back )?up",
        r"isn'?t coming up|fell off the (?:pier|boat|bridge|dock|jetty)",
        r"struggling in the (?:water|river|sea|lake|pool)",
    ]),
    _rule(K.DROWNING, 2, ("ambulance", "police"), [
        _PERSON + r"[^.]{0,8}(?:漂|浮)(?:在|着)|(?:漂|浮)(?:在|着)[^.]{0,4}(?:一动不动|不动)"], needs=_WATER),
    # -- violence (domestic when a family member is involved, see _domestic): harm being done now, weapons, threats
    _rule(K.VIOLENCE, 2, ("police",), [
        r"家暴|(?:开水|热水|汽油|硫酸|热油)[^,.!?]{0,3}(?:泼|浇)|(?:泼|浇)(?:了)?汽油",
        _FAMILY + r"[^,.!?]{0,6}" + _HIT_OBJ + r"(?:了|着)?" + _VICTIM, r"被我?" + _FAMILY + r"[^,.!?]{0,2}" + _HIT_OBJ,
        _FAMILY + r"[^,.!?]{0,4}(?:拿刀|拿着刀|动手|动刀)",
        r"(?:拿|持|举|掏|抄|握|挥|提|揣|带)(?:着|出|起)?了?(?:一把|把|根|一根|个)?[^,.!?切削剁]{0,2}" + _WEAPON,
        r"(?:用|拿)[^,.!?]{0,3}刀[^,.!?]{0,2}(?:捅|砍|刺|扎|划)|砍人|捅人|(?:被人?|把人)(?:砍|捅)(?![^,.!?]{0,4}棵)|捅了.{0,2}刀",
        r"动刀|持械|械斗|斗殴|殴|打群架|打起来了|(?:还|在|又)打人|打人了|(?:还|就|又)动手|动起手|吊起来打|绑起来打|往死里打",
        _ONGOING + r"[^,.!?]{0,4}" + _HIT, r"在" + _HIT, r"在[^,.!?哪]{1,8}" + _HIT_OBJ + _VICTIM,
        _GROUP + r"[^,.!?]{0,10}" + _HIT, r"追着[^,.!?]{0,6}(?:" + _HIT + r"|砍)",
        _HIT + r"(?:了|得)[^,.!?]{0,6}(?:还没停|不停|好几分钟|半天|凶|狠|厉害|头破血流|满脸是血|鼻青脸肿|起不来|不行了)",
        r"把" + _VICTIM + r"(?:按|摁|压|堵|逼|拖|拉|拽|带)[^,.!?]{0,6}" + _HIT,
        r"把" + _VICTIM + r"(?:打|揍|踢|砍|捅|砸)(?:晕|伤|倒|死|出血|骨折|流血|昏)", r"(?:堵|围|按|关|拖)在[^,.!?]{0,6}(?:打|揍|踢|欺负)",
        r"把" + _VICTIM + r"的?[^,.!?]{0,3}(?:往|朝)[^,.!?]{0,4}(?:撞|砸|摔|推)|把我的?[^,.!?]{0,3}(?:抓|挠|打|砸|踢|咬)得",
        r"(?:头|脑袋|脑壳)[^,.!?]{0,2}(?:打|砸|砍)(?:破|伤|开)|(?:扯|揪|拽|抓)(?:着)?我?的?头发|(?:要|想)(?:砸|打|砍|杀|捅)(?:死)?我",
        r"(?:" + _ONGOING + r"|在)(?:砸|撬|踹)[^,.!?]{0,3}(?:我|车窗|车门|玻璃|窗户|门|车)|撬[^,.!?]{0,4}(?:门|锁)|入室|闯进",
        r"(?:翻墙|翻窗|爬窗|撬窗)(?:进|爬进)?|(?:翻|爬|溜|钻)进(?:了)?(?:我家|家里|院子|屋)",
        r"抢劫|打劫|抢(?:银行|金店|商店|超市)|抢包|飞车抢|被抢了|(?<![是像跟])抢(?!购|票|单|修|救|红包|答|先|跑|占|镜|手|眼|车位)(?:劫|走|了)?[^,.!?]{0,8}"
        r"(?<!红)(?:包|手机|钱|项链|金链|首饰)|把我的?(?:包|手机|钱包|项链|金链|首饰|耳环)(?:抢|扯|拽|夺)(?:走|了)",
        r"(?:让|叫|逼|要)我(?:把)?[^,.!?]{0,3}(?:钱|手机)(?:交|拿|给)|打砸|绑架|劫持|挟持|非法拘禁|强奸|性侵|猥亵|动手动脚|耍流氓|非礼",
        r"(?:拖|拽|拉)(?:上|进)了?车|(?:塞|拖|拽|拉|推|绑)(?:进|上)了?[^,.!?]{0,3}(?:车|后备箱|面包车)",
        r"被(?:一个|几个|那个|个)?(?:男人|男的|女的|人|他|陌生人|坏人|几个人)[^,.!?]{0,3}(?:拖|拽|拉)(?:进|到)",
        r"在[^,.!?]{0,6}(?:堵|拦|摸|跟着)我|还在追|在追我|追着我|(?:一路|一直)跟着我|跟(?:了|着)我[^,.!?]{0,6}(?:好几|一路|好久|半天)",
        r"尾随|跟踪我|要杀(?:人|我)|杀人了|杀了人|杀了我|打死人|(?:弄|打|砍)死我|开枪|有人要打我",
        r"(?:说|要|扬言|威胁|喊着)[^,.!?]{0,8}(?:杀了|弄死|砍死|打死|捅死|(?:砸|闯|冲|打)进来|烧了|烧死|放火|点了)",
        r"把我(?:锁|关)(?:在|起来)(?!门外|外面)|被[^,.!?]{0,5}(?:锁|关)(?:在|起来)(?!门外|外面)|不让我(?:走|下车|出去|离开|出门|回家)",
        r"^[ \n!~]*(?:(?:救命|快来人|来人|救救我)[啊呀哇!~ \n]*)+$",  # a bare cry for help: police, the general number
        r"^[ !.,]*(?:please )?help(?: me)?[ !.,]*$",
        _EN_PERSON + r"\b[^.]{0,25}\b(?:is|are|'s|'re|keeps?)\s+(?:hitting|beating|attacking|punching|kicking|stabbing"
        r"|choking|strangling|chasing|robbing)",
        r"(?:are|is|'re|'s) (?:beating|hitting|attacking|punching|kicking|stabbing|hurting) (?:up )?"
        r"(?:someone|somebody|an? |him|her|me|people|my )",
        r"(?:with|has|holding|pulled out|waving) (?:a |an )?(?:knife|knives|gun|guns|machete|weapon)",
        r"(?:was|were|am|just|been|being|got) (?:just )?(?:attacked|stabbed|robbed|mugged|shot|beaten|assaulted"
        r"|punched)",
        r"(?:hit|punched|kicked|slapped|choked|stabbed|beat|beating|abusing) me\b|won'?t let me (?:leave|go|out|call)",
        r"(?:being|been) abused|locked me (?:in|up)",
        r"threaten(?:ing|ed|s)? to (?:kill|hurt|stab|shoot)|(?:going|wants?) to kill me",
        r"(?:i'?m|i am|we'?re|we are) (?:locked|trapped|tied up|being held) in|kidnapped me|broke into|break(?:ing)? into|break-in|intruder|i'?m hiding|trying to get in|(?:pushed|threw|shoved) me",
    ], hurt=("police", "ambulance")),
    _rule(K.VIOLENCE, 2, ("police",), [r"(?:喊|叫|呼|尖叫)[^,.!?]{0,2}救命"], hurt=("police", "ambulance"),
          unless=r"河|湖|江|海|水里|池|塘|水库|游泳"),  # someone crying for help, not in the water
    _rule(K.VIOLENCE, 1, ("police",), [
        r"尖叫|惨叫|哭喊|打架|打人|要打人|动手了|虐待|拉扯|摔东西|砸东西|威胁我|快报警|帮我报警|救救我|不放人|偷偷发的|传销",
        r"被[^,.!?]{0,8}(?:打|揍|砍|捅|踢|掐|砸|刺|扎)了?|用[^,.!?]{0,4}" + _WEAPON + r"[^,.!?]{0,2}(?:拍|砸|打)",
        _HIT_OBJ + r"(?:了|着)?" + _VICTIM, r"(?:一直|不停)[^,.!?]{0,2}(?:敲|砸|踹|撞)[^,.!?]{0,3}门|(?:踹|砸|撞)[^,.!?]{0,3}门",
        r"(?:往|朝)[^,.!?]{0,4}(?:拖|拽)|(?:按|摁|压)(?:在|倒在?)地上|(?:摸|亲|抱住|搂)我|躲(?:在|进)[^,.!?]{0,8}(?:不敢|里)",
        r"手机[^,.!?]{0,2}被(?:他们)?(?:收|没收|抢)|被(?:一群人|几个人|[0-9一二三四五六七八九十两几]+个人|人|他|她|他们|陌生人)"
        r"[^,.!?]{0,3}(?:堵|围|绑|拖|按|拦)(?:在|住|起来|着)",
        r"(?:being|been) followed|following me|stalking me|getting closer|\bfight(?:ing)?\b|hitting me",
        r"\b(?:hits|beats|hitting|beating|punching|kicking) (?:my|me|her|him|his|a|the|someone)\b",
    ], hurt=("police", "ambulance")),
    # -- traffic: a person hit, run over or trapped by a vehicle (2); a crash (1)
    _rule(K.TRAFFIC_INJURY, 2, ("traffic", "ambulance"), [
        r"被[^,.!?]{0,6}车[^,.!?]{0,3}(?:撞|碾|轧|压|刮倒|带倒|蹭倒|卷)(?!歪|坏|断|凹|瘪|弯)|车[^,.!?]{0,3}(?:侧翻|翻了|翻到|翻进|翻下)",
        r"出车祸了|车祸现场|翻车了|肇事逃逸|人[^,.!?]{0,2}飞出去|(?:人|他|她|孩子|老人)被撞了|(?:人|腿|孩子|老人)被车?(?:压|碾|轧)",
        r"车[^,.!?]{0,6}(?:冲进|冲向|冲上|撞进|开进)[^,.!?]{0,3}(?:人群|人行道|学校|店|商店|超市)",
        r"(?:卡|困|夹)在(?:车里|车内|驾驶室|车厢)|车里[^,.!?]{0,4}出不来|(?:压|卷|卡)(?:在|到|进)(?:车|车轮|车底|轮子)[^,.!?]{0,2}(?:下|底)",
        r"撞(?:倒|飞|伤|到)?了?(?:一个|个|一位|位|两个|几个)?[^,.!?]{0,4}?" + _PERSON + r"(?![^,.!?]{0,2}(?:的|家))",
        r"车[^.]{0,12}把[^,.!?]{0,10}(?:撞|碾|轧|卷|压)(?:倒|飞|伤|了|到|进)",
        r"车[^,.!?]{0,3}(?:压|碾|轧)(?:到|住|了)[^,.!?]{0,4}" + _PERSON,
        r"hit by an? (?:car|truck|bus|van|motorbike|vehicle|taxi|lorry)"
        r"|(?:car|truck|bus|van|motorbike|motorcycle|taxi|lorry) (?:has )?(?:just )?(?:hit|ran over|run over|knocked down)",
    ]),
    _rule(K.TRAFFIC_INJURY, 1, ("traffic", "ambulance"), [
        r"车祸|车货|撞车|相撞|车[^,.!?]{0,2}撞了|撞在一起|追尾|交通事故|被撞了|(?:冲上|冲进|开上)人行道",
        r"(?:car|motorbike|motorcycle|bike|truck|bus|traffic|road) (?:crash|accident)|crashed|\baccident\b",
    ]),
    # -- missing person: gone (2); not back yet (1, needs a family word and a cue); age, vulnerability (0)
    _rule(K.MISSING_PERSON, 2, ("police",), [
        _PERSON + _GAP + r"(?:(?<!看)不见了|走丢|走失|走散|失踪|迷路|找不到了|找不着了|没找(?:着|到)人|不知道(?:人)?(?:去哪|在哪)"
        r"|被人?拐|被[^,.!?]{0,8}(?:抱|拐|带|领|骗)(?:走|上车|进车))",
        _PERSON + _GAP + r"丢了(?=[,.!?;~啊呀哇吧]|$)",
        _PERSON + _LONG_GAP + r"(?:(?<!看)不见了(?!人影)|找不(?:到|着)人?了?" + _ENDS + r"|走丢了|走散了)",
        r"(?:拐卖|拐走|偷走|抢走|抢)了?(?:孩子|小孩|娃|宝宝)|(?:把|将)[^,.!?]{0,4}(?:孩子|小孩|娃|宝宝|儿子|女儿)给?(?:抱走|拐走|带走|抢走)",
        r"被[^,.!?]{0,8}(?:拉|拽|拖|塞)(?:上|进)了?[^,.!?]{0,4}车|少了(?:一个|个|两个|一)(?:人|孩子|学生|小孩)?" + _ENDS,
        r"(?:一转眼|一眨眼|转眼|一回头|一扭头|转身|一转身|回头)[^,.!?]{0,6}(?:人)?就?(?:没了|不见了)",
        _VULNERABLE + r"[^.]{0,30}(?:没回来|没回家|找不到|找不着|没找(?:着|到)|不见|走丢|走失|联系不上|关机|打不通"
        r"|不知道(?:去哪|在哪)|跑(?:出去|丢|了))",
        rf"(?:{_EN_FAMILY}|boy|girl|grand\w+)\b[^.]{{0,20}}\b(?:is|has gone|went|got|has been|been) (?:missing|lost)"
        r"(?! in (?:the )?(?:thought|homework|maths?|book|game|music)| (?:school|class|work|lessons))",
        r"can'?t find my (?:[0-9]+[ -]year[ -]old )?(?:little )?(?:child|son|daughter|kid|mom|dad|mother|father)|kidnapped|abducted|wandered off",
        r"(?:took|taken|grabbed|snatched) (?:my|a|the) (?:child|son|daughter|kid|baby)",
    ]),
    _rule(K.MISSING_PERSON, 1, ("police",), [
        rf"(?:{_KIN}|{_PARTNER}|朋友|同学|他|她){_LONG_GAP}(?:还?没(?:有)?(?:回来|回家|到家|到校|回宿舍)|(?:她|他)没到|一夜没回)",
        r"(?:联系不上|失联|电话打不通|关机)(?![^,.!?]{0,2}的)|(?:根本)?没(?:去|到)(?:[^,.!?]{0,4}(?:学校|托管|班|上学|幼儿园|同学家))?" + _ENDS,
        r"没(?:人)?见(?:到|过)(?:她|他)|离家出走|还?没(?:有)?(?:消息|音讯)|下落不明|找了(?:一|半|好几|几)?(?:天|个?小时|晚上|夜|上午|下午)",
        r"(?:到处|哪儿都|哪里都|四处)[^,.!?]{0,3}(?:找不到|找不着|找遍|没找到)|都找过了",
        r"(?:didn'?t|did not|hasn'?t|has not|never) (?:come|came|get|got|returned?|made it) (?:home|back)",
        r"hasn'?t returned",
        r"has not returned|hasn'?t come back|left home",
        r"can'?t (?:reach|find) (?:her|him|them)|ran off|run away|ran away",
    ], needs=rf"{_KIN}|{_PARTNER}|{_EN_FAMILY}"),
    _rule(K.MISSING_PERSON, 0, ("police",), [
        r"(?:才|只有|今年)?[一二三四五六七八九十两0-9]{1,2}岁|(?:电话|打电话)[^,.!?]{0,3}(?:不接|没人接|打不通)", _VULNERABLE],
          needs=rf"{_KIN}|{_EN_FAMILY}"),
    # -- medical: a critical state (2); symptoms and states that need a cue or a second sign (1, 0)
    _rule(K.MEDICAL, 2, ("ambulance",), [
        r"晕倒|昏倒|晕过去|昏过去|昏迷|不省人事|休克|抽搐|口吐白沫|抽过去|抽风|惊厥|抽起来了|癫痫|羊癫疯|(?:病|哮喘)[^,.!?]{0,2}(?:犯了|发作)",
        r"(?:叫|喊|拍|摇|推)[^,.!?]{0,4}(?:不醒|不应|不答应|没(?:有)?反应|没(?:有)?声音?|没动静|不出声|没(?:什么|啥)反应)",
        r"没(?:有|了)?(?:呼吸|心跳)|没(?:有|了)?(?:意识|知觉)(?!到)|不喘气|呼吸[^,.!?]{0,3}(?:很弱|微弱|很浅|停了|没了)",
        _PERSON + _GAP + r"没气了|" + _PERSON + r"[^,.!?]{0,2}不行了|(?<![机脑池])快不行了",
        r"(?:呼吸|喘气|出气)[^,.!?]{0,4}(?:困难|费劲|急促|不上来|不过来)|喘不(?:上|过|动)(?:气|来)|上不来气|透不过气",
        r"(?:嘴唇|嘴|脸色?|脸都|皮肤)[^,.!?]{0,3}(?:紫|发青|发黑|发乌)|(?:吃|喝|咽|吞)[^,.!?]{0,6}(?:卡住|噎住|呛住)|噎住了|卡(?:住了?|在)喉咙",
        r"心脏骤停|心梗|心肌梗|心脏病(?:犯了|发作|发了)|中风|脑溢血|脑出血|突然不会说话|半边身子|半身(?:麻|动不了)|嘴歪|嘴[^,.!?]{0,2}歪",
        r"(?:左|右|半|一)边(?:身子|身体|手|脚|脸|胳膊|腿)[^,.!?]{0,4}(?:抬不起|没力气|没劲|动不了|麻|不听使唤)|(?:手|腿|胳膊)[^,.!?]{0,2}抬不起来",
        r"(?:头|脑袋)[^,.!?]{0,2}(?:疼|痛)得?要?(?:炸|裂)|(?:浑身|全身)[^,.!?]{0,2}(?:抽|发抖|哆嗦)|眼睛[^,.!?]{0,3}(?:翻|直了)",
        r"(?:突然|一下子)[^,.!?]{0,4}(?:倒下|倒地|栽|瘫倒|瘫了)|" + _PERSON + r"[^,.!?]{0,12}(?:就|突然|一下子?)倒(?:了|下|地)|晕(?:倒)?在(?!家)",
        _PERSON + _GAP + r"(?:倒|躺|趴|瘫)在(?:地上|地下|路边|路上|门口|家门口|血泊|楼梯)",
        r"吐血|大出血|(?:血流|流血)不(?:止|停)|止不住血|血止不住|血流满面|(?:嘴|口)里[^,.!?]{0,2}(?:有|吐|流|冒)血",
        r"(?:流了|出了|吐了)(?:好多|很多|一地|一大滩|一身)的?血|血流了(?:一身|一地|好多|很多)|(?:一直|还在|不停地?)在?(?:流|出)血",
        r"血[^,.!?]{0,2}(?:一直|不停)[^,.!?]{0,2}流|血[^,.!?]{0,3}(?:往外冒|往外流|往外喷|喷出来|流个不停|哗哗|直流|直冒)",
        r"(?:头|脸|身|浑身|满身|满脸|地)上?[^,.!?]{0,2}都是血|(?:满身|满脸|浑身|一身|满地)是血|(?:都|全)是血|一地(?:的)?血",
        r"骨头都?(?:戳|露|刺)出来|(?:胳膊|腿|手|骨头)[^,.!?]{0,3}断了|(?:扎|刺|戳)(?:穿|透)了?|头破了|头(?:磕|撞)破|被[^,.!?]{0,4}推下(?:楼梯|楼|去)",
        r"(?:脖子|颈椎|脊椎|腰)[^,.!?]{0,3}(?:动不了|不能动|没知觉)",
        r"(?:手|胳膊|腿|头发|衣服)[^,.!?]{0,3}被[^,.!?]{0,6}(?:绞|卷|夹|轧)(?:进去|住|断|了)",
        r"(?:半边|整个|一大片|大面积|全身)[^,.!?]{0,4}(?:起泡|烫伤|烧伤|都烫)",
        r"从[^,.!?]{1,8}(?:摔|跌|坠)(?:下来|下去)|" + _PERSON + _GAP + r"从[^,.!?]{1,8}(?:掉|滚)(?:下来|下去)|坠楼",
        r"(?:摔|跌)(?:倒|下来)[^,.!?]{0,4}(?:起不来|不动了|动不了)",
        r"中毒|误(?:食|吃|服|喝|吞|饮)|把[^,.!?]{0,8}(?:吞|咽)下去了|(?:吞|咽)了[^,.!?]{0,4}(?:电池|磁铁|硬币|钉|针)",
        r"(?:孩子|小孩|宝宝|儿子|女儿)[^,.!?]{0,4}(?:吃|喝|吞)了[^,.!?]{0,6}(?:药|电池|消毒液|洗衣|农药)",
        r"(?:喝|吃|吞)了[^,.!?]{0,6}(?:消毒液|洗衣液|洁厕灵|汽油|漂白|干燥剂)|漂着(?:一个|个)?(?:人|尸体)",
        r"(?:怀孕|孕妇|怀着)[^.]{0,20}(?:流血|出血|破水|见红|剧痛|肚子(?:疼|痛)|摔)|羊水破了|要生了",
        r"孩子[^,.!?]{0,3}出来(?:了)?一半|(?:在家|路上|车上)[^,.!?]{0,4}(?:生了|生孩子)",
        r"叫救护车|(?:打|叫|拨)了?120|120(?:怎么)?还?(?:没|不)来",
        r"(?:not|isn'?t|stopped|is not) breathing|can'?t breathe",
        r"barely breathing|(?:trouble|difficulty|struggling) breathing",
        r"unconscious|unresponsive|passed out|fainted|heart attack|(?:having a|had a) (?:stroke|seizure)|overdos",
        _EN_PERSON + r"\s+(?:has\s+|just\s+)?collapsed",
        r"(?:call|send|need) an ambulance|bleeding (?:heavily|badly|a lot)",
        r"(?:swallowed|ingested|drank) (?:some |a )?(?:bleach|poison|pesticide|pills|battery|detergent)",
        r"in labou?r|baby is coming|waters? (?:has |have )?broken?|giving birth|asthma attack|allergic reaction|anaphyla",
        r"inhaler (?:isn'?t|is not|not) working",
    ]),
    _rule(K.MEDICAL, 1, ("ambulance",), [
        r"救护车(?![^,.!?]{0,3}(?:进不|开不|收费|费|太贵))|急救车|受了?重伤|烫(?:伤|了)|烧伤|起了?[^,.!?]{0,3}(?:大泡|水泡)",
        r"皮都?(?:掉|脱)了|掉了[^,.!?]{0,3}皮|皮[^,.!?]{0,3}掉了|(?:划|割|砍|扎|磕|摔)(?:了|开|破)?[^,.!?]{0,4}(?:大口子|口子)",
        r"(?:摔|跌|滚|掉)下来|(?:摔|跌)倒|止不住" + _ENDS + r"|在流血|流血了|身上[^,.!?]{0,2}(?:有|是)血",
        r"(?<!得)(?<!得我)(?:胸口|心口|胸)[^,.!?]{0,2}(?:疼|痛|闷)|胸痛|心脏?跳得[^,.!?]{0,3}(?:快|厉害|乱)|心慌",
        r"满头[^,.!?]{0,2}汗|冷汗|大汗淋漓|(?:出|冒)汗|(?<!得)说不出话|说话[^,.!?]{0,2}不清|话(?:也|都)?说不清(?:了|楚了)|口齿不清|说话含糊",
        r"(?:倒|躺|趴|瘫)在(?:地上|地下)|倒地|倒下了|躺着(?:一个|个)人|倒着(?:一个|个)人|躺着不动|不动了|一动不动",
        r"动不了|起不来|(?:爬|站|坐)不起来|站不稳|走不稳|往一边(?:倒|歪)|(?:坐|站)不住了?|头一歪|翻白眼|眼睛[^,.!?]{0,3}上翻",
        r"迷迷糊糊|迷迷瞪瞪|迷糊了|神志不清|意识不清|反应(?:很|特别)?(?:慢|迟钝)|(?:一直|都|也|完全)?没(?:有)?(?:什么|啥)?反应",
        r"晕了|头(?:很|好|特别)?晕|看不(?:见|清)(?:东西)?(?=[,.!?;了]|$)|中暑|剧痛|(?:疼|痛)得[^,.!?]{0,5}(?:受不了|打滚|不行|动不了|直不起)",
        r"疼得直哭|手[^,.!?]{0,2}(?:一直|不停)?(?:抖|发抖)|(?:一直|不停)(?:吐|呕吐)|开始吐|吐了(?=[,.!?;]|以后|之后)",
        r"一直抽(?!烟)|抽个不停|在抽(?!烟|奖|水|血|签|查|风机)|(?:4[0-2]|四十[一二]?)度|全身(?:起包|起疹子|肿)|肿起来",
        r"肿得(?:很|好)?(?:厉害|大)|脸色[^,.!?]{0,2}(?:很|好)?难看|脸色?[^,.!?]{0,2}(?:惨白|苍白|煞白)|嘴唇?[^,.!?]{0,2}(?:白了|发白)",
        r"叫[^,.!?]{0,2}(?:他|她)[^,.!?]{0,2}(?:不理人|只会哼|没反应)|说胡话|砸到了?(?:头|脖子|腰)",
        r"死了没有|还活着吗|生孩子了|(?:屋|家)里[^,.!?]{0,4}(?:有味|臭|异味)",
        r"\bbleeding\b|\bambulance\b|chest pains?|sweating|vomiting",
        r"throwing up|confused|dizzy|swelling|hit (?:his|her|my) head",
        r"\bfell\b|can'?t (?:move|get up)|not moving|isn'?t moving|won'?t wake",
    ]),
    _rule(K.MEDICAL, 0, ("ambulance",), [  # only with another sign: a bite, a fracture, an old person not seen for days
        r"被[^,.!?]{0,4}(?:蛰|蜇|咬)|骨折|(?:敲门|打电话)[^,.!?]{0,4}(?:没人应|没人开|不应|没反应|没人接)",
        r"(?:好几天|两天|三天|几天)没(?:出门|见|露面|动静)",
    ]),
)
_RULE_ORDER = {rule: index for index, rule in enumerate(_RULES)}

# ---------------------------------------------------------------- preparation tables
# Cantonese (and Sichuan 遭 = 被) → Mandarin, applied in order after normalisation (longer entries first).
_DIALECT: tuple[tuple[str, str], ...] = (
    ("唔见咗", "不见了"), ("起唔到身", "起不来"), (r"(?:跌|踩)咗?落(?=[河水海塘井池湖江泳])", "掉进"), ("咗喺", "在"),
    ("出咗街", "出门"), ("咗", "了"), ("唔郁", "不动"), ("唔", "不"), ("喺", "在"), ("冇", "没"), ("佢哋", "他们"), ("佢", "他"),
    ("屋企", "家"), ("点算", "怎么办"), ("点样", "怎么"), ("嘅", "的"), ("嚟", "来"), ("睇住", "看着"), ("睇", "看"),
    ("[搵揾]", "找"), ("瞓", "躺"), ("而家", "现在"), ("朝早", "早上"), ("未返", "没回来"), ("成个人", "整个人"), ("攰", "累"),
    ("喇", "了"), ("啦", "了"), ("斩", "砍"), ("冧", "塌"), ("跌亲", "摔伤"), ("跌低", "摔倒"), ("成身", "浑身"), ("老豆", "爸"),
    ("老母", "妈"), ("阿爷", "爷爷"), ("阿嫲", "奶奶"), ("细路", "小孩"), (r"(?<=[我你他她])个仔", "儿子"),
    (r"(?<=[我你他她])个女(?![孩人生士])", "女儿"), ("火烛", "着火"), ("打交", "打架"), ("好大烟", "烟很大"),
    ("好惊", "好害怕"), ("揸住", "拿着"), ("[畀俾]人", "被人"), ("活落去", "活下去"), (r"遭(?=[人车他她狗了])", "被"),
    (r"(?<!不)([打烧漏流冒追])紧", r"在\1"),
)
_DIALECT_RE = tuple((re.compile(pattern), repl) for pattern, repl in _DIALECT)
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_SOFT_BREAK = re.compile(r"…+|\.{3,}|~+")
# Harmless phrases that contain a trigger; blanked out before matching.
_HARMLESS = re.compile(
    r"跳楼价|跳楼(?:大)?甩卖|跳楼大促|油烟机|落水狗|救命钱|救命稻草|救命恩人|剧本杀|火车|火锅|打不着火|点不着火|着不了火|不着火|肝火"
    r"|上火|发火|火气|发烧|高烧|低烧|烧烤|烧饭|烧水|烧菜|烧纸|烧香|中风险|落水管|漏电保护|漏电开关|气炸|炸鸡|炸串|油炸|炸酱|爆炸头"
    r"|爆炸性|信息爆炸|(?:是|像|跟|简直|直接)抢钱|(?:没有?|无)人?员?(?:受伤|伤亡)|没受伤|人没事|抽烟|吸烟|香烟|烟头|烟花|烟酒"
    r"|电子烟|楼市|股市|塌房|连人(?:影)?都找不[到着]|困在电梯|电梯[^,.!?]{0,4}困|(?:树|枝|竹子)[^,.!?]{0,3}被人?砍"
    r"|(?:老板|包工头|商家|店家|中介|房东|开发商|负责人|物业|居委会|村委会|社区|单位|公司|客服|师傅|维修工|部门|商场|学校|医院|"
    r"快递|外卖|工作人员|管理处|业委会)[^,.!?]{0,12}(?:找不到|找不着|联系不上|打不通|关机|不接)"
    r"|(?:狗|猫|动物|路灯杆|灯杆|电线杆|树|护栏|栏杆)[^,.!?]{0,2}被[^,.!?]{0,3}车?撞"
    r"|fire (?:alarm|extinguisher|insurance|drill|station|department|exit|door|safety|hydrant)"
    r"|(?:气|烦|累|热|冷|饿|吵|困|笑|急|恨|羡慕)得?我?(?:都)?想死|(?:路面|地面|路基|马路|人行道|路上)[^,.!?]{0,2}塌陷出?了?(?:一个|个|好几个|几个)?[大小]?[坑洞]"
)

# ---------------------------------------------------------------- cues
_CLAUSE_END = re.compile(r"[,.!?;\n]")
_PRESENT = re.compile(
    r"现在|正在|一直在|刚|今天|今晚|今早|救我(?!们)|快来|快点|赶快|赶紧|马上|立刻|救命|来人|快救|急急|此刻|这会儿|还在|在线等"
    r"|快报警|还没停|又开始|越来越|越烧越|帮帮我|\bnow\b|\bhelp\b|please (?:come|send)|\bquick"
)
_URGENT = re.compile(
    r"突然|急死|急坏|急疯|着急|快派|快叫|一整天|一晚上|一整夜|一夜|天(?:都)?黑了?|(?:晚上|夜里|半夜|凌晨)[^,.!?]{0,3}[0-9一二三四五六七八九十]+点"
    r"|(?:[0-9]+|[一二三四五六七八九十两几半]+)个?多?(?:钟头|小时)|getting dark|it'?s dark|\bhurry|emergency"
)
_PAST_TIME = re.compile(
    r"上个?月|上周|上星期|上礼拜|去年|前年|以前|之前|曾经|那时候?|当时|前几天|前些天|前阵子|上次|小时候|昨天|前天|后来"
    r"|(?:[0-9]+|[一二三四五六七八九十两几多]+)个?(?:年|月)前|(?<!since )last (?:year|month|week|night)|(?<!since )yesterday"
    r"|(?:years?|months?|weeks?) ago|used to"
)
_RESOLVED = re.compile(
    r"已经?(?:处理|修好|解决|调解|灭|扑灭|结束|没事|出院|去世|过去|找到|救上来|送医|送到医院)|(?:处理|修|解决|调解)好了|调解了"
    r"|(?:火|已经|被|给)[^,.!?]{0,2}灭了|找到了|救上来了|没事了|(?<![走跑飞游冲爬开])过去了|住院了|出院了|还没修|没修好"
    r"|(?:都|一直)没修|医院说|医生说|误报|(?<!有)没事(?!吧|吗|儿)|擦破|一点皮|点皮|小伤|皮外伤|(?:it'?s|fire is|is) (?:out|over)\b|(?<!n't )(?<!nt )(?<!not )put (?:it )?out"
)
_HYPOTHETICAL = re.compile(
    r"如果|假如|假设|万一|要是|一旦|怎么预防|如何预防|预防|防止|避免|防范|以防|防走|危险|会不会|容易|是否|建议|差点|差一点|险些"
    r"|幸好|还好|随时|提前|一点点|轻微|稍微|偶尔|有时候?|可能会|迟早|应该(?!是)|加装|认为|遇到|\bif\b|in case|how (?:do|can|to)"
    r"|prevent|avoid"
)
_WORRY = re.compile(r"(?<![害可恐])怕|担心|(?:^|(?<=[,.!?;\s我你他她们妈爸娘爹子人]))以后|将来")  # a fear, the future
_FIGURATIVE = re.compile(r"[气笑急累吓愁烦恨热冷饿困忙馋穷]得(?!快)")  # "气得我胸口疼", "热得我想跳河"
_HEARSAY = re.compile(r"听说|据说|网上说|视频里")
_RISK = re.compile(r"风险|隐患|安全问题")  # anywhere in the trigger's clause: "着火风险大"
_NEGATION = re.compile(r"(?:没有?|不是|不会|别|未|无|防|非|\bno|\bnot|n't|never)\s*$")
_WHEN = re.compile(r"的?时候|时(?:应该|怎么|要|该)")  # right after the trigger: "着火的时候应该往哪跑"
_FRAME = re.compile(
    r"新闻|电视上|电视剧|电影|小说|网上说|是真的吗|谣言|梦见|梦到|做梦|游戏里|论文|研究|调研|课题|开玩笑|哈哈|\blol\b|haha"
    r"|\bnews\b|movie|\bfilm\b|dream|\bgame\b|novel|joke|kidding"
)
_PROCEDURE = re.compile(  # fees, claims, applications, repairs, courses: a question about the topic, not a call
    r"赔|庇护所|法律|心理咨询|后遗症|残疾证|能办|报销|认定|鉴定|办理|手续|什么材料|哪些材料|流程|证明|申请|补办|补贴|补助|工伤"
    r"|政策|规定|标准|费用|收费|多少钱|要钱吗|要不要钱|哪里买|哪儿买|去哪买|怎么买|要不要装|安装|报名|招聘|考试|保险|起诉|诉讼"
    r"|律师|离婚|取证|抚养|投诉|请假|责任|原因是什么|什么原因引起|原因调查|调查结果|调查报告|污染|知识|讲座|培训|宣传|演练|演习"
    r"|隐患|怎么领|医保|社保|能报|报吗|康复|登记|能算|算不算|说法|不承认|追究|查处|整改|保修|检测|来修|修一下|修好|电工"
    r"|什么时候(?:修|通|能|开)|打(?:什么|哪个|几号)电话|电话是多少|哪个部门|归[^,.!?]{0,8}管|第一时间|详细解答|想知道|了解一下"
    r"|明天(?:能|可以|来)|改天|有空|insurance|claim|\bfees?\b|\bcosts?\b|price|\bpays?\b|apply|application|benefit"
    r"|(?<!of )\bcourses?\b|training|where do i|report it"
)
_HABITUAL = re.compile(r"天天|每天|经常|总是|老是|每晚|(?<!一)整天|三天两头")
_HURT = re.compile(
    r"受伤|受了伤|伤了|伤者|伤员|流血|出血|血流|砍伤|捅伤|烧伤|烫伤|骨折|昏迷|晕|倒在地上|躺在地上|不动了|一动不动|被困|困在"
    r"|出不来|出不去|下不去|逃不出|压在|埋在|被压|被埋|头破|看不见了|送医院|都是伤|砸伤|砸到人|打肿|打伤|还有人|没(?:跑)?出来"
    r"|血(?!压|糖|脂|型|检|常规)|bleeding|injured|\bhurt\b|trapped|unconscious|not moving|lying (?:in|on)"
)
_SEVERE = re.compile(r"严重(?!影响)|很重|伤得重|厉害|大片|really strong|badly")
_ACTED = re.compile(  # self-harm already done: the crisis line and an ambulance
    r"(?:吃|喝|吞|服)了(?:" + _LOTS + r"|农药|百草枯|安眠药|老鼠药)|割(?:腕|脉)?了|已经(?:吃|喝|割|吞|服|跳|划)|流了?(?:好多|很多)?血"
    r"|血[^,.!?]{0,3}流|烧[了着]?炭|上吊了|药(?:都|全)(?:吃|吞)了|跳(?:楼|下去|河)了|划了"
)
_DOMESTIC_ANYWHERE = re.compile(
    rf"家暴|{_PARTNER}|{_FAMILY}[^,.!?]{{0,2}}(?:又|喝醉|喝多|发酒疯|发疯)|我(?:和|带着|抱着|跟)(?:{_KIN})"
    r"|又(?:开始|在|要)?(?:打|掐|动手)|又开始了|喝(?:完|醉|多)[^,.!?]{0,4}就?(?:打|动手)|husband|wife|boyfriend|girlfriend|partner"
    r"|step(?:father|dad|mother)|my (?:dad|father|mum|mom|mother|brother|son|stepdad|ex)\b"
    r"|\b(?:hit|hits|beat|beats|beating|hitting) me again"
)
_DOMESTIC_IN_CLAUSE = re.compile(_FAMILY)
_BOOSTED_BY_HURT = {K.FIRE, K.VIOLENCE, K.TRAFFIC_INJURY, K.ELECTRIC_COLLAPSE, K.DOMESTIC_VIOLENCE}
_DIGITS = re.compile(r"\d{4,}")


def _prepare(text: str) -> tuple[str, str]:
    """Simplified, half-width, lower-case Mandarin text with clause breaks marked: as is (for ``unless``), and with
    harmless look-alike phrases blanked out (for everything else)."""
    simple = normalize(text or "").replace("著", "着").replace("，", ",").replace("。", ".").lower()
    for pattern, repl in _DIALECT_RE:
        simple = pattern.sub(repl, simple)
    chunks = sorted(len(chunk) for chunk in _CJK_SPACE.split(simple))
    # Spaces between every word or two ("有人 在 我家门口 一直 踹门") join; between phrases they break clauses.
    simple = _CJK_SPACE.sub("" if len(chunks) >= 3 and chunks[len(chunks) // 2] <= 3 else ",", simple)
    simple = _SOFT_BREAK.sub(",", simple)
    return simple, _HARMLESS.sub(lambda m: "_" * len(m.group()), simple)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the clause (between punctuation) around ``text[start:end]``."""
    before = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
    after = _CLAUSE_END.search(text, end)
    return (before[-1] if before else 0), (after.start() if after else len(text))


def _clauses_after(text: str, end: int, count: int) -> int:
    """The end of the ``count``-th clause break after ``end`` (the end of the text if there are fewer)."""
    for found, match in enumerate(_CLAUSE_END.finditer(text, end), start=1):
        if found == count:
            return match.start()
    return len(text)


def _is_past(text: str, start: int, end: int, since: bool) -> bool:
    """Past or resolved: the aspect "过" after the trigger; a past-time word in its clause (one before the trigger
    only counts with no present cue between: "去年…现在又着火了" is current); a resolution in the next clauses.
    ``since``: a past time is when an absence began ("昨天晚上没回家"); only the aspect and a resolution count."""
    if text[end:end + 1] == "过" and text[end + 1:end + 2] not in ("来", "去"):  # not "蔓延过来"
        return True
    clause_start, clause_end = _clause(text, start, end)
    markers = [] if since else list(_PAST_TIME.finditer(text, clause_start, clause_end))
    markers += _RESOLVED.finditer(text, clause_start, _clauses_after(text, end, 3))
    for marker in markers:
        if marker.start() < end and marker.end() > start:
            continue  # part of the trigger itself ("晕过去了")
        if marker.start() >= end or not _PRESENT.search(text, marker.end(), start):
            return True
    return False


def _penalty(rule: _Rule, text: str, start: int, end: int) -> int:
    """What the look-alike signs around ``text[start:end]`` take off (see the module docstring)."""
    if _WHEN.match(text, end):
        return 3
    clause_start, clause_end = _clause(text, start, end)
    before = text[clause_start:end]  # the clause up to the trigger's end: "他办个防走失", "糊涂了,怕他以后走丢"
    self_harm = rule.kind is K.SELF_HARM
    penalty = 3 if _is_past(text, start, end, since=rule.kind is K.MISSING_PERSON) else 0
    if (_FIGURATIVE.search(before) or _HEARSAY.search(before) or _RISK.search(text, clause_start, clause_end)
            or _NEGATION.search(text[max(0, start - 6):start])
            or (not self_harm and (_WORRY.search(before) or _HYPOTHETICAL.search(before)))):
        penalty += 3
    if (not self_harm or rule.base < 3) and _PROCEDURE.search(text, clause_start):
        penalty += 2
    if not self_harm and _HABITUAL.search(text, clause_start, clause_end):
        penalty += 2
    return penalty


def _domestic(text: str, start: int, end: int) -> bool:
    """Violence at home: a family member in the trigger's clause, or a domestic sign anywhere."""
    clause_start, clause_end = _clause(text, start, end)
    return bool(_DOMESTIC_ANYWHERE.search(text) or _DOMESTIC_IN_CLAUSE.search(text, clause_start, clause_end))


def assess_emergency(text: str) -> EmergencyAssessment | None:
    """Recognise an emergency or crisis in a citizen message; ``None`` when there is none (see the module docstring)."""
    simple, prepared = _prepare(text)
    if not prepared.strip(" ,_"):
        return None
    now = bool(_PRESENT.search(prepared) or _URGENT.search(prepared))
    cues = now + ("!" in prepared) + bool(_SEVERE.search(prepared))
    hurt = bool(_HURT.search(prepared))
    frame = 3 if _FRAME.search(prepared) else 0  # news, dreams, jokes anywhere
    candidates: list[tuple[_Rule, re.Match[str], int, int]] = []  # rule, match, score before corroboration, penalty
    for rule in _RULES:
        if (rule.needs and not rule.needs.search(prepared)) or (rule.unless and rule.unless.search(simple)):
            continue
        for match in rule.pattern.finditer(prepared):
            if match.group().strip(" ,_"):
                penalty = _penalty(rule, prepared, *match.span()) + frame
                bonus = cues + (hurt and rule.kind in _BOOSTED_BY_HURT)
                candidates.append((rule, match, rule.base + bonus - penalty, penalty))
    best: tuple[int, int, _Rule, re.Match[str]] | None = None
    for rule, match, score, _ in candidates:
        corroborated = any(other.kind is rule.kind and not other_penalty  # a second, separate sign of the same kind
                           and (m.end() <= match.start() or m.start() >= match.end())
                           for other, m, _, other_penalty in candidates)
        if rule.base == 0 and not corroborated:
            continue  # a supporting sign counts only next to another one
        score += corroborated
        if score >= THRESHOLD and (best is None or (score, -_RULE_ORDER[rule]) > best[:2]):
            best = (score, -_RULE_ORDER[rule], rule, match)
    if best is None:
        return None
    _, _, rule, match = best
    kind = K.DOMESTIC_VIOLENCE if rule.kind is K.VIOLENCE and _domestic(prepared, *match.span()) else rule.kind
    injured = bool(_ACTED.search(prepared)) if kind is K.SELF_HARM else hurt
    services = rule.hurt_services if injured else rule.services
    evidence = re.sub(r"_+", "…", _DIGITS.sub("*", match.group().strip(" !~,")))
    logger.info("emergency recognised: %s (%s), services %s", kind.value, evidence, ",".join(services))
    return EmergencyAssessment(kind, services, evidence)
