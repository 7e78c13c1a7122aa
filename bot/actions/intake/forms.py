"""Which fields each appeal type's form collects, in the order they are asked."""
from __future__ import annotations

from enum import Enum

import domain


class AppealType(str, Enum):
    """诉求类型 (the values are :mod:`domain`'s, as the dispatch backend knows them; each is also its label)."""

    CONSULT = domain.CONSULTATION
    HELP = domain.HELP
    COMPLAINT = domain.COMPLAINT
    SUGGESTION = domain.SUGGESTION


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
