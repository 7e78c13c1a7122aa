"""The intake machine, turn by turn, with stand-in language services (the real ones are tested in e2e)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.machine import IntakeMachine
from bot.actions.intake.session import STAGE_APPEAL, STAGE_CONFIRM, IntakeSession
from bot.actions.intake.understand import has_content, is_cancel, parse_correction, strip_intro, yes_no
from domain import CategoryLeaf
from nlu.appeal.types import CategorySuggestion


class FakeServices:
    """Keyword stand-ins: enough to drive the machine deterministically."""

    def __init__(self, appeal: AppealType = AppealType.COMPLAINT, confidence: float = 0.9, unsure: bool = False,
                 category_score: float = 0.8) -> None:
        self.appeal, self.confidence, self.unsure = appeal, confidence, unsure
        self.category_score = category_score

    def classify_appeal(self, text: str) -> tuple[AppealType, float, bool]:
        return self.appeal, self.confidence, self.unsure

    def suggest_categories(self, text: str) -> list[CategorySuggestion]:
        return [
            CategorySuggestion(CategoryLeaf("城乡建设与管理/噪音扰民/社会生活噪音", "gongan", "市公安局"),
                               self.category_score),
            CategorySuggestion(CategoryLeaf("城乡建设与管理/噪音扰民/建筑施工噪音", "chengguan", "市城市管理综合执法局"),
                               self.category_score - 0.05),
            CategorySuggestion(CategoryLeaf("城乡建设与管理/市容环卫/占道经营", "chengguan", "市城市管理综合执法局"), 0.1),
        ]

    def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        return self.find_address(text)

    def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        for marker in ("建国路88号", "幸福路8号", "中关村大街27号"):
            if marker in text:
                start = text.index(marker)  # the span as written, like the real parser's
                return f"北京市朝阳区{marker}", {"district": "朝阳区", "start": start, "end": start + len(marker)}
        return None

    def kb_answer(self, text: str) -> str | None:
        return "【噪音投诉由谁管】社会生活噪音由公安机关处理。" if "谁管" in text else None

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 11, 27, 10, 0)


def texts(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in result.replies)


def run(machine: IntakeMachine, session: IntakeSession, *messages: str):  # type: ignore[no-untyped-def]
    result = None
    for message in messages:
        result = machine.handle(session, message)
        assert not result.submit or message == messages[-1]
        if result.session is not None:
            session = result.session
    return result, session


def test_first_message_fills_everything_it_says_and_only_the_rest_is_asked() -> None:
    machine = IntakeMachine(FakeServices())
    result = machine.start("朝阳区建国路88号楼下烧烤店从上周三开始每天晚上吵到两点，我姓王，电话13812345678")
    session = result.session
    assert session.address == "北京市朝阳区建国路88号"
    assert session.phone == "13812345678"
    assert session.name == "王先生/女士"
    assert session.occurred and "上周三" in session.occurred
    assert session.category == "城乡建设与管理/噪音扰民/社会生活噪音"
    assert session.pending == Field.CALLBACK.value  # the first thing not said
    result, session = run(machine, session, "需要", "不用保密")
    assert session.stage == STAGE_CONFIRM
    summary = texts(result)
    assert "138****5678" in summary and "13812345678" not in summary
    result = machine.handle(session, "确认")
    assert result.submit


def test_contentless_first_message_asks_what_happened() -> None:
    machine = IntakeMachine(FakeServices())
    result = machine.start("我要投诉", hinted=AppealType.COMPLAINT, hint_confidence=0.95)
    assert result.session.pending == Field.DESCRIPTION.value
    assert "具体" in texts(result)


def test_invalid_phone_is_asked_again_with_an_example() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("幸福路8号的路灯坏了一个星期了，晚上特别黑").session
    result, session = run(machine, session, "上周五", "李女士")
    assert session.pending == Field.PHONE.value
    result = machine.handle(session, "1381234")
    assert session.pending == Field.PHONE.value and session.phone is None
    assert "13812345678" in texts(result)  # the example
    result = machine.handle(session, "13912345678")
    assert result.session.phone == "13912345678"


def test_declining_the_phone_warns_and_goes_on_without_callback() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("幸福路8号的路灯坏了一个星期了，晚上特别黑").session
    result, session = run(machine, session, "上周五", "李女士", "不方便留电话")
    assert "无法" in texts(result)
    assert session.phone_declined and session.callback_consent is False
    assert session.pending == Field.ANONYMOUS.value  # the callback question is skipped


@pytest.mark.parametrize("message, field, expected", [
    ("地址说错了，是中关村大街27号", "address", "北京市朝阳区中关村大街27号"),
    ("电话改成13900001111", "phone", "13900001111"),
    ("名字写错了，我姓赵", "name", "赵先生/女士"),
])
def test_corrections_at_confirmation_keep_every_other_field(message: str, field: str, expected: str) -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点，我姓王，电话13812345678，从上周三开始").session
    _, session = run(machine, session, "需要", "不用")
    before = session.to_dict()
    result = machine.handle(session, message)
    session = result.session
    assert getattr(session, field) == expected
    assert session.stage == STAGE_CONFIRM
    for key in ("address", "phone", "name", "occurred", "callback_consent", "anonymous"):
        if key != field:
            assert getattr(session, key) == before[key]
    # the description changes only where it named the old value
    old = {"address": "建国路88号", "phone": "13812345678", "name": "我姓王"}[field]
    new = {"address": "中关村大街27号", "phone": "13900001111", "name": "我姓赵"}[field]
    assert session.description == before["description"].replace(old, new)


def test_correction_without_value_asks_for_that_field() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点，我姓王，电话13812345678，从上周三开始").session
    _, session = run(machine, session, "需要", "不用")
    result = machine.handle(session, "改一下地址")
    assert result.session.pending == Field.ADDRESS.value
    result = machine.handle(result.session, "幸福路8号")
    assert result.session.address.endswith("幸福路8号") and result.session.stage == STAGE_CONFIRM


def test_question_inside_the_form_is_answered_and_the_form_resumes() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("我要投诉噪音扰民的问题，天天晚上有人唱歌").session
    assert session.pending == Field.ADDRESS.value
    result = machine.handle(session, "噪音这种事归谁管啊？")
    assert "公安" in texts(result) and "继续" in texts(result)
    assert result.session.pending == Field.ADDRESS.value


def test_cancel_ends_cleanly() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点").session
    result = machine.handle(session, "算了，不办了")
    assert result.cancelled and result.session is None and "取消" in texts(result)


def test_unsure_type_asks_one_question() -> None:
    machine = IntakeMachine(FakeServices(unsure=True, confidence=0.4))
    result = machine.start("小区门口那条路的事情想说一下")
    assert result.session.stage == STAGE_APPEAL
    result = machine.handle(result.session, "求助")
    assert result.session.appeal_type == "求助"


def test_unsure_category_is_chosen_by_number() -> None:
    machine = IntakeMachine(FakeServices(category_score=0.3))
    result = machine.start("建国路88号楼下每天晚上很吵")
    session = result.session
    assert session.category is None
    _, session = run(machine, session, "昨天晚上")
    assert session.pending == Field.CATEGORY.value
    result = machine.handle(session, "2")
    assert result.session.category == "城乡建设与管理/噪音扰民/建筑施工噪音"


def test_far_fetched_runners_up_are_not_offered() -> None:
    class OneLikely(FakeServices):
        def suggest_categories(self, text: str) -> list[CategorySuggestion]:
            first, second, third = super().suggest_categories(text)
            return [first, replace(second, score=0.1), replace(third, score=0.02)]

    machine = IntakeMachine(OneLikely(category_score=0.2))
    session = machine.start("建国路88号楼下每天晚上很吵").session
    assert session.category is None
    assert [c.score for c in session.category_candidates] == [0.2, 0.1]  # 0.02 is not worth offering
    _, session = run(machine, session, "昨天晚上")
    assert session.pending == Field.CATEGORY.value
    result = machine.handle(session, "3")  # the last option is now 都不是
    assert result.session.category == ""


def test_anonymous_request_in_free_text() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("举报建国路88号有人违章搭建，我要求匿名").session
    assert session.anonymous is True


def test_photos_and_location_from_channel_metadata() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("路面塌了一个大坑", metadata={"photos": ["https://x/1.jpg"],
                                                    "location": {"lat": 39.9, "long": 116.4}}).session
    assert session.photos == ["https://x/1.jpg"] and session.lat == 39.9


def test_a_shared_location_is_the_place_whatever_was_asked() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("路面塌了一个大坑").session
    asked = session.pending
    assert asked is not None and not session.address
    result = machine.handle(session, "朝阳区建国路88号", {"location": {"lat": 39.91, "long": 116.47,
                                                                 "label": "北京市朝阳区建国路88号"}})
    assert result.session.address == "北京市朝阳区建国路88号" and result.session.lat == 39.91
    assert "已收到您发送的位置" in result.replies[0].text and "没能识别" not in result.replies[0].text
    assert result.session.pending != "address"


def test_a_location_without_a_label_keeps_the_coordinates_as_the_place() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("路面塌了一个大坑").session
    result = machine.handle(session, "（位置）", {"location": {"lat": 39.9, "long": 116.4}})
    assert result.session.address == "市民发送的定位（纬度39.90000，经度116.40000）"
    assert result.session.long == 116.4


def test_session_round_trips_through_a_dict() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点").session
    assert IntakeSession.from_dict(session.to_dict()) == session


@pytest.mark.parametrize("text, expected", [("算了", True), ("取消", True), ("我不想投诉了", True),
                                            ("取消了公交线路很不方便", False), ("楼下很吵", False)])
def test_cancel_words(text: str, expected: bool) -> None:
    assert is_cancel(text) is expected


@pytest.mark.parametrize("text, expected", [("好的", True), ("需要", True), ("不需要", False), ("不用了", False),
                                            ("我家门口", None)])
def test_yes_no(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected


def test_correction_patterns() -> None:
    assert parse_correction("地址说错了，是朝阳区建国路88号").value == "朝阳区建国路88号"
    assert parse_correction("把电话改成010-88886666").field is Field.PHONE
    assert parse_correction("楼下很吵") is None


def test_contentless_messages() -> None:
    assert not has_content("我要投诉")
    assert not has_content("你好，我想反映个问题")
    assert has_content("楼下烧烤店太吵了")


@pytest.mark.parametrize("text", ["转人工", "我要转人工", "人工客服", "/ask_human"])
def test_asking_for_a_human_ends_the_form_with_a_handoff(text: str) -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点").session
    result = machine.handle(session, text)
    assert result.handoff and "人工" in texts(result) and result.session.address


def test_a_description_mentioning_staff_is_not_a_handoff() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("我要投诉", hinted=AppealType.COMPLAINT, hint_confidence=0.9).session
    result = machine.handle(session, "营业厅的人工客服态度很差，一直不理人")
    assert not result.handoff and result.session.description


def test_phone_and_id_numbers_leave_the_description_but_stay_in_their_fields() -> None:
    from bot.actions.intake.submit import build_request

    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点，电话13812345678，身份证11010519491231002X").session
    request = build_request(session, "rexian", channel="webchat", channel_user_id="web:x")
    assert "13812345678" not in request.description and "11010519491231002X" not in request.description
    assert request.phone == "13812345678" and "烧烤店" in request.description


@pytest.mark.parametrize(
    ("first_message", "description"),
    [
        ("建国路88号楼下烧烤店每天晚上吵到两点，我电话13812345678，我姓王", "建国路88号楼下烧烤店每天晚上吵到两点"),
        ("我叫张伟，建国路88号楼下饭店油烟很大", "建国路88号楼下饭店油烟很大"),
        ("本人李女士。建国路88号的电梯坏了三天了", "建国路88号的电梯坏了三天了"),
        ("我是王先生的邻居，建国路88号他家的狗天天叫", "我是王先生的邻居，建国路88号他家的狗天天叫"),
        ("我是外卖员，今天在建国路88号被车撞了", "我是外卖员，今天在建国路88号被车撞了"),
    ],
)
def test_the_name_given_leaves_the_description_but_third_parties_stay(first_message: str, description: str) -> None:
    from bot.actions.intake.submit import build_request

    machine = IntakeMachine(FakeServices())
    session = machine.start(first_message).session
    request = build_request(session, "rexian", channel="webchat", channel_user_id="web:x")
    # an anonymous order hides the name from departments, so the free text must not carry it either
    assert request.description.split("\n")[0] == description  # the confirmation summary shows the same text


@pytest.mark.parametrize("text", ["我们小区门口天天有人摆摊到半夜", "我家楼上漏水好几天了", "我是外卖员，今天在路口被车撞了"])
def test_a_message_that_starts_with_wo_keeps_it(text: str) -> None:
    assert strip_intro(text) == text
    assert strip_intro("你好，我要投诉，" + text) == text


@pytest.mark.parametrize("appeal", [AppealType.HELP, AppealType.COMPLAINT])
def test_baomi_at_the_summary_sets_confidentiality_and_does_not_submit(appeal: AppealType) -> None:
    machine = IntakeMachine(FakeServices(appeal=appeal))
    session = machine.start("朝阳区建国路88号楼下烧烤店从上周三开始每天晚上吵到两点，我姓王，电话13812345678").session
    result, session = run(machine, session, "需要", "不用保密") if appeal is AppealType.COMPLAINT \
        else run(machine, session, "需要")
    assert session.stage == STAGE_CONFIRM and not session.anonymous
    result = machine.handle(session, "保密")
    assert not result.submit and result.session.anonymous is True
    assert "保密" in texts(result) and "是否保密：是" in texts(result)
    result = machine.handle(result.session, "确认")
    assert result.submit and result.session.anonymous is True


def test_every_time_mention_is_kept() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号的烧烤店每天晚上吵到凌晨两点，从上周三开始的").session
    assert "每天晚上" in session.occurred and "上周三" in session.occurred
    assert session.occurred_at is not None


def test_the_catch_all_category_is_never_guessed() -> None:
    class CatchAllFirst(FakeServices):
        def suggest_categories(self, text: str) -> list[CategorySuggestion]:
            centre = CategoryLeaf("政务服务/热线服务/热线咨询与意见建议", "rexian_center", "12345市民服务热线中心")
            return [CategorySuggestion(centre, 0.6)] + super().suggest_categories(text)[:2]

    session = IntakeMachine(CatchAllFirst(category_score=0.2)).start("建国路88号楼下每天晚上很吵").session
    assert session.category is None
    assert all(c.leaf.department != "rexian_center" for c in session.category_candidates)


def test_unusable_category_answers_end_with_the_hotline_centre_dispatching() -> None:
    machine = IntakeMachine(FakeServices(category_score=0.2))
    session = machine.start("建国路88号楼下每天晚上很吵，昨天晚上也是").session
    assert session.pending == Field.CATEGORY.value
    result = machine.handle(session, "是")
    assert "序号" in texts(result)
    for answer in ("否", "确认"):
        result = machine.handle(result.session, answer)
    assert result.session.category == "" and result.session.pending != Field.CATEGORY.value


def test_unclear_answers_to_the_type_question_keep_their_content_and_fall_back_to_the_guess() -> None:
    machine = IntakeMachine(FakeServices(unsure=True, confidence=0.4))
    session = machine.start("楼下烧烤店太吵了").session
    result = machine.handle(session, "幸福路8号")
    assert result.session.stage == STAGE_APPEAL and "投诉举报" in texts(result)
    result = machine.handle(result.session, "每天晚上")
    session = result.session
    assert session.appeal_type == "投诉举报"  # the classifier's guess
    assert session.address.endswith("幸福路8号") and "每天晚上" in session.occurred


def test_a_confident_consultation_goes_back_to_the_knowledge_base() -> None:
    machine = IntakeMachine(FakeServices(appeal=AppealType.CONSULT, confidence=0.95))
    result = machine.start("居住证到期了怎么续签")
    assert result.to_consultation and not result.replies


@pytest.mark.parametrize("answer, expected", [("张", "张先生/女士"), ("王芳", "王芳"), ("欧阳", "欧阳先生/女士")])
def test_bare_names(answer: str, expected: str) -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点").session
    session.pending = Field.NAME.value
    result = machine.handle(session, answer)
    assert result.session.name == expected


def test_a_non_name_is_asked_again() -> None:
    machine = IntakeMachine(FakeServices())
    session = machine.start("建国路88号楼下烧烤店每天晚上吵到两点").session
    session.pending = Field.NAME.value
    result = machine.handle(session, "求助")
    assert result.session.name is None and "称呼" in texts(result)
