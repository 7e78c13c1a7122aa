"""The demo plan: deterministic for a seed, a realistic mix, valid services and attributes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import yaml

from dispatch_reports.seed import plan_orders
from domain import BEIJING

ROOT = Path(__file__).resolve().parents[2]
ANCHOR = dt.datetime(2026, 11, 27, 18, 0, tzinfo=BEIJING)


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    first = plan_orders(50, 4, 42, ANCHOR)
    again = plan_orders(50, 4, 42, ANCHOR)
    other = plan_orders(50, 4, 43, ANCHOR)
    assert first == again
    assert [p.request.description for p in first] != [p.request.description for p in other]


def test_orders_fall_in_the_past_weeks_before_the_anchor() -> None:
    plans = plan_orders(300, 8, 42, ANCHOR)
    assert len(plans) == 300
    times = [p.registered_at for p in plans]
    assert times == sorted(times)
    assert min(times) >= ANCHOR - dt.timedelta(weeks=8) and max(times) < ANCHOR
    assert len({t.date() for t in times}) > 40          # spread over the days, not bunched


def test_a_realistic_mix_of_outcomes() -> None:
    plans = plan_orders(300, 8, 42, ANCHOR)
    fates = Counter(p.fate for p in plans)
    assert set(fates) == {"on_time", "late", "never", "extend"} and fates["on_time"] > 150
    satisfaction = Counter(p.satisfaction for p in plans)
    assert set(satisfaction) == {"满意", "基本满意", "不满意"} and satisfaction["满意"] > satisfaction["不满意"]
    assert 0.6 < sum(p.resolved for p in plans) / 300 < 0.95
    assert sum(not p.request.callback_consent for p in plans) > 0
    assert len({p.request.service_code for p in plans}) >= 15
    assert len({p.request.phone for p in plans}) == 300    # unique contacts: no accidental 催办 merges
    assert len({p.request.description for p in plans}) > 100


def test_services_and_attribute_values_exist_in_the_backend_configuration() -> None:
    services = {s["service_code"]: s for s in
                yaml.safe_load((ROOT / "dispatch_backend/config/services.yml").read_text(encoding="utf-8"))["services"]}
    for plan in plan_orders(300, 8, 1, ANCHOR):
        service = services[plan.request.service_code]
        allowed = {a["code"]: {v["key"] for v in a.get("values") or []} for a in service.get("attributes") or []}
        required = {a["code"] for a in service.get("attributes") or [] if a.get("required")}
        assert required <= set(plan.request.attributes)
        for code, value in plan.request.attributes.items():
            assert not allowed[code] or value in allowed[code]
