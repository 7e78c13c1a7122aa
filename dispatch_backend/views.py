"""JSON shapes of the API: GeoReport v2 field names plus the documented 12345 extensions."""

from __future__ import annotations

from typing import Any

from domain import STATE_LABELS, split_path

from . import deadlines
from .catalog import Catalog, Service
from .clock import format_w3c
from .district import district_of
from .models import WorkOrder
from .workcalendar import WorkingCalendar

PUBLIC = "public"          # no key (public feed only): category, department, status, dates, district
DEPARTMENT = "department"  # department key: + history, contact unless anonymous
FULL = "full"              # bot / operator api_key: everything


def service_json(service: Service) -> dict[str, Any]:
    """One entry of GET /services.json."""
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": ",".join(service.keywords),
        "group": service.group,
        # 12345 extensions
        "appeal_type": service.appeal_type,
        "category": service.category,
        "deadline_class": service.deadline,
    }


def service_definition_json(service: Service) -> dict[str, Any]:
    """GET /services/{code}.json."""
    return {
        "service_code": service.service_code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for a in service.attributes
        ],
    }


def public_request_json(order: WorkOrder, catalog: Catalog, calendar: WorkingCalendar | None = None
                        ) -> dict[str, Any]:
    """The redacted public view (REXIAN_DISPATCH_PUBLIC_FEED=1, or another department's order): category,
    department, status, dates and the district; never names, phones, free text, exact addresses or coordinates.
    GeoReport's personal or free-text fields are present but empty, so GeoReport clients read it unchanged."""
    service = catalog.services.get(order.service_code)
    dept = catalog.departments.get(order.department)
    l1, l2, l3 = split_path(order.category)
    data: dict[str, Any] = {
        "service_request_id": order.service_request_id,
        "status": order.status,
        "status_notes": None,
        "service_name": service.service_name if service else order.service_code,
        "service_code": order.service_code,
        "description": "",
        "agency_responsible": dept.name if dept else order.department,
        "service_notice": None,
        "requested_datetime": format_w3c(order.requested_at),
        "updated_datetime": format_w3c(order.updated_at),
        "expected_datetime": format_w3c(order.expected_at),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
        # 12345 extensions
        "district": district_of(order.address, catalog.districts),
        "appeal_type": order.appeal_type,
        "category": {"path": order.category, "level1": l1, "level2": l2, "level3": l3},
        "department": order.department,
        "workflow_state": order.state,
        "workflow_state_name": STATE_LABELS.get(order.state, order.state),
        "first_contact_due_datetime": format_w3c(order.first_contact_due),
        "first_contact_datetime": format_w3c(order.first_contacted_at),
        "closed_datetime": format_w3c(order.closed_at),
        "overdue": order.overdue,
        "supervised": order.supervised,
        "reminder_count": order.reminder_count,
        "reopen_count": order.reopen_count,
    }
    if calendar is not None:
        data["first_contact_due_provisional"] = deadlines.is_provisional(
            calendar, order.requested_at, order.first_contact_due, order.deadline_class)
        data["expected_datetime_provisional"] = deadlines.is_provisional(
            calendar, order.requested_at, order.expected_at, order.deadline_class)
    return data


def request_json(order: WorkOrder, catalog: Catalog, access: str, calendar: WorkingCalendar | None = None
                 ) -> dict[str, Any]:
    """One service request (an element of GET /requests.json) as ``access`` may see it; with ``calendar``, the
    deadlines' provisional flags."""
    data = public_request_json(order, catalog, calendar)
    if access == PUBLIC:
        return data
    data.update({
        "status_notes": order.status_notes,
        "description": order.description,
        "address": order.address,
        "address_id": order.address_id,
        "lat": order.lat,
        "long": order.long,
        "media_url": order.media_url,
        "change_seq": order.change_seq,
    })
    data["attributes"] = order.attributes
    data["attachments"] = order.attachments
    data["callback_consent"] = order.callback_consent
    data["anonymous"] = order.anonymous
    data["notes"] = [
        {"datetime": format_w3c(n.at), "actor": n.actor, "type": n.kind, "text": n.text} for n in order.notes
    ]
    data["survey"] = None if order.survey_at is None else {
        "resolved": order.survey_resolved,
        "satisfaction": order.survey_satisfaction,
        "comment": order.survey_comment,
        "datetime": format_w3c(order.survey_at),
    }  # the latest survey; ``surveys``: all of them, one per closure, oldest first
    data["surveys"] = [
        {"closure": s.closure, "resolved": s.resolved, "satisfaction": s.satisfaction, "comment": s.comment,
         "datetime": format_w3c(s.recorded_at)}
        for s in order.surveys
    ]
    if access == FULL or not order.anonymous:
        data["contact"] = {
            "first_name": order.first_name, "last_name": order.last_name,
            "phone": order.phone, "email": order.email,
        }
    if access == FULL:
        data["account_id"] = order.account_id
        data["device_id"] = order.device_id
        data["channel"] = order.channel
        data["channel_user_id"] = order.channel_user_id
    return data
