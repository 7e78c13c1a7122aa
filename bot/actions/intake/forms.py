"""Which fields each appeal type's form collects, in the order they are asked."""
from __future__ import annotations

from enum import Enum


class AppealType(str, Enum):
    """诉求类型 as the dispatch backend knows them."""

    CONSULT = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉举报"
    SUGGESTION = "意见建议"


class Field(str, Enum):
    """A work-order field the form can ask for."""

    DESCRIPTION = "description"
    ADDRESS = "address"
    OCCURRED = "occurred"
    CATEGORY = "category"
    NAME = "name"
    PHONE = "phone"
    CALLBACK = "callback_consent"
    ANONYMOUS = "anonymous"


FORMS: dict[AppealType, tuple[Field, ...]] = {
    AppealType.COMPLAINT: (Field.DESCRIPTION, Field.ADDRESS, Field.OCCURRED, Field.CATEGORY, Field.NAME,
                           Field.PHONE, Field.CALLBACK, Field.ANONYMOUS),
    AppealType.HELP: (Field.DESCRIPTION, Field.ADDRESS, Field.OCCURRED, Field.CATEGORY, Field.NAME, Field.PHONE,
                      Field.CALLBACK),
    AppealType.SUGGESTION: (Field.DESCRIPTION, Field.ADDRESS, Field.CATEGORY, Field.NAME, Field.PHONE,
                            Field.CALLBACK),
    AppealType.CONSULT: (Field.DESCRIPTION, Field.NAME, Field.PHONE, Field.CALLBACK),
}

# Fields the citizen may skip ("不清楚" / "无"): the order is still useful without them.
OPTIONAL: dict[AppealType, frozenset[Field]] = {
    AppealType.COMPLAINT: frozenset({Field.OCCURRED}),
    AppealType.HELP: frozenset({Field.OCCURRED}),
    AppealType.SUGGESTION: frozenset({Field.ADDRESS}),
    AppealType.CONSULT: frozenset(),
}

FIELD_LABELS: dict[Field, str] = {
    Field.DESCRIPTION: "反映内容",
    Field.ADDRESS: "地点",
    Field.OCCURRED: "发生时间",
    Field.CATEGORY: "问题分类",
    Field.NAME: "称呼",
    Field.PHONE: "联系电话",
    Field.CALLBACK: "是否回访",
    Field.ANONYMOUS: "是否保密",
}

APPEAL_LABELS: dict[AppealType, str] = {
    AppealType.COMPLAINT: "投诉举报",
    AppealType.HELP: "求助",
    AppealType.SUGGESTION: "意见建议",
    AppealType.CONSULT: "咨询",
}
