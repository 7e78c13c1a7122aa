"""The one vocabulary of a 12345 work order, at the bottom of every layer.

Plain Python, no imports from the project and none from third parties: the backend, the client, the bot's
actions, the callbacks scheduler, the connectors and the reports all import these names instead of spelling the
values again. See docs/architecture.md for who may import what.
"""

from .appeal import APPEAL_TYPES, COMPLAINT, CONSULTATION, HELP, SUGGESTION, AppealType
from .category import CategoryLeaf, split_path
from .channel import CHANNEL_PREFIXES, REST, SEAT, TELEGRAM, WEBCHAT, WECHAT, channel_of_sender
from .reference import PROVISIONAL_PREFIX, is_provisional, new_provisional_reference
from .survey import BASIC, SATISFACTION_LEVELS, SATISFIED_LEVELS, UNSATISFIED, SATISFIED, Satisfaction, reopens_for_review
from .time import BEIJING, beijing_now
from .workflow import (
    ARCHIVED,
    CALLBACK_DONE,
    CLOSED,
    CLOSED_STATES,
    CONTACTED,
    DISPATCHED,
    REGISTERED,
    REOPENED,
    STATE_LABELS,
    SURVEYABLE_STATES,
    WorkflowState,
)

__all__ = [
    "APPEAL_TYPES", "ARCHIVED", "AppealType", "BASIC", "BEIJING", "CALLBACK_DONE", "CHANNEL_PREFIXES", "CLOSED",
    "CLOSED_STATES", "COMPLAINT", "CONSULTATION", "CONTACTED", "CategoryLeaf", "DISPATCHED", "HELP",
    "PROVISIONAL_PREFIX", "REGISTERED", "REOPENED", "REST", "SATISFACTION_LEVELS", "SATISFIED", "SATISFIED_LEVELS",
    "SEAT", "STATE_LABELS", "SUGGESTION", "SURVEYABLE_STATES", "Satisfaction", "TELEGRAM", "UNSATISFIED", "WEBCHAT",
    "WECHAT", "WorkflowState", "beijing_now", "channel_of_sender", "is_provisional", "new_provisional_reference",
    "reopens_for_review", "split_path",
]
