"""Survey results that an earlier version queued in the callback store (table ``callback_results``).

Survey results now wait in the dispatch client's outbox like every other write. A store written by an earlier
version may still hold results that never reached the backend: :func:`adopt_queued_results` moves them into the
outbox and drops the table. It runs when a scheduler starts; several starting together only repeat the same
outbox keys, which the outbox stores once.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import Engine

from dispatch_client import Outbox, SurveyResult

logger = logging.getLogger(__name__)

LEGACY_TABLE = "callback_results"


def adopt_queued_results(engine: Engine, outbox: Outbox) -> int:
    """Move the pending results of an old store into ``outbox`` (not sent here); returns how many."""
    if not sa.inspect(engine).has_table(LEGACY_TABLE):
        return 0
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                f"SELECT id, service_request_id, resolved, satisfaction, comment, survey_recorded FROM {LEGACY_TABLE}"
                " WHERE state = 'pending' ORDER BY id")).mappings().all()
    except sa.exc.DBAPIError:  # another scheduler dropped the table a moment ago, after adopting its rows
        return 0
    adopted = 0
    for row in rows:
        if not row["survey_recorded"] and row["resolved"] is not None and row["satisfaction"] is not None:
            write = SurveyResult(service_request_id=row["service_request_id"], resolved=bool(row["resolved"]),
                                 satisfaction=row["satisfaction"], comment=row["comment"] or "")
            outbox.submit(write, f"{LEGACY_TABLE}-{row['id']}", attempt=False)
            adopted += 1
        elif row["resolved"] is not None and not row["resolved"]:
            # Only the old client-side reopen was left; the backend applies the review rule when it records a survey.
            logger.warning("回访：旧版结果队列中有一条待复核请求，请人工核对（工单 %s）", row["service_request_id"])
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {LEGACY_TABLE}"))
    if rows:
        logger.info("回访：旧版结果队列中的 %d 条回访结果已转入派单发件箱", adopted)
    return adopted
