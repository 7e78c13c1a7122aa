"""States of a work order in the backend's workflow, and their Chinese names."""

from __future__ import annotations

from typing import Literal

REGISTERED = "registered"
DISPATCHED = "dispatched"
CONTACTED = "contacted"
CLOSED = "closed"
CALLBACK_DONE = "callback_done"
ARCHIVED = "archived"
REOPENED = "reopened"
WorkflowState = Literal["registered", "dispatched", "contacted", "closed", "callback_done", "archived", "reopened"]
#: States in which the GeoReport status is ``closed``.
CLOSED_STATES: tuple[str, ...] = (CLOSED, CALLBACK_DONE, ARCHIVED)
#: The only state a satisfaction survey may be recorded in.
SURVEYABLE_STATES: tuple[str, ...] = (CLOSED,)
STATE_LABELS: dict[str, str] = {
    REGISTERED: "已登记", DISPATCHED: "已派单", CONTACTED: "已首次联系", CLOSED: "已办结",
    CALLBACK_DONE: "已回访", ARCHIVED: "已归档", REOPENED: "回访复核中",
}
