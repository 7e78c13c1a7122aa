"""Validation of POST /requests.json (form-encoded) into a :class:`NewRequest`.

Every problem becomes an Open311 error with a Chinese description that tells the developer what to send.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from domain import APPEAL_TYPES

from .catalog import Catalog
from .errors import BadRequest, NotFound
from .workflow import NewRequest

MAX_DESCRIPTION = 4000
MAX_FIELD = 200
MAX_ATTACHMENTS = 10
MAX_URL = 2000
MAX_ATTRIBUTE_VALUES = 50  # all attribute[...] values of one order together (a multi-value list counts each item)
MAX_ATTRIBUTE_VALUE = 200
_URL_SCHEMES = ("http", "https")
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u3000().（）]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
_TRUE = {"true", "1", "yes", "y", "是", "on"}
_FALSE = {"false", "0", "no", "n", "否", "off"}


def repair_utf8(value: str) -> str:
    """Undo latin-1 decoding of raw (not percent-encoded) UTF-8 bytes, e.g. from ``curl -d``."""
    if value and max(value) <= "\xff" and any(ch >= "\x80" for ch in value):
        try:
            return value.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def parse_bool(value: str | None, name: str, default: bool) -> bool:
    """Parse true/false/1/0/yes/no/是/否; empty means ``default``."""
    if value is None or value.strip() == "":
        return default
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadRequest(f"{name} 只能是 true 或 false，收到 {value[:20]!r}。")


def _text(form: FormData, name: str, limit: int = MAX_FIELD) -> str | None:
    value = form.get(name)
    if value is None or not isinstance(value, str):
        return None
    value = repair_utf8(value.strip())
    if not value:
        return None
    if len(value) > limit:
        raise BadRequest(f"{name} 最长 {limit} 个字符，当前 {len(value)} 个。")
    return value


def _url(value: str, name: str) -> str:
    """An absolute http/https URL of at most :data:`MAX_URL` characters (no javascript:, data:, file: …)."""
    if len(value) > MAX_URL:
        raise BadRequest(f"{name} 最长 {MAX_URL} 个字符，当前 {len(value)} 个。({name} longer than {MAX_URL} characters.)")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in _URL_SCHEMES or not parts.hostname
            or any(ch.isspace() or ord(ch) < 32 for ch in value)):
        raise BadRequest(f"{name} 必须是 http:// 或 https:// 开头的完整网址，收到 {value[:60]!r}。"
                         f"({name} must be an http or https URL.)")
    return value


def normalize_phone(value: str | None) -> str | None:
    """One spelling per number, so repeats match: separators dropped, ``+86``/``0086`` removed.

    ``"+86 136-0000-1111"`` → ``"13600001111"``; ``"+86 571 8888 8888"`` → ``"057188888888"`` (a landline gets its
    trunk 0 back). A value with anything but digits after the separators (an extension such as ``转123``, letters) is
    kept as given.
    """
    if value is None:
        return None
    digits = _PHONE_SEPARATORS.sub("", value)
    international = digits.startswith(("+86", "0086"))
    if international:
        digits = digits[3:] if digits.startswith("+") else digits[4:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits, international = digits[2:], True
    if not digits.isascii() or not digits.isdigit():
        return value
    if international and not digits.startswith(("1", "0")):
        digits = "0" + digits
    return digits


def _coordinate(form: FormData, name: str, bound: float) -> float | None:
    raw = _text(form, name, 40)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} 必须是十进制度数（WGS84），收到 {raw!r}。") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise BadRequest(f"{name} 超出范围：必须在 -{bound} 到 {bound} 之间。")
    return value


def _attributes(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    count = 0
    for key, value in form.multi_items():
        match = _ATTRIBUTE.match(key)
        if match and isinstance(value, str):
            count += 1
            if count > MAX_ATTRIBUTE_VALUES:
                raise BadRequest(f"attribute[...] 取值最多 {MAX_ATTRIBUTE_VALUES} 个。"
                                 f"(At most {MAX_ATTRIBUTE_VALUES} attribute values per order.)")
            if len(value.strip()) > MAX_ATTRIBUTE_VALUE:
                raise BadRequest(f"{key[:80]} 最长 {MAX_ATTRIBUTE_VALUE} 个字符，当前 {len(value.strip())} 个。"
                                 f"(Attribute values are at most {MAX_ATTRIBUTE_VALUE} characters.)")
            code, multi = match.group(1), bool(match.group(2))
            if multi:
                values.setdefault(code, []).append(repair_utf8(value.strip()))
            else:
                values[code] = repair_utf8(value.strip())
    return values


def parse_new_request(form: FormData, catalog: Catalog, idempotency_header: str | None) -> NewRequest:
    """Validate the form of POST /requests.json."""
    service_code = _text(form, "service_code", 64)
    if service_code is None:
        raise BadRequest("缺少 service_code：请先调用 GET /services.json 选择服务类型。")
    service = catalog.services.get(service_code)
    if service is None:
        raise NotFound(f"service_code {service_code!r} 不存在；可用的服务类型见 GET /services.json。")

    lat = _coordinate(form, "lat", 90.0)
    long = _coordinate(form, "long", 180.0)
    address = _text(form, "address_string", 500)
    address_id = _text(form, "address_id", 128)
    if (lat is None) != (long is None):
        raise BadRequest("lat 和 long 必须同时提供。")
    if lat is None and address is None and address_id is None:
        raise BadRequest("缺少位置信息：请提供 address_string（文字地址），或同时提供 lat 和 long，或 address_id。")

    raw_description = form.get("description")
    description = repair_utf8(raw_description.strip()) if isinstance(raw_description, str) else ""
    if len(description) > MAX_DESCRIPTION:
        raise BadRequest(f"description 最长 {MAX_DESCRIPTION} 字，当前 {len(description)} 字；"
                         "请精简描述，材料可放在 media_url 或 attachments。")

    attributes = _attributes(form)
    known = {a.code: a for a in service.attributes}
    for code in attributes:
        if code not in known:
            raise BadRequest(f"服务 {service_code} 没有字段 attribute[{code}]；字段列表见 GET /services/{service_code}.json。")
    for attr in service.attributes:
        value = attributes.get(attr.code)
        if attr.required and (value is None or value == "" or value == []):
            raise BadRequest(f"缺少必填字段 attribute[{attr.code}]（{attr.description}）。")
        if value is None:
            continue
        allowed = {v.key for v in attr.values}
        if attr.datatype == "singlevaluelist" and value not in allowed:
            raise BadRequest(f"attribute[{attr.code}] 的取值必须是 {sorted(allowed)} 之一。")
        if attr.datatype == "multivaluelist":
            items = value if isinstance(value, list) else [value]
            if any(item not in allowed for item in items):
                raise BadRequest(f"attribute[{attr.code}][] 的取值必须来自 {sorted(allowed)}。")
            attributes[attr.code] = items
        if attr.datatype == "number":
            try:
                float(value)
            except (TypeError, ValueError):
                raise BadRequest(f"attribute[{attr.code}] 必须是数字。") from None

    appeal_type = _text(form, "appeal_type", 16) or service.appeal_type
    if appeal_type not in APPEAL_TYPES:
        raise BadRequest(f"appeal_type 必须是 {'/'.join(APPEAL_TYPES)} 之一。")
    category = _text(form, "category", 200) or service.category_for(attributes)
    if category not in catalog.routes:
        raise BadRequest(f"category {category!r} 不在三级分类树中；格式为“一级/二级/三级”，完整的树见 GET /categories.json。")

    email = _text(form, "email")
    if email is not None and not _EMAIL.match(email):
        raise BadRequest("email 格式不正确。")
    channel = _text(form, "channel", 32)
    channel_user_id = _text(form, "channel_user_id", 128)
    if channel_user_id and not channel:
        raise BadRequest("提供 channel_user_id 时必须同时提供 channel（如 webchat、wechat、telegram）。")
    attachments = [repair_utf8(a.strip()) for a in form.getlist("attachments") if isinstance(a, str) and a.strip()]
    if len(attachments) > MAX_ATTACHMENTS:
        raise BadRequest(f"attachments 最多 {MAX_ATTACHMENTS} 个，当前 {len(attachments)} 个。"
                         f"(At most {MAX_ATTACHMENTS} attachments.)")
    attachments = [_url(a, "attachments") for a in attachments]
    media_url = _text(form, "media_url", MAX_URL)
    if media_url is not None:
        media_url = _url(media_url, "media_url")
    key = _text(form, "idempotency_key", 128) or (idempotency_header or "").strip()[:128] or None

    return NewRequest(
        service_code=service_code, description=description, appeal_type=appeal_type, category=category,
        deadline_class=service.deadline, attributes=attributes, address=address, address_id=address_id,
        lat=lat, long=long, media_url=media_url, attachments=attachments,
        first_name=_text(form, "first_name", 100), last_name=_text(form, "last_name", 100),
        phone=normalize_phone(_text(form, "phone", 40)), email=email, account_id=_text(form, "account_id", 128),
        device_id=_text(form, "device_id", 128), channel=channel, channel_user_id=channel_user_id,
        callback_consent=parse_bool(form.get("callback_consent"), "callback_consent", True),  # type: ignore[arg-type]
        anonymous=parse_bool(form.get("anonymous"), "anonymous", False),  # type: ignore[arg-type]
        idempotency_key=key,
    )
