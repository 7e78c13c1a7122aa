"""HybridIndex: search quality on a toy KB, persistence round trip, refusal of mismatched indexes, filtering."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.embedders import get_embedder
from knowledge_base.fusion import FusionParams
from knowledge_base.index import HybridIndex, IndexDoc, IndexMismatchError
from knowledge_base.index_text import ChunkConfig, chunk_answer, strip_boilerplate

DOCS = [
    IndexDoc(
        "residence-permit",
        ["居住证怎么办理？", "外地人怎么办居住证", "办居住证要带什么材料"],
        "您好！办理居住证需携带本人身份证、租房合同或房产证明，到居住地社区派出所申请，审核通过后领取。感谢您的来信。",
    ),
    IndexDoc(
        "housing-fund",
        ["住房公积金怎么提取？", "离职后公积金能取出来吗"],
        "提取住房公积金需要本人身份证和银行卡，可以在公积金中心网站或柜台办理，符合条件的一般三个工作日到账。",
    ),
    IndexDoc(
        "garbage",
        [],
        "生活垃圾分为可回收物、有害垃圾、厨余垃圾和其他垃圾四类。废电池、过期药品属于有害垃圾，应投放到红色垃圾桶。",
    ),
    IndexDoc(
        "noise",
        ["晚上工地施工太吵了怎么投诉", "夜间施工噪音扰民"],
        "夜间施工噪声扰民可以向生态环境部门或城管部门反映，也可拨打12345热线，工作人员会转交相关单位核查处理。",
    ),
]

QUERIES = {
    "我是外地的，想办个居住证": "residence-permit",
    "辞职了住房公积金可以提取吗": "housing-fund",
    "过期的药扔到哪个垃圾桶": "garbage",
    "楼下工地半夜还在施工很吵": "noise",
}


@pytest.fixture(scope="module")
def e5():
    return get_embedder("e5")


@pytest.fixture(scope="module")
def index(e5) -> HybridIndex:
    return HybridIndex.build(DOCS, e5)


@pytest.mark.parametrize("query,expected", sorted(QUERIES.items()))
def test_search_finds_the_right_entry(index: HybridIndex, query: str, expected: str) -> None:
    hits = index.search(query, k=3)
    assert hits[0].doc_id == expected
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.doc_id for h in hits}) == len(hits)


def test_similarity_uses_questions_and_answer_windows(index: HybridIndex) -> None:
    hit = index.search("外地人怎么办居住证", k=1)[0]
    assert hit.matched_text == "外地人怎么办居住证"
    assert hit.similarity == pytest.approx(1.0, abs=1e-3)
    garbage = index.search("过期的药扔到哪个垃圾桶", k=1)[0]
    assert garbage.matched_text in DOCS[2].answer  # answers-only entry: matched on an answer window
    assert -1.0 <= garbage.similarity < 0.999


@pytest.mark.parametrize("method", ["weighted", "rrf", "dense", "bm25"])
def test_every_fusion_method_ranks_the_obvious_entry_first(index: HybridIndex, method: str) -> None:
    hits = index.search("住房公积金怎么提取", k=2, params=FusionParams(method=method))
    assert hits[0].doc_id == "housing-fund"


def test_allowed_filters_results(index: HybridIndex) -> None:
    query = "住房公积金怎么提取"
    hits = index.search(query, k=4, allowed={"garbage", "noise"})
    assert hits and {h.doc_id for h in hits} <= {"garbage", "noise"}
    assert index.search(query, k=4, allowed=set()) == []
    assert index.search(query, k=4, allowed={"unknown-id"}) == []
    only = index.search(query, k=4, allowed={"housing-fund"})
    assert [h.doc_id for h in only] == ["housing-fund"]


def test_empty_query_and_k(index: HybridIndex) -> None:
    assert index.search("", k=3) == []
    assert index.search("居住证", k=0) == []


def test_round_trip_gives_identical_results(index: HybridIndex, e5, tmp_path: Path) -> None:
    index.save(tmp_path, kb_hash="kb-1")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder_id"] == e5.id
    assert manifest["dim"] == e5.dim
    assert manifest["kb_hash"] == "kb-1"
    assert manifest["index_type"] == "flat"
    assert manifest["doc_count"] == len(DOCS)
    assert manifest["created_at"]
    loaded = HybridIndex.load(tmp_path, e5, kb_hash="kb-1")
    for query in QUERIES:
        assert loaded.search(query, k=4) == index.search(query, k=4)


class _OtherEmbedder:
    """Same vectors as e5 but another identity (e.g. another model version)."""

    def __init__(self, base, *, id_suffix: str = "", dim: int | None = None) -> None:
        self._base = base
        self.name = base.name
        self.id = base.id + id_suffix
        self.dim = dim or base.dim

    def embed_queries(self, texts):
        return self._base.embed_queries(texts)

    def embed_passages(self, texts):
        return self._base.embed_passages(texts)


def test_load_refuses_mismatches(index: HybridIndex, e5, tmp_path: Path) -> None:
    index.save(tmp_path, kb_hash="kb-1")
    with pytest.raises(IndexMismatchError, match="kb-1"):
        HybridIndex.load(tmp_path, e5, kb_hash="kb-2")
    with pytest.raises(IndexMismatchError, match="向量模型"):
        HybridIndex.load(tmp_path, _OtherEmbedder(e5, id_suffix="-v2"), kb_hash="kb-1")
    with pytest.raises(IndexMismatchError, match="维度"):
        HybridIndex.load(tmp_path, _OtherEmbedder(e5, dim=e5.dim + 1), kb_hash="kb-1")
    use = get_embedder("use")
    with pytest.raises(IndexMismatchError):
        HybridIndex.load(tmp_path, use, kb_hash="kb-1")
    (tmp_path / "bm25.npz").unlink()
    with pytest.raises(IndexMismatchError, match="bm25.npz"):
        HybridIndex.load(tmp_path, e5, kb_hash="kb-1")
    with pytest.raises(IndexMismatchError):
        HybridIndex.load(tmp_path / "nowhere", e5, kb_hash="kb-1")


def test_approximate_index_round_trip(e5, tmp_path: Path) -> None:
    approx = HybridIndex.build(DOCS, e5, approximate=True)
    approx.save(tmp_path, kb_hash="kb-1")
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["index_type"] == "hnsw"
    loaded = HybridIndex.load(tmp_path, e5, kb_hash="kb-1")
    for query, expected in QUERIES.items():
        assert loaded.search(query, k=1)[0].doc_id == expected
    assert {h.doc_id for h in loaded.search("住房公积金", k=4, allowed={"noise"})} == {"noise"}


def test_build_reports_progress_and_rejects_duplicates(e5) -> None:
    calls: list[tuple[int, int]] = []
    HybridIndex.build(DOCS[:2], e5, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]
    with pytest.raises(ValueError):
        HybridIndex.build([DOCS[0], DOCS[0]], e5)


def test_chunking_keeps_sentences_and_strips_courtesy() -> None:
    answer = "您好！" + "第一句话讲材料。" * 6 + "第二句话讲地点和时间。" * 6 + "感谢您的来信。"
    chunks = chunk_answer(answer, ChunkConfig(max_chars=60))
    assert len(chunks) > 1
    assert all(len(c) <= 60 for c in chunks)
    assert not chunks[0].startswith("您好")
    assert not any("感谢您的来信" in c for c in chunks)
    assert strip_boilerplate("您好！") == "您好！"  # nothing substantive left: keep the original


def test_bm25_only_entries_still_searchable(e5) -> None:
    docs = [IndexDoc("a", [], "甲乙丙丁戊己庚辛"), IndexDoc("b", ["完全不同的另一个问题"], "毫不相干的答案")]
    idx = HybridIndex.build(docs, e5)
    hits = idx.search("甲乙丙丁", k=2)
    assert hits[0].doc_id == "a"
    assert np.isfinite([h.score for h in hits]).all()


def test_tuned_fusion_parameters_are_used_and_persisted(index: HybridIndex, e5, tmp_path: Path) -> None:
    from knowledge_base.fusion import TUNED_BM25_WEIGHT

    assert index.params.bm25_weight == TUNED_BM25_WEIGHT["e5"]
    index.params.bm25_weight = 0.45
    try:
        index.save(tmp_path, kb_hash="kb-1")
        assert HybridIndex.load(tmp_path, e5, kb_hash="kb-1").params.bm25_weight == 0.45
    finally:
        index.params.bm25_weight = TUNED_BM25_WEIGHT["e5"]


def test_long_answers_get_windows_and_a_whole_answer_unit(e5) -> None:
    from knowledge_base.index import QUESTION, WHOLE, WINDOW

    long_answer = "办理流程如下。" + "第一步在网上提交申请材料并等待审核通过。" * 12
    docs = [IndexDoc("long", ["长答案的问题"], long_answer), IndexDoc("short", [], "短答案一句话。")]
    idx = HybridIndex.build(docs, e5, chunking=ChunkConfig(max_chars=60, whole_chars=100))
    kinds = idx.units.kinds.tolist()
    long_units = kinds[idx.units.offsets[0] : idx.units.offsets[1]]
    assert long_units.count(QUESTION) == 1 and long_units.count(WINDOW) > 1 and long_units.count(WHOLE) == 1
    short_units = kinds[idx.units.offsets[1] : idx.units.offsets[2]]
    assert short_units == [WINDOW]  # the whole answer is its only window: not embedded twice
    whole_text = idx.units.texts[idx.units.offsets[0] + long_units.index(WHOLE)]
    assert len(whole_text) == 100
