"""Survey bookkeeping: one row per closure, atomic claims so that two schedulers never invite twice.

Every state change is a single ``UPDATE … WHERE`` with the expected state (and, for work in flight, the claim
owner) in its condition; the caller checks the row count. Nothing is read-then-written without such a guard.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from .db import cursors, from_store, make_engine, pushes, surveys, utc_naive


class SurveyState(str, enum.Enum):
    SCHEDULED = "scheduled"      # waiting for its due time
    INVITED = "invited"          # at least one invitation sent; the next attempt is due at due_at
    ANSWERED = "answered"        # the order moved to callback_done / reopened / archived
    NO_REPLY = "no_reply"        # max_attempts invitations and no answer
    UNREACHABLE = "unreachable"  # the citizen's channel cannot receive pushed messages
    DECLINED = "declined"        # the citizen did not consent to callbacks
    EXPIRED = "expired"          # the closure was already older than max_age when the scheduler first saw it


OPEN_STATES = (SurveyState.SCHEDULED.value, SurveyState.INVITED.value)


@dataclass(frozen=True)
class Survey:
    id: int
    service_request_id: str
    closure: int
    state: SurveyState
    channel: str
    recipient: str
    closed_at: dt.datetime
    due_at: dt.datetime
    attempts: int
    last_invited_at: dt.datetime | None
    backend_done: bool

    @classmethod
    def from_row(cls, row: sa.Row) -> Survey:
        m = row._mapping
        return cls(id=m["id"], service_request_id=m["service_request_id"], closure=m["closure"],
                   state=SurveyState(m["state"]), channel=m["channel"], recipient=m["recipient"],
                   closed_at=from_store(m["closed_at"]), due_at=from_store(m["due_at"]),  # type: ignore[arg-type]
                   attempts=m["attempts"], last_invited_at=from_store(m["last_invited_at"]),
                   backend_done=m["backend_done"])


@dataclass(frozen=True)
class Push:
    """One invitation the connector accepted, and how it went out (``path``; empty when the channel names none)."""

    survey_id: int
    attempt: int
    at: dt.datetime
    delivered: bool
    path: str


class SurveyStore:
    """The surveys and the change-feed cursor in one database (``store_url``)."""

    def __init__(self, store_url: str | None = None, *, engine: Engine | None = None) -> None:
        if engine is None:
            if not store_url:
                raise ValueError("store_url or engine is required")
            engine = make_engine(store_url)
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ cursor
    def cursor(self, name: str = "changes") -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(cursors.c.value).where(cursors.c.name == name)).scalar_one_or_none()

    def save_cursor(self, value: str, now: dt.datetime, name: str = "changes") -> None:
        """Store the cursor. Two schedulers may race here: the feed is re-read idempotently either way."""
        stamp = utc_naive(now)
        with self.engine.begin() as conn:
            updated = conn.execute(sa.update(cursors).where(cursors.c.name == name)
                                   .values(value=value, updated_at=stamp)).rowcount
            if updated:
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(cursors).values(name=name, value=value, updated_at=stamp))
        except sa.exc.IntegrityError:
            with self.engine.begin() as conn:
                conn.execute(sa.update(cursors).where(cursors.c.name == name).values(value=value, updated_at=stamp))

    # ------------------------------------------------------------------ creation
    def add(self, service_request_id: str, closure: int, state: SurveyState, *, channel: str, recipient: str,
            closed_at: dt.datetime, due_at: dt.datetime, now: dt.datetime, backend_done: bool = True) -> bool:
        """Create the survey of one closure; False when that closure already has one (UNIQUE constraint)."""
        stamp = utc_naive(now)
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(surveys).values(
                    service_request_id=service_request_id, closure=closure, state=state.value, channel=channel,
                    recipient=recipient, closed_at=utc_naive(closed_at), due_at=utc_naive(due_at), attempts=0,
                    backend_done=backend_done, created_at=stamp, updated_at=stamp))
        except sa.exc.IntegrityError:
            return False
        return True

    # ------------------------------------------------------------------ reads
    def get(self, service_request_id: str, closure: int) -> Survey | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(surveys).where(surveys.c.service_request_id == service_request_id,
                                                        surveys.c.closure == closure)).first()
        return Survey.from_row(row) if row else None

    def for_order(self, service_request_id: str) -> list[Survey]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(surveys).where(surveys.c.service_request_id == service_request_id)
                                .order_by(surveys.c.closure)).all()
        return [Survey.from_row(r) for r in rows]

    def due(self, now: dt.datetime, limit: int = 100) -> list[Survey]:
        """Open surveys whose due time has come and that nobody holds a live claim on."""
        stamp = utc_naive(now)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(surveys)
                .where(surveys.c.state.in_(OPEN_STATES), surveys.c.due_at <= stamp,
                       sa.or_(surveys.c.lease_until.is_(None), surveys.c.lease_until <= stamp))
                .order_by(surveys.c.due_at).limit(limit)).all()
        return [Survey.from_row(r) for r in rows]

    def recent(self, limit: int = 50) -> list[tuple[Survey, list[Push]]]:
        """The latest surveys (newest first), each with the invitations pushed for it."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(surveys).order_by(surveys.c.id.desc()).limit(limit)).all()
            found = [Survey.from_row(r) for r in rows]
            sent = conn.execute(sa.select(pushes).where(pushes.c.survey_id.in_([s.id for s in found]))
                                .order_by(pushes.c.id)).all() if found else []
        by_survey: dict[int, list[Push]] = {}
        for row in sent:
            m = row._mapping
            by_survey.setdefault(m["survey_id"], []).append(Push(
                survey_id=m["survey_id"], attempt=m["attempt"], at=from_store(m["at"]),  # type: ignore[arg-type]
                delivered=m["delivered"], path=m["path"] or ""))
        return [(s, by_survey.get(s.id, [])) for s in found]

    def record_push(self, survey_id: int, attempt: int, now: dt.datetime, *, delivered: bool, path: str) -> None:
        """Keep an invitation the connector accepted and its delivery path."""
        with self.engine.begin() as conn:
            conn.execute(sa.insert(pushes).values(survey_id=survey_id, attempt=attempt, at=utc_naive(now),
                                                  delivered=delivered, path=path[:32]))

    def backend_owed(self, limit: int = 100) -> list[Survey]:
        """Surveys whose backend write (archiving a declined or unanswered order) is not in the outbox yet."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(surveys).where(surveys.c.backend_done.is_(False))
                                .order_by(surveys.c.id).limit(limit)).all()
        return [Survey.from_row(r) for r in rows]

    # ------------------------------------------------------------------ guarded transitions
    def _update(self, survey_id: int, where: list[sa.ColumnElement[bool]], values: dict[str, object]) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(sa.update(surveys).where(surveys.c.id == survey_id, *where).values(**values))
            return result.rowcount == 1

    def claim(self, survey_id: int, owner: str, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Take the survey for one invitation round: one atomic UPDATE, True for exactly one claimant."""
        stamp = utc_naive(now)
        return self._update(survey_id, [
            surveys.c.state.in_(OPEN_STATES), surveys.c.due_at <= stamp,
            sa.or_(surveys.c.lease_until.is_(None), surveys.c.lease_until <= stamp),
        ], {"owner": owner, "lease_until": utc_naive(now + lease), "updated_at": stamp})

    def begin_attempt(self, survey_id: int, owner: str, now: dt.datetime, next_due: dt.datetime) -> bool:
        """Count the invitation *before* it is sent (so a crash can never lead to a second one)."""
        stamp = utc_naive(now)
        return self._update(survey_id, [surveys.c.owner == owner, surveys.c.lease_until > stamp,
                                        surveys.c.state.in_(OPEN_STATES)],
                            {"attempts": surveys.c.attempts + 1, "due_at": utc_naive(next_due), "updated_at": stamp})

    def undo_attempt(self, survey_id: int, owner: str, now: dt.datetime, due: dt.datetime) -> bool:
        """The invitation could not be sent: give the attempt back, try again at ``due``, drop the claim."""
        return self._update(survey_id, [surveys.c.owner == owner, surveys.c.state.in_(OPEN_STATES)],
                            {"attempts": surveys.c.attempts - 1, "due_at": utc_naive(due), "owner": None,
                             "lease_until": None, "updated_at": utc_naive(now)})

    def release(self, survey_id: int, owner: str, now: dt.datetime, due: dt.datetime) -> bool:
        """Drop the claim without an attempt; the survey becomes due again at ``due`` (postponed)."""
        return self._update(survey_id, [surveys.c.owner == owner, surveys.c.state.in_(OPEN_STATES)],
                            {"due_at": utc_naive(due), "owner": None, "lease_until": None,
                             "updated_at": utc_naive(now)})

    def mark_invited(self, survey_id: int, owner: str, now: dt.datetime) -> bool:
        return self._update(survey_id, [surveys.c.owner == owner, surveys.c.state.in_(OPEN_STATES)],
                            {"state": SurveyState.INVITED.value, "last_invited_at": utc_naive(now),
                             "owner": None, "lease_until": None, "updated_at": utc_naive(now)})

    def finish(self, survey_id: int, state: SurveyState, now: dt.datetime, owner: str | None = None) -> bool:
        """Move an open survey to a final state (by its claim owner when ``owner`` is given)."""
        where = [surveys.c.state.in_(OPEN_STATES)]
        if owner is not None:
            where.append(surveys.c.owner == owner)
        return self._update(survey_id, where, {"state": state.value, "owner": None, "lease_until": None,
                                               "updated_at": utc_naive(now)})

    def finish_no_reply(self, survey_id: int, max_attempts: int, now: dt.datetime) -> bool:
        """invited → no_reply once the last invitation's answer time is over and nobody holds the survey."""
        stamp = utc_naive(now)
        return self._update(survey_id, [
            surveys.c.state == SurveyState.INVITED.value, surveys.c.attempts >= max_attempts,
            surveys.c.due_at <= stamp, sa.or_(surveys.c.lease_until.is_(None), surveys.c.lease_until <= stamp),
        ], {"state": SurveyState.NO_REPLY.value, "owner": None, "lease_until": None, "updated_at": stamp,
            "backend_done": False})  # the order is archived as 回访未果 by settle_backend

    def mark_answered(self, service_request_id: str, below_closure: int, now: dt.datetime) -> int:
        """Every open survey of the order with ``closure < below_closure`` becomes answered; returns how many."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(surveys).where(surveys.c.service_request_id == service_request_id,
                                         surveys.c.closure < below_closure, surveys.c.state.in_(OPEN_STATES))
                .values(state=SurveyState.ANSWERED.value, owner=None, lease_until=None, updated_at=utc_naive(now)))
            return int(result.rowcount)

    def backend_written(self, survey_id: int, now: dt.datetime) -> bool:
        """The survey's backend write is in the outbox (which delivers it)."""
        return self._update(survey_id, [surveys.c.backend_done.is_(False)],
                            {"backend_done": True, "updated_at": utc_naive(now)})
