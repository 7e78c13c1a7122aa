"""Typed shapes the dispatch client sends and receives (GeoReport v2 + 12345 extensions)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import AppealType


class ServiceInfo(BaseModel):
    """An entry of GET /services.json."""

    model_config = ConfigDict(extra="allow")
    service_code: str
    service_name: str
    description: str = ""
    metadata: bool = False
    type: str = "realtime"
    keywords: str = ""
    group: str = ""
    appeal_type: str | None = None
    category: str | None = None
    deadline_class: str | None = None


class AttributeValue(BaseModel):
    key: str
    name: str


class ServiceAttribute(BaseModel):
    model_config = ConfigDict(extra="allow")
    variable: bool = True
    code: str
    datatype: str
    required: bool = False
    datatype_description: str = ""
    order: int = 0
    description: str = ""
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(BaseModel):
    """GET /services/{code}.json."""

    service_code: str
    attributes: list[ServiceAttribute] = Field(default_factory=list)


class NewServiceRequest(BaseModel):
    """What the bot sends to create a work order."""

    service_code: str
    description: str = ""
    address_string: str | None = None
    lat: float | None = None
    long: float | None = None
    address_id: str | None = None
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    media_url: str | None = None
    account_id: str | None = None
    device_id: str | None = None
    # 12345 extensions
    appeal_type: AppealType | None = None
    category: str | None = None
    channel: str | None = None
    channel_user_id: str | None = None
    callback_consent: bool = True
    anonymous: bool = False
    attachments: list[str] = Field(default_factory=list)

    def form(self) -> list[tuple[str, str]]:
        """Form-encoded fields (repeated keys for lists)."""
        items: list[tuple[str, str]] = []
        plain = self.model_dump(exclude={"attributes", "attachments", "callback_consent", "anonymous"})
        for name, value in plain.items():
            if value is not None and value != "":
                items.append((name, str(value)))
        for code, value in self.attributes.items():
            if isinstance(value, list):
                items.extend((f"attribute[{code}][]", v) for v in value)
            else:
                items.append((f"attribute[{code}]", value))
        items.extend(("attachments", a) for a in self.attachments)
        items.append(("callback_consent", "true" if self.callback_consent else "false"))
        items.append(("anonymous", "true" if self.anonymous else "false"))
        return items


class CreateResult(BaseModel):
    """Element of the POST /requests.json answer."""

    model_config = ConfigDict(extra="allow")
    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None = None
    account_id: str | None = None
    outcome: Literal["created", "reminder", "replayed"] | None = None
    reminder_count: int | None = None
    expected_datetime: dt.datetime | None = None


class Category(BaseModel):
    path: str
    level1: str = ""
    level2: str = ""
    level3: str = ""


class Note(BaseModel):
    datetime: dt.datetime
    actor: str
    type: str
    text: str


class Survey(BaseModel):
    """One callback survey (回访); ``closure`` is which closure (办结) of the order it answers, from 1."""

    resolved: bool | None
    satisfaction: str | None
    comment: str | None
    datetime: dt.datetime | None
    closure: int | None = None


class Contact(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None


class ServiceRequest(BaseModel):
    """A work order as GET /requests/{id}.json returns it."""

    model_config = ConfigDict(extra="allow")
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime | None = None
    expected_datetime: dt.datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    # 12345 extensions
    appeal_type: str | None = None
    category: Category | None = None
    department: str | None = None
    workflow_state: str | None = None
    workflow_state_name: str | None = None
    first_contact_due_datetime: dt.datetime | None = None
    first_contact_datetime: dt.datetime | None = None
    closed_datetime: dt.datetime | None = None
    overdue: bool = False
    supervised: bool = False
    reminder_count: int = 0
    reopen_count: int = 0
    change_seq: int | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    attachments: list[str] = Field(default_factory=list)
    callback_consent: bool | None = None
    anonymous: bool | None = None
    notes: list[Note] = Field(default_factory=list)
    survey: Survey | None = None          # the latest
    surveys: list[Survey] = Field(default_factory=list)  # every survey, oldest first
    district: str | None = None           # the public feed's only location
    contact: Contact | None = None
    channel: str | None = None
    channel_user_id: str | None = None


class ChangePage(BaseModel):
    """GET /changes.json: orders changed after a cursor."""

    cursor: str
    has_more: bool
    requests: list[ServiceRequest]


class MetricTally(BaseModel):
    model_config = ConfigDict(extra="allow")
    total: int
    closed: int
    closed_on_time: int
    open_overdue: int
    surveyed: int
    resolved: int
    satisfied: int
    on_time_closure_rate: float | None
    resolution_rate: float | None         # on each order's first survey (初次回访)
    satisfaction_rate: float | None       # on each order's first survey (初次回访)
    resurveys: int = 0
    final_resolution_rate: float | None = None    # on each order's latest survey
    final_satisfaction_rate: float | None = None  # on each order's latest survey


class DepartmentMetrics(MetricTally):
    department: str
    department_name: str


class Metrics(BaseModel):
    """GET /metrics.json."""

    start_date: dt.datetime
    end_date: dt.datetime
    overall: MetricTally
    departments: list[DepartmentMetrics]

    def for_department(self, code: str) -> DepartmentMetrics | None:
        return next((d for d in self.departments if d.department == code), None)
