"""Answer banding on constructed hit lists, and the thresholds file."""
from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.banding import Band, Thresholds, decide, load_thresholds
from knowledge_base.index import Hit

T = Thresholds(answer=0.90, suggest=0.80, margin=0.03)


def _hits(*sims: float) -> list[Hit]:
    return [Hit(doc_id=f"d{i}", score=1.0 - i / 10, similarity=s, matched_text=f"问题{i}") for i, s in enumerate(sims)]


def test_clear_best_hit_is_answered() -> None:
    decision = decide(_hits(0.95, 0.85, 0.70), T)
    assert decision.band is Band.ANSWER
    assert [h.doc_id for h in decision.hits] == ["d0"]


def test_single_hit_above_answer_is_answered() -> None:
    assert decide(_hits(0.91), T).band is Band.ANSWER


def test_close_runner_up_turns_answer_into_did_you_mean() -> None:
    decision = decide(_hits(0.95, 0.94, 0.93, 0.92), T)
    assert decision.band is Band.DID_YOU_MEAN
    assert [h.doc_id for h in decision.hits] == ["d0", "d1", "d2"]


def test_runner_up_further_down_the_list_also_counts() -> None:
    # fused ranking may put a hit with higher similarity below the top one
    assert decide(_hits(0.93, 0.70, 0.96), T).band is Band.DID_YOU_MEAN


def test_middle_band_suggests_only_hits_above_suggest() -> None:
    decision = decide(_hits(0.86, 0.82, 0.60, 0.85), T)
    assert decision.band is Band.DID_YOU_MEAN
    assert [h.doc_id for h in decision.hits] == ["d0", "d1", "d3"]


def test_low_similarity_is_no_match_with_near_misses_only() -> None:
    decision = decide(_hits(0.79, 0.78, 0.50), T)
    assert decision.band is Band.NO_MATCH
    assert [h.doc_id for h in decision.hits] == ["d0", "d1"]
    assert decide(_hits(0.40, 0.30), T).hits == []


def test_no_hits_is_no_match() -> None:
    decision = decide([], T)
    assert decision.band is Band.NO_MATCH and decision.hits == []


def test_boundaries_are_inclusive() -> None:
    assert decide(_hits(0.90, 0.87), T).band is Band.ANSWER
    assert decide(_hits(0.80), T).band is Band.DID_YOU_MEAN


def test_thresholds_validation() -> None:
    with pytest.raises(ValueError):
        Thresholds(answer=0.7, suggest=0.8, margin=0.0)
    with pytest.raises(ValueError):
        Thresholds(answer=0.9, suggest=0.8, margin=-0.1)


def test_shipped_thresholds_cover_both_embedders() -> None:
    for name in ("e5", "use"):
        t = load_thresholds(name)
        assert 0.0 < t.suggest <= t.answer <= 1.0
        assert 0.0 <= t.margin < 0.5
    e5, use = load_thresholds("e5"), load_thresholds("use")
    assert (e5.answer, e5.suggest) != (use.answer, use.suggest)  # calibrated per embedder


def test_unknown_embedder_falls_back_to_default(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "embedders:\n  e5: {answer: 0.9, suggest: 0.8, margin: 0.02}\ndefault: {answer: 0.7, suggest: 0.5, margin: 0.1}\n",
        encoding="utf-8",
    )
    assert load_thresholds("st:whatever", path) == Thresholds(0.7, 0.5, 0.1)
    assert load_thresholds("e5", path) == Thresholds(0.9, 0.8, 0.02)
    path.write_text("embedders: {}\n", encoding="utf-8")
    with pytest.raises(KeyError):
        load_thresholds("e5", path)
