"""Every satisfaction survey (回访) is kept, one per closure; the 满意率 / 解决率 count each order's first survey; the
survey alone reopens the order for review (回访复核) when the problem is not solved or the citizen is 不满意."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
import pytest

from dispatch_client import ConflictError, DispatchClient
from dispatch_client.models import ServiceRequest

from .conftest import DEPT_KEYS
from .helpers import at, lamp_request, noise_request

ROADS = DEPT_KEYS["shizheng"]


def answers(order: ServiceRequest) -> list[tuple[int | None, bool | None, str | None, str | None]]:
    """The order's ``surveys``, oldest first, as (closure, resolved, satisfaction, comment)."""
    return [(s.closure, s.resolved, s.satisfaction, s.comment) for s in order.surveys]


def closed_lamp(client_at: Callable[[str], DispatchClient], month: int, day: int) -> str:
    """A 路灯 order registered 2025-{month}-{day} 09:00, contacted at 10:00 and closed at 16:00 the same day."""
    sid = client_at(f"2025-{month:02d}-{day:02d}T09:00:00+08:00").create(lamp_request()).service_request_id or ""
    client_at(f"2025-{month:02d}-{day:02d}T10:00:00+08:00").first_contact(sid, ROADS, "已联系")
    client_at(f"2025-{month:02d}-{day:02d}T16:00:00+08:00").close_request(sid, ROADS, "已更换灯泡")
    return sid


def unsatisfied_then_satisfied(client_at: Callable[[str], DispatchClient], month: int, day: int) -> str:
    """A 路灯 order registered 2025-{month}-{day} 09:00 (a Monday): closed, 不满意 (reopened), closed again, 满意."""
    def on(when: str) -> DispatchClient:
        return client_at(f"2025-{month:02d}-{when}+08:00")

    sid = closed_lamp(client_at, month, day)
    reopened = on(f"{day + 1:02d}T10:00:00").record_survey(sid, resolved=False, satisfaction="不满意",
                                                          comment="灯还是不亮")
    assert reopened.workflow_state == "reopened" and reopened.reopen_count == 1
    on(f"{day + 1:02d}T14:00:00").first_contact(sid, ROADS, "再次联系")
    closed = on(f"{day + 2:02d}T10:00:00").close_request(sid, ROADS, "已更换整套灯具")
    # The department's view shows the first survey too.
    assert answers(closed) == [(1, False, "不满意", "灯还是不亮")]
    final = on(f"{day + 2:02d}T15:00:00").record_survey(sid, resolved=True, satisfaction="满意", comment="修好了")
    assert final.workflow_state == "callback_done"
    return sid


def test_second_survey_keeps_the_first(client_at: Callable[[str], DispatchClient]) -> None:
    sid = unsatisfied_then_satisfied(client_at, 5, 12)
    order = client_at("2025-05-15T09:00:00+08:00").get(sid)
    assert answers(order) == [(1, False, "不满意", "灯还是不亮"), (2, True, "满意", "修好了")]
    assert [s.datetime.isoformat() if s.datetime else None for s in order.surveys] == [
        "2025-05-13T10:00:00+08:00", "2025-05-14T15:00:00+08:00"]
    # ``survey`` stays the latest one.
    assert order.survey is not None and order.survey.satisfaction == "满意" and order.survey.comment == "修好了"
    assert [n.type for n in order.notes].count("callback_done") == 2


def test_repeated_survey_of_the_same_closure_adds_nothing(client_at: Callable[[str], DispatchClient]) -> None:
    sid = closed_lamp(client_at, 5, 19)
    first = client_at("2025-05-20T10:00:00+08:00").record_survey(sid, resolved=False, satisfaction="不满意",
                                                                 comment="灯还是不亮")
    # The bot's durable queue sends the same answer again (its first try did reach the backend).
    again = client_at("2025-05-20T10:05:00+08:00").record_survey(sid, resolved=False, satisfaction="不满意",
                                                                 comment="灯还是不亮")
    assert answers(again) == [(1, False, "不满意", "灯还是不亮")]
    assert again.reopen_count == 1 and again.workflow_state == "reopened"      # not reviewed twice
    assert again.change_seq == first.change_seq and again.notes == first.notes  # nothing written
    assert again.expected_datetime == first.expected_datetime
    # Another answer for a closure that already has one is refused: one survey per closure.
    with pytest.raises(ConflictError) as info:
        client_at("2025-05-20T11:00:00+08:00").record_survey(sid, resolved=True, satisfaction="满意")
    assert "已回访" in info.value.description
    # After the next closure a survey is welcome again, and its retry is idempotent too.
    client_at("2025-05-20T14:00:00+08:00").first_contact(sid, ROADS, "再次联系")
    client_at("2025-05-21T10:00:00+08:00").close_request(sid, ROADS, "已更换整套灯具")
    second = client_at("2025-05-21T15:00:00+08:00").record_survey(sid, resolved=True, satisfaction="基本满意")
    repeat = client_at("2025-05-21T15:01:00+08:00").record_survey(sid, resolved=True, satisfaction="基本满意")
    assert answers(repeat) == [(1, False, "不满意", "灯还是不亮"), (2, True, "基本满意", "")]
    assert repeat.change_seq == second.change_seq and repeat.workflow_state == "callback_done"
    archived = client_at("2025-05-22T10:00:00+08:00").archive(sid)
    # A retry arriving after the archive is still recognised.
    late = client_at("2025-05-22T11:00:00+08:00").record_survey(sid, resolved=True, satisfaction="基本满意")
    assert late.workflow_state == "archived" and late.change_seq == archived.change_seq


def test_survey_before_any_closure_is_still_refused(client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-05-26T09:00:00+08:00").create(noise_request()).service_request_id or ""
    with pytest.raises(ConflictError):
        client_at("2025-05-26T10:00:00+08:00").record_survey(sid, resolved=True, satisfaction="满意")
    assert client_at("2025-05-26T10:00:00+08:00").get(sid).surveys == []


def test_metrics_count_the_first_survey(client_at: Callable[[str], DispatchClient]) -> None:
    # Registered in the week of 2025-06-09 (nothing else in the tests is registered then).
    unsatisfied_first = unsatisfied_then_satisfied(client_at, 6, 9)
    satisfied = client_at("2025-06-09T09:00:00+08:00").create(lamp_request()).service_request_id or ""
    client_at("2025-06-09T10:00:00+08:00").first_contact(satisfied, ROADS, "已联系")
    client_at("2025-06-09T16:00:00+08:00").close_request(satisfied, ROADS, "已修复")
    client_at("2025-06-10T10:00:00+08:00").record_survey(satisfied, resolved=True, satisfaction="满意")
    assert unsatisfied_first

    metrics = client_at("2025-06-20T12:00:00+08:00").metrics(dt.date(2025, 6, 9), dt.date(2025, 6, 16))
    for tally in (metrics.overall, metrics.for_department("shizheng")):
        assert tally is not None
        assert (tally.total, tally.surveyed, tally.resolved, tally.satisfied) == (2, 2, 1, 1)
        # The initial 不满意 stays in the rates although a later survey of the same order was 满意.
        assert tally.satisfaction_rate == 0.5 and tally.resolution_rate == 0.5
        extra = tally.model_extra or {}
        assert tally.resurveys == 1
        assert (extra["final_satisfied"], extra["final_resolved"]) == (2, 2)
        assert tally.final_satisfaction_rate == 1.0 and tally.final_resolution_rate == 1.0


@pytest.mark.parametrize(("resolved", "satisfaction", "reviewed"), [
    (True, "满意", False), (True, "基本满意", False),
    (False, "满意", True), (False, "基本满意", True), (True, "不满意", True), (False, "不满意", True),
])
def test_the_survey_alone_reopens_when_not_resolved_or_unsatisfied(
        client_at: Callable[[str], DispatchClient], resolved: bool, satisfaction: str, reviewed: bool) -> None:
    # Registered Monday 2025-07-07 (nothing else in the tests is registered that week), surveyed Tuesday 10:00.
    sid = closed_lamp(client_at, 7, 7)
    order = client_at("2025-07-08T10:00:00+08:00").record_survey(sid, resolved=resolved, satisfaction=satisfaction,
                                                                 comment="路灯晚上还是不亮")
    assert answers(order) == [(1, resolved, satisfaction, "路灯晚上还是不亮")]
    kinds = [n.type for n in order.notes]
    if not reviewed:
        assert (order.workflow_state, order.status, order.reopen_count) == ("callback_done", "closed", 0)
        assert kinds[-1] == "callback_done" and "reopened" not in kinds
        return
    assert (order.workflow_state, order.status, order.reopen_count) == ("reopened", "open", 1)
    assert order.expected_datetime == at("2025-07-15T10:00:00")   # the review: 5 working days
    assert kinds[-2:] == ["callback_done", "reopened"] and order.notes[-1].actor == "系统"
    review = order.notes[-1].text
    if satisfaction == "不满意":
        assert "不满意" in review
    else:   # the citizen's own words say why
        assert "未解决" in review and "路灯晚上还是不亮" in review


def test_reopen_of_an_order_the_survey_reopened_changes_nothing(client_at: Callable[[str], DispatchClient]) -> None:
    sid = closed_lamp(client_at, 7, 8)
    surveyed = client_at("2025-07-09T10:00:00+08:00").record_survey(sid, resolved=False, satisfaction="基本满意",
                                                                    comment="晚上还是不亮")
    assert surveyed.workflow_state == "reopened" and surveyed.reopen_count == 1
    # A client that still asks for the review itself after such a survey is answered 200, and nothing changes.
    again = client_at("2025-07-09T10:01:00+08:00").reopen(sid, "市民反映问题未解决")
    assert (again.workflow_state, again.reopen_count) == ("reopened", 1)
    assert again.change_seq == surveyed.change_seq and again.notes == surveyed.notes
    assert again.expected_datetime == surveyed.expected_datetime
    # Once the department works on the review, a reopen is refused as before.
    client_at("2025-07-09T14:00:00+08:00").first_contact(sid, ROADS, "再次联系")
    with pytest.raises(ConflictError):
        client_at("2025-07-09T15:00:00+08:00").reopen(sid, "还是没解决")
