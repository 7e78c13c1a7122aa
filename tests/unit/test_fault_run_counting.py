"""The fault run's count of retried messages that were processed again (benchmarks/cluster_faults.py)."""
from __future__ import annotations

from benchmarks.cluster_faults import repeats_processed


def user(message_id: str) -> dict:
    return {"event": "user", "text": "x", "metadata": {"message_id": message_id}}


def slot(name: str, value: object) -> dict:
    return {"event": "slot", "name": name, "value": value}


def test_a_repeat_that_only_sets_the_same_values_again_was_not_processed_again() -> None:
    events = [user("a"), slot("form_state", {"stage": 1}), user("a"), slot("form_state", {"stage": 1}),
              user("b"), slot("form_state", {"stage": 2})]
    assert repeats_processed(events) == (3, 0)


def test_a_repeat_that_moves_the_form_on_or_starts_one_counts() -> None:
    moved = [user("a"), slot("form_state", {"stage": 1}), user("a"), slot("form_state", {"stage": 2})]
    assert repeats_processed(moved) == (2, 1)
    started = [user("a"), user("a"), {"event": "active_loop", "name": "intake_form"}, user("b")]
    assert repeats_processed(started) == (3, 1)


def test_a_slot_the_repeat_fills_for_its_turn_and_clears_again_does_not_count() -> None:
    events = [user("a"), slot("reply", "1"), slot("form_state", {"stage": 2}), slot("reply", None),
              user("a"), slot("reply", "1"), slot("form_state", {"stage": 2}), slot("reply", None), user("b")]
    assert repeats_processed(events) == (3, 0)


def test_messages_without_an_id_are_never_repeats() -> None:
    events = [{"event": "user", "text": "确认"}, slot("s", 1), {"event": "user", "text": "确认"}, slot("s", 2)]
    assert repeats_processed(events) == (2, 0)
