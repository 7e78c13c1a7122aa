"""Emergency and crisis recognition for citizen messages: compositional rules plus a small scoring rule, no ML.

``assess_emergency(text)`` returns an :class:`EmergencyAssessment` (the kind, the emergency services to name,
most important first, and the trigger phrase) or ``None``. It runs before anything else on every message
(docs/decisions.md), so it must be high-recall on real emergencies and quiet on look-alikes.

Rules are built from vocabularies, not from whole phrases: *who or what is in danger* (a person, a child, a
building, a vehicle, water ...) + *a critical state or a harmful action* (倒地/叫不醒/没呼吸, 打/掐/砍/拖/抢, 冲走/
漂在水面, 塌/压住, 冒火/浓烟, 燃气味 ...) + *it is happening now*. How a message is scored:

1. The text is normalised (full-width, traditional → simplified), Cantonese words are mapped to Mandarin
   (晕咗 → 晕了, 唔 → 不, 喺 → 在), spaces between Chinese words and "…" become clause breaks, and harmless phrases
   that contain a trigger ("跳楼价", "火锅", "打不着火", "抽烟") are blanked out. English is matched as it is.
2. Every rule that matches gives a candidate. A rule may need a context somewhere in the message (``needs``: a
   water word for "还没上来", a vehicle for "把人撞倒") and may be ruled out by one (``unless``: a funeral for
   "后事安排好了"). Base 3 = self-harm statements (high recall), 2 = a critical state or harmful action on its own,
   1 = a weak sign that needs a cue or a second sign.
3. Cues raise it by one each: now or urgent ("现在", "正在", "还没停", "救命", "突然", "help"); "!"; a severity
   word ("严重", "厉害"); an injury (fire, violence, traffic, collapse); a second, separate sign of the same kind
   (胸口疼 + 满头大汗, 道别 + 不用找我 + 安排好了, 一股臭鸡蛋味 + 像是煤气).
4. Look-alike signs lower it, and only near the trigger: a past-time word in the trigger's own clause with no
   present cue between ("上个月…" at the start of a long message does not count against "现在着火了"), the
   aspect "过", a resolution in the next clauses ("已经灭了", "找到了"); a hypothetical, preventive, worried,
   figurative or negating word before it in its clause ("如果", "防", "担心", "气得", "没有"), a risk word in its
   clause ("隐患"), hearsay in its clause ("听说") (all −3); news, dreams, jokes, research anywhere (−3); a
   procedure question (fees, claims, applications) in or after its clause (−2) except for self-harm statements;
   a habitual word in its clause ("天天", "经常") −2.
5. The best candidate scoring ≥ 2 wins; ties go to the rule listed first. Violence with a family member in the
   trigger's clause, or a domestic sign anywhere ("家暴", "我和孩子", "又开始打我", "husband"), is domestic
   violence. Services are the rule's, or the rule's ``hurt`` services when someone is hurt (self-harm: has
   already acted, e.g. "吃了一瓶安眠药").

Gas explosions, live wires and collapses share the kind ``electric_collapse`` (docs/decisions.md). A bare cry
for help ("救命！！") with nothing else is ``violence`` with the police, the general emergency number.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum

from nlu.normalize import normalize

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
    unless: re.Pattern[str] | None  # must not occur anywhere in the message


def _rule(kind: EmergencyKind, base: int, services: tuple[str, ...], phrases: list[str],
          hurt: tuple[str, ...] | None = None, needs: str | None = None, unless: str | None = None) -> _Rule:
    return _Rule(kind, base, services, hurt or services, re.compile("|".join(phrases)),
                 re.compile(needs) if needs else None, re.compile(unless) if unless else None)


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


K = EmergencyKind
# ---------------------------------------------------------------- vocabularies (who / what / how)
_KIN = _any("孩子", "小孩", "娃", "伢", "崽", "宝宝", "儿子", "女儿", "闺女", "老人", "老爷子", "老太太", "老头", "老太",
            "爸", "妈", "娘", "爹", "爷", "奶", "姥", "外公", "外婆", "老伴", "老公", "媳妇", "老婆", "弟", "妹", "哥", "姐",
            "外甥", "侄", "孙")
_PERSON = _any("有人", _KIN, "学生", "同学", "朋友", "同事", "室友", "邻居", "工人", "男的", "女的", "男人", "女人",
               "女孩", "男孩", "小伙子?", "姑娘", "大爷", "大妈", "阿姨", "叔叔", "阿伯", "小哥", "骑手", "行人", "路人",
               "骑车的", "开车的", "路过的",
               "孕妇", "他", "她", "人(?!家|员)")
# A gap between a person and what happened to them that names no object or negation ("她手机不见了").
_NOT_IN_GAP = r"没|不是|手机|钱包|钥匙|证|卡|车|狗|猫|宠物|东西|快递|行李|票|包|书|手表|档案|材料|资料|文件|记录|合同|发票"
_GAP = rf"(?:(?!{_NOT_IN_GAP})[^,.!?;的]){{0,6}}"
_LONG_GAP = rf"(?:(?!{_NOT_IN_GAP})[^.!?的]){{0,30}}"
_PARTNER = _any("老公", "丈夫", "(?:我|俺)家?男人", "(?:我|俺)家?当家的", "男朋友", "男友", "女朋友", "女友", "对象", "老婆", "媳妇", "妻子", "前夫",
                "前妻")
_FAMILY = _any(_PARTNER, "继父", "继母", "后爸", "后妈", "公公", "婆婆", "姐夫", "嫂子", "爸", "爹", "妈", "娘", "儿子", "哥",
               "弟", "姐", "妹")
_VULNERABLE = _any("痴呆", "阿尔茨海默", "阿尔兹海默", "糊涂", "认知障碍", "智力障碍", "智障", "失智", "自闭症", "记性不好",
                   "抑郁", "精神病", "精神分裂", "精神疾病", "脑子不(?:太)?(?:清楚|好使)", "不认路", "记不住", "记性不(?:太)?好",
                   "dementia", "alzheimer", "autis")
_WATER = _any("河", "湖", "江", "海", "水", "池", "塘", "水库", "井(?!下)", "沟", "渠", "冰窟窿", "冰面")
_GAS = _any("煤气", "燃气", "然气", "天然气", "液化气", "石油气", "瓦斯", "煤汽", "沼气", "调压箱", "调压柜", "钢瓶", "气罐")
_STRUCTURE = _any("房子", "房屋", "楼", "墙", "屋顶", "房顶", "天花板", "吊顶", "顶棚", "棚", "阳台", "雨棚", "楼板",
                  "楼梯", "脚手架", "广告牌", "桥", "隧道", "塔吊", "吊车", "山体", "土坡", "厂房", "屋", "基坑", "坑",
                  "沟槽", "矿", "车库", "地下室", "围挡")
_HIGH = _any("楼顶", "天台", "顶楼", "屋顶", "房顶", "窗台", "窗户外", "阳台外", "桥上", "大桥", "桥栏", "栏杆", "护栏",
             "楼沿", "高架")
_WEAPON = _any("刀(?!具)", "剪刀", "匕首", "斧", "棍", "棒", "砖", "铁锹", "枪", "锤", "酒瓶", "钢管", "凳子", "椅子",
                "锄头", "擀面杖", "扳手", "石头", "铁棍")
_SMOKE_SOURCE = (r"烧烤|烤炉|烤串|烤肉|油烟|排烟|烟囱|工厂|厂子|作坊|烧纸|烧香|焚烧|秸秆|做饭|炒菜|抽烟|吸烟|香烟|烧垃圾|熏|蚊香"
                 r"|烟花|鞭炮|炮仗|barbecue|bbq|cigarette")
_LOTS = r"(?:一整?(?:瓶|盒|板|把)|半(?:瓶|盒|板)|整(?:瓶|盒|板)|一大把|全部|所有|好多|很多|几十|\d{2,})"
# Violent verbs: "打" only when it is not 打电话 / 打扫 / 打针 / 打麻将 ...
_NOT_HIT = ("算|扫|听|开|折|卡|车|的|工|印|针|电话|个电话|牌|球|篮球|麻将|扑克|游戏|羽毛球|乒乓|太极|拳|招呼|包|扰|理|交道|"
            "不通|通|过来|给|烊|赌|字|雷|呼噜|喷嚏|哈欠|嗝|猎|鱼|水|饭|气|分|疫苗|量|造|磨|款|钱|点|官司|火|药|底|"
            "探|折扣|蜡|退|发|消|破|动|中|进|出|响|滑|转|湿|伞|酱油|架子|地铺|比方|桩|钻|零|孔|洞|闹|井|杂|草稿|结")
_HIT = rf"(?:殴打|揍|踹|踢(?!球|毽|足球|腿)|掐|勒|砍(?!树|价|柴|伐|竹)|捅(?!马蜂)|打(?!{_NOT_HIT}))"
_HIT_OBJ = rf"(?:{_HIT}|抽|烫|扇|咬|扎|刺|砸)"  # also violent with a person as the object ("抽我妈", "烫我孩子")
_VICTIM = (rf"(?:一个|个|一位|几个|那个|这个)?(?:我|人|{_PERSON}|店员|收银员|保安|司机|老板|他们)"
           r"(?![^,.!?]{0,3}(?:电话|手机))")
_ONGOING = r"(?:正在|还在|又在|又开始|开始|一直在?|不停地?)"
_GROUP = (r"(?:一群人|一伙人|一帮人|好几个人|几个人|(?:[二三四五六七八九十两几][\d一二三四五六七八九十两几]{0,2}|\d{2,}|[2-9])个"
          r"(?:人|男的|小伙子?)|围着|围住)")
_EN_PERSON = (r"(?:someone|somebody|a (?:man|guy|woman|child|kid|boy|girl|person)|\bhe|\bshe|they|people"
              r"|my (?:son|daughter|child|kid|friend|brother|sister|husband|wife|partner|boyfriend|girlfriend|dad|father"
              r"|mum|mom|mother|grand\w+|neighbou?r))")

# ---------------------------------------------------------------- rules, in priority order (ties: earlier wins)
# Base 0 = a sign that only supports another sign of the same kind (a child's age, "说声再见"), never wins alone.
_RULES: tuple[_Rule, ...] = (
    _rule(K.SELF_HARM, 3, ("crisis", "police"), [
        r"不想再?活", r"(?<!让人)(?<!叫人)(?<!们都)(?<!们都快)(?<!们快)活不下去", r"没有活下去的(?:意义|理由|勇气)",
        r"活着[^,.!?]{0,3}(?:没|有什么|毫无)[^,.!?]{0,2}(?:意思|意义)", r"不想(?:再)?拖累",
        r"没人的地方[^,.!?]{0,4}(?:结束|了断|死)", r"睡下去(?:再)?不醒|一直睡下去|睡着了?(?:就)?(?:再)?不(?:要)?醒", r"活着[^,.!?]{0,4}(?:意思|意义)都没有?",
        r"这一切都?结束", r"活够了", r"想去死", r"(?:我|要|准备|打算)去死", r"想不开",
        r"(?<!得)(?<!得我)(?:^|[,.!?;\s]|我|真|好|很|就|只|都)想死(?![你您他她它我在]|了你)", r"自杀", r"轻生", r"寻死",
        r"自尽", r"结束(?:自己的?)?生命", r"结束这一切", r"了结(?:我?自己)", r"把自己了结", r"了断自己", r"自我了断",
        r"一了百了", r"死了算了", r"不如死了", r"(?:想|要|准备|打算)去?跳(?:楼|搂|河|江|桥|海|湖|崖)", r"有人(?:要|想)?跳楼",
        r"(?:想|要|准备|打算|感觉|觉得|不如|干脆)[^,.!?]{0,6}跳下去", r"(?:楼顶|天台|顶楼|桥上|窗台)[^.]{0,8}不想下去",
        r"从[^,.!?]{0,6}(?:楼|桥|阳台|窗户?|天台|楼顶)[^,.!?]{0,3}跳(?:下去|出去|下来)", r"(?:今晚|今天|马上|现在|等会儿?|待会儿?)就?[^,.!?]{0,4}跳(?:下去|楼|河|江)",
        r"割腕", r"割脉", r"割了?(?:手腕|腕|动脉)", r"(?:手腕|手臂|胳膊)[^,.!?被]{0,4}(?:划|割)(?!破)", r"上吊",
        r"烧[了着]?炭", r"服毒", r"自残", r"伤害自己", r"(?:划|割)伤?自己", r"写好?了?遗书", r"药(?:都|全)(?:吃|吞)了",
        r"(?:攒|囤|买|准备)(?:了|好|够)?了?[^,.!?]{0,3}(?:安眠药|安定|农药|百草枯|老鼠药)", r"药[^,.!?]{0,3}(?:都|全)?(?:攒|囤|准备|买)(?:好|够)了",
        r"(?:不如|干脆|永远)消失|消失算了|从这个世界上?消失|离开这个世界",
        r"(?:吃|吞|服)了?" + _LOTS + r"的?[^,.!?]{0,4}(?:药|安定)", r"(?:吞|服)了?[^,.!?]{0,4}(?:安眠药|安定片)",
        r"(?:喝|吞|服|吃)了?(?:点|些|一瓶|半瓶)?(?:百草枯|农药|老鼠药|敌敌畏|毒药)",
        r"kill (?:myself|himself|herself)|suicid|end (?:my|his|her) (?:own )?life|end it all|want to die|take my (?:own )?life",
        r"(?:do not|don'?t) want to (?:live|be alive)|(?:going to|gonna|want to|about to) jump|cut(?:ting)? my",
        r"point in living|reason to live|better off without me|can'?t go on|end it (?:tonight|today|now)|going to end it",
        r"took (?:all|a bottle of|too many|an overdose)[^.]{0,10}(?:pills|tablets|medication)",
        r"(?:活着|人生|生命|活下去)[^,.!?]{0,3}(?:没|有什么|毫无)[^,.!?]{0,2}(?:意思|意义)|killing (?:myself|himself|herself)",
        r"炭[^,.!?]{0,4}(?:点上|点着|烧上|生上)|(?:点|烧|生)(?:了|上)?炭|不(?:想)?活了",
        r"(?:安眠药|药)[^,.!?]{0,3}睡过去|怎么死|怎样死|死法|(?:taken|took) an overdose",
        r"take all (?:my|the|her|his) (?:pills|tablets|medication)|going to take (?:all|a bottle)",
        r"拿(?:了|着)[^,.!?]{0,4}(?:农药|百草枯|安眠药|老鼠药|敌敌畏)",
        r"结束(?:掉)?自己(?!的)|hang (?:myself|himself|herself)|(?:不想|没法|没办法|没有?勇气|不能)(?:再)?(?:继续)?活下去",
        r"(?:明天|今晚|很快|马上)就?不在了|(?:再也|永远)不(?:想)?醒(?:来|过来)?|去另一个世界|想[^,.!?]{0,4}(?:划|割)(?:下去|自己|手)",
    ], hurt=("crisis", "ambulance", "police")),
    # On the edge of a height; a burden to everyone; a suicide note.
    _rule(K.SELF_HARM, 2, ("crisis", "police"), [
        rf"(?:站|坐|蹲|爬|骑)(?:在|到|上)[^,.!?]{{0,8}}{_HIGH}[^,.!?]{{0,3}}(?:边上|边缘|外面|外侧|外边)",
        rf"(?:站|坐|蹲|爬|骑)(?:在|到|上)[^,.!?]{{0,8}}(?:栏杆|护栏|桥栏|窗台|楼沿)上?",
        rf"{_HIGH}(?:边上|边缘|外侧|外面)[^,.!?]{{0,3}}(?:站|坐|蹲)", r"遗书|遗言", r"(?:说|想|要|准备)要?跳(?=[,.!?;了]|$)", r"(?:这个世界|世界上|大家)[^,.!?]{0,3}没有我",
        r"(?:今天|今晚|今天晚上|明天|马上|现在)就?(?:结束|了断|解脱)(?=[,.!?;了吧]|$)", r"最后一次(?:跟|和|给)[^,.!?]{0,6}(?:说话|联系|打电话|发消息)",
        r"(?:是个?|成了|就是个)(?:累赘|拖累|废物)|没有我[^,.!?]{0,4}(?:更好|会好|更幸福)|不在了[^,.!?]{0,4}(?:更好|会好)",
    ]),
    # Farewell and giving-away signals, despair: two of them, or one with a cue.
    _rule(K.SELF_HARM, 1, ("crisis", "police"), [
        rf"(?:站|坐|爬)(?:在|到|上)[^,.!?]{{0,4}}{_HIGH}", r"往下(?:跳|看)", r"跳下(?:去|来)", r"道别|告别|永别",
        r"后事|遗嘱|(?:都|全)?(?:安排|交代|托付)(?:好了|给)|(?:都|全)(?:安排|交代|托付)(?:好)?了", r"(?:不用|别|不要)(?:再)?找(?:我|她|他)",
        r"(?:对不起|抱歉)(?:大家|所有人|你们)|(?:跟|对)(?:大家|所有人|你们|家里人|家人|爸妈|父母|孩子)[^,.!?]{0,4}(?:对不起|抱歉)",
        r"这辈子就这样|已经想好了|written a note",
        r"下辈子|来世|先走了|最后一次(?:跟|和|给)", r"活着[^,.!?]{0,3}(?:太|好|真)?累", r"(?:门窗|窗户)[^,.!?]{0,3}(?:封|堵)",
        r"别劝我|不要劝我|别拦我|这些年[^,.!?]{0,6}(?:照顾|陪伴)|谢谢[^,.!?]{0,4}(?:一直以来|这些年)",
        r"往前一步|一步就(?:结束|解脱)|就(?:都)?结束了(?=[,.!?;]|$)|活[得着][^,.!?]{0,3}(?:太|好|真)?累",
        r"(?:以后)?(?:也)?不会再见(?:了|面)|再也见不到", r"已经决定了|下定决心|想解脱|不想再?(?:给[^,.!?]{0,4})?添麻烦",
        r"不想再?撑|撑不下去|撑不住了|受够了|说(?:一)?声?再见|再见了|没有(?:一点|任何)?希望|好痛苦",
        r"写好了?[^,.!?]{0,6}信|准备[^,.!?]{0,3}走(?:了|吧)?(?=[,.!?;]|$)|(?:想|要|准备)(?:就)?(?:结束|解脱)了?(?=[,.!?;]|$)",
        r"standing on (?:the )?(?:bridge|roof|ledge|edge)|goodbye",
    ], unless=r"去世|过世|逝世|病逝|丧|葬|殡|出国|离职|毕业|搬家|退休|调走|辞职|欢送"),
    _rule(K.SELF_HARM, 2, ("crisis", "police"), [r"(?:跟|随)[^,.!?]{0,4}一起(?:走|去)|(?:去陪|想陪|要陪)(?:我)?(?:爸|妈|他|她|老伴)"],
          needs=r"去世|过世|死了|走了|不在了"),
    _rule(K.SELF_HARM, 0, ("crisis", "police"), [rf"在{_HIGH}", r"在(?:江边|河边|海边|湖边|桥上|水库边)", r"不对劲|很反常|(?:说了些|说些)奇怪的话"]),
    _rule(K.SELF_HARM, 2, ("crisis", "police"), [r"(?:想|要|准备)[^,.!?]{0,3}(?:走|跳|冲)进(?:去|水里|河里|海里|江里)"],
          needs=_WATER),
    _rule(K.FIRE, 2, ("fire",), [
        r"着火", r"着伙了", r"自燃", r"爆燃", r"起火", r"失火", r"烧起来", r"燃起来", r"烧着了", r"火势", r"火光", r"明火",
r"(?:看到|看见|有|冒|窜出|蹿出|往外[蹿窜冒])火苗",
        r"(?<!气得)(?<!心里)冒火(?!花|气)", r"火[^,.!?]{0,10}(?:蔓延|烧过来|烧到|窜到|蹿到|往[^,.!?]{0,6}烧)",
        r"火[^,.!?]{0,4}(?:老高|很高|好高|冲天|很旺|好旺|旺)|(?:全是|都是|一片|一团)火(?!车|锅|腿|柴|候)|火星子?[^,.!?]{0,2}(?:乱?[冒溅飞])|冒火星",
        r"(?:轮胎|电线|插排|插座|线路|电瓶|电池|电动车|充电器?|充电宝)[^,.!?]{0,8}(?:着了|烧了|烧起来|冒火)",
        r"(?:失|起|着)了火|(?:喷|窜|蹿)(?:出)?火(?!车|锅|花|气)|(?:好像|像是|似乎)(?:是)?火(?=[,.!?;了]|$)",
        r"(?:阳台|房子|屋|楼|车|仓库|店|厂房|山|树林|垃圾)[^,.!?]{0,3}在烧", r"快来救火", r"火苗(?:窜|蹿)",
        r"(?:垛|堆|棚|麦秸|稻草|树|草|房|屋|车|楼|店|厂|仓库|山|林|机器|设备|电器|电视|冰箱|空调|线|箱|柜|床|沙发|被子|窗帘|锅)[^,.!?睡]{0,2}(?<![睡找急接见碰用等看搁够借])着了", r"救火", r"火[^,.!?]{0,4}起来了",
        r"烧(?:黑|焦|穿|塌)了", r"烧得(?:噼里啪啦|很旺|很大|厉害)|火苗子?[^,.!?]{0,4}(?:[\d一二三四五六七八九十两几]+米)?高", r"着起来|把[^,.!?]{0,6}(?:点着|点燃|烧着)了?|引燃", r"火星子?[^,.!?]{0,3}(?:往下掉|掉下来|乱溅|四溅)", r"(?:快|要|已经)烧到(?:房子|楼|屋|家|这边|我们)",
        r"on fire|caught fire|there'?s a fire|a fire (?:in|at|on)|flames|(?:is|are) burning|burning (?:building|house|car)",
    ], hurt=("fire", "ambulance")),
    _rule(K.FIRE, 2, ("fire",), [r"火(?:很|好|太|挺|特别|越来越|越烧越)(?:大|旺|猛)"], hurt=("fire", "ambulance"),
          unless=r"做菜|炒菜|做饭|烧菜|炖|灶火|油烟|厨师|炉火|篝火|烧烤"),
    _rule(K.FIRE, 1, ("fire",), [r"火灾", r"火警", r"大火", r"有火(?!车)", r"在(?:燃)?烧(?!饭|水|菜|纸|香|烤|开水|炭|秸秆|垃圾|钱)", r"\bfire\b|alarm is going off"],
          hurt=("fire", "ambulance")),
    # Smoke on its own, unless the message names a harmless source (a barbecue, a chimney, cooking, incense).
    _rule(K.FIRE, 2, ("fire",), [
        r"浓烟", r"(?:全|都)是[黑浓白]?烟", r"(?:black |thick )?smoke[^.]{0,10}(?:pouring|billowing|filling)|(?:black|thick) smoke", r"(?<!烟囱)冒烟了", r"满(?:屋|楼|房间|走廊)[^,.!?]{0,3}烟|烟[^,.!?]{0,3}看不清",
        r"(?:往外|往上|滚滚|直)冒[^,.!?]{0,2}烟", r"smoke (?:everywhere|is (?:coming|pouring|filling)|coming)",
        r"(?:门缝|楼道|走廊|楼梯|窗户?|屋里|房间|电梯|通风口|插座|电线|电箱|配电箱)[^,.!?]{0,4}(?:冒|进|有|往[^,.!?]{0,2}冒|飘)[^,.!?]{0,2}烟",
    ], hurt=("fire", "ambulance"), unless=_SMOKE_SOURCE),
    _rule(K.FIRE, 1, ("fire",), [
        r"冒(?:黑|白|浓)?烟", r"烟(?:很|好|太|特别)大", r"烟[^,.!?]{0,4}(?:灌|涌|呛|往上|进屋)", r"黑烟|烟是黑的",
        r"(?:烧焦|焦糊|糊|焦)的?味", r"\bsmoke\b",
    ], hurt=("fire", "ambulance"), unless=_SMOKE_SOURCE),
    _rule(K.FIRE, 0, ("fire",), [r"(?:大家|人|我们)[^,.!?]{0,3}(?:在)?往外跑|疏散|逃出来|跑出来",
                                 r"(?:还有|有)(?:一个|几个|人)?[^,.!?]{0,3}没(?:跑)?出来"]),
    _rule(K.GAS, 2, ("gas", "fire"), [
        _GAS + r"[罐管道灶表阀门]{0,3}[^,.!?费]{0,3}(?:泄漏|泄露|泄了|漏气|外泄|在漏|漏得|漏了(?=[,.!?;啊呀吧]|$))",
        _GAS + r"[^.]{0,20}(?:泄漏|泄露|漏气)", r"(?:闻到|有|是|一股|满屋子?|全是|都是|很|好|特别)[^,.!?]{0,6}" + _GAS + r"[^,.!?]{0,2}味",
        _GAS + r"[^,.!?]{0,2}味[^,.!?]{0,3}(?:很|好|太|特别|越来越)?(?:大|重|浓|冲|刺鼻)", _GAS + r"[^.]{0,12}(?:嘶嘶|(?<!没)有味|味儿)",
        _GAS + r"报警器[^,.!?]{0,3}(?:响|叫)", r"漏(?:了)?" + _GAS, _GAS + r"管道?[^,.!?]{0,4}(?:断|破|裂)了",
        r"smell(?:s|ing)? (?:of |like )?gas|gas (?:leak|smell)|leaking gas|gas is leaking",
        r"gas (?:pipe|line|main|tank|cylinder)[^.]{0,10}(?:burst|broke|leak|ruptured|damaged|explod)",
    ], hurt=("gas", "fire", "ambulance")),
    _rule(K.GAS, 1, ("gas", "fire"), [  # signs that need a second one: smell, hiss, a broken pipe, a guess
        _GAS + r"[^,.!?]{0,2}味", r"臭鸡蛋",  r"熏(?:倒|晕)|熏得[^,.!?]{0,3}(?:晕|倒)", r"闻到[^,.!?]{0,10}味", r"头(?:疼|痛|晕)|恶心", r"(?:像是?|好像是?|应该是|估计是)" + _GAS, r"嘶嘶|呲呲|滋滋|哧哧|咝咝|呼呼",
        r"往外(?:喷|冒|漏)|(?:喷|冒|漏)气|(?:一直|在|还在)漏(?!水|雨)",
        _GAS + r"[^,.!?费]{0,4}(?:管|阀|罐|灶)[^,.!?]{0,8}(?:断|破|裂|爆|关不上|关不住|坏了)",
        r"(?:都是|全是|满是)[^,.!?]{0,3}味|(?:一股|有股|有)[^,.!?]{0,2}味|味道?[^,.!?]{0,2}(?:越来越|很|特别|好)(?:浓|大|重|冲)",
    ], hurt=("gas", "fire", "ambulance"), needs=_GAS),
    _rule(K.GAS, 0, ("gas", "fire"), [_GAS + r"(?:报警器|表|探测器)?[^,.!?]{0,4}(?:在响|响了|响个不停|一直响)"]),
    _rule(K.ELECTRIC_COLLAPSE, 2, ("fire", "police"), [  # live wires, collapses, explosions, falling objects
        r"(?:电线|高压线|电缆)[^,.!?]{0,4}(?:掉|断|落|垂|耷拉|冒火花|打火|着)", r"电线杆[^,.!?]{0,2}倒", r"冒火花",
        _STRUCTURE + r"(?:往下|[^,.!?的下皮砖灰漆]){0,4}(?:塌|倒了|垮|倒下来|砸下来|刮下来|吹下来|(?:整个|整块|一大块)掉下来)",
        r"(?:变电箱|配电箱|电箱|变压器|锅炉|煤气罐|气罐|罐子|电瓶|电池|高压锅|锅)[^,.!?]{0,3}(?:爆了|炸了|爆炸)", r"被炸(?:伤|死|飞)",

        r"(?:矿|井下|坑道|巷道)[^.]{0,10}(?:没上来|没出来|被困|困住)",
        r"(?:落石|石头|山石|巨石)[^,.!?]{0,6}(?:滚下来|砸|压)|树[^,.!?]{0,4}(?:倒|断)[^,.!?]{0,4}(?:砸|压)", r"倒塌", r"坍塌", r"塌方", r"泥石流", r"(?:山体)?滑坡",
        r"(?:地面|路面)塌陷", r"砸(?:到|伤|中|倒)了?[^,.!?]{0,3}" + _PERSON, _GAS + r"[罐管道灶]{0,2}爆", r"爆炸", r"炸(?:开|塌|飞|毁)了",
        r"(?:building|house|roof|ceiling|wall|bridge|floor|balcony|stage|scaffold\w*)[^.]{0,30}(?:collapsed|caved in)|explosion|exploded",
        r"power lines? (?:is |are )?(?:down|fell|fallen|came down)|live wire",
    ], hurt=("fire", "ambulance", "police")),
    _rule(K.ELECTRIC_COLLAPSE, 1, ("fire", "police"), [
        r"被(?:压|埋)(?:在|住)", r"困在(?:里面|下面|废墟)", r"(?:压|埋)在(?:下面|底下|里面|废墟)", r"炸了", r"埋了", r"轰的一声",
        r"(?:还有人|有人)[^,.!?]{0,4}(?:没(?:跑|逃)?出来|出不来|困在(?!车))", r"(?:底下|下面|里面)(?:还)?有(?:人|工人)", r"泥[^,.!?]{0,4}冲下来", r"trapped (?:under|in the rubble|beneath)|buried|stuck under|pinned under", r"(?:fell in|came down|fell down) on", r"有人[^,.!?]{0,3}掉(?:下去|进去)",
        r"(?:路面|地面|马路)[^,.!?]{0,3}(?:塌|陷)", r"塌了|塌下来",
    ], hurt=("fire", "ambulance", "police")),
    _rule(K.ELECTRIC_COLLAPSE, 0, ("fire", "police"), [r"里面(?:还)?(?:有|住着)[^,.!?]{0,4}(?:人|老人)"]),
    _rule(K.ELECTRIC_COLLAPSE, 1, ("fire", "police"), [r"漏电"], hurt=("ambulance", "fire")),
    _rule(K.ELECTRIC_COLLAPSE, 2, ("ambulance", "fire"), [r"触电", r"被电(?:到|击|打|住|倒|晕|伤|死|得|了)", r"电(?:死|晕)了", r"(?:漏电|电到|电击)[^.]{0,12}(?:倒地|倒在|晕|不动)",
                                                          r"electrocuted"]),
    _rule(K.DROWNING, 2, ("ambulance", "police"), [
        r"溺水", r"落水", r"有人跳(?:河|江|湖|海)", r"淹死", r"翻船", r"船翻了", r"(?:船|艇|筏|竹排)[^,.!?]{0,4}翻了",
        r"被[^,.!?]{0,4}(?:浪|水|河水|大水|洪水|急流|激流|山洪|离岸流|潮水|水流|漩涡)[^,.!?]{0,3}(?:卷|冲|带|吸)(?:走|下去|跑|到|进|出去)",
        r"(?:水|河|湖|江|海|塘)里[^,.!?]{0,6}(?:挣扎|扑腾|喊救命|呼救|沉(?:下去|底|了|没))", r"被困在[^,.!?]{0,4}(?:礁石|河心|江心|沙洲|水中|孤岛)",
        r"在(?:水|河|江|洪水|海)里[^,.!?]{0,4}(?:抱着|抓着|扒着|漂)|(?:抱着|抓着|扒着)[^,.!?]{0,4}(?:树|木头|石头)[^,.!?]{0,3}在(?:水|河|江)里",
        r"(?:河|湖|江|海|水|池|塘|水库|沟)里[^,.!?]{0,3}(?:漂|浮)着[^,.!?]{0,3}(?:人|尸体)|呛(?:了)?水|捞上来[^,.!?]{0,4}(?:没|不)", r"沉(?:下去|到水里)了", r"(?:游泳|下水)[^,.!?]{0,6}(?:抽筋|沉)",
        r"冒头[^,.!?]{0,6}沉|(?:往下)沉下去",
        rf"(?:{_PERSON}|车){_GAP}(?:(?:掉|跌|滑|摔|栽|落)(?:进|到|入|下)?|(?:冲|开|翻)(?:进|到|入|下))了?[^,.!?]{{0,3}}{_WATER}",
        _PERSON + r"[^,.!?]{0,8}(?:漂|浮|趴|泡)在[^,.!?]{0,3}水", r"(?:脸|头)朝下[^,.!?]{0,3}(?:漂|浮|趴)", r"(?:水|河|池|塘|沟|江|湖|海)里[^.]{0,12}(?:头朝下|脸朝下|不动了|一动不动)",
        _PERSON + r"[^,.!?]{0,6}跳(?:到|进|入|下)了?[^,.!?]{0,2}(?:河|湖|江|海|水库|塘)", r"(?:车|人)[^,.!?]{0,6}(?:被困|困在)[^,.!?]{0,8}(?:积水|水里|洪水)|水[^,.!?]{0,3}(?:淹到|没过)[^,.!?]{0,3}(?:车窗|车顶|脖子|胸口|腰)",
        r"(?:fell|fallen) through the ice|overboard|pulled under|current (?:took|pulled|swept)|went under|(?:hasn'?t|has not|not) come (?:back )?up|isn'?t coming up",
        r"fell off the (?:pier|boat|bridge|dock|jetty)|struggling in the (?:water|river|sea|lake|pool)",
        rf"(?:{_WATER}|潜水|游泳|下水|跳水)(?:(?!{_NOT_IN_GAP})[^.]){{0,24}}"
        r"(?:没(?:有|再)?(?:浮|冒)?上来|没冒头|没(?:浮|冒)出来|上不来|回不来|看不到了|看不到人|看不见了|不见了|人没了|没影了|被困"
        r"|(?:掉|滑|跌|栽)下去|(?:翻|冲|开|掉)进去|被(?:卷|冲|吸)(?:走|进去|下去)|只(?:回来|剩|上来)了?(?:一个|一)|扑腾|挣扎|喊救命|呼救)", r"往下沉|沉了下去|沉底", rf"{_WATER}[^.]{{0,8}}车[^,.!?]{{0,4}}(?:翻|冲|开|掉)(?:进去|下去|进)",
        rf"drown|{_EN_PERSON}\b[^.]{{0,10}}\b(?:fell|fallen|jumped|slipped) (?:in|into)|swept away",
    ]),
    _rule(K.DROWNING, 2, ("ambulance", "police"), [_PERSON + r"[^.]{0,8}(?:漂|浮)(?:在|着)|(?:漂|浮)(?:在|着)[^.]{0,4}(?:一动不动|不动)"],
          needs=_WATER),
    _rule(K.VIOLENCE, 2, ("police",), [
        r"家暴", r"(?:开水|热水|汽油|硫酸|热油)[^,.!?]{0,3}(?:泼|浇)", r"locked me (?:in|up)",_FAMILY + r"[^,.!?]{0,6}" + _HIT_OBJ + r"(?:了|着)?" + _VICTIM, r"被我?" + _FAMILY + r"[^,.!?]{0,2}" + _HIT_OBJ,
        _FAMILY + r"[^,.!?]{0,4}(?:拿刀|拿着刀|动手|动刀)",
        r"(?:拿|持|举|掏|抄|握|挥|提|揣|带)(?:着|出|起)?了?(?:一把|把|根|一根|个)?[^,.!?切削剁]{0,2}" + _WEAPON,
        r"砍人", r"捅人", r"(?:被人?|把人)(?:砍|捅)(?![^,.!?]{0,4}棵)", r"捅了.{0,2}刀", r"动刀", r"持械", r"械斗", r"斗殴",
        r"殴", r"打群架", r"打起来了", r"把" + _VICTIM + r"(?:按|摁|压|堵|逼|拖)[^,.!?]{0,6}" + _HIT,
        r"把" + _VICTIM + r"的?[^,.!?]{0,3}(?:往|朝)[^,.!?]{0,4}(?:撞|砸|摔|推)", r"(?:要|想)(?:砸|打|砍|杀|捅)(?:死)?我", r"动手动脚|耍流氓|非礼",
        _ONGOING + r"[^,.!?]{0,4}" + _HIT, r"在" + _HIT, r"在[^,.!?哪]{1,8}" + _HIT_OBJ + _VICTIM, _GROUP + r"[^,.!?]{0,10}" + _HIT,
        r"追着[^,.!?]{0,6}(?:" + _HIT + r"|砍)", r"(?:" + _ONGOING + r"|在)(?:砸|撬|踹)[^,.!?]{0,3}(?:我|车窗|车门|玻璃|窗户|门|车)",
        _HIT + r"(?:了|得)[^,.!?]{0,6}(?:还没停|不停|好几分钟|半天|很凶|好凶|很狠|头破血流|满脸是血|鼻青脸肿|起不来|不行了)",
        r"抢劫", r"抢包", r"飞车抢", r"(?<![是像跟])抢(?!购|票|单|修|救|红包|答|先|跑|占|镜|手|眼|车位)(?:劫|走|了)?[^,.!?]{0,8}"
        r"(?<!红)(?:包|手机|钱|项链|金链|首饰)", r"被抢了", r"入室", r"闯进", r"(?:翻墙|翻窗|爬窗|撬窗)(?:进|爬进)?|(?:翻|爬|溜|钻)进(?:了)?(?:我家|家里|院子|屋)",
        r"把我的?(?:包|手机|钱包|项链|金链|首饰|耳环)(?:抢|扯|拽|夺)(?:走|了)", r"撬[^,.!?]{0,4}(?:门|锁)", r"(?:拖|拽|拉)(?:上|进)了?车",
        r"(?:塞|拖|拽|拉|推|绑)(?:进|上)了?[^,.!?]{0,3}(?:车|后备箱|面包车)", r"(?:还|在|又)打人|打人了",
        r"(?:头|脑袋|脑壳)[^,.!?]{0,2}(?:打|砸|砍)(?:破|伤|开)", r"在[^,.!?]{0,6}(?:堵|拦|摸|跟着)我",
        r"(?:扯|揪|拽|抓)(?:着)?我?的?头发", r"(?:还|就|又)动手|动起手|吊起来打|绑起来打|往死里打",
        r"(?:堵|围|按|关|拖)在[^,.!?]{0,6}(?:打|揍|踢|欺负)", r"把我的?[^,.!?]{0,3}(?:抓|挠|打|砸|踢|咬)得",
        r"(?:are|is|'re|'s) (?:beating|hitting|attacking|punching|kicking|stabbing) (?:up )?(?:someone|somebody|an? |him|her|me|people|my )", r"threaten(?:ing|ed|s)? to (?:kill|hurt|stab|shoot)|(?:going|wants?) to kill me",
        r"被(?:一个|几个|那个|个)?(?:男人|男的|女的|人|他|陌生人|坏人|几个人)[^,.!?]{0,3}(?:拖|拽|拉)(?:进|到)", r"还在追|在追我|追着我",
        r"(?:一路|一直)跟着我", r"跟(?:了|着)我[^,.!?]{0,6}(?:好几|一路|好久|半天)", r"尾随",
        r"(?:让|叫|逼|要)我(?:把)?[^,.!?]{0,3}(?:钱|手机)(?:交|拿|给)", r"打砸", r"绑架", r"劫持", r"挟持", r"要杀(?:人|我)", r"杀人了", r"杀了人", r"打死人",
        r"开枪", r"强奸", r"性侵", r"猥亵", r"跟踪我", r"(?:弄|打|砍)死我", r"杀了我", r"(?:喊|叫|呼|尖叫)[^,.!?]{0,2}救命",
        r"(?:说|要|扬言|威胁|喊着)[^,.!?]{0,8}(?:杀了|弄死|砍死|打死|捅死|(?:砸|闯|冲|打)进来)", r"把我(?:锁|关)(?:在|起来)(?!门外|外面)",
        r"被[^,.!?]{0,5}(?:锁|关)(?:在|起来)(?!门外|外面)", r"非法拘禁", r"不让我(?:走|下车|出去|离开|出门|回家)", r"有人要打我",
        r"^[\s!~]*(?:(?:救命|快来人|来人|救救我)[啊呀哇!~\s]*)+$",  # a bare cry for help: police, the general number
        _EN_PERSON + r"\b[^.]{0,25}\b(?:is|are|'s|'re|keeps?)\s+"
        r"(?:hitting|beating|attacking|punching|kicking|stabbing|choking|strangling|chasing|robbing)",
        r"(?:with|has|holding|pulled out|waving) (?:a |an )?(?:knife|knives|gun|guns|machete|weapon)",
        r"(?:was|were|am|just|been|being|got) (?:just )?(?:attacked|stabbed|robbed|mugged|shot|beaten|assaulted|punched)",
        r"(?:hit|punched|kicked|slapped|choked|stabbed|beat|beating|abusing) me\b|won'?t let me (?:leave|go|out|call)|(?:being|been) abused",
        r"broke into|break(?:ing)? into|break-in|intruder|i'?m hiding|trying to get in|(?:pushed|threw|shoved) me",
        r"^\W*(?:please\s+)?help(?:\s+me)?\W*$",
    ], hurt=("police", "ambulance")),
    _rule(K.VIOLENCE, 1, ("police",), [
        r"打架", r"打人", r"被[^,.!?]{0,8}(?:打|揍|砍|捅|踢|掐|烫|砸|刺|扎)了?", r"动手了",
        r"用[^,.!?]{0,4}" + _WEAPON + r"[^,.!?]{0,2}(?:拍|砸|打)", r"(?:一直|不停)[^,.!?]{0,2}(?:敲|砸|踹|撞)[^,.!?]{0,3}门", _HIT_OBJ + r"(?:了|着)?" + _VICTIM, r"救救我",
        r"快报警", r"帮我报警", r"(?:踹|砸|撞)[^,.!?]{0,3}门", r"砸东西", r"威胁我", r"要打人", r"虐待", r"(?:往|朝)[^,.!?]{0,4}(?:拖|拽)",
        r"(?:按|摁|压)(?:在|倒在?)地上", r"拉扯", r"传销|手机[^,.!?]{0,2}被(?:他们)?(?:收|没收|抢)", r"(?:摸|亲|抱住|搂)我", r"摔东西", r"躲(?:在|进)[^,.!?]{0,8}(?:不敢|里)", r"被(?:一群人|几个人|[\d一二三四五六七八九十两几]+个人|人|他|她|他们|陌生人)"
        r"[^,.!?]{0,3}(?:堵|围|绑|拖|按|拦)(?:在|住|起来|着)", r"\bfight(?:ing)?\b|hitting me|\b(?:hits|beats|hitting|beating|punching|kicking) (?:my|me|her|him|his|a|the|someone)\b",
    ], hurt=("police", "ambulance")),
    _rule(K.TRAFFIC_INJURY, 2, ("traffic", "ambulance"), [
        r"被[^,.!?]{0,6}车[^,.!?]{0,3}(?:撞|碾|轧|压|刮倒|带倒|蹭倒|卷)(?!歪|坏|断|凹|瘪|弯)", r"车[^,.!?]{0,3}(?:侧翻|翻了|翻到|翻进|翻下)", r"出车祸了", r"车祸现场", r"翻车了", r"肇事逃逸",
        r"车[^,.!?]{0,6}(?:冲进|冲向|冲上|撞进|开进)[^,.!?]{0,3}(?:人群|人行道|学校|店|商店|超市)|(?:卡|困|夹)在(?:车里|车内|驾驶室|车厢)|车里[^,.!?]{0,4}出不来", r"人[^,.!?]{0,2}飞出去",
        r"撞(?:倒|飞|伤|到)?了?(?:一个|个|一位|位|两个|几个)?[^,.!?]{0,4}?(?:行人|路人|人(?!家)|老人|孩子|小孩|学生|小哥|骑手|阿姨|大爷|大妈|阿伯|老太太)",
        r"(?:人|他|她|孩子|老人)被撞了", r"(?:人|腿|孩子|老人)被车?(?:压|碾|轧)", r"(?:压|卷|卡)(?:在|到|进)(?:车|车轮|车底|轮子)[^,.!?]{0,2}(?:下|底)",
        r"车[^.]{0,12}把[^,.!?]{0,10}(?:撞|碾|轧|卷|压)(?:倒|飞|伤|了|到|进)",
        r"hit by an? (?:car|truck|bus|van|motorbike|vehicle|taxi|lorry)|(?:car|truck|bus|van|motorbike|motorcycle|taxi|lorry) (?:just )?(?:hit|ran over|knocked down)",
    ]),
    _rule(K.TRAFFIC_INJURY, 1, ("traffic", "ambulance"), [
        r"车祸", r"车货", r"撞车", r"相撞", r"车[^,.!?]{0,2}撞了", r"撞在一起", r"追尾", r"交通事故", r"被撞了",
        r"(?:冲上|冲进|开上)人行道", r"(?:car|motorbike|motorcycle|bike|truck|bus|traffic|road) (?:crash|accident)|crashed",
    ]),
    _rule(K.MISSING_PERSON, 2, ("police",), [
        _PERSON + _GAP + r"(?:(?<!看)不见了|走丢|走失|走散|失踪|迷路|找不到了|找不着了|没找(?:着|到)人|不知道(?:人)?(?:去哪|在哪)|被人?拐"
        r"|被[^,.!?]{0,8}(?:抱|拐|带|领|骗)(?:走|上车|进车))",
        _PERSON + _GAP + r"丢了(?=[,.!?;~啊呀哇吧]|$)", r"(?:拐卖|拐走|偷走|抢走|抢)了?(?:孩子|小孩|娃|宝宝)",
        r"(?:把|将)[^,.!?]{0,4}(?:孩子|小孩|娃|宝宝|儿子|女儿)给?(?:抱走|拐走|带走|抢走)",
        _PERSON + _LONG_GAP + r"(?:(?<!看)不见了(?!人影)|找不(?:到|着)人?了?(?=[,.!?;]|$)|走丢了|走散了)",
        r"被[^,.!?]{0,8}(?:拉|拽|拖|塞)(?:上|进)了?[^,.!?]{0,4}车", r"(?:took|taken|grabbed|snatched) (?:my|a|the) (?:child|son|daughter|kid|baby)",
        r"少了(?:一个|个|两个|一)(?:人|孩子|学生|小孩)?(?=[,.!?;]|$)", r"(?:一转眼|一眨眼|转眼|一回头|一扭头|转身|一转身|回头)[^,.!?]{0,6}(?:人)?就?(?:没了|不见了)",
        _VULNERABLE + r"[^.]{0,30}(?:没回来|没回家|找不到|找不着|没找(?:着|到)|不见|走丢|走失|联系不上|关机|打不通|不知道(?:去哪|在哪)|跑(?:出去|丢|了))",
        r"(?:child|son|daughter|kid|boy|girl|mother|father|mom|dad|grand\w+)\b[^.]{0,20}\b(?:is|has gone|went|got|has been|been) (?:missing|lost)(?! in (?:the )?(?:thought|homework|maths?|book|game|music)| (?:school|class|work|lessons))",
        r"can'?t find my (?:child|son|daughter|kid|mom|dad|mother|father)|kidnapped|abducted|wandered off",
    ]),
    _rule(K.MISSING_PERSON, 1, ("police",), [  # not back yet: needs "now", "today", hours ... or a second sign
        rf"(?:{_KIN}|{_PARTNER}|朋友|同学|他|她){_LONG_GAP}"
        r"(?:还?没(?:有)?(?:回来|回家|到家|到校|回宿舍)|(?:她|他)没到|一夜没回)", r"(?:联系不上|失联|电话打不通|关机)(?![^,.!?]{0,2}的)",
        r"(?:根本)?没(?:去|到)(?:[^,.!?]{0,4}(?:学校|托管|班|上学|幼儿园|同学家))?(?=[,.!?;]|$)",
        r"没(?:人)?见(?:到|过)(?:她|他)|hasn'?t returned|has not returned|hasn'?t come back|left home",
        r"离家出走|还?没(?:有)?(?:消息|音讯)|下落不明|找了(?:一|半|好几|几)?(?:天|个?小时|晚上|夜|上午|下午)",
        r"(?:到处|哪儿都|哪里都|四处)[^,.!?]{0,3}(?:找不到|找不着|找遍|没找到)|都找过了",
        r"(?:didn'?t|did not|hasn'?t|has not|never) (?:come|came|get|got|returned?|made it) (?:home|back)", r"can'?t (?:reach|find) (?:her|him|them)|ran off|run away|ran away",
    ], needs=rf"{_KIN}|{_PARTNER}|son|daughter|child|kid|mother|father|mom|dad"),
    _rule(K.MISSING_PERSON, 0, ("police",), [r"(?:才|只有|今年)?[一二三四五六七八九十两\d]{1,2}岁", _VULNERABLE,
                                             r"(?:电话|打电话)[^,.!?]{0,3}(?:不接|没人接|打不通)"],
          needs=rf"{_KIN}|son|daughter|child|kid|mother|father|mom|dad"),
    _rule(K.MEDICAL, 2, ("ambulance",), [
        r"晕倒", r"昏倒", r"晕过去", r"昏过去", r"昏迷", r"不省人事", r"(?:叫|喊|拍|摇|推)[^,.!?]{0,4}(?:不醒|不应|不答应|没(?:有)?反应|没(?:有)?声音?|没动静|不出声|没(?:什么|啥)反应)",
        r"in labou?r|baby is coming|waters? (?:has |have )?broken?|giving birth|barely breathing|(?:trouble|difficulty|struggling) breathing",
        _PERSON + r"[^,.!?]{0,12}(?:就|突然|一下子?)倒(?:了|下|地)", r"抽起来了|(?:嘴|口)里[^,.!?]{0,2}(?:有|吐|流|冒)血", r"呼吸[^,.!?]{0,3}(?:很弱|微弱|很浅|停了|没了)",
        r"(?:左|右|半|一)边(?:身子|身体|手|脚|脸)[^,.!?]{0,3}(?:没力气|没劲|动不了|麻|不听使唤)", r"头破了|头(?:磕|撞)破", r"(?:手|胳膊|腿|头发|衣服)[^,.!?]{0,3}被[^,.!?]{0,6}(?:绞|卷|夹|轧)(?:进去|住|断|了)", r"被[^,.!?]{0,4}推下(?:楼梯|楼|去)",
        r"(?:喝|吃|吞)了[^,.!?]{0,6}(?:消毒液|洗衣液|洁厕灵|汽油|漂白|干燥剂)", r"(?:半边|整个|一大片|大面积|全身)[^,.!?]{0,4}(?:起泡|烫伤|烧伤|都烫)",
        r"漂着(?:一个|个)?(?:人|尸体)", r"癫痫|羊癫疯|(?:病|哮喘)[^,.!?]{0,2}(?:犯了|发作)",
        r"孩子[^,.!?]{0,3}出来(?:了)?一半|(?:在家|路上|车上)[^,.!?]{0,4}(?:生了|生孩子)", r"血流满面",
        r"没(?:有|了)?(?:呼吸|心跳)", r"没(?:有|了)?(?:意识|知觉)(?!到)", r"不喘气", _PERSON + _GAP + r"没气了", r"心脏骤停", r"心梗",
        r"心肌梗", r"心脏病(?:犯了|发作|发了)", r"中风", r"脑溢血", r"脑出血", r"突然不会说话", r"半边身子", r"半身(?:麻|动不了)",
        r"(?:突然|一下子)[^,.!?]{0,4}(?:倒下|倒地|栽|瘫倒|瘫了)", r"晕(?:倒)?在(?!家)", r"嘴歪", r"抽搐", r"口吐白沫", r"抽过去|抽风|惊厥", r"休克",
        r"吐血", r"大出血", r"(?:血流|流血)不(?:止|停)", r"止不住血", r"血止不住", r"骨头都?(?:戳|露|刺)出来", r"(?:胳膊|腿|手)断了",
        r"(?:流了|出了|吐了)(?:好多|很多|一地|一大滩|一身)的?血|血流了(?:一身|一地|好多|很多)", r"(?:扎|刺|戳)(?:穿|透)了?",
        r"(?:一直|还在|不停地?)在?(?:流|出)血|血[^,.!?]{0,2}(?:一直|不停)[^,.!?]{0,2}流", r"(?:头|脸|身|浑身|满身|满脸|地)上?[^,.!?]{0,2}都是血",
        r"(?:满身|满脸|浑身|一身|满地)是血|(?:都|全)是血|一地(?:的)?血", r"血[^,.!?]{0,3}(?:往外冒|往外流|往外喷|喷出来|流个不停)",
        r"(?:怀孕|孕妇|怀着)[^.]{0,20}(?:流血|出血|破水|见红|剧痛|肚子(?:疼|痛)|摔)", r"一边(?:手|脚|身子|胳膊|腿)[^,.!?]{0,4}(?:抬不起|动不了|没劲|没力气|麻)",
        r"(?:手|腿|胳膊)[^,.!?]{0,2}抬不起来", r"把[^,.!?]{0,8}(?:吞|咽)下去了|误(?:食|吃|服|喝|吞|饮)|(?:吞|咽)了[^,.!?]{0,4}(?:电池|磁铁|硬币|钉|针)",
        r"(?:浑身|全身)[^,.!?]{0,2}(?:抽|发抖|哆嗦)", r"眼睛[^,.!?]{0,3}(?:翻|直了)", r"(?:呼吸|喘气|出气)[^,.!?]{0,4}(?:困难|费劲|急促|不上来|不过来)|喘不(?:上|过|动)气|上不来气|透不过气",
        r"(?:嘴唇|嘴|脸色?|脸都|皮肤)[^,.!?]{0,3}(?:紫|发青|发黑|发乌)", r"(?:吃|喝|咽|吞)[^,.!?]{0,6}(?:卡住|噎住|呛住)",
        r"噎住了", r"卡(?:住了?|在)喉咙", r"中毒", r"坠楼", r"(?<![机脑池])快不行了", _PERSON + r"[^,.!?]{0,2}不行了", r"嘴[^,.!?]{0,2}歪", r"从[^,.!?]{1,8}(?:摔|跌|坠)(?:下来|下去)", _PERSON + _GAP + r"从[^,.!?]{1,8}(?:掉|滚)(?:下来|下去)",
        _PERSON + _GAP + r"从[^,.!?]{1,6}掉下来", r"(?:摔|跌)(?:倒|下来)[^,.!?]{0,4}(?:起不来|不动了|动不了)",
        _PERSON + _GAP + r"(?:倒|躺|趴|瘫)在(?:地上|地下|路边|路上|门口|家门口|血泊|楼梯)",
        r"叫救护车", r"(?:打|叫|拨)了?120", r"120(?:怎么)?还?(?:没|不)来", r"羊水破了", r"要生了",
        r"(?:not|isn'?t|stopped|is not) breathing|can'?t breathe|unconscious|unresponsive|passed out|fainted|heart attack",
        _EN_PERSON + r"\s+(?:has\s+|just\s+)?collapsed",
        r"(?:swallowed|ingested|drank) (?:some |a )?(?:bleach|poison|pesticide|pills|battery|detergent)",
        r"(?:having a|had a) (?:stroke|seizure)|overdos|(?:call|send|need) an ambulance|bleeding (?:heavily|badly|a lot)",
    ]),
    _rule(K.MEDICAL, 1, ("ambulance",), [  # symptoms and states that need a cue or a second sign
        r"救护车(?![^,.!?]{0,3}(?:进不|开不|收费|费|太贵))", r"急救车", r"受了?重伤", r"烫(?:伤|了)", r"烧伤",
        r"皮都?(?:掉|脱)了", r"(?:摔|跌|滚|掉)下来", r"(?:摔|跌)倒", r"止不住(?=[,.!?;]|$)", r"全身(?:起包|起疹子|肿)",
        r"(?<!得)(?<!得我)(?:胸口|心口|胸)[^,.!?]{0,2}(?:疼|痛|闷)", r"胸痛", r"满头大汗|(?:冒|出)冷汗|大汗淋漓", r"(?<!得)说不出话",
        r"(?:倒|躺|趴|瘫)在(?:地上|地下)|倒地|倒下了", r"躺着不动|不动了|一动不动|动不了|起不来|站不起来", r"往一边(?:倒|歪)|(?:坐|站)不住了?|头一歪|翻白眼|眼睛[^,.!?]{0,3}上翻",
        r"迷迷糊糊|迷糊了|神志不清|意识不清|说话不清|口齿不清|说话含糊", r"剧痛|(?:疼|痛)得[^,.!?]{0,5}(?:受不了|打滚|不行|动不了|直不起)", r"(?:一直|都|也|完全)?没(?:有)?(?:什么|啥)?反应",
        r"(?:4[0-2]|四十[一二]?)度", r"吐了(?=[,.!?;]|以后|之后)", r"在抽(?!烟|奖|水|血|签|查|风机)", r"看不(?:见|清)(?:东西)?(?=[,.!?;了]|$)|站不稳|走不稳|头(?:很|好|特别)?晕", r"在流血|流血了",
        r"中暑", r"嘴唇?[^,.!?]{0,2}(?:白了|发白)", r"(?:屋|家)里[^,.!?]{0,4}(?:有味|臭|异味)", r"(?:划|割|砍|扎)(?:了|开)?[^,.!?]{0,4}(?:大口子|口子)", r"晕了", r"(?:一直|不停)(?:吐|呕吐)|开始吐|一直抽(?!烟)|抽个不停", r"(?:一直|直)?(?:出|冒)(?:冷)?汗", r"脸色[^,.!?]{0,2}(?:很|好)?难看", r"生孩子了", r"说话[^,.!?]{0,2}不清|话(?:也|都)?说不清(?:了|楚了)", r"躺着(?:一个|个)人|倒着(?:一个|个)人", r"身上[^,.!?]{0,2}(?:有|是)血",
        r"死了没有|还活着吗", r"肿起来", r"脸色?[^,.!?]{0,2}(?:惨白|苍白|煞白)",
        r"\bbleeding\b|\bambulance\b|chest pain|fell (?:down|off|from)|can'?t move|not moving|isn'?t moving|won'?t wake",
        r"肿得(?:很|好)?(?:厉害|大)", r"掉了[^,.!?]{0,3}皮|皮[^,.!?]{0,3}掉了", r"swelling",
    ]),
    _rule(K.MEDICAL, 0, ("ambulance",), [  # only with another sign: a bite, an old person not seen for days
        r"被[^,.!?]{0,4}(?:蛰|蜇|咬)", r"骨折", r"(?:敲门|打电话)[^,.!?]{0,4}(?:没人应|没人开|不应|没反应|没人接)",
        r"(?:好几天|两天|三天|几天)没(?:出门|见|露面|动静)",
    ]),
)
_RULE_ORDER = {rule: index for index, rule in enumerate(_RULES)}

# ---------------------------------------------------------------- preparation tables
# Cantonese → Mandarin, applied in order after normalisation (longest first where they overlap).
_DIALECT: tuple[tuple[str, str], ...] = (
    ("唔见咗", "不见了"), ("起唔到身", "起不来"), (r"(?:跌|踩)咗?落(?=[河水海塘井池湖江泳])", "掉进"), ("咗喺", "在"), ("咗", "了"),
    ("咗喺", "在"), ("唔郁", "不动"), ("斩", "砍"), ("冧", "塌"), ("跌亲", "摔伤"), ("而家", "现在"), ("成个人", "整个人"),
    ("朝早", "早上"), ("出咗街", "出门"), ("未返", "没回来"), ("攰", "累"), ("喇", "了"), ("睇住", "看着"), ("唔", "不"), ("喺", "在"), ("冇", "没"), ("佢哋", "他们"), ("佢", "他"), ("屋企", "家"),
    ("点算", "怎么办"), ("点样", "怎么"), ("嘅", "的"), ("嚟", "来"), ("睇", "看"), ("[搵揾]", "找"), ("瞓", "躺"),
    ("老豆", "爸"), ("老母", "妈"), ("阿爷", "爷爷"), ("阿嫲", "奶奶"), ("细路", "小孩"), (r"(?<=[我你他她])个仔", "儿子"),
    (r"(?<=[我你他她])个女(?![孩人生士])", "女儿"), ("火烛", "着火"), ("打交", "打架"), ("跌低", "摔倒"), ("成身", "浑身"), ("好大烟", "烟很大"),
    ("好惊", "好害怕"), ("啦", "了"), (r"遭(?=[人车他她狗了])", "被"), ("揸住", "拿着"), ("[畀俾]人", "被人"), ("活落去", "活下去"), (r"(?<!不)([打烧漏流冒追])紧", r"在\1"),
)
_DIALECT_RE = tuple((re.compile(pattern), repl) for pattern, repl in _DIALECT)
# Spaces between Chinese words, ellipses and tildes are clause breaks in chat messages.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_SOFT_BREAK = re.compile(r"…+|\.{3,}|~+")
# Harmless phrases that contain a trigger; blanked out before matching.
_HARMLESS = re.compile(
    r"跳楼价|跳楼(?:大)?甩卖|跳楼大促|油烟机|落水狗|救命钱|救命稻草|救命恩人|剧本杀|火车|火锅|打不着火|点不着火|着不了火|不着火|肝火|上火"
    r"|发火|火气|发烧|高烧|低烧|烧烤|烧饭|烧水|烧菜|烧纸|烧香|中风险|落水管|漏电保护|漏电开关|气炸|炸鸡|炸串|油炸|炸酱|爆炸头"
    r"|爆炸性|信息爆炸|(?:是|像|跟|简直|直接)抢钱|(?:没有?|无)人?员?(?:受伤|伤亡)|没受伤|人没事|抽烟|吸烟|香烟|烟头|烟花|烟酒"
    r"|电子烟|楼市|股市|塌房|连人(?:影)?都找不[到着]|(?:老板|包工头|商家|店家|中介|房东|开发商|负责人)[^,.!?]{0,12}(?:找不到|联系不上)|困在电梯|电梯[^,.!?]{0,4}困|(?:树|枝|竹子)[^,.!?]{0,3}被人?砍"
    r"|(?:狗|猫|动物|路灯杆|灯杆|电线杆|树|护栏|栏杆)[^,.!?]{0,2}被[^,.!?]{0,3}车?撞"
    r"|fire (?:alarm|extinguisher|insurance|drill|station|department|exit|door|safety|hydrant)"
)
# ---------------------------------------------------------------- cue tables
_CLAUSE_END = re.compile(r"[,.!?;\n]")
_URGENT = re.compile(r"getting dark|it'?s dark|突然|急死|急坏|急疯|着急|快派|快叫|(?:晚上|夜里|半夜|凌晨)[^,.!?]{0,3}[\d一二三四五六七八九十]+点|一整天|一晚上|一整夜|一夜|天(?:都)?黑了?|(?:\d+|[一二三四五六七八九十两几半]+)个?多?(?:钟头|小时)|\bhurry|emergency")
_PRESENT = re.compile(
    r"现在|正在|一直在|刚|今天|今晚|今早|快来|快点|赶快|赶紧|马上|立刻|救命|来人|快救|急急|此刻|这会儿|还在|在线等|快报警|还没停|又开始|越来越|越烧越|帮帮我"
    r"|\bnow\b|\bhelp\b|please (?:come|send)|\bquick"
)
_PAST_TIME = re.compile(
    r"上个?月|上周|上星期|上礼拜|去年|前年|以前|之前|曾经|那时候?|当时|前几天|前些天|前阵子|上次|小时候|昨天|前天|后来"
    r"|(?:\d+|[一二三四五六七八九十两几多]+)个?(?:年|月)前|(?<!since )last (?:year|month|week|night)|(?<!since )yesterday|(?:years?|months?|weeks?) ago"
    r"|used to"
)
_RESOLVED = re.compile(
    r"已经?(?:处理|修好|解决|调解|灭|扑灭|结束|没事|出院|去世|过去|找到|救上来|送医|送到医院)|(?:处理|修|解决|调解)好了"
    r"|调解了|(?:火|已经|被|给)[^,.!?]{0,2}灭了|找到了|救上来了|没事了|(?<![走跑飞游冲爬开])过去了|住院了|出院了|还没修|没修好|(?:都|一直)没修|医院说|医生说|误报|(?:it'?s|fire is|is) (?:out|over)\b|(?<!n't )(?<!nt )(?<!not )put (?:it )?out"
)
_HYPOTHETICAL = re.compile(
    r"如果|假如|假设|万一|要是|一旦|怎么预防|如何预防|预防|防止|避免|防范|以防|危险|会不会|容易|是否|建议|差点|差一点"
    r"|险些|幸好|还好|随时|提前|一点点|轻微|稍微|偶尔|有时候?|可能会|迟早|防走|应该(?!是)|加装|认为|遇到|\bif\b|in case|how (?:do|can|to)|prevent|avoid"
)
_WORRY = re.compile(r"(?<![害可恐])怕|担心|(?:^|(?<=[,.!?;\s我你他她们妈爸娘爹子人]))以后|将来")  # a fear or the future, except for self-harm ("以后不用找我了")
_FIGURATIVE = re.compile(r"[气笑急累吓愁烦恨热冷饿困忙馋穷]得(?!快)")  # "气得我胸口疼", "笑得说不出话"
_WHEN = re.compile(r"的?时候|时(?:应该|怎么|要|该)")
_RISK = re.compile(r"风险|隐患|安全问题")  # anywhere in the trigger's clause: "着火风险大"
_NEGATION = re.compile(r"(?:没有?|不是|不会|别|未|无|防|非|\bno|\bnot|n't|never)\s*$")
_HEARSAY = re.compile(r"听说|据说|网上说|视频里")  # in the trigger's clause
_FRAME = re.compile(r"\blol\b|haha|哈哈|新闻|电视上|电视剧|电影|小说|网上说|是真的吗|谣言|梦见|梦到|做梦|游戏里|论文|研究|调研|课题|开玩笑"
                    r"|\bnews\b|movie|\bfilm\b|dream|\bgame\b|novel|joke|kidding")
_PROCEDURE = re.compile(
    r"赔|庇护所|法律|心理咨询|后遗症|残疾证|能办|报销|认定|鉴定|办理|手续|什么材料|哪些材料|流程|证明|申请|补办|补贴|补助|工伤|来修|电工|第一时间|详细解答|修好|什么时候(?:修|通|能|开)|打(?:什么|哪个|几号)电话|电话是多少|哪个部门|修一下|想知道|了解一下|明天(?:能|可以|来)|改天|有空|医保|社保|能报|报吗|康复|登记|能算|算不算|说法|不承认|追究|查处|整改|政策|规定|标准|费用|收费|多少钱"
    r"|要钱吗|要不要钱|哪里买|哪儿买|去哪买|怎么买|要不要装|安装|报名|招聘|考试|保险|起诉|诉讼|律师|离婚|取证|抚养|投诉|请假|责任|原因是什么|什么原因引起"
    r"|原因调查|调查结果|调查报告|污染|知识|讲座|培训|宣传|演练|演习|隐患|怎么领"
    r"|保修|检测|insurance|claim|\bfees?\b|\bcosts?\b|price|\bpays?\b|apply|application|benefit|(?<!of )\bcourses?\b"
    r"|training|where do i|report it"
)
_HABITUAL = re.compile(r"天天|每天|经常|总是|老是|每晚|(?<!一)整天|三天两头")
_HURT = re.compile(
    r"受伤|受了伤|伤了|伤者|伤员|流血|出血|血流|砍伤|捅伤|烧伤|烫伤|骨折|昏迷|晕|倒在地上|躺在地上|不动了|被困|困在|出不来"
    r"|压在|埋在|被压|被埋|头破|下不去|逃不出|看不见了|送医院|都是伤|一动不动|砸伤|砸到人|打肿|打伤|出不去|还有人|没(?:跑)?出来|血(?!压|糖|脂|型|检|常规)"
    r"|bleeding|injured|\bhurt\b|trapped|unconscious|not moving|lying (?:in|on)"
)
_SEVERE = re.compile(r"严重(?!影响)|很重|伤得重|厉害|大片|really strong|badly")
_ACTED = re.compile(
    r"(?:吃|喝|吞|服)了(?:" + _LOTS + r"|农药|百草枯|安眠药|老鼠药)|割(?:腕|脉)?了|已经(?:吃|喝|割|吞|服|跳|划)"
    r"|流了?(?:好多|很多)?血|血[^,.!?]{0,3}流|烧[了着]?炭|上吊了|药(?:都|全)(?:吃|吞)了|跳(?:楼|下去|河)了|划了"
)
_DOMESTIC_ANYWHERE = re.compile(rf"家暴|{_PARTNER}|{_FAMILY}[^,.!?]{{0,2}}(?:又|喝醉|喝多|发酒疯|发疯)|my (?:dad|father|mum|mom|mother|brother|son|stepdad|ex)\b|我(?:和|带着|抱着|跟)(?:{_KIN})|又(?:开始|在|要)?(?:打|掐|动手)|喝(?:完|醉|多)[^,.!?]{{0,4}}就?(?:打|动手)"
                                r"|husband|wife|boyfriend|girlfriend|partner|step(?:father|dad|mother)")
_DOMESTIC_IN_CLAUSE = re.compile(_FAMILY)
_BOOSTED_BY_HURT = {K.FIRE, K.VIOLENCE, K.TRAFFIC_INJURY, K.ELECTRIC_COLLAPSE, K.DOMESTIC_VIOLENCE}
_DIGITS = re.compile(r"\d{4,}")


def _prepare(text: str) -> tuple[str, str]:
    """Simplified, half-width, lower-case Mandarin text with clause breaks marked, before and after harmless
    phrases are blanked out."""
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


def _is_past(text: str, start: int, end: int, since: bool = False) -> bool:
    """Past or resolved: the aspect "过" after the trigger; a past-time word in its clause (one before the trigger
    only counts with no present cue between: "去年…现在又着火了" is current); a resolution in the next clauses.
    ``since``: a past time is when the absence began ("昨天晚上没回家"), only the aspect and a resolution count."""
    if text[end:end + 1] == "过" and text[end + 1:end + 2] not in ("来", "去"):  # not "蔓延过来"
        return True
    clause_start, clause_end = _clause(text, start, end)
    markers = ([] if since else list(_PAST_TIME.finditer(text, clause_start, clause_end))) + (list(_RESOLVED.finditer(text, clause_start, _clauses_after(text, end, 3))))
    for marker in markers:
        if marker.start() < end and marker.end() > start:
            continue  # part of the trigger itself ("晕过去了")
        if marker.start() >= end:
            return True
        if not _PRESENT.search(text, marker.end(), start):
            return True
    return False


def _adjustment(rule: _Rule, text: str, start: int, end: int) -> tuple[int, int]:
    """(bonus, penalty) from the cues around ``text[start:end]`` (see the module docstring), corroboration aside."""
    clause_start, clause_end = _clause(text, start, end)
    bonus = bool(_PRESENT.search(text) or _URGENT.search(text)) + ("!" in text) + bool(_SEVERE.search(text))
    bonus += rule.kind in _BOOSTED_BY_HURT and bool(_HURT.search(text))
    before = text[clause_start:end]  # the clause up to the trigger's end: "他办个防走失", "糊涂了,怕他以后走丢"
    if _WHEN.match(text, end):  # "着火的时候应该往哪跑"
        return bonus, 3
    penalty = 3 if _is_past(text, start, end, since=rule.kind is K.MISSING_PERSON) else 0
    if (_HYPOTHETICAL.search(before) or _FIGURATIVE.search(before) or _HEARSAY.search(before)
            or (rule.kind is not K.SELF_HARM and _WORRY.search(before))
            or _RISK.search(text, clause_start, clause_end) or _NEGATION.search(text[max(0, start - 6):start])):
        penalty += 3
    if _FRAME.search(text):
        penalty += 3
    if rule.kind is not K.SELF_HARM or rule.base < 3:  # a question in or after the trigger's clause
        penalty += 2 if _PROCEDURE.search(text, clause_start) else 0
    if rule.kind is not K.SELF_HARM and _HABITUAL.search(text, clause_start, clause_end):
        penalty += 2
    return bonus, penalty


def _domestic(text: str, start: int, end: int) -> bool:
    """Violence at home: a family member in the trigger's clause, or a domestic sign anywhere."""
    clause_start, clause_end = _clause(text, start, end)
    return bool(_DOMESTIC_ANYWHERE.search(text) or _DOMESTIC_IN_CLAUSE.search(text, clause_start, clause_end))


def assess_emergency(text: str) -> EmergencyAssessment | None:
    """Recognise an emergency or crisis in a citizen message; ``None`` when there is none (see the module docstring)."""
    simple, prepared = _prepare(text)
    if not prepared.strip(" ,_"):
        return None
    candidates: list[tuple[_Rule, re.Match[str], int, int]] = []  # rule, match, score without corroboration, penalty
    for rule in _RULES:
        if (rule.needs and not rule.needs.search(prepared)) or (rule.unless and rule.unless.search(simple)):
            continue
        for match in rule.pattern.finditer(prepared):
            if match.group().strip(" ,_"):
                bonus, penalty = _adjustment(rule, prepared, *match.span())
                candidates.append((rule, match, rule.base + bonus - penalty, penalty))
    best: tuple[int, int, _Rule, re.Match[str]] | None = None
    for rule, match, score, _ in candidates:
        if rule.base == 0:
            continue  # only supports another sign
        score += any(other.kind is rule.kind and other_penalty == 0 and (m.end() <= match.start() or m.start() >= match.end())
                     for other, m, _, other_penalty in candidates)  # a second, separate sign of the same kind
        if score >= THRESHOLD and (best is None or (score, -_RULE_ORDER[rule]) > best[:2]):
            best = (score, -_RULE_ORDER[rule], rule, match)
    if best is None:
        return None
    _, _, rule, match = best
    kind = rule.kind
    if kind is K.VIOLENCE and _domestic(prepared, *match.span()):
        kind = K.DOMESTIC_VIOLENCE
    injured = bool(_ACTED.search(prepared)) if kind is K.SELF_HARM else bool(_HURT.search(prepared))
    services = rule.hurt_services if injured else rule.services
    evidence = re.sub(r"_+", "…", _DIGITS.sub("*", match.group().strip(" !~,")))
    logger.info("emergency recognised: %s (%s), services %s", kind.value, evidence, ",".join(services))
    return EmergencyAssessment(kind, services, evidence)
