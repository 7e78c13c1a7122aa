"""Knowledge upkeep in the console (知识库维护): the questions the bot could not answer, grouped, and the agents'
fixes, through :class:`knowledge_base.upkeep.KnowledgeUpkeep`.

:class:`KnowledgeDesk` lists the groups (with the console's suggested answers as the first attach targets) and
performs the three actions, each audited (``kb_attach``, ``kb_draft``, ``kb_dismiss``) under the agent's name.
:func:`knowledge_router` serves the page ``/knowledge`` and its JSON API (state changes need the CSRF token), open
to agents and supervisors. The change lands in the upkeep overlay (``kb.upkeep_path``); the bot's and the
console's knowledge bases watch it and serve it within seconds, without a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from agent_console import auth, pages
from agent_console.assist import Assist, KnowledgeBaseAssist
from agent_console.models import User
from agent_console.service import Actor, ConsoleError, ConsoleService
from agent_console.settings import ConsoleConfig
from knowledge_base.feedback import FeedbackLog, mask_personal_numbers
from knowledge_base.importer import KBImportError
from knowledge_base.overlay import overlay_paths
from knowledge_base.schema import KBEntry
from knowledge_base.upkeep import ItemRef, KnowledgeUpkeep, UpkeepError

logger = logging.getLogger(__name__)

GROUPS_SHOWN = 30
SEMANTIC_TARGETS = 3
_CACHE_SIZE = 500


class ItemBody(BaseModel):
    kind: str = Field(pattern="^(unanswered|votes)$")
    id: int


class DismissBody(BaseModel):
    items: list[ItemBody] = Field(min_length=1, max_length=1000)


class AttachBody(BaseModel):
    items: list[ItemBody] = Field(default_factory=list, max_length=1000)
    question: str = Field(max_length=1000)
    entry_id: str = Field(min_length=1, max_length=64)


class DraftFields(BaseModel):
    """The new entry as the form sends it (lists may come as text, one item per line)."""

    id: str = Field(default="", max_length=64)
    question: str = Field(default="", max_length=1000)
    similar_questions: list[str] | str = ""
    answer: str = Field(default="", max_length=8000)
    category: str = Field(default="", max_length=100)
    department: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    keywords: list[str] | str = ""
    source: str = Field(default="", max_length=200)
    valid_from: str = Field(default="", max_length=20)
    valid_to: str = Field(default="", max_length=20)


class DraftBody(BaseModel):
    items: list[ItemBody] = Field(default_factory=list, max_length=1000)
    entry: DraftFields


def _refs(items: list[ItemBody]) -> list[ItemRef]:
    return [(item.kind, item.id) for item in items]


def _entry_view(entry: KBEntry) -> dict[str, Any]:
    return {"id": entry.id, "question": entry.question, "similar_questions": entry.similar_questions,
            "answer": entry.answer, "category": entry.category, "department": entry.department,
            "source": entry.source, "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
            "valid_to": entry.valid_to.isoformat() if entry.valid_to else None}


class KnowledgeDesk:
    """The console's side of knowledge upkeep: the upkeep itself, the console for the audit log, the assist for
    semantic attach targets (cached per question)."""

    def __init__(self, upkeep: KnowledgeUpkeep, console: ConsoleService, assist: Assist | None = None) -> None:
        self.upkeep = upkeep
        self.console = console
        self.assist = assist
        self._targets: dict[str, list[tuple[str, float]]] = {}
        self._lock = threading.Lock()
        upkeep.suggest = self._suggest

    def _suggest(self, question: str) -> list[tuple[str, float]]:
        with self._lock:
            cached = self._targets.get(question)
        if cached is not None:
            return cached
        assist = self.assist if self.assist is not None else self.console.assist
        found = [(s.entry_id, s.similarity) for s in assist.suggestions(question, limit=SEMANTIC_TARGETS)]
        if found:  # an assistant still loading suggests nothing: ask again next time
            with self._lock:
                if len(self._targets) >= _CACHE_SIZE:
                    self._targets.clear()
                self._targets[question] = found
        return found

    def overview(self) -> dict[str, Any]:
        try:
            groups = self.upkeep.groups(limit=GROUPS_SHOWN)
            entries = self.upkeep.entries()
        except KBImportError as exc:
            raise ConsoleError(503, f"知识库文件无法读取，请联系管理员：{exc}") from exc
        return {"groups": [g.to_dict() for g in groups], "open_rows": len(self.upkeep.open_rows()),
                "categories": sorted({e.category for e in entries})}

    def search(self, text: str) -> dict[str, Any]:
        return {"entries": [t.__dict__ for t in self.upkeep.search_entries(text)]}

    def attach(self, actor: Actor, body: AttachBody) -> dict[str, Any]:
        try:
            entry = self.upkeep.attach(body.question, body.entry_id, items=_refs(body.items), by=actor.name)
        except UpkeepError as exc:
            raise ConsoleError(422, "；".join(exc.problems)) from exc
        self._audit(actor, "kb_attach", {"entry_id": entry.id, "question": body.question.strip(),
                                         "rows": len(body.items)})
        return {"entry": _entry_view(entry), "message": f"已加为条目 {entry.id} 的相似问法，机器人几秒内即可使用。"}

    def draft(self, actor: Actor, body: DraftBody) -> dict[str, Any]:
        try:
            entry = self.upkeep.draft(body.entry.model_dump(), items=_refs(body.items), by=actor.name)
        except UpkeepError as exc:
            raise ConsoleError(422, "；".join(exc.problems)) from exc
        self._audit(actor, "kb_draft", {"entry_id": entry.id, "question": entry.question, "rows": len(body.items)})
        return {"entry": _entry_view(entry), "message": f"已新建条目 {entry.id}，机器人几秒内即可使用。"}

    def dismiss(self, actor: Actor, body: DismissBody) -> dict[str, Any]:
        try:
            count = self.upkeep.dismiss(_refs(body.items), by=actor.name)
        except UpkeepError as exc:
            raise ConsoleError(409, "；".join(exc.problems)) from exc
        self._audit(actor, "kb_dismiss", {"rows": count})
        return {"dismissed": count}

    def _audit(self, actor: Actor, action: str, detail: dict[str, Any]) -> None:
        clean = {k: mask_personal_numbers(v) if isinstance(v, str) else v for k, v in detail.items()}
        with self.console.store.begin() as db:
            self.console._audit(db, db.get(User, actor.user_id), action, None, clean)


def upkeep_from_config(settings: ConsoleConfig) -> KnowledgeUpkeep:
    """The upkeep of the console's KB (``kb.paths`` as the console has them; the overlay and the feedback log of
    the configuration's ``kb`` section)."""
    return KnowledgeUpkeep(settings.kb_paths, settings.kb_upkeep_path,
                           FeedbackLog(settings.kb_feedback_db, salt=settings.kb_salt or None))


def open_upkept_assist(settings: ConsoleConfig) -> KnowledgeBaseAssist:
    """The suggested answers' KB with the upkeep overlay, watched: an agent's change is suggested at once too."""
    from knowledge_base.index import IndexMismatchError
    from knowledge_base.service import KnowledgeBase

    upkeep_path: Path = settings.kb_upkeep_path
    try:
        kb = KnowledgeBase.open(settings.kb_paths, settings.kb_index_dir, settings.kb_embedder,
                                rebuild_if_stale=False, upkeep_path=upkeep_path)
    except IndexMismatchError:
        if not overlay_paths(upkeep_path):
            raise  # the console never builds the whole index: the bot's start (`rexian kb build`) does
        # Only the agents' additions are new to the saved index: embedding them is quick.
        logger.info("the saved KB index lacks the knowledge upkeep overlay; adding it")
        kb = KnowledgeBase.open(settings.kb_paths, settings.kb_index_dir, settings.kb_embedder,
                                upkeep_path=upkeep_path)
    return KnowledgeBaseAssist(kb)


def knowledge_router(open_desk: Callable[[], KnowledgeDesk | None]) -> APIRouter:
    """The page and its API. The desk is opened on first use (``open_desk``); without one (its feedback log
    cannot be opened) the API says so."""
    router = APIRouter()
    opened: list[KnowledgeDesk | None] = []
    opening = threading.Lock()

    def available() -> KnowledgeDesk:
        with opening:
            if not opened or opened[0] is None:
                opened[:] = [open_desk()]
        if opened[0] is None:
            raise ConsoleError(503, "知识库维护暂不可用：未能打开反馈记录，请联系管理员。")
        return opened[0]

    @router.get("/knowledge", response_class=HTMLResponse)
    async def knowledge_page(actor: Actor = Depends(auth.page_actor)) -> str:
        return pages.knowledge_page(actor)

    @router.get("/api/knowledge/groups")
    async def api_groups(actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run_in_threadpool(available().overview)  # type: ignore[no-any-return]

    @router.get("/api/knowledge/entries")
    async def api_entries(q: str = "", actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run_in_threadpool(available().search, q[:200])  # type: ignore[no-any-return]

    @router.post("/api/knowledge/attach")
    async def api_attach(body: AttachBody, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run_in_threadpool(available().attach, actor, body)  # type: ignore[no-any-return]

    @router.post("/api/knowledge/draft")
    async def api_draft(body: DraftBody, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run_in_threadpool(available().draft, actor, body)  # type: ignore[no-any-return]

    @router.post("/api/knowledge/dismiss")
    async def api_dismiss(body: DismissBody, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run_in_threadpool(available().dismiss, actor, body)  # type: ignore[no-any-return]

    return router


def build_knowledge_desk(settings: ConsoleConfig, console: ConsoleService) -> KnowledgeDesk | None:
    """The desk of the configured KB, or None (logged) when its feedback log cannot be opened."""
    try:
        return KnowledgeDesk(upkeep_from_config(settings), console)
    except Exception:  # noqa: BLE001 - the console works without knowledge upkeep
        logger.exception("knowledge upkeep unavailable")
        return None
