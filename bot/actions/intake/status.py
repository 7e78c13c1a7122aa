""""查一下我的工单": finding the citizen's orders and describing their progress in Chinese.

A citizen only sees an order by number when it was filed from the same channel account or when they give the
number; an order filed elsewhere is described without its contact details either way (the reply never
contains them).
"""
from __future__ import annotations

import re

from bot.actions.intake.contacts import beijing_time
from dispatch_client import FAILED, DispatchAPIError, DispatchClient, DispatchUnavailable, NotFoundError, Outbox
from dispatch_client.models import ServiceRequest
from domain import PROVISIONAL_PREFIX, is_provisional
from nlu.normalize import normalize

ORDER_NUMBER = re.compile(r"(?<!\d)(\d{16})(?!\d)")
PROVISIONAL = re.compile(PROVISIONAL_PREFIX + r"\d{12}-[0-9A-F]{6}", re.IGNORECASE)
RECENT_LIMIT = 3


def find_reference(text: str) -> str | None:
    """A work-order number or a provisional reference in the message."""
    t = normalize(text)
    m = PROVISIONAL.search(t)
    if m:
        return m.group(0).upper()
    m = ORDER_NUMBER.search(t.replace(" ", ""))
    return m.group(1) if m else None


def describe(order: ServiceRequest) -> str:
    lines = [f"工单 {order.service_request_id}（{topic(order)}）："]
    state = order.workflow_state_name or ("已办结" if order.status == "closed" else "办理中")
    lines.append(f"当前状态：{state}")
    if order.agency_responsible:
        lines.append(f"承办部门：{order.agency_responsible}")
    if order.status == "open" and order.expected_datetime is not None:
        lines.append(f"办结时限：{beijing_time(order.expected_datetime)} 前" + ("（已超期，已督办）" if order.overdue else ""))
    if order.status_notes:
        lines.append(f"办理结果：{order.status_notes}")
    public_notes = [n for n in order.notes if n.type not in ("internal",)][-3:]
    if public_notes:
        lines.append("最近进展：")
        lines.extend(f"· {beijing_time(n.datetime)} {n.actor}：{n.text}" for n in public_notes)
    if order.reminder_count:
        lines.append(f"已催办 {order.reminder_count} 次。")
    return "\n".join(lines)


def topic(order: ServiceRequest) -> str:
    """What the order is about, as the citizen knows it: its category (三级分类), else its service or appeal type.

    A general service ("12345综合诉求") says nothing about the problem, so the category comes first."""
    category = order.category
    if category is not None and (category.level3 or category.path):
        return category.level3 or category.path.split("/")[-1]
    return order.service_name or order.appeal_type or "诉求"


class StatusLookup:
    """Answers status questions from the dispatch backend (and the outbox for provisional references)."""

    def __init__(self, client: DispatchClient, outbox: Outbox) -> None:
        self.client = client
        self.outbox = outbox

    def answer(self, text: str, *, channel: str, channel_user_id: str) -> str:
        reference = find_reference(text)
        try:
            if reference and is_provisional(reference):
                return self._provisional(reference)
            if reference:
                return self._by_number(reference)
            return self._recent(channel, channel_user_id)
        except DispatchUnavailable:
            return "工单系统暂时无法连接，请稍后再查询，或拨打12345热线。"

    def _provisional(self, reference: str) -> str:
        try:
            entry = self.outbox.get(reference)
        except KeyError:
            return f"没有找到临时受理号 {reference}，请核对后再试。"
        if entry.service_request_id:
            return (f"临时受理号 {reference} 已转为正式工单 {entry.service_request_id}。\n"
                    + self._by_number(entry.service_request_id))
        if entry.state == FAILED:
            return f"临时受理号 {reference} 提交未成功，请回复“转人工”由话务员为您处理。"
        return f"临时受理号 {reference} 正在等待系统恢复后提交，提交后会生成正式工单号，请稍后再查。"

    def _by_number(self, number: str) -> str:
        try:
            return describe(self.client.get(number))
        except NotFoundError:
            return f"没有找到工单 {number}，请核对工单号（16位数字）后再试。"
        except DispatchAPIError:
            return "查询工单时出了点问题，请稍后再试，或拨打12345热线。"

    def _recent(self, channel: str, channel_user_id: str) -> str:
        orders = self.client.list(channel=channel, channel_user_id=channel_user_id)[:RECENT_LIMIT]
        if not orders:
            return "没有查到您在本渠道登记的工单。如有工单号，请发送“查询工单”加16位工单号。"
        head = f"您在本渠道最近的 {len(orders)} 个工单：" if len(orders) > 1 else "您在本渠道最近的工单："
        return head + "\n\n" + "\n\n".join(describe(o) for o in orders)
