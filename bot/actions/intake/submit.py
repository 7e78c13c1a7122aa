"""Turning a confirmed intake into a work order through ``dispatch_client``, and the reply that tells the citizen.

The creation goes through the outbox under the intake session id, which is also its idempotency key: a second
"确认" (or a retried action call) answers the same order. The citizen waits for at most one HTTP attempt: when it
fails (or the backend already failed to list its services) the creation stays queued and the citizen gets the
provisional reference (临时受理号); the outbox creates the order exactly once when the backend is back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.actions.intake.contacts import beijing_time, remove_contacts, remove_self_introductions
from bot.actions.intake.session import IntakeSession
from dispatch_client import (
    CreateOrder,
    CreateResult,
    DispatchAPIError,
    DispatchClient,
    DispatchUnavailable,
    NewServiceRequest,
    Outbox,
)
from dispatch_client.models import ServiceRequest
from dispatch_client.service_choice import GENERAL_SERVICE, ServiceCatalog
from domain import CLOSED_STATES, CONTACTED

logger = logging.getLogger(__name__)

NO_ADDRESS = "市民未提供具体地址"


@dataclass(frozen=True)
class Submission:
    """The result of submitting one intake."""

    reference: str                 # the order id, or the provisional reference
    provisional: bool
    outcome: str                   # created / reminder / replayed / queued
    order: ServiceRequest | None   # the order as the backend has it (None while queued)


def build_request(session: IntakeSession, service_code: str, *, channel: str, channel_user_id: str,
                  attributes: dict[str, str] | None = None) -> NewServiceRequest:
    description = strip_contact(session.description or session.first_message or "")
    if session.occurred and session.occurred != "不详":
        description = f"{description}\n（发生时间：{session.occurred}）"
    return NewServiceRequest(
        service_code=service_code,
        description=description[:4000],
        address_string=None if session.lat is not None and not session.address else (session.address or NO_ADDRESS),
        lat=session.lat,
        long=session.long,
        first_name=session.name,
        phone=session.phone,
        media_url=session.photos[0] if session.photos else None,
        attachments=session.photos[1:],
        appeal_type=session.appeal_type,
        category=session.category or None,
        channel=channel,
        channel_user_id=channel_user_id,
        callback_consent=bool(session.callback_consent),
        anonymous=bool(session.anonymous),
        attributes=dict(attributes or {}),
    )


def strip_contact(text: str) -> str:
    """The description without phone and ID numbers (they travel in the order's contact fields, which an
    anonymous order hides from departments; in the free text they would not be hidden)."""
    return remove_self_introductions(remove_contacts(text.strip())).strip(" ，,；;") or "（市民未详细说明）"


class WorkOrderSubmitter:
    """Creates orders directly when the backend answers, through the outbox when it does not."""

    def __init__(self, client: DispatchClient, outbox: Outbox) -> None:
        self.client = client
        self.outbox = outbox
        self.catalog = ServiceCatalog(client)

    def submit(self, session: IntakeSession, *, channel: str, channel_user_id: str) -> Submission:
        key = f"intake-{session.id}"
        done = self.outbox.find(key)
        if done is not None and done.delivered and done.service_request_id:  # a repeated confirmation
            return Submission(done.service_request_id, False, "replayed", self._get(done.service_request_id))
        reachable = True
        try:
            service_code, attributes = self.catalog.choose(session.category,
                                                      session.appeal_type)
        except DispatchUnavailable:  # the backend is down: no second wait for the creation itself
            service_code, attributes, reachable = GENERAL_SERVICE, {}, False
        request = build_request(session, service_code, channel=channel, channel_user_id=channel_user_id,
                                attributes=attributes)
        entry = self.outbox.submit(CreateOrder(request=request), key, attempt=reachable)
        if entry.delivered and entry.service_request_id:
            outcome = (entry.result.outcome if isinstance(entry.result, CreateResult) else None) or "created"
            return Submission(entry.service_request_id, False, outcome, self._get(entry.service_request_id))
        logger.warning("dispatch backend unreachable; intake %s waits in the outbox", session.id)
        return Submission(entry.reference, True, "queued", None)

    def _get(self, service_request_id: str | None) -> ServiceRequest | None:
        if not service_request_id:
            return None
        try:
            return self.client.get(service_request_id)
        except (DispatchUnavailable, DispatchAPIError):
            return None


def submission_text(submission: Submission) -> str:
    """What the citizen is told after confirming."""
    if submission.provisional:
        return (f"系统暂时繁忙，您的诉求已保存，临时受理号：{submission.reference}。"
                "系统恢复后会自动提交（只会提交一次），届时可凭临时受理号查询正式工单号和办理进度。")
    order = submission.order
    if submission.outcome == "reminder":
        lines = [f"您反映的问题与您之前的工单 {submission.reference} 相同，且该工单仍在办理中，"
                 "本次已作为催办记录到原工单，不会重复立单。"]
        if order is not None and order.reminder_count:
            lines.append(f"这是第 {order.reminder_count} 次催办，我们会督促承办部门尽快处理。")
    else:
        lines = [f"已为您登记工单，工单号：{submission.reference}。请记下工单号，方便查询进度。"]
    if order is not None:
        if order.agency_responsible:
            lines.append(f"承办部门：{order.agency_responsible}。")
        first = getattr(order, "first_contact_due_datetime", None)
        if first is not None and order.workflow_state not in (CONTACTED, *CLOSED_STATES):
            lines.append(f"承办部门将在1个工作日内（{beijing_time(first)} 前）与您联系；")
        if order.expected_datetime is not None:
            lines.append(f"办结时限：{beijing_time(order.expected_datetime)} 前（一般问题5个工作日，复杂问题最长15个工作日）。")
    lines.append("您可以随时发送“查询工单”加工单号了解进度。")
    return "".join(lines)
