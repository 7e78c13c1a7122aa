"""Invented Chinese texts for the demo orders: descriptions per service, addresses, results, comments.

Written for this project (no real citizens, places or data). ``{place}`` in a description is filled with a
community or street name so that descriptions differ from order to order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import BASIC, COMPLAINT, CONSULTATION, HELP, SATISFIED, SUGGESTION, TELEGRAM, UNSATISFIED, WEBCHAT, WECHAT


@dataclass(frozen=True)
class DemoService:
    """A service of ``services.yml`` as the demo uses it."""

    code: str
    weight: float
    descriptions: tuple[str, ...]
    attributes: tuple[dict[str, str], ...] = field(default_factory=lambda: ({},))
    appeal_type: str | None = None


SERVICES: tuple[DemoService, ...] = (
    DemoService("zaoyin", 12, (
        "{place}楼下的烧烤店每天营业到凌晨两点，音响和划拳声很大，老人孩子都睡不好。",
        "{place}附近工地晚上十点以后还在打桩，噪音特别大，希望有关部门管一管。",
        "{place}小区广场舞音响声音太大，从早上六点就开始放，影响居民休息。",
        "{place}旁边的加工厂机器24小时运转，轰隆声不断，窗户关上也能听到。",
    ), ({"noise_source": "life"}, {"noise_source": "construction"}, {"noise_source": "life"},
        {"noise_source": "industry"}), COMPLAINT),
    DemoService("zhandao", 7, (
        "{place}路口每天傍晚有流动摊贩占道摆摊，人行道被堵住，行人只能走机动车道。",
        "{place}门口的水果店把货架摆到人行道上，轮椅和婴儿车都过不去。",
    ), appeal_type=COMPLAINT),
    DemoService("weizhang_jianzhu", 4, (
        "{place}顶楼住户在楼顶私自搭建彩钢板房，担心影响楼体安全。",
        "{place}一楼住户把院子围起来加盖了一间房，占用了小区公共绿地。",
    ), appeal_type=COMPLAINT),
    DemoService("daolu", 8, (
        "{place}门前的道路有一个很大的坑，下雨积水看不见，已经有电动车摔倒。",
        "{place}人行道的地砖大面积松动翘起，老人走路容易绊倒，请尽快修复。",
    ), appeal_type=HELP),
    DemoService("ludeng", 8, (
        "{place}这一段的路灯已经坏了一个星期，晚上一片漆黑，走夜路很不安全。",
        "{place}路口的路灯白天也亮着，晚上反而时亮时灭，请派人检修。",
    ), appeal_type=HELP),
    DemoService("tingshuidianqi", 9, (
        "{place}从今天早上开始停水，没有看到任何停水通知，请问什么时候恢复供水？",
        "{place}整栋楼突然停电，电梯里一度有人被困，请尽快抢修。",
        "{place}燃气从中午开始打不着火，家里做不了饭，请安排人员检查。",
    ), ({"utility_type": "water"}, {"utility_type": "power"}, {"utility_type": "gas"}), HELP),
    DemoService("wuye", 8, (
        "{place}的物业收了停车费，但小区里乱停车没人管，消防通道经常被堵。",
        "{place}电梯经常故障，业主多次报修，物业一直拖着不修。",
        "{place}物业擅自提高物业费，没有召开业主大会，也没有公示。",
    ), appeal_type=COMPLAINT),
    DemoService("qianxin", 6, (
        "我在{place}附近的一个装修项目干活，老板拖欠我们三个月工资一直不给。",
        "{place}的一家餐饮店关门了，老板欠员工两个月工资联系不上。",
    ), appeal_type=HELP),
    DemoService("shipin", 5, (
        "在{place}一家超市买的酸奶，打开后发现已经变质，但还没过保质期。",
        "{place}附近的一家快餐店后厨卫生很差，吃完后全家都拉肚子。",
    ), appeal_type=COMPLAINT),
    DemoService("xiaofei", 7, (
        "在{place}的健身房办了年卡，现在健身房突然关门，预付的费用退不回来。",
        "{place}的一家手机店卖给我的手机是翻新机，商家拒绝退货。",
        "在{place}的培训机构报了课，机构不按合同上课，要求退费被拒。",
    ), appeal_type=COMPLAINT),
    DemoService("shebao", 5, (
        "我换了工作单位，原来在{place}交的社保怎么转移到新单位？",
        "我父亲今年退休，想问一下在{place}办理养老金领取需要哪些材料。",
    ), appeal_type=CONSULTATION),
    DemoService("yibao", 4, (
        "在外地住院的费用回来后怎么报销？我的医保是在{place}参保的。",
        "孩子的城乡居民医保忘了续缴，现在还能在{place}补缴吗？",
    ), appeal_type=CONSULTATION),
    DemoService("gongjijin", 4, (
        "我在{place}租房住，想咨询租房提取公积金的条件和办理流程。",
        "申请公积金贷款已经一个多月了，{place}的网点一直说在审核，想问进度。",
    ), appeal_type=CONSULTATION),
    DemoService("huji", 3, (
        "孩子刚出生，想问一下在{place}办理新生儿落户需要带哪些材料。",
        "身份证丢了，在{place}附近哪里可以补办，多久能拿到？",
    ), appeal_type=CONSULTATION),
    DemoService("jiaoyu", 3, (
        "孩子明年上小学，住在{place}，想了解学区划分和报名时间。",
        "{place}附近的幼儿园收取的费用比公示的高，想反映一下。",
    ), appeal_type=CONSULTATION),
    DemoService("minzheng", 3, (
        "家里老人行动不便，住在{place}，想申请居家养老服务补贴。",
        "{place}的社区养老服务站经常不开门，老人没地方活动。",
    ), appeal_type=HELP),
    DemoService("shirong", 4, (
        "{place}的垃圾桶满了好几天没人清运，味道很大，还招苍蝇。",
        "{place}的垃圾分类投放点晚上不开放，居民只能把垃圾放在地上。",
    ), appeal_type=COMPLAINT),
    DemoService("rexian", 2, (
        "建议在{place}附近增加一条公交线路，现在上下班太不方便了。",
        "希望{place}的公园晚上能多开放一段时间，方便居民锻炼。",
    ), appeal_type=SUGGESTION),
)

DISTRICTS = ("城东区", "城西区", "城南区", "滨江区", "高新区", "经开区")
ROADS = ("人民路", "解放路", "建设路", "幸福路", "和平路", "文化路", "光明路", "新华路", "长江路", "青年路",
         "朝阳路", "园林路")
COMMUNITIES = ("阳光花园", "锦绣家园", "翠苑小区", "金色家园", "丽景苑", "和谐小区", "枫林湾", "书香苑",
               "滨河花园", "春晖里", "紫薇苑", "东方明珠小区")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林")
CHANNELS = (WEBCHAT, WEBCHAT, WECHAT, WECHAT, TELEGRAM)

CONTACT_TEXTS = ("已电话联系来电人，了解具体情况。", "已与来电人取得联系，约定现场核实时间。",
                 "已联系来电人，告知正在办理。")
CLOSE_TEXTS = ("已到现场核实并处理完毕，已向来电人反馈。", "已责成相关单位整改，整改已完成。",
               "已向来电人详细解答政策和办理流程。", "已安排维修人员修复，经复查恢复正常。",
               "经调解双方达成一致，问题已解决。", "已立案调查，依法作出处理。")
REVIEW_CLOSE_TEXTS = ("复核后再次上门处理，已向来电人说明结果。", "复核后督促相关单位重新整改，已完成。")
EXTEND_REASONS = ("需要多个部门联合核查，申请延期。", "涉及产权认定，需调取档案，申请延期。")
REMIND_TEXTS = ("来电人催问办理进度。", "来电人反映问题仍未解决，要求尽快处理。")
REOPEN_REASONS = ("来电人反映问题再次出现，申请复核。", "来电人对处理结果有异议，申请复核。")
COMMENTS = {
    SATISFIED: ("处理很及时，谢谢。", "工作人员态度很好。", ""),
    BASIC: ("问题解决了，就是时间有点长。", "希望以后能更快一点。", ""),
    UNSATISFIED: ("问题没有解决，只是打了个电话。", "处理结果和实际情况不符。", "拖了太久。"),
}
