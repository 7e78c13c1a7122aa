"""Knowledge upkeep: grouping the feedback log, attaching a question, drafting an entry (validated like an import,
written to the overlay only), and a KnowledgeBase serving the change without being reopened (real e5 index)."""

from __future__ import annotations

import hashlib
import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from knowledge_base.banding import Band
from knowledge_base.feedback import FeedbackLog
from knowledge_base.overlay import ENTRIES_FILE, SIMILAR_FILE, load_kb_entries
from knowledge_base.service import KnowledgeBase
from knowledge_base.upkeep import KnowledgeUpkeep, UpkeepError, group_questions

FIXTURE_KB = Path(__file__).resolve().parent.parent / "fixtures" / "kb" / "followup"
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
DOG_QUESTION = "养狗需要办理犬证吗？"
DOG_ENTRY = {"question": DOG_QUESTION, "similar_questions": "养狗要办狗证吗\n狗证在哪里办",
             "answer": "在城区饲养犬只需到公安机关办理养犬登记。（测试数据）", "category": "犬只管理",
             "department": "公安局", "source": "坐席整理", "valid_from": "2026-01-01"}


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, directory)
    return directory


@pytest.fixture
def log(tmp_path: Path) -> FeedbackLog:
    return FeedbackLog(tmp_path / "feedback.sqlite3", salt="test")


@pytest.fixture
def upkeep(kb_dir: Path, tmp_path: Path, log: FeedbackLog) -> KnowledgeUpkeep:
    return KnowledgeUpkeep([kb_dir], tmp_path / "upkeep", log, clock=lambda: NOW)


def _digest(directory: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())).hexdigest()


def _refs(group) -> list[tuple[str, int]]:  # noqa: ANN001 - QuestionGroup
    return list(group.items)


# ------------------------------------------------------------------------------------------------ grouping


def test_similar_questions_form_one_group_most_frequent_first(upkeep: KnowledgeUpkeep, log: FeedbackLog) -> None:
    for text in ["狗证怎么办", "狗证怎么办？", "狗证怎么办理", "我家狗证怎么办"]:
        log.log_unanswered(text, channel="webchat", sender_id="a", band="no_match", candidates=["hz-001"])
    log.log_unanswered("垃圾分类几点收", channel="webchat", sender_id="b", band="no_match")
    log.log_vote("hz-005", "护照要交多少钱 13912345678", helpful=False, channel="webchat", sender_id="c")
    log.log_vote("hz-005", "护照收费吗", helpful=True, channel="webchat", sender_id="c")  # helpful: not a problem

    groups = upkeep.groups()

    assert [g.count for g in groups] == [4, 1, 1]
    dogs = groups[0]
    assert dogs.question == "狗证怎么办"  # the most frequent text ("狗证怎么办？" counts as the same text)
    assert [(m.text, m.count) for m in dogs.members][0] == ("狗证怎么办", 2)
    assert {m.text for m in dogs.members} == {"狗证怎么办", "狗证怎么办理", "我家狗证怎么办"}
    assert dogs.targets and dogs.targets[0].entry_id == "hz-001"  # the entry the bot had offered
    vote = next(g for g in groups if "护照" in g.question)
    assert vote.question == "护照要交多少钱 [手机号]"  # masked by the feedback log
    assert vote.members[0].unhelpful == 1 and vote.targets[0].entry_id == "hz-005"
    assert all("护照收费吗" != m.text for g in groups for m in g.members)


def test_grouping_threshold_keeps_different_questions_apart() -> None:
    rows = [{"kind": "unanswered", "id": i, "query": q, "created_at": "2026-12-01T00:00:00+00:00"}
            for i, q in enumerate(["公交卡丢了怎么补办", "公交卡丢了怎么办", "医保卡怎么激活"], start=1)]
    groups = group_questions(rows)
    assert sorted(len(texts) for texts, _ in groups) == [1, 2]


def test_dismiss_marks_the_group_handled_with_who_did_it(upkeep: KnowledgeUpkeep, log: FeedbackLog) -> None:
    log.log_unanswered("你好啊", channel="webchat", sender_id="a", band="no_match")
    group = upkeep.groups()[0]
    assert upkeep.dismiss(_refs(group), by="agent1") == 1
    assert upkeep.groups() == []
    (marking,) = log.handled().values()
    assert marking["handled_by"] == "agent1" and marking["action"] == "dismiss"
    with pytest.raises(UpkeepError, match="已被处理"):
        upkeep.dismiss(_refs(group), by="agent2")


# ------------------------------------------------------------------------------------------------ changes


def test_attach_adds_a_similar_question_in_the_overlay_only(upkeep: KnowledgeUpkeep, log: FeedbackLog,
                                                            kb_dir: Path) -> None:
    log.log_unanswered("出国证件咋整", channel="webchat", sender_id="a", band="no_match")
    seed_before = _digest(kb_dir)
    group = upkeep.groups()[0]

    entry = upkeep.attach(group.question, "hz-001", items=_refs(group), by="agent1")

    assert "出国证件咋整" in entry.similar_questions
    assert _digest(kb_dir) == seed_before  # the seed files are never written
    assert (upkeep.upkeep_dir / SIMILAR_FILE).is_file()
    loaded = {e.id: e for e in load_kb_entries([kb_dir], upkeep.upkeep_dir)}
    assert loaded["hz-001"].similar_questions[-1] == "出国证件咋整"
    assert upkeep.groups() == []
    (marking,) = log.handled().values()
    assert (marking["action"], marking["entry_id"], marking["handled_by"]) == ("attach", "hz-001", "agent1")


@pytest.mark.parametrize(("question", "entry_id", "message"), [
    ("出国证件咋整", "no-such", "没有编号为 no-such 的条目"),
    ("护照收费吗", "hz-001", "已属于条目 hz-005"),
    ("我的电话是[手机号]", "hz-001", "已遮盖的号码"),
    ("   ", "hz-001", "问法不能为空"),
])
def test_a_refused_attach_writes_nothing(upkeep: KnowledgeUpkeep, log: FeedbackLog, question: str, entry_id: str,
                                         message: str) -> None:
    log.log_unanswered("出国证件咋整", channel="webchat", sender_id="a", band="no_match")
    group = upkeep.groups()[0]
    with pytest.raises(UpkeepError, match=message):
        upkeep.attach(question, entry_id, items=_refs(group), by="agent1")
    assert not (upkeep.upkeep_dir / SIMILAR_FILE).exists()
    assert [p.name for p in upkeep.upkeep_dir.glob("*") if p.name != ".lock"] == []  # no draft left behind
    assert log.handled() == {} and len(upkeep.groups()) == 1


def test_draft_adds_a_validated_entry(upkeep: KnowledgeUpkeep, log: FeedbackLog, kb_dir: Path) -> None:
    log.log_unanswered("狗证怎么办", channel="webchat", sender_id="a", band="no_match")
    group = upkeep.groups()[0]
    seed_before = _digest(kb_dir)

    entry = upkeep.draft(DOG_ENTRY, items=_refs(group), by="agent2")

    assert entry.id == "upkeep-20261202-001"
    assert entry.similar_questions == ["养狗要办狗证吗", "狗证在哪里办"]
    assert entry.valid_from == date(2026, 1, 1) and entry.updated_at == NOW
    assert _digest(kb_dir) == seed_before
    assert upkeep.groups() == []
    second = upkeep.draft({**DOG_ENTRY, "question": "犬证年审怎么办？", "similar_questions": []}, items=[], by="agent2")
    assert second.id == "upkeep-20261202-002"
    ids = [e.id for e in load_kb_entries([kb_dir], upkeep.upkeep_dir)]
    assert ids.count(entry.id) == 1 and second.id in ids


@pytest.mark.parametrize(("change", "message"), [
    ({"answer": ""}, "缺少必填字段答案"),
    ({"category": ""}, "缺少必填字段分类"),
    ({"valid_from": "2026-13-01"}, "日期格式错误"),
    ({"valid_from": "2026-12-31", "valid_to": "2026-01-01"}, "生效日期"),
    ({"id": "hz-001"}, "编号 hz-001 已被条目"),
    ({"question": "护照怎么办理？"}, "已属于条目 hz-001"),
])
def test_a_bad_draft_is_refused_in_chinese_and_writes_nothing(upkeep: KnowledgeUpkeep, log: FeedbackLog,
                                                               change: dict, message: str) -> None:
    log.log_unanswered("狗证怎么办", channel="webchat", sender_id="a", band="no_match")
    group = upkeep.groups()[0]
    with pytest.raises(UpkeepError, match=message):
        upkeep.draft({**DOG_ENTRY, **change}, items=_refs(group), by="agent2")
    assert sorted(p.name for p in upkeep.upkeep_dir.iterdir()) in ([], [".lock"])  # no entries, no leftovers
    assert log.handled() == {}


# ------------------------------------------------------------------------------------------------ served live


@pytest.fixture
def live_kb(kb_dir: Path, tmp_path: Path) -> KnowledgeBase:
    kb = KnowledgeBase.open([kb_dir], tmp_path / "index", "e5", upkeep_path=tmp_path / "upkeep", reload_seconds=0)
    yield kb
    kb.close()


def test_the_opened_kb_serves_a_draft_and_an_attach_without_reopening(live_kb: KnowledgeBase,
                                                                       upkeep: KnowledgeUpkeep) -> None:
    assert live_kb.ask(DOG_QUESTION, today=TODAY).band is not Band.ANSWER
    entry = upkeep.draft(DOG_ENTRY, items=[], by="agent2")
    upkeep.attach("出国证件咋整", "hz-001", items=[], by="agent1")

    assert live_kb.refresh() is True
    answered = live_kb.ask(DOG_QUESTION, today=TODAY)
    assert answered.band is Band.ANSWER and answered.top is not None and answered.top.entry.id == entry.id
    attached = live_kb.ask("出国证件咋整", today=TODAY)
    assert attached.band is Band.ANSWER and attached.top is not None and attached.top.entry.id == "hz-001"
    assert live_kb.refresh() is False  # nothing changed since


def test_the_reloaded_index_is_saved_and_opens_as_current(live_kb: KnowledgeBase, upkeep: KnowledgeUpkeep,
                                                          kb_dir: Path, tmp_path: Path) -> None:
    upkeep.draft(DOG_ENTRY, items=[], by="agent2")
    assert live_kb.refresh() is True
    again = KnowledgeBase.open([kb_dir], tmp_path / "index", "e5", upkeep_path=tmp_path / "upkeep",
                               rebuild_if_stale=False, reload_seconds=0)
    assert again.kb_hash == live_kb.kb_hash


def test_a_broken_overlay_keeps_the_previous_version_served(live_kb: KnowledgeBase, upkeep: KnowledgeUpkeep) -> None:
    upkeep.draft(DOG_ENTRY, items=[], by="agent2")
    assert live_kb.refresh() is True
    served = live_kb.kb_hash
    (upkeep.upkeep_dir / ENTRIES_FILE).write_text("entries: [ {id: x, question: 缺答案}\n", encoding="utf-8")

    assert live_kb.refresh() is False
    assert live_kb.kb_hash == served
    assert live_kb.ask(DOG_QUESTION, today=TODAY).band is Band.ANSWER


def test_the_watcher_notices_a_change_by_itself(kb_dir: Path, tmp_path: Path, upkeep: KnowledgeUpkeep) -> None:
    kb = KnowledgeBase.open([kb_dir], tmp_path / "index", "e5", upkeep_path=tmp_path / "upkeep",
                            reload_seconds=0.2)
    try:
        entry = upkeep.draft(DOG_ENTRY, items=[], by="agent2")
        deadline = time.monotonic() + 60
        while entry.id not in kb.entries and time.monotonic() < deadline:
            time.sleep(0.1)
        result = kb.ask(DOG_QUESTION, today=TODAY)
        assert result.top is not None and result.top.entry.id == entry.id
    finally:
        kb.close()
