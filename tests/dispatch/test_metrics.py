"""按时办结率 / 解决率 / 满意率 on a known set of orders registered in March 2025."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dispatch_client import DispatchClient

from .conftest import DEPT_KEYS
from .helpers import lamp_request, noise_request


def test_metrics_on_a_known_set(client_at: Callable[[str], DispatchClient]) -> None:
    def new(request_factory: Callable[[], object], when: str) -> str:
        return client_at(when).create(request_factory()).service_request_id or ""  # type: ignore[arg-type]

    # Registered Monday 2025-03-03 09:00: closure due Monday 2025-03-10 09:00.
    o1 = new(noise_request, "2025-03-03T09:00:00+08:00")  # 市公安局: on time, resolved, 满意
    o2 = new(noise_request, "2025-03-03T09:00:00+08:00")  # 市公安局: late, not resolved, 基本满意
    o3 = new(lamp_request, "2025-03-03T09:00:00+08:00")   # 市政: on time, resolved, 不满意 (reopened)
    o4 = new(lamp_request, "2025-03-03T09:00:00+08:00")   # 市政: never handled → overdue
    new(lamp_request, "2025-03-19T09:00:00+08:00")        # 市政: still within its deadline
    police, roads = DEPT_KEYS["gongan"], DEPT_KEYS["shizheng"]
    client_at("2025-03-04T09:00:00+08:00").first_contact(o1, police, "已联系")
    client_at("2025-03-05T09:00:00+08:00").close_request(o1, police, "已处理")
    client_at("2025-03-04T09:00:00+08:00").first_contact(o2, police, "已联系")
    client_at("2025-03-12T09:00:00+08:00").close_request(o2, police, "已处理")
    client_at("2025-03-04T09:00:00+08:00").first_contact(o3, roads, "已联系")
    client_at("2025-03-06T09:00:00+08:00").close_request(o3, roads, "已修复")
    client_at("2025-03-07T09:00:00+08:00").record_survey(o1, resolved=True, satisfaction="满意")
    client_at("2025-03-13T09:00:00+08:00").record_survey(o2, resolved=False, satisfaction="基本满意")
    client_at("2025-03-07T09:00:00+08:00").record_survey(o3, resolved=True, satisfaction="不满意")
    assert o4

    metrics = client_at("2025-03-20T12:00:00+08:00").metrics(dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    overall = metrics.overall
    assert (overall.total, overall.closed, overall.closed_on_time, overall.open_overdue) == (5, 3, 2, 1)
    assert overall.on_time_closure_rate == 0.5
    assert overall.resolution_rate == round(2 / 3, 4) and overall.satisfaction_rate == round(2 / 3, 4)

    gongan = metrics.for_department("gongan")
    assert gongan and gongan.department_name == "市公安局"
    assert (gongan.on_time_closure_rate, gongan.resolution_rate, gongan.satisfaction_rate) == (0.5, 0.5, 1.0)
    shizheng = metrics.for_department("shizheng")
    assert shizheng and shizheng.total == 3
    assert (shizheng.on_time_closure_rate, shizheng.resolution_rate, shizheng.satisfaction_rate) == (0.5, 1.0, 0.0)

    empty = client_at("2025-03-20T12:00:00+08:00").metrics(dt.date(2024, 3, 1), dt.date(2024, 4, 1))
    assert empty.overall.total == 0 and empty.overall.on_time_closure_rate is None and empty.departments == []
