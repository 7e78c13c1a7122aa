"""The action server's long-lived objects: the knowledge base and the feedback log, opened once."""
from __future__ import annotations

import logging
import threading
from functools import lru_cache

from knowledge_base.feedback import FeedbackLog
from knowledge_base.service import KnowledgeBase
from rexian.config import load_config

logger = logging.getLogger(__name__)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _open_kb() -> KnowledgeBase:
    settings = load_config()
    logger.info("Opening the knowledge base (%d source path(s)) ...", len(settings.kb.paths))
    return KnowledgeBase.from_config(settings)


def knowledge_base() -> KnowledgeBase:
    with _lock:
        return _open_kb()


@lru_cache(maxsize=1)
def feedback_log() -> FeedbackLog:
    settings = load_config()
    settings.kb.feedback_db.parent.mkdir(parents=True, exist_ok=True)
    return FeedbackLog(settings.kb.feedback_db, salt=settings.kb.salt or None)
