"""Emergency and crisis recognition for citizen messages: phrase tables plus a small scoring rule, no ML.

``assess_emergency(text)`` returns an :class:`EmergencyAssessment` (the kind, the emergency services to name,
most important first, and the trigger phrase) or ``None``. It runs before anything else on every message
(docs/decisions.md), so it must be high-recall on real emergencies and quiet on look-alikes.

How a message is scored:

1. The text is normalised (full-width, traditional → simplified via :func:`nlu.normalize.normalize`), and
   harmless phrases that contain a trigger ("跳楼价", "火锅", "打不着火", "发烧", "中风险") are blanked out.
2. Every rule (kind, phrase patterns, base score, services) that matches gives a candidate. Base 3 = self-harm
   (high recall), 2 = a clear emergency phrase, 1 = weak (needs a cue: "打架", "车祸", "火灾").
3. Cues raise it: a present-tense or urgency word ("现在", "正在", "刚刚", "快来", "救命") +1, "!" +1, an
   injury mention +1 (fire, violence, traffic, collapse, domestic violence), "严重" +1.
4. Look-alike signs lower it (−3): a past-time word in the trigger's clause ("去年", "之前") with no present cue
   between it and the trigger, a resolution after it ("已经调解", "修好了", "灭了") or the aspect "过" ("泄漏过");
   a hypothetical, preventive or negating word before it in its clause ("如果", "防", "没有"), a risk word anywhere
   in its clause ("隐患", "风险"); news, dreams, hearsay, research anywhere in the message.
   A procedure question ("理赔", "怎么申请", "多少钱") −2 (−1 if only in earlier clauses), except for self-harm
   where recall matters most;
   a habitual frame ("天天") −2 for violence (a neighbourhood complaint, not a call for help).
5. The best candidate scoring ≥ 2 wins; ties go to the rule listed first. Its services are the rule's, or the
   rule's ``hurt`` services when someone is hurt (self-harm: has already acted, e.g. "吃了一瓶安眠药").

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


def _rule(kind: EmergencyKind, base: int, services: tuple[str, ...], phrases: list[str],
          hurt: tuple[str, ...] | None = None) -> _Rule:
    return _Rule(kind, base, services, hurt or services, re.compile("|".join(phrases)))


K = EmergencyKind
_KIN = (r"(?:孩子|小孩|娃|伢|崽|宝宝|儿子|女儿|闺女|老人|老爷子|老太太|老头|老太|爸|妈|娘|爹|爷|奶|姥|外公|外婆"
        r"|老伴|老公|媳妇|老婆|弟|妹)")
_PERSON = rf"(?:有人|{_KIN}|学生|同学|朋友|男的|女的|他|她|人)"
# Gaps between a person and what happened to them that name no object or negation ("她手机不见了",
# "儿子的身份证丢了", "孩子没有掉进河里" are not emergencies): short inside one clause, longer across commas.
_NOT_IN_GAP = r"没|不是|手机|钱包|钥匙|证|卡|车|狗|猫|宠物|东西|快递|行李|票|包|书"
_GAP = rf"(?:(?!{_NOT_IN_GAP})[^,.!?;的]){{0,6}}"
_LONG_GAP = rf"(?:(?!{_NOT_IN_GAP})[^.!?的]){{0,12}}"
_WATER = r"(?:河|湖|江|海|水|池塘|塘|水库|井|沟|渠|鱼塘|游泳池)"
_GAS = r"(?:煤气|燃气|然气|天然气|液化气|瓦斯|煤汽)"
_FAMILY = r"(?:老公|丈夫|男人|当家的|男朋友|对象|老婆|媳妇|前夫|爸|爹|继父|后爸|公公|婆婆|儿子)"
_LOTS = r"(?:一瓶|一整瓶|整瓶|半瓶|一盒|一整盒|整盒|好多|很多|一大把|一把|几十|\d{2,})"

# In priority order: ties go to the earlier rule. hurt= gives the services when someone is hurt.
_RULES: tuple[_Rule, ...] = (
    _rule(K.SELF_HARM, 3, ("crisis", "police"), [
        r"不想再?活", r"(?<!让人)(?<!叫人)(?<!们都)(?<!们都快)(?<!们快)活不下去", r"没有活下去的(?:意义|理由|勇气)",
        r"活着[^,.!?]{0,3}(?:没有?|有什么|毫无)(?:意思|意义)",
        r"活着[^,.!?]{0,4}(?:意思|意义)都没有?", r"这一切都?结束", r"活够了", r"想去死", r"(?:我|要|准备|打算)去死",
        r"(?<!得)(?<!得我)(?:^|[,.!?;\s]|我|真|好|很|就|只|都)想死(?![你您他她它我]|了你)", r"自杀", r"轻生", r"寻死", r"自尽",
        r"结束(?:自己的?)?生命", r"结束这一切", r"了结(?:我?自己)", r"把自己了结", r"了断自己", r"自我了断", r"一了百了",
        r"死了算了", r"不如死了", r"(?:想|要|准备|打算|我去)跳(?:楼|搂|河|江|桥)", r"有人(?:要|想)?跳楼",
        r"(?:想|要|准备|打算)[^,.!?]{0,6}跳下去", r"(?:楼顶|天台|顶楼|桥上|窗台)[^.]{0,8}不想下去", r"割腕", r"割脉",
        r"割了?(?:手腕|腕|动脉)", r"上吊", r"烧炭", r"服毒", r"自残", r"伤害自己", r"(?:划|割)伤?自己", r"写好?了?遗书", r"药(?:都|全)(?:吃|吞)了",
        r"(?:吃|吞|服)了?" + _LOTS + r"[^,.!?]{0,4}(?:药|安定)", r"(?:吞|服)了?[^,.!?]{0,4}(?:安眠药|安定片)",
        r"(?:喝|吞|服|吃)了?(?:点|些|一瓶|半瓶)?(?:百草枯|农药|老鼠药|敌敌畏|毒药)",
    ], hurt=("crisis", "ambulance", "police")),
    _rule(K.SELF_HARM, 1, ("crisis", "police"), [r"(?:站|坐|爬)(?:在|到|上)(?:楼顶|天台|顶楼|桥上|窗台)"]),
    _rule(K.FIRE, 2, ("fire",), [
        r"着火", r"着伙了", r"自燃", r"爆燃", r"起火", r"失火", r"烧起来", r"燃起来", r"烧着了", r"火势", r"浓烟",
        r"火(?:很|好|太|挺|特别|越来越)大", r"(?:看到|看见|有|冒|窜出|蹿出)火苗",
        r"(?:全|都)是烟", r"(?:阳台|房子|屋|楼|车|仓库|店|厂房|山|树林)[^,.!?]{0,3}在烧", r"(?<!烟囱)冒烟了",
        r"快来救火", r"火苗(?:窜|蹿)",
    ], hurt=("fire", "ambulance")),
    _rule(K.FIRE, 1, ("fire",), [r"火灾", r"火警", r"冒(?:黑|白|浓)?烟", r"大火", r"烟(?:很|好|太|特别)大"],
          hurt=("fire", "ambulance")),
    _rule(K.GAS, 2, ("gas", "fire"), [
        _GAS + r"[罐管道灶表阀门]{0,3}[^,.!?费]{0,3}(?:泄漏|泄露|泄了|漏气|外泄|在漏|漏得|漏了(?=[,.!?;啊呀吧]|$))",
        _GAS + r"[^.]{0,20}(?:泄漏|泄露|漏气)", r"(?:闻到|有|一股)[^,.!?]{0,4}" + _GAS + r"味",
        _GAS + r"[^.]{0,12}(?:嘶嘶|有味|味儿)",
        _GAS + r"味道?(?:很|好|太|特别)?(?:大|重|浓|冲)", _GAS + r"报警器[^,.!?]{0,3}(?:响|叫)",
        _GAS + r"管道?[^,.!?]{0,4}(?:断|破|裂)了",
    ], hurt=("gas", "fire", "ambulance")),
    _rule(K.ELECTRIC_COLLAPSE, 2, ("fire", "police"), [  # live wires, collapses, explosions
        r"(?:电线|高压线|电缆)[^,.!?]{0,4}(?:掉|断|落|垂|耷拉|冒火花|打火|着)", r"电线杆[^,.!?]{0,2}倒", r"冒火花",
        r"(?:房子|房屋|楼房|墙|屋顶|房顶|天花板|吊顶|顶棚|棚子|阳台|雨棚|楼板|楼梯|脚手架|广告牌|桥)[^,.!?的下]{0,2}(?:塌|倒了|垮)",
        r"倒塌", r"坍塌", r"塌方", r"(?:地面|路面)塌陷", r"砸(?:到|伤|中)了?人", _GAS + r"[罐管道灶]{0,2}爆", r"爆炸",
    ], hurt=("fire", "ambulance", "police")),
    _rule(K.ELECTRIC_COLLAPSE, 1, ("fire", "police"), [r"被(?:压|埋)在", r"(?:压|埋)在(?:下面|底下|里面)", r"炸了"],
          hurt=("fire", "ambulance", "police")),
    _rule(K.ELECTRIC_COLLAPSE, 1, ("fire", "police"), [r"漏电"], hurt=("ambulance", "fire")),
    _rule(K.ELECTRIC_COLLAPSE, 2, ("ambulance", "fire"), [r"触电", r"被电(?:到|击|打|住|倒|晕|伤)", r"电(?:死|晕)了"]),
    _rule(K.DROWNING, 2, ("ambulance", "police"), [
        r"溺水", r"落水", r"有人跳(?:河|江|湖|海)", r"被(?:浪|海浪|水|河水|大水|洪水)(?:卷|冲)走", r"淹死", r"翻船", r"船翻了",
        r"(?:水|河|湖|江|海|塘)里[^,.!?]{0,4}(?:挣扎|扑腾)", r"沉(?:下去|到水里)了", r"(?:游泳|下水)[^,.!?]{0,6}(?:抽筋|沉)",
        _PERSON + _GAP + r"(?:掉|跌|滑|摔|栽|落)(?:进|到|入|下)?了?" + _WATER,
    ]),
    _rule(K.DOMESTIC_VIOLENCE, 2, ("police",), [
        r"家暴", _FAMILY + r"[^,.!?]{0,6}(?:打我|打俺|掐我|掐着我|踢我|打我妈|打我娘|打俺娘|打死我|砍我|杀了我)",
        r"被我?" + _FAMILY + r"[^,.!?]{0,2}(?:打|掐|砍|踢)", _FAMILY + r"[^,.!?]{0,4}(?:拿刀|拿着刀|动刀)",
        r"(?:爸|爹)[^,.!?]{0,4}打我?(?:妈|娘)", r"(?:正在|在|又)打(?:老婆|媳妇|妻子|老公|我妈|我娘|孩子|老人)",
        _FAMILY + r"[^,.!?]{0,3}(?:动手|动刀)",
    ], hurt=("police", "ambulance")),
    _rule(K.DOMESTIC_VIOLENCE, 1, ("police",), [r"打孩子", r"虐待", r"打老婆", r"打媳妇"], hurt=("police", "ambulance")),
    _rule(K.VIOLENCE, 2, ("police",), [
        r"拿着?刀", r"持刀", r"砍人", r"捅人", r"(?:被人?|把人)(?:砍|捅)", r"捅了.{0,2}刀", r"动刀", r"持械", r"械斗",
        r"拿着?(?:棍|棒|砖头|铁锹|枪)", r"斗殴", r"群殴", r"打群架", r"打起来了", r"(?:正在|在)打(?:人|架|我)", r"抢劫",
        r"抢包", r"飞车抢", r"抢了?我的?(?:包|手机|钱|项链)", r"被抢了", r"入室", r"闯进", r"撬[^,.!?]{0,3}(?:门|锁)", r"(?:一路|一直)跟着我",
        r"尾随", r"打砸",
        r"绑架", r"劫持", r"挟持", r"要杀(?:人|我)", r"杀人了", r"杀了人", r"打死人", r"开枪", r"强奸", r"性侵", r"猥亵",
        r"跟踪我", r"(?:弄|打|砍)死我(?!们)", r"杀了我(?!们)", r"把我(?:锁|关)(?:在|起来)", r"被(?:人|他|她)(?:锁|关)(?:在|起来)",
        r"非法拘禁", r"不让我(?:下车|出去|离开)", r"有人要打我",
        r"^[\s!~]*(?:(?:救命|快来人|来人|救救我)[啊呀哇!~\s]*)+$",  # a bare cry for help: police, the general number
    ], hurt=("police", "ambulance")),
    _rule(K.VIOLENCE, 1, ("police",), [
        r"打架", r"打人", r"被人?打了", r"(?:有人|他|她|男的|女的|那人)[^,.!?]{0,3}打我", r"救救我", r"快报警", r"帮我报警",
        r"砸门", r"砸东西", r"威胁我", r"要打人",
    ], hurt=("police", "ambulance")),
    _rule(K.TRAFFIC_INJURY, 2, ("traffic", "ambulance"), [
        r"被[^,.!?]{0,6}车给?(?:撞|碾|轧|压|刮倒)", r"出车祸了", r"车祸现场", r"卡在车里", r"翻车了", r"肇事逃逸",
        r"撞(?:倒|飞|伤|到)?了?(?:行人|路人|人(?!家)|老人|孩子|小孩|学生)", r"(?:人|他|她|孩子|老人)被撞了",
        r"把[^,.!?]{0,8}(?:人|爷|奶|孩子|老人|行人)撞(?:了|倒|飞|伤)", r"(?:人|腿|孩子|老人)被车?(?:压|碾|轧)",
    ]),
    _rule(K.TRAFFIC_INJURY, 1, ("traffic", "ambulance"), [
        r"车祸", r"车货", r"撞车", r"相撞", r"车[^,.!?]{0,2}撞了", r"撞在一起", r"追尾", r"交通事故", r"被撞了",
    ]),
    _rule(K.MISSING_PERSON, 2, ("police",), [
        _PERSON + _GAP + r"(?:不见了|走丢|走失|走散|失踪|找不到了|找不着了|不知道去哪了|被人?(?:抱走|拐|带走|领走))",
        _PERSON + _GAP + r"丢了(?=[,.!?;~啊呀哇吧]|$)", r"人找不到了", r"(?:拐卖|拐走|偷走|抢走)了?(?:孩子|小孩|娃)",
        r"(?:把|将)[^,.!?]{0,4}(?:孩子|小孩|娃|宝宝|儿子|女儿)给?(?:抱走|拐走|带走|抢走)",
        _PERSON + _LONG_GAP + r"(?:不见了(?!人影)|找不到了|找不着了|走丢了|走散了)",
        r"(?:痴呆|阿尔茨海默|糊涂|认知障碍|智力障碍|自闭症)[^.]{0,20}(?:没回来|没回家|找不到|找不着|不见|走丢|走失)",
    ]),
    _rule(K.MISSING_PERSON, 1, ("police",), [_KIN + _GAP + r"(?:没回来|没回家|一夜没回|联系不上)"]),
    _rule(K.MEDICAL, 2, ("ambulance",), [
        r"晕倒", r"昏倒", r"晕过去", r"昏过去", r"昏迷", r"不省人事", r"叫不醒", r"叫(?:他|她|人)?也?不(?:答应|应|醒)",
        r"没(?:有|了)?(?:呼吸|心跳)", r"不喘气", r"没气了", r"心脏骤停", r"心梗", r"心肌梗", r"心脏病(?:犯了|发作|发了)",
        r"中风", r"脑溢血", r"脑出血", r"突然不会说话", r"半边身子", r"半身(?:麻|动不了)", r"嘴歪", r"抽搐", r"口吐白沫",
        r"休克", r"吐血", r"大出血", r"血流不止", r"止不住血", r"血止不住", r"骨头都?(?:戳|露|刺)出来", r"(?:胳膊|腿|手)断了",
        r"(?:流了|出了|吐了)(?:好多|很多|一地|一大滩)的?血",
        r"一直在?流血", r"(?:头|脸|身|浑身|满身|满脸|地)上?[^,.!?]{0,2}都是血", r"(?:满身|满脸|浑身|一身)是血",
        r"喘不(?:上|过)气", r"呼吸困难", r"嘴唇发紫", r"噎住了", r"卡住了?喉咙", r"中毒", r"坠楼", r"(?<![机脑池])快不行了",
        r"从[^,.!?]{1,6}(?:摔|跌)下来", _PERSON + _GAP + r"从[^,.!?]{1,6}掉下来",
        r"(?:摔|跌)(?:倒|下来)[^,.!?]{0,4}(?:起不来|不动了|动不了)",
        _PERSON + _GAP + r"(?:倒|躺)在(?:地上|地下|路边|路上|门口|家门口|血泊|楼梯)",
        r"叫救护车", r"(?:打|叫|拨)了?120", r"120(?:怎么)?还?(?:没|不)来", r"羊水破了", r"要生了",
    ]),
    _rule(K.MEDICAL, 1, ("ambulance",), [r"救护车", r"急救车", r"受了?重伤", r"骨折", r"烫伤", r"烧伤"]),
)
_RULE_ORDER = {rule: index for index, rule in enumerate(_RULES)}

# Harmless phrases that contain a trigger; blanked out before matching.
_HARMLESS = re.compile(
    r"跳楼价|跳楼(?:大)?甩卖|跳楼大促|油烟机|落水狗|救命钱|救命稻草|救命恩人|剧本杀|火车|火锅|打不着火|点不着火|着不了火|不着火|肝火|上火"
    r"|发火|火气|发烧|高烧|低烧|烧烤|烧饭|烧水|烧菜|烧纸|烧香|中风险|落水管|漏电保护|漏电开关|气炸|炸鸡|炸串|油炸|炸酱|爆炸头"
    r"|爆炸性|信息爆炸|抢钱|(?:没有?|无)人?员?(?:受伤|伤亡)|没受伤|人没事"
)
_CLAUSE_END = re.compile(r"[,.!?;\n]")
# Urgency cues that do not make a past event current ("去年突然中风"), and present cues that do.
_URGENT = re.compile(r"突然|急死|急坏|着急|快派|快叫|(?:\d+|[一二三四五六七八九十两几]+)个?(?:钟头|小时)")
_PRESENT = re.compile(r"现在|正在|刚|快来|快点|赶快|赶紧|马上|立刻|救命|来人|快救|急急|此刻|这会儿|还在|在线等|快报警")
_PAST_TIME = re.compile(
    r"上个?月|上周|上星期|上礼拜|去年|前年|以前|之前|曾经|那时候?|当时|前几天|前些天|前阵子|上次|小时候|昨天|前天|后来"
    r"|(?:\d+|[一二三四五六七八九十两几多]+)个?(?:年|月)前"
)
_RESOLVED = re.compile(
    r"已经?(?:处理|修好|解决|调解|灭|扑灭|结束|没事|出院|去世|过去|找到|救上来|送医|送到医院)|(?:处理|修|解决|调解)好了"
    r"|调解了|灭了|找到了|救上来了|没事了|过去了|住院|出院|还没修|没修好"
)
_HYPOTHETICAL = re.compile(
    r"如果|假如|假设|万一|要是|一旦|怎么预防|如何预防|预防|防止|避免|防范|以防|危险|会不会|容易|是否|建议|怕|担心|以后|将来|差点|差一点|险些|幸好|还好"
)
_RISK = re.compile(r"风险|隐患|安全问题")  # anywhere in the trigger's clause: "着火风险大"
_NEGATION = re.compile(r"(?:没有?|不是|不会|别|未|无|防|非)$")
_FRAME = re.compile(r"新闻|电视上|电视剧|电影|小说|听说|网上说|视频|是真的吗|谣言|梦见|梦到|做梦|游戏里|论文|研究|调研|课题")
_PROCEDURE = re.compile(
    r"赔|庇护所|法律|心理咨询|后遗症|残疾证|能办|报销|认定|鉴定|办理|手续|什么材料|哪些材料|流程|证明|申请|补办|补贴|政策|规定|标准|费用|收费|多少钱|要钱吗|要不要钱|哪里买|哪儿买"
    r"|去哪买|怎么买|要不要装|安装|报名|招聘|考试|保险|起诉|诉讼|律师|离婚|取证|抚养|投诉|请假|责任|原因是什么|什么原因引起|原因调查|调查结果|调查报告|排放|烟囱"
    r"|油烟|焚烧|烧垃圾|秸秆|污染|知识|讲座|培训|宣传|演练|演习|隐患"
)
_HABITUAL = re.compile(r"天天|每天|经常|总是|老是|每晚|整天|三天两头")
_HURT = re.compile(
    r"受伤|受了伤|伤了|伤者|伤员|流血|出血|血流|砍伤|捅伤|烧伤|烫伤|骨折|昏迷|晕|倒在地上|躺在地上|不动了|被困|困在|出不来"
    r"|压在|埋在|被压|被埋|头破|送医院|都是伤|淤青|一动不动|砸伤|砸到人|打肿|打伤|出不去|还有人|血(?!压|糖|脂|型|检|常规)"
)
_SEVERE = re.compile(r"严重|很重|伤得重|厉害|大片")
_ACTED = re.compile(
    r"(?:吃|喝|吞|服)了(?:" + _LOTS + r"|农药|百草枯|安眠药|老鼠药)|割(?:腕|脉)?了|已经(?:吃|喝|割|吞|服|跳|划)"
    r"|流了?(?:好多|很多)?血|烧炭了|上吊了|药(?:都|全)(?:吃|吞)了|跳(?:楼|下去|河)了|划了"
)
_BOOSTED_BY_HURT = {K.FIRE, K.VIOLENCE, K.TRAFFIC_INJURY, K.ELECTRIC_COLLAPSE, K.DOMESTIC_VIOLENCE}
_DIGITS = re.compile(r"\d{4,}")


def _prepare(text: str) -> str:
    """Simplified, half-width, lower-case text with harmless look-alike phrases blanked out (same length)."""
    simple = normalize(text or "").replace("著", "着").replace("，", ",").replace("。", ".").lower()
    return _HARMLESS.sub(lambda m: "_" * len(m.group()), simple)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the clause (between punctuation) around ``text[start:end]``."""
    before = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
    after = _CLAUSE_END.search(text, end)
    return (before[-1] if before else 0), (after.start() if after else len(text))


def _is_past(text: str, start: int, end: int) -> bool:
    """Past or resolved: the aspect "过" after the trigger; a past-time word in its clause (one before the trigger
    only counts with no present cue between: "去年…现在又着火了" is current); a resolution anywhere after it."""
    if text[end:end + 1] == "过":
        return True
    clause_start, clause_end = _clause(text, start, end)
    markers = list(_PAST_TIME.finditer(text, clause_start, clause_end)) + list(_RESOLVED.finditer(text, clause_start))
    for marker in markers:
        if marker.start() < end and marker.end() > start:
            continue  # part of the trigger itself ("晕过去了")
        if marker.start() >= end:
            return True
        if not _PRESENT.search(text, marker.end(), start):
            return True
    return False


def _score(rule: _Rule, text: str, match: re.Match[str], hurt: bool) -> int:
    """The rule's base score adjusted by the cues around the match (see the module docstring)."""
    start, end = match.span()
    clause_start, clause_end = _clause(text, start, end)
    score = rule.base + bool(_PRESENT.search(text) or _URGENT.search(text)) + ("!" in text) + bool(_SEVERE.search(text))
    score += hurt and rule.kind in _BOOSTED_BY_HURT
    if _is_past(text, start, end):
        score -= 3
    if (_HYPOTHETICAL.search(text, clause_start, end) or _RISK.search(text, clause_start, clause_end)
            or _NEGATION.search(text[max(0, start - 2):start])):
        score -= 3
    if _FRAME.search(text):
        score -= 3
    if rule.kind is not K.SELF_HARM and _PROCEDURE.search(text):  # weaker when the question came before the event
        score -= 2 if _PROCEDURE.search(text, clause_start) else 1
    if rule.kind is K.VIOLENCE and _HABITUAL.search(text):
        score -= 2
    return score


def assess_emergency(text: str) -> EmergencyAssessment | None:
    """Recognise an emergency or crisis in a citizen message; ``None`` when there is none (see the module docstring)."""
    prepared = _prepare(text)
    if not prepared.strip():
        return None
    hurt = bool(_HURT.search(prepared))
    best: tuple[int, int, _Rule, str] | None = None
    for rule in _RULES:
        for match in rule.pattern.finditer(prepared):
            if not match.group():
                continue
            score = _score(rule, prepared, match, hurt)
            if score >= THRESHOLD and (best is None or (score, -_RULE_ORDER[rule]) > best[:2]):
                best = (score, -_RULE_ORDER[rule], rule, match.group())
    if best is None:
        return None
    _, _, rule, phrase = best
    injured = bool(_ACTED.search(prepared)) if rule.kind is K.SELF_HARM else hurt
    services = rule.hurt_services if injured else rule.services
    evidence = re.sub(r"_+", "…", _DIGITS.sub("*", phrase.strip(" !~")))
    logger.info("emergency recognised: %s (%s), services %s", rule.kind.value, evidence, ",".join(services))
    return EmergencyAssessment(rule.kind, services, evidence)
