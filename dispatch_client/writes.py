"""The writes the bot and the callbacks scheduler make to the backend, as typed outbox entries.

Each write has a ``kind`` (its name in the outbox file), its fields, and two facts the retry policy needs when the
outbox sends it again: whether a second copy is harmless (``replay_safe``) and whether a 409 means the write is
already there (``conflict_is_done``). The client's methods of the same name send the same calls directly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, TypeAdapter

from domain import Satisfaction

from . import calls
from .calls import Call
from .models import NewServiceRequest


class _Write(BaseModel):
    replay_safe: ClassVar[bool] = False
    conflict_is_done: ClassVar[bool] = False

    def call(self, api_key: str, idempotency_key: str | None = None) -> Call:
        """The HTTP call, with the rules of a direct client call (a 409 is an error)."""
        raise NotImplementedError

    def queued_call(self, api_key: str, idempotency_key: str) -> Call:
        """The same call with the outbox's rules for this kind of write."""
        return replace(self.call(api_key, idempotency_key), replay_safe=self.replay_safe,
                       conflict_is_done=self.conflict_is_done)

    @property
    def order_id(self) -> str | None:
        """The order written to (None for a creation, whose order does not exist yet)."""
        return None


class CreateOrder(_Write):
    """POST /requests.json. The outbox gives it a provisional reference (临时受理号) until the order exists."""

    kind: Literal["create"] = "create"
    request: NewServiceRequest
    replay_safe: ClassVar[bool] = True  # the idempotency key makes a second copy answer the first order

    def call(self, api_key: str, idempotency_key: str | None = None) -> Call:
        return calls.create(api_key, self.request, idempotency_key)


class _OrderAction(_Write):
    """POST /requests/{id}/{endpoint}.json."""

    endpoint: ClassVar[str]
    service_request_id: str

    @property
    def order_id(self) -> str | None:
        return self.service_request_id

    def fields(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def call(self, api_key: str, idempotency_key: str | None = None) -> Call:
        return calls.action(api_key, self.service_request_id, self.endpoint, self.fields())


class SurveyResult(_OrderAction):
    """回访 result. The backend applies the whole review rule (``domain.reopens_for_review``) itself."""

    kind: Literal["survey"] = "survey"
    endpoint: ClassVar[str] = "survey"
    replay_safe: ClassVar[bool] = True  # the same answer again for a surveyed closure leaves the order unchanged
    resolved: bool
    satisfaction: Satisfaction
    comment: str = ""

    def fields(self) -> list[tuple[str, str]]:
        return [("resolved", "true" if self.resolved else "false"), ("satisfaction", self.satisfaction),
                ("comment", self.comment)]


class Remind(_OrderAction):
    """催办 an open order; every copy counts as one more reminder, so it is never sent twice."""

    kind: Literal["remind"] = "remind"
    endpoint: ClassVar[str] = "remind"
    text: str = ""

    def fields(self) -> list[tuple[str, str]]:
        return [("text", self.text)]


class Archive(_OrderAction):
    """归档; ``reason="no_reply"`` archives a closed order whose satisfaction callback got no answer (回访未果)."""

    kind: Literal["archive"] = "archive"
    endpoint: ClassVar[str] = "archive"
    replay_safe: ClassVar[bool] = True
    conflict_is_done: ClassVar[bool] = True  # already archived, or the order moved on: nothing left to write
    reason: Literal["", "no_reply"] = ""

    def fields(self) -> list[tuple[str, str]]:
        return [("reason", self.reason)] if self.reason else []


class Reopen(_OrderAction):
    """回访复核 on the citizen's request (a later "还是没解决")."""

    kind: Literal["reopen"] = "reopen"
    endpoint: ClassVar[str] = "reopen"
    replay_safe: ClassVar[bool] = True
    conflict_is_done: ClassVar[bool] = True  # already reopened (a second copy answers 409)
    reason: str = ""

    def fields(self) -> list[tuple[str, str]]:
        return [("reason", self.reason)]


class Note(_OrderAction):
    """备注 on an order's history (e.g. a seat agent's 服务小结); changes no state. Always sent with an idempotency
    key, so a second copy answers the order unchanged instead of adding the note twice."""

    kind: Literal["note"] = "note"
    endpoint: ClassVar[str] = "note"
    replay_safe: ClassVar[bool] = True
    text: str
    author: str = ""

    def fields(self) -> list[tuple[str, str]]:
        return [("text", self.text), ("author", self.author)]

    def call(self, api_key: str, idempotency_key: str | None = None) -> Call:
        key = idempotency_key or calls.new_idempotency_key()
        return replace(super().call(api_key), fields=self.fields() + [("idempotency_key", key)],
                       headers={calls.IDEMPOTENCY_HEADER: key}, replay_safe=True)


class Redispatch(_OrderAction):
    """改派 to another department code."""

    kind: Literal["dispatch"] = "dispatch"
    endpoint: ClassVar[str] = "dispatch"
    department: str

    def fields(self) -> list[tuple[str, str]]:
        return [("department", self.department)]


Write = Annotated[CreateOrder | SurveyResult | Remind | Archive | Reopen | Redispatch | Note,
                  Field(discriminator="kind")]
WRITE = TypeAdapter(Write)
