"""The bot's client of the dispatch backend (Open311 GeoReport v2 + 12345 extensions)."""

from .client import AsyncDispatchClient, DispatchClient, new_idempotency_key
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
from .outbox import Outbox, OutboxEntry
from .webhooks import verify_signature

__all__ = [
    "AsyncDispatchClient", "BadRequestError", "ChangePage", "ConflictError", "CreateResult", "DispatchAPIError", "DispatchClient",
    "DispatchError", "DispatchUnavailable", "ForbiddenError", "Metrics", "NewServiceRequest", "NotFoundError",
    "Open311ErrorItem", "Outbox", "OutboxEntry", "ServiceDefinition", "ServiceInfo", "ServiceRequest",
    "new_idempotency_key", "verify_signature",
]
