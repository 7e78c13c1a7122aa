"""KnowledgeBase with the real e5 embedder on a small fixture KB: banding, validity dates, follow-ups, index reuse.

The index is built once for the module (a few seconds on one core).
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from knowledge_base.banding import Band, BandDecision
from knowledge_base.followup import (
    is_elliptical,
    main_term,
    new_topic_words,
    resolve_followup,
    rewrite,
    service_terms,
    strip_markers,
    substitute,
)
from knowledge_base.importer import load_entries
from knowledge_base.index import Hit, IndexMismatchError
from knowledge_base.schema import KBEntry
from knowledge_base.service import KnowledgeBase, build_index, kb_stats

FOLLOWUP_KB = Path(__file__).resolve().parent.parent / "fixtures" / "kb" / "followup"
TODAY = date(2026, 11, 27)
EXPIRED_QUESTION = "老年优待卡年审怎么办理？"


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The follow-up fixture KB plus one entry that expired yesterday (relative to the real today)."""
    directory = tmp_path_factory.mktemp("kb")
    for path in FOLLOWUP_KB.iterdir():
        shutil.copy(path, directory / path.name)
    yesterday = date.today() - timedelta(days=1)
    (directory / "dynamic.yaml").write_text(
        "area: 老年人服务\n"
        "entries:\n"
        "  - id: lnk-001\n"
        f"    question: {EXPIRED_QUESTION}\n"
        "    similar_questions: [老年卡年审去哪办]\n"
        "    answer: 到社区服务中心办理年审。（测试数据）\n"
        f"    valid_to: {yesterday.isoformat()}\n",
        encoding="utf-8",
    )
    return directory


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="module")
def kb(kb_dir: Path, index_dir: Path) -> KnowledgeBase:
    return KnowledgeBase.open([kb_dir], index_dir, "e5")


def _ids(result) -> list[str]:  # noqa: ANN001 - KBResult
    return [m.entry.id for m in result.entries]


# ------------------------------------------------------------------------------------------------ plain questions


def test_exact_question_is_answered(kb: KnowledgeBase) -> None:
    result = kb.ask("办理护照需要带什么材料？", today=TODAY)
    assert result.band is Band.ANSWER
    assert _ids(result) == ["hz-002"]
    assert result.top is not None and result.top.similarity > 0.9
    assert result.query == result.original_query and not result.rewritten


def test_ambiguous_short_question_without_context_is_not_answered(kb: KnowledgeBase) -> None:
    result = kb.ask("需要带什么材料", today=TODAY)
    assert result.band is not Band.ANSWER


def test_empty_question_is_no_match(kb: KnowledgeBase) -> None:
    assert kb.ask("   ", today=TODAY).band is Band.NO_MATCH


def test_get_and_stats(kb: KnowledgeBase) -> None:
    assert kb.get("jzz-002").question == "办理居住证需要带什么材料？"
    assert kb.get("nope") is None
    stats = kb.stats(today=TODAY)
    assert stats.entries == 12
    assert stats.per_category["出入境"] == 5
    assert stats.index["embedder"] == kb.embedder.id


# ------------------------------------------------------------------------------------------------ validity dates


def test_entry_valid_until_yesterday_is_never_served(kb: KnowledgeBase) -> None:
    result = kb.ask(EXPIRED_QUESTION)  # default: the real today
    assert "lnk-001" not in _ids(result)
    assert result.band is not Band.ANSWER
    served_before = kb.ask(EXPIRED_QUESTION, today=date.today() - timedelta(days=1))
    assert _ids(served_before) == ["lnk-001"]


@pytest.mark.parametrize(
    ("question", "entry_id", "day", "served"),
    [
        ("冬季取暖补贴怎么申请？", "bt-001", date(2026, 3, 31), True),  # last valid day
        ("冬季取暖补贴怎么申请？", "bt-001", date(2026, 4, 1), False),
        ("高温补贴什么时候发？", "bt-002", date(2026, 5, 31), False),  # not yet valid
        ("高温补贴什么时候发？", "bt-002", date(2026, 6, 1), True),
    ],
)
def test_validity_window_is_inclusive(kb: KnowledgeBase, question: str, entry_id: str, day: date, served: bool) -> None:
    result = kb.ask(question, today=day)
    assert (entry_id in _ids(result)) is served
    if served:
        assert result.band is Band.ANSWER


def test_expired_entry_is_not_served_as_follow_up_either(kb: KnowledgeBase) -> None:
    result = kb.ask("那怎么申请", today=date(2026, 4, 1), previous_entry_id="bt-001")
    assert "bt-001" not in _ids(result)


# ------------------------------------------------------------------------------------------------ follow-ups


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [
        ("jzz-001", "那需要带什么材料？", "jzz-002"),
        ("hz-001", "那需要带什么材料？", "hz-002"),
        ("jzz-001", "在哪里办", "jzz-003"),
        ("hz-002", "在哪里办", "hz-003"),
        ("jzz-003", "要多久", "jzz-004"),
        ("hz-001", "收费吗", "hz-005"),
        ("hz-003", "那么要去哪儿办", "hz-003"),
    ],
)
def test_elliptical_follow_up_stays_on_the_previous_service(
    kb: KnowledgeBase, previous: str, question: str, expected: str
) -> None:
    result = kb.ask(question, today=TODAY, previous_entry_id=previous)
    assert result.band is Band.ANSWER
    assert _ids(result) == [expected]
    assert result.rewritten and result.followup_of == previous
    assert result.original_query == question


def test_follow_up_without_a_matching_entry_offers_candidates_from_the_topic(kb: KnowledgeBase) -> None:
    result = kb.ask("收费吗", today=TODAY, previous_entry_id="jzz-001")  # the fixture has no 居住证 fee entry
    assert result.band is not Band.ANSWER
    assert all(m.entry.category == "居住证" for m in result.entries)


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [("jzz-002", "那护照呢？", "hz-002"), ("hz-004", "居住证呢", "jzz-004"), ("jzz-003", "还有护照的呢", "hz-003")],
)
def test_swapping_the_service_keeps_the_question(
    kb: KnowledgeBase, previous: str, question: str, expected: str
) -> None:
    result = kb.ask(question, today=TODAY, previous_entry_id=previous)
    assert result.band is Band.ANSWER
    assert _ids(result) == [expected]


def test_changing_the_subject_is_not_pulled_back_to_the_previous_topic() -> None:
    """Both the rewrite and the plain question only reach did-you-mean: the rewrite wins unless it drops a new word."""
    passport = _entry(id="hz-001", question="护照怎么办理？", keywords=["护照"], category="出入境")
    complaint = _entry(id="ts-001", question="对办事窗口不满意怎么投诉？", keywords=["窗口投诉"], category="其他")
    entries = {e.id: e for e in (passport, complaint)}

    def search(query: str, ids: set[str]) -> BandDecision:
        best = "hz-001" if query.startswith("护照") and "hz-001" in ids else "ts-001"
        return BandDecision(Band.DID_YOU_MEAN, [Hit(best, 0.5, 0.9, query)])

    def resolve(query: str):  # noqa: ANN202
        return resolve_followup(
            query,
            passport,
            search=search,
            allowed=set(entries),
            same_category={"hz-001"},
            terms=service_terms(entries.values()),
            entries=entries,
        )

    changed = resolve("怎么投诉")
    assert changed is not None and not changed.rewritten and changed.decision.hits[0].doc_id == "ts-001"
    aspect = resolve("收费吗")
    assert aspect is not None and aspect.rewritten and aspect.query == "护照收费吗"
    assert aspect.decision.hits[0].doc_id == "hz-001"


def test_new_topic_words_ignore_aspects_and_the_previous_service() -> None:
    previous = _entry(question="护照怎么办理？", keywords=["护照"])
    assert new_topic_words("那需要带什么材料？", previous) == []
    assert new_topic_words("护照收费吗", previous) == []
    assert "投诉" in new_topic_words("怎么投诉", previous)


def test_question_naming_another_service_is_not_rewritten(kb: KnowledgeBase) -> None:
    result = kb.ask("护照在哪里办理", today=TODAY, previous_entry_id="jzz-001")
    assert not result.rewritten
    assert _ids(result) == ["hz-003"]


def test_unknown_previous_entry_is_ignored(kb: KnowledgeBase) -> None:
    result = kb.ask("  护照办下来要多久？ ", today=TODAY, previous_entry_id="missing-999")
    assert _ids(result) == ["hz-004"] and not result.rewritten and result.followup_of is None
    assert result.query == "护照办下来要多久？"


# ------------------------------------------------------------------------------------------------ follow-up rules


def _entry(**fields: object) -> KBEntry:
    return KBEntry.model_validate({"id": "e-1", "answer": "答", "category": "类", **fields})


def test_main_term_prefers_first_keyword_then_question_subject() -> None:
    assert main_term(_entry(question="居住证怎么办理？", keywords=["居住证", "条件"])) == "居住证"
    assert main_term(_entry(question="办理护照需要带什么材料？")) == "护照"
    assert main_term(_entry(question="公积金可以提取吗")) == "公积金"
    assert main_term(_entry(question="怎么办？", category="社保")) == "社保"


@pytest.mark.parametrize(
    ("question", "elliptical"),
    [
        ("那需要带什么材料？", True),
        ("在哪里办", True),
        ("要多久", True),
        ("收费吗", True),
        ("网上能办吗", True),
        ("还有别的渠道可以在网上提交申请吗", True),
        ("护照需要带什么材料", False),  # names a known service
        ("那护照呢", False),
        ("我家楼下的路灯已经坏了好几天了一直没有人来修", False),  # long and unmarked: a new matter
    ],
)
def test_is_elliptical(question: str, elliptical: bool) -> None:
    entries = load_entries([FOLLOWUP_KB])
    assert is_elliptical(question, service_terms(entries)) is elliptical


def test_rewrite_puts_the_service_in_front() -> None:
    previous = _entry(question="居住证怎么办理？", keywords=["居住证"])
    assert strip_markers("那么，还有要多久？") == "要多久"
    assert rewrite("那需要带什么材料？", previous) == "居住证需要带什么材料"


def test_substitute_swaps_only_a_bare_service_name() -> None:
    previous = _entry(question="办理居住证需要带什么材料？", keywords=["居住证", "材料"])
    terms = {"居住证", "护照"}
    assert substitute("那护照呢？", previous, terms) == "办理护照需要带什么材料"
    assert substitute("护照在哪里办", previous, terms) is None  # a full question, searched as it is
    assert substitute("那驾照呢", previous, terms) is None  # not a service the KB knows
    assert substitute("居住证呢", previous, terms) is None  # the same service


# ------------------------------------------------------------------------------------------------ index lifecycle


def test_reopening_reuses_the_saved_index(kb: KnowledgeBase, kb_dir: Path, index_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir()}
    again = KnowledgeBase.open([kb_dir], index_dir, "e5", rebuild_if_stale=False)
    assert {p.name: p.stat().st_mtime_ns for p in index_dir.iterdir()} == before
    assert again.kb_hash == kb.kb_hash


def test_stale_index_raises_when_rebuild_is_not_allowed(
    kb: KnowledgeBase, kb_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "kb"
    shutil.copytree(kb_dir, changed)
    (changed / "extra.jsonl").write_text(
        '{"id": "new-001", "question": "新问题", "answer": "新答案", "category": "新"}\n', encoding="utf-8"
    )
    with pytest.raises(IndexMismatchError):
        KnowledgeBase.open([changed], index_dir, "e5", rebuild_if_stale=False)
    with pytest.raises(IndexMismatchError):
        KnowledgeBase.open([kb_dir], tmp_path / "no-index", "e5", rebuild_if_stale=False)


class _CountingEmbedder:
    """Wraps the real embedder and counts the sentences it is asked to embed."""

    def __init__(self, inner) -> None:  # noqa: ANN001 - an Embedder
        self.inner, self.name, self.id, self.dim = inner, inner.name, inner.id, inner.dim
        self.count = 0

    def embed_queries(self, texts: list[str]):  # noqa: ANN201
        self.count += len(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]):  # noqa: ANN201
        self.count += len(texts)
        return self.inner.embed_passages(texts)


def test_rebuild_embeds_only_new_sentences(kb: KnowledgeBase, kb_dir: Path, index_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    entries = load_entries([kb_dir])
    new = KBEntry(
        id="new-001",
        question="电动车怎么上牌？",
        similar_questions=["电瓶车上牌去哪"],
        answer="到车管所。",
        category="交通",
    )
    counting = _CountingEmbedder(kb.embedder)
    index = build_index([*entries, new], counting, target)
    assert counting.count == 3  # two questions and one answer chunk; everything else was reused
    assert index.search("电动车怎么上牌？", k=1)[0].doc_id == "new-001"
    assert index.search("办理护照需要带什么材料？", k=1)[0].doc_id == "hz-002"


def test_kb_stats_counts_validity(kb_dir: Path) -> None:
    entries = load_entries([kb_dir])
    stats = kb_stats(entries, today=date(2026, 3, 15))
    assert "bt-001" in stats.expiring and "bt-002" in stats.not_yet_valid
    assert "bt-001" in kb_stats(entries, today=date(2026, 4, 1)).expired
    assert stats.similar_questions == sum(len(e.similar_questions) for e in entries)
