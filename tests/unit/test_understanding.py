"""The message understanding (nlu.understanding) with small doubles for the knowledge base and the classifier."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from nlu.appeal.types import COMPLAINT, CONSULT, HELP, SUGGEST, AppealPrediction
from nlu.language import Language, detect_language, standardise
from nlu.readings import asks_for_human, asks_status
from nlu.understanding import Fields, Route, TurnContext, Understander, decide_route


@dataclass
class _Entry:
    id: str
    question: str


@dataclass
class _Match:
    entry: _Entry
    similarity: float


@dataclass
class _Result:
    band: str
    entries: list[_Match]
    query: str
    followup_of: str | None = None


@dataclass
class FakeKB:
    band: str = "no_match"
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def ask(self, query: str, *, previous_entry_id: str | None = None) -> _Result:
        self.asked.append((query, previous_entry_id))
        entries = [_Match(_Entry("e-1", "问题一"), 0.97)] if self.band != "no_match" else []
        return _Result(self.band, entries, query)


def _prediction(appeal: str, confidence: float, unsure: bool = False) -> AppealPrediction:
    rest = (1.0 - confidence) / 3
    scores = {t: (confidence if t == appeal else rest) for t in (CONSULT, HELP, COMPLAINT, SUGGEST)}
    return AppealPrediction(appeal, confidence, scores, unsure)


class FakeClassifier:
    def __init__(self, appeal: str = CONSULT, confidence: float = 0.9, unsure: bool = False) -> None:
        self.prediction = _prediction(appeal, confidence, unsure)

    def classify(self, text: str) -> AppealPrediction:
        return self.prediction


def _understander(kb: FakeKB | None = None, classifier: FakeClassifier | None = None) -> Understander:
    return Understander(kb or FakeKB(), classifier or FakeClassifier(), extract_fields=lambda text: Fields())


def _route(text: str, appeal: str = CONSULT, confidence: float = 0.9, unsure: bool = False,
           intent: str | None = None, kb_band: str = "no_match") -> tuple[Route, str | None]:
    prediction = _prediction(appeal, confidence, unsure)
    route, appeal_type, _, _ = decide_route(text, intent=intent, intent_confidence=0.95, prediction=prediction,
                                            kb_band=kb_band)
    return route, appeal_type


# ------------------------------------------------------------------------------------------- consult vs problem
@pytest.mark.parametrize("text", [
    "我想问一下我们小区的供暖费今年为什么涨价了",
    "一年能取几次",
    "社保断缴怎么办",
    "楼上漏水物业不管，能找谁",
    "小区停车位是否可以出租",
    "投诉电话是多少",
    "怎么投诉物业",
])
def test_questions_that_mention_a_problem_are_consultations(text: str) -> None:
    # The classifier leans to a complaint (as it does on these); the question frame decides.
    assert _route(text, appeal=COMPLAINT, confidence=0.7) == (Route.CONSULT, CONSULT)


@pytest.mark.parametrize(("text", "expected"), [
    ("求助，我们小区门口的路灯坏了两个星期了", HELP),
    ("我要求助，家里老人行动不便需要帮忙办证", HELP),
    ("建议在我们小区门口增设一个公交站", SUGGEST),
    ("我有个建议，地铁末班车能不能晚一点", SUGGEST),
    ("我要投诉，楼下烧烤店油烟太大", COMPLAINT),
    ("举报一下，有人在河边倒垃圾", COMPLAINT),
])
def test_explicit_type_words_win(text: str, expected: str) -> None:
    # Even against a confident classifier that says otherwise.
    assert _route(text, appeal=CONSULT, confidence=0.95) == (Route.PROBLEM, expected)


def test_a_rhetorical_question_is_a_complaint() -> None:
    assert _route("门口垃圾堆了一个星期了，怎么没人管？", appeal=COMPLAINT, confidence=0.6)[0] is Route.PROBLEM


def test_a_plain_report_follows_the_classifier() -> None:
    assert _route("楼下饭店油烟太大，天天熏得开不了窗", appeal=COMPLAINT, confidence=0.8) == (Route.PROBLEM, COMPLAINT)


def test_unsure_asks() -> None:
    assert _route("小区的事情", appeal=CONSULT, confidence=0.45, unsure=True)[0] is Route.UNSURE


def test_a_statement_the_classifier_gives_to_the_problem_types_is_a_problem() -> None:
    # 0.35 for a complaint, but only 0.22 for a consultation: the citizen wants something done.
    assert _route("小区门口有人占道经营", appeal=COMPLAINT, confidence=0.35, unsure=True) == (Route.PROBLEM, COMPLAINT)


def test_an_unsure_classifier_with_a_confident_complain_intent_is_a_problem() -> None:
    route, appeal = _route("楼道里一直堆着别人的杂物和电动车", appeal=CONSULT, confidence=0.45, unsure=True,
                           intent="complain")
    assert (route, appeal) == (Route.PROBLEM, COMPLAINT)


# ------------------------------------------------------------------------------------------- language
@pytest.mark.parametrize(("text", "language"), [
    ("How do I apply for a residence permit?", Language.ENGLISH),
    ("Can I talk to someone please", Language.ENGLISH),
    ("gongjijin zenme tiqu", Language.PINYIN),
    ("juzhuzheng zenme banli", Language.PINYIN),
    ("asdfgh qwerty zxcv", Language.OTHER),
    ("？？？", Language.OTHER),
    ("居住證怎麼辦理", Language.CHINESE),
    ("iPhone丢了怎么办", Language.CHINESE),
    ("", Language.EMPTY),
])
def test_language(text: str, language: Language) -> None:
    assert detect_language(text) is language


@pytest.mark.parametrize(("text", "standard"), [
    ("居住證怎麼辦理", "居住证怎么办理"),
    ("公基金咋取出来", "公积金怎么取出来"),
    ("俺家娃刚生下来，户口咋上啊", "我家孩子刚生下来,户口怎么上啊"),
])
def test_dialect_typos_and_traditional_characters_become_standard(text: str, standard: str) -> None:
    assert standardise(text) == standard


def test_the_kb_is_searched_with_the_standard_text() -> None:
    kb = FakeKB()
    _understander(kb).understand("公基金咋取出来")
    assert kb.asked[0][0] == "公积金怎么取出来"


def test_other_languages_are_not_routed_into_a_form() -> None:
    u = _understander(classifier=FakeClassifier(COMPLAINT, 0.99)).understand("How do I apply for a residence permit?")
    assert u.language is Language.ENGLISH and u.route is Route.CONSULT and u.emergency is None


# ------------------------------------------------------------------------------------------- follow-ups, readings
def test_a_follow_up_after_a_did_you_mean_searches_on_the_offered_topic() -> None:
    kb = FakeKB()
    _understander(kb).understand("那需要带什么材料？", TurnContext(offered_entry_ids=("juzhuzheng-001", "x")))
    assert kb.asked[0][1] == "juzhuzheng-001"


def test_the_topic_last_answered_wins_over_an_older_offer() -> None:
    kb = FakeKB()
    _understander(kb).understand("在哪里办", TurnContext(last_entry_id="a", offered_entry_ids=("b",)))
    assert kb.asked[0][1] == "a"


@pytest.mark.parametrize("text", ["转人工", "我要找真人", "人工客服", "给我转个人工客服吧", "麻烦转接人工"])
def test_handoff(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize("text", ["查一下我的工单 2026112700000042", "我的工单怎么样了", "我投诉的事有结果了吗", "工单进度"])
def test_status(text: str) -> None:
    assert asks_status(text)


@pytest.mark.parametrize("text", ["我身份证号110105199003071234，帮我查一下社保", "社保怎么查", "评价工单2026112700000042"])
def test_not_status(text: str) -> None:
    assert not asks_status(text)


def test_the_shape_is_stable_and_json_ready() -> None:
    import json

    u = _understander(FakeKB(band="did_you_mean")).understand("居住证怎么办理")
    data = u.to_dict()
    assert set(data) == {"version", "text", "standard", "language", "emergency", "intent", "readings", "route",
                         "kb", "fields"}
    assert data["kb"]["candidates"][0]["entry_id"] == "e-1"
    json.dumps(data, ensure_ascii=False)


def test_an_emergency_is_read_before_anything_else() -> None:
    u = _understander(FakeKB(band="answer"), FakeClassifier(CONSULT, 0.99)).understand("我家楼道着火了！")
    assert u.emergency is not None and u.emergency.kind.value == "fire"
    assert "fire" in u.emergency.services


@pytest.mark.parametrize("text", ["别让机器人回答了，给我接个工作人员", "人工！人工！人工！", "不想跟机器聊，转接人工坐席",
                                  "有没有活人啊，叫个人来跟我说", "你听不懂就算了 叫你们接线员来跟我说"])
def test_handoff_in_other_words(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize("text", ["人工费太贵了", "找个人帮我修一下水管", "人工智能是什么"])
def test_not_handoff(text: str) -> None:
    assert not asks_for_human(text)


@pytest.mark.parametrize("text", ["之前报的路灯坏了那个单子 有人处理没", "俺前儿个反映那事儿咋样了 有信儿没",
                                  "查询工单进度 编号2027031500123", "2026112500000318 这个工单现在是谁在处理"])
def test_status_in_other_words(text: str) -> None:
    assert asks_status(text)


@pytest.mark.parametrize(("text", "talk"), [("好的，那再见啦", "goodbye"), ("早上好呀", "greet"), ("谢谢你", "thank"),
                                            ("你好，我要投诉", None)])
def test_small_talk(text: str, talk: str | None) -> None:
    from nlu.readings import small_talk

    assert small_talk(text) == talk


@pytest.mark.parametrize(("text", "language"), [("여권은 어디에서 신청하나요?", Language.FOREIGN), ("啊啊啊啊啊", Language.OTHER),
                                                ("[语音]", Language.EMPTY)])
def test_other_scripts_and_noise(text: str, language: Language) -> None:
    assert detect_language(text) is language


@pytest.mark.parametrize("text", ["外地人在这边打工半年了，能办居住证不", "驾驶证年底到期，提前两个月去换行不行", "这钱该不该交",
                                  "邻居装修，几点之前不能开工"])
def test_dialect_questions(text: str) -> None:
    from nlu.understanding import is_question

    assert is_question(text)


@pytest.mark.parametrize("text", ["物业收了物业费啥也不干", "楼上住户往下扔烟头，我家晾的衣服被烫了好几个洞",
                                  "我们村的自来水这几天放出来都是黄的"])
def test_statements_are_not_questions(text: str) -> None:
    from nlu.understanding import is_question

    assert not is_question(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("楼下有家店油烟很大，我们反映了好几次都没用", COMPLAINT),
    ("公园里的健身器材能不能多装几个适合老年人用的", SUGGEST),
    ("我家楼下的下水井往外冒水，能不能派人来疏通一下", HELP),
])
def test_problems_phrased_as_questions(text: str, expected: str) -> None:
    route, appeal = _route(text, appeal=HELP if expected == HELP else COMPLAINT, confidence=0.5)
    assert route is Route.PROBLEM
    assert appeal == expected


def test_a_long_message_is_decided_by_its_request() -> None:
    text = ("我于今年三月在一家培训机构报名了课程，交了两千八百元，后来机构一直不安排上课，客服也不回复，"
            "合同上承诺的内容都没有兑现，希望有关部门帮助解决，尽快让商家退费，谢谢！")
    assert _route(text, appeal=CONSULT, confidence=0.5)[0] is Route.PROBLEM


@pytest.mark.parametrize("text", ["居住证掉了，想补一个", "结婚以后想在房本上加上老婆的名字", "搬家把户口本搞丢了"])
def test_a_procedure_the_citizen_wants_is_a_consultation(text: str) -> None:
    assert _route(text, appeal=COMPLAINT, confidence=0.7, kb_band="answer") == (Route.CONSULT, CONSULT)
