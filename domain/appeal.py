"""Appeal types (诉求类型): what the citizen wants from the hotline."""

from __future__ import annotations

from typing import Literal

CONSULTATION = "咨询"
HELP = "求助"
COMPLAINT = "投诉举报"
SUGGESTION = "意见建议"
#: Every appeal type, in the order the hotline lists them.
APPEAL_TYPES: tuple[str, ...] = (CONSULTATION, HELP, COMPLAINT, SUGGESTION)
AppealType = Literal["咨询", "求助", "投诉举报", "意见建议"]
