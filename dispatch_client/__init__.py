"""The bot's client of the dispatch backend (Open311 GeoReport v2 + 12345 extensions), and its outbox."""

from .client import Attempt, DispatchClient, new_idempotency_key
from .errors import (
    BadRequestError,
    ConflictError,
    DispatchAPIError,
    DispatchError,
    DispatchUnavailable,
    ForbiddenError,
    NotFoundError,
    Open311ErrorItem,
)
from .models import ChangePage, CreateResult, Metrics, NewServiceRequest, ServiceDefinition, ServiceInfo, ServiceRequest
from .outbox import DELIVERED, FAILED, PENDING, Outbox, OutboxEntry
from .policy import RetryPolicy, Verdict
from .webhooks import verify_signature
from .writes import Archive, CreateOrder, Redispatch, Remind, Reopen, SurveyResult, Write

__all__ = [
    "Archive", "Attempt", "BadRequestError", "ChangePage", "ConflictError", "CreateOrder", "CreateResult",
    "DELIVERED", "DispatchAPIError", "DispatchClient", "DispatchError", "DispatchUnavailable", "FAILED",
    "ForbiddenError", "Metrics", "NewServiceRequest", "NotFoundError", "Open311ErrorItem", "Outbox", "OutboxEntry",
    "PENDING", "Redispatch", "Remind", "Reopen", "RetryPolicy", "ServiceDefinition", "ServiceInfo", "ServiceRequest",
    "SurveyResult", "Verdict", "Write", "new_idempotency_key", "verify_signature",
]
