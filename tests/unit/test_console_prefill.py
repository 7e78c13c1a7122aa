"""The pre-filled work-order form: the bot's understanding first, the appeal classifier for what the bot never read
(call assist), the category and its department with the runners-up, fields from the understanding or the project's
extractor, phone numbers masked until the server files the order. The classifier is a small double here; the real one
runs in tests/integration/test_console_assist_live.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from agent_console import prefill
from agent_console.prefill import CitizenLine, build_draft, resolve_phone, strip_contacts
from domain import CategoryLeaf

BBQ = CategoryLeaf("城乡建设与管理/市容环卫/露天烧烤", "chengguan", "市城市管理综合执法局")
FUMES = CategoryLeaf("环境保护/大气污染/餐饮油烟", "chengguan", "市城市管理综合执法局")
NOISE = CategoryLeaf("城乡建设与管理/噪音扰民/社会生活噪音", "gongan", "市公安局")
CENTRE = CategoryLeaf("12345热线/综合/其他", "rexian_center", "12345热线中心")
WAGES = CategoryLeaf("劳动保障/劳动关系/拖欠工资", "renshe", "市人力资源和社会保障局")


@dataclass(frozen=True)
class Prediction:
    appeal_type: str
    confidence: float
    scores: dict[str, float]


@dataclass(frozen=True)
class Candidate:
    leaf: CategoryLeaf
    score: float


class Reader:
    """The classifier double: complaints about barbecues and wages, questions otherwise; records what it read."""

    def __init__(self) -> None:
        self.classified: list[str] = []
        self.categorised: list[str] = []

    def classify(self, text: str) -> Prediction:
        self.classified.append(text)
        if "烧烤" in text or "工资" in text:
            return Prediction("投诉举报", 0.8, {"投诉举报": 0.8, "求助": 0.1, "咨询": 0.07, "意见建议": 0.03})
        return Prediction("咨询", 0.9, {"咨询": 0.9, "求助": 0.05, "投诉举报": 0.03, "意见建议": 0.02})

    def suggest_categories(self, text: str, k: int = 3) -> list[Candidate]:
        self.categorised.append(text)
        if "工资" in text:
            return [Candidate(WAGES, 0.7), Candidate(CENTRE, 0.2)]
        return [Candidate(CENTRE, 0.5), Candidate(BBQ, 0.4), Candidate(FUMES, 0.1), Candidate(NOISE, 0.01)]


def understanding(kind: str, appeal: str | None, *, address: str | None = None, times: list[str] | None = None,
                  person: str | None = None, handoff: bool = False) -> dict[str, Any]:
    scores = {"投诉举报": 0.72, "求助": 0.2, "咨询": 0.05, "意见建议": 0.03}
    return {"version": 1, "route": {"kind": kind, "appeal_type": appeal, "confidence": 0.72, "scores": scores},
            "readings": {"handoff": handoff, "status": False, "small_talk": None},
            "fields": {"phones": [], "id_numbers": [], "times": times or [], "address": address, "person": person}}


def no_fields(text: str) -> dict[str, Any]:
    return {}


def test_the_bots_reading_of_a_problem_comes_first_with_the_classifiers_category() -> None:
    reader = Reader()
    lines = [CitizenLine(1, "楼下烧烤店天天开到凌晨，油烟太大", understanding(
                 "problem", "投诉举报", address="幸福路12号", times=["凌晨"])),
             CitizenLine(2, "我是张先生，电话13812345678", understanding("unsure", "咨询", person="张先生")),
             CitizenLine(3, "另外问一下，办居住证要带什么材料？", understanding("consult", "咨询")),
             CitizenLine(4, "转人工", understanding("consult", "咨询", handoff=True))]
    draft = build_draft(lines, reader=reader, exclude_department="rexian_center", extract=no_fields)
    assert draft.appeal_type == "投诉举报" and draft.appeal_source == "bot"
    assert [a["value"] for a in draft.appeal_alternatives] == ["投诉举报", "求助", "咨询", "意见建议"]
    assert draft.appeal_alternatives[0]["score"] == 0.72
    assert reader.classified == []  # the bot already read the problem
    assert draft.description == "楼下烧烤店天天开到凌晨，油烟太大；我是张先生"   # the side question left out
    # the hotline centre's catch-all is never a guess; a runner-up far below the top is not offered
    assert [c["path"] for c in draft.category_alternatives] == [BBQ.path, FUMES.path]
    assert draft.category == BBQ.path and draft.department == "chengguan" and draft.category_confident
    assert draft.department_name == "市城市管理综合执法局"
    assert draft.address == "幸福路12号" and draft.occurred == "凌晨" and draft.name == "张先生"
    assert draft.phone == "138****5678" and draft.phones == ["138****5678"]
    assert "13812345678" not in str(draft.to_dict())


def test_without_the_bot_each_line_is_read_and_the_problem_line_decides(tmp_path: Any) -> None:
    reader = Reader()
    lines = [CitizenLine(1, "我想问一下第一次办护照怎么弄"),           # call assist: nobody read these lines
             CitizenLine(2, "还有，公司拖欠我三个月工资不发，我姓李"),
             CitizenLine(3, "好的")]
    draft = build_draft(lines, reader=reader, extract=lambda text: {"person": "李"} if "姓李" in text else {})
    assert draft.appeal_type == "投诉举报" and draft.appeal_source == "classifier"
    assert draft.category == WAGES.path and draft.department == "renshe"
    assert reader.categorised == ["还有，公司拖欠我三个月工资不发，我姓李"]   # the problem line, not the question
    assert draft.name == "李先生/女士"
    assert draft.description == "还有，公司拖欠我三个月工资不发，我姓李"   # the question asked on the side is not
    build_draft(lines, reader=reader, extract=no_fields)
    assert reader.classified.count("我想问一下第一次办护照怎么弄") == 1  # remembered between drafts


def test_without_the_classifier_the_agent_picks_the_category() -> None:
    lines = [CitizenLine(1, "楼下烧烤店油烟太大，能不能管管", understanding("unsure", "咨询"))]
    draft = build_draft(lines, reader=None, fallback_appeal="求助", extract=no_fields)
    assert draft.appeal_type == "咨询" and draft.appeal_source == "bot"
    assert draft.category is None and draft.category_alternatives == [] and not draft.classifier_ready
    assert "分类模型尚未就绪" in " ".join(draft.notes)
    assert build_draft([], reader=None, fallback_appeal="求助", extract=no_fields).appeal_type == "求助"
    empty = build_draft([], reader=None, extract=no_fields)
    assert empty.appeal_type is None and len(empty.appeal_alternatives) == 4 and empty.description == ""


def test_the_extractor_reads_messages_without_an_understanding() -> None:
    line = CitizenLine(1, "我是张先生，住在幸福路12号3单元，楼下烧烤店昨晚开到凌晨两点，电话13812345678")
    draft = build_draft([line], reader=None)
    assert "幸福路12号3单元" in draft.address and draft.name == "张先生" and "凌晨两点" in draft.occurred
    assert draft.phone == "138****5678" and "13812345678" not in draft.description


@pytest.mark.parametrize(("text", "expected"), [
    ("噪音太大，我电话是13812345678，请尽快处理", "噪音太大，请尽快处理"),
    ("身份证110101199003074573，要补办", "身份证，要补办"),
    ("身份证110101199003074578，要补办", "身份证110***********4578，要补办"),  # a wrong check character
    ("门牌号 110 1234 5678 写错了", "门牌号 110****5678 写错了"),
    ("工单2026120100000001还没人处理", "工单2026120100000001还没人处理"),
])
def test_contact_numbers_never_go_into_the_description(text: str, expected: str) -> None:
    assert strip_contacts(text) == expected


def test_a_masked_phone_is_filed_as_the_number_it_masks() -> None:
    known = ["13812345678", "0755-88886666"]
    assert resolve_phone("138****5678", known) == "13812345678"
    assert resolve_phone("", known) is None and resolve_phone("  ", known) is None
    assert resolve_phone("13900001111", known) == "13900001111"     # a new number the caller gave
    assert resolve_phone("+86 139-0000-1111", known) == "+86 139-0000-1111"
    with pytest.raises(ValueError, match="隐藏"):
        resolve_phone("139****0000", known)
    with pytest.raises(ValueError, match="格式"):
        resolve_phone("打这个电话", known)


def test_lines_that_say_nothing_are_left_out_of_the_description() -> None:
    lines = [CitizenLine(1, "你好"), CitizenLine(2, "转人工"), CitizenLine(3, "好的"),
             CitizenLine(4, "小区门口的路灯坏了一个星期"), CitizenLine(5, "小区门口的路灯坏了一个星期")]
    assert prefill.description_of(lines) == "小区门口的路灯坏了一个星期"
