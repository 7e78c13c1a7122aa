"""Doubles for driving the rasa-sdk actions without Rasa or HTTP: an in-memory knowledge base, a keyword appeal
classifier, an in-memory Open311 backend behind the real :class:`DispatchClient`, and a conversation helper.

The container (:func:`bot.actions.container.build_services`) wires everything else for real around them: the
intake machine with the real extractors, the understanding with the real emergency rules, the outbox, the
submitter, the feedback and emergency logs (in a temporary folder). There is no seat-agent console (every handoff
is "not on this channel"); tests/unit/test_actions_handoff.py installs one of its own.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.container import Services, build_services, installed
from bot.actions.handoff_desk import HandoffDesk
from configuration import ServiceHours, Settings
from dispatch_client import DispatchClient
from domain import COMPLAINT, CONSULTATION, HELP, SUGGESTION
from knowledge_base.banding import Band
from knowledge_base.schema import KBEntry
from knowledge_base.service import KBMatch, KBResult
from nlu.appeal.taxonomy import Taxonomy, load_taxonomy
from nlu.appeal.types import AppealPrediction, CategorySuggestion
from nlu.emergency import assess_emergency

ANSWER_AT = 0.8        # the in-memory KB answers a question this close to an entry's
DID_YOU_MEAN_AT = 0.45

ENTRIES = [
    KBEntry(id="jzz-001", question="居住证怎么办理？", similar_questions=["办居住证需要什么材料"],
            answer="携带身份证和居住登记凭证到社区服务站申请。（测试数据）", category="居住证", department="市公安局"),
    KBEntry(id="hz-001", question="护照怎么办理？", similar_questions=["办护照去哪里"],
            answer="到出入境接待大厅办理。（测试数据）", category="出入境", department="出入境管理局"),
]


class InMemoryKnowledgeBase:
    """``get`` and ``ask`` of :class:`knowledge_base.service.KnowledgeBase` over a few entries, by string similarity."""

    def __init__(self, entries: list[KBEntry] = ENTRIES) -> None:
        self.entries = {e.id: e for e in entries}
        self.asked: list[str] = []

    def get(self, entry_id: str) -> KBEntry | None:
        return self.entries.get(entry_id)

    def ask(self, query: str, *, previous_entry_id: str | None = None) -> KBResult:
        self.asked.append(query)
        matches = sorted((KBMatch(e, self._similarity(query, e), 0.0, e.question) for e in self.entries.values()),
                         key=lambda m: m.similarity, reverse=True)
        matches = [m for m in matches if m.similarity >= DID_YOU_MEAN_AT]
        band = Band.NO_MATCH if not matches else Band.ANSWER if matches[0].similarity >= ANSWER_AT \
            else Band.DID_YOU_MEAN
        return KBResult(band, matches, query, query)

    @staticmethod
    def _similarity(query: str, entry: KBEntry) -> float:
        return max(difflib.SequenceMatcher(None, query, q).ratio() for q in [entry.question, *entry.similar_questions])


class KeywordClassifier:
    """The appeal classifier's ``classify`` and ``suggest_categories`` by keywords, on a real taxonomy."""

    COMPLAINT_WORDS = ("吵", "噪音", "烧烤", "扰民", "坏了", "漏水")
    LEAVES = {"吵": "城乡建设与管理/噪音扰民/社会生活噪音", "烧烤": "城乡建设与管理/市容环卫/露天烧烤"}

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def classify(self, text: str) -> AppealPrediction:
        appeal = COMPLAINT if any(w in text for w in self.COMPLAINT_WORDS) else CONSULTATION
        scores = {t: (0.85 if t == appeal else 0.05) for t in (CONSULTATION, HELP, COMPLAINT, SUGGESTION)}
        return AppealPrediction(appeal, 0.85, scores, unsure=False)

    def suggest_categories(self, text: str, k: int = 3) -> list[CategorySuggestion]:
        paths = [path for word, path in self.LEAVES.items() if word in text]
        return [CategorySuggestion(self.taxonomy.leaves[p], 0.9 - 0.5 * i) for i, p in enumerate(paths)][:k]


@dataclass
class InMemoryBackend:
    """The Open311 endpoints the bot uses, in memory, as an ``httpx`` transport for the real client."""

    created: list[dict[str, list[str]]] = field(default_factory=list)   # the form of every order created
    posts: int = 0                                                      # POST /requests.json received
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)                 # idempotency key → order id
    down: bool = False

    def client(self) -> DispatchClient:
        return DispatchClient("http://backend.test", api_key="test-key", retries=0,
                              transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("backend down", request=request)
        path = request.url.path
        if request.method == "GET" and path == "/services.json":
            return httpx.Response(200, json=[{"service_code": "zonghe", "service_name": "12345综合诉求",
                                              "category": "其他/其他/其他诉求", "metadata": False}])
        if request.method == "GET" and (m := re.fullmatch(r"/services/(\w+)\.json", path)):
            return httpx.Response(200, json={"service_code": m.group(1), "attributes": []})
        if request.method == "POST" and path == "/requests.json":
            return self._create(parse_qs(request.content.decode()))
        if request.method == "GET" and (m := re.fullmatch(r"/requests/(\d+)\.json", path)):
            order = self.orders.get(m.group(1))
            return httpx.Response(200, json=[order]) if order else httpx.Response(404, json=[{"code": 404}])
        if request.method == "GET" and path == "/requests.json":
            wanted = {k: v for k, v in request.url.params.items() if k.startswith("channel")}
            return httpx.Response(200, json=[o for o in self.orders.values()
                                             if all(o.get(k) == v for k, v in wanted.items())])
        return httpx.Response(404, json=[{"code": 404, "description": f"{request.method} {path}"}])

    def _create(self, form: dict[str, list[str]]) -> httpx.Response:
        self.posts += 1
        key = form["idempotency_key"][0]
        if key in self.keys:
            return httpx.Response(200, json=[{"service_request_id": self.keys[key], "outcome": "replayed"}])
        self.created.append(form)
        number = f"2026112700{len(self.created):06d}"
        self.keys[key] = number
        now = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone.utc).isoformat()
        self.orders[number] = {
            "service_request_id": number, "status": "open", "service_code": form["service_code"][0],
            "requested_datetime": now, "description": form.get("description", [""])[0],
            "appeal_type": form.get("appeal_type", [None])[0], "workflow_state": "registered",
            "workflow_state_name": "已登记", "channel": form.get("channel", [None])[0],
            "channel_user_id": form.get("channel_user_id", [None])[0]}
        return httpx.Response(200, json=[{"service_request_id": number, "outcome": "created"}])


# ---------------------------------------------------------------------------------------------- the container
def settings_in(tmp_path: Path, **emergency: str) -> Settings:
    """The configuration with every file in ``tmp_path`` and the city's ``emergency`` numbers."""
    return Settings.model_validate({
        "kb": {"feedback_db": str(tmp_path / "feedback.sqlite3")},
        "dispatch": {"url": "http://backend.test", "outbox": str(tmp_path / "outbox.sqlite3")},
        "emergency": {"events_db": str(tmp_path / "events.sqlite3"), **emergency},
        "intake": {"default_city": "北京市"},
    })


@dataclass
class World:
    """The installed services and the doubles under them."""

    services: Services
    kb: InMemoryKnowledgeBase
    backend: InMemoryBackend


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    kb, backend, taxonomy = InMemoryKnowledgeBase(), InMemoryBackend(), load_taxonomy()
    services = build_services(settings_in(tmp_path, gas="96777"), knowledge_base=kb,  # type: ignore[arg-type]
                              dispatch_client=backend.client(), taxonomy=taxonomy,
                              classifier=KeywordClassifier(taxonomy),  # type: ignore[arg-type]
                              emergency_recogniser=assess_emergency, start_outbox=False,
                              handoff_desk=HandoffDesk(None, lambda: ServiceHours.parse("")))  # no console
    with installed(services):
        yield World(services, kb, backend)
    services.outbox.close()


# ---------------------------------------------------------------------------------------------- a conversation
@dataclass
class Turn:
    """What one action did: the messages it sent and the events it returned."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.messages if m.get("text"))

    @property
    def decision(self) -> str | None:
        """The decision the turn announced last (docs/decisions.md)."""
        found = [m["custom"]["rexian"]["decision"] for m in self.messages if (m.get("custom") or {}).get("rexian")]
        return found[-1] if found else None

    def slot(self, name: str) -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e.get("name") == name]
        assert values, f"no SlotSet({name!r}) in {self.events}"
        return values[-1]

    def followups(self) -> list[str]:
        return [e["name"] for e in self.events if e.get("event") == "followup"]


@dataclass
class Conversation:
    """One citizen's conversation: slots carried from turn to turn as Rasa would set them."""

    sender: str = "web:citizen-1"
    slots: dict[str, Any] = field(default_factory=dict)

    def tracker(self, text: str, intent: str | None = None, confidence: float = 0.0) -> Tracker:
        message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": [],
                   "metadata": {}}
        events = [{"event": "user", "text": text, "parse_data": message, "input_channel": "rest"}]
        return Tracker(self.sender, dict(self.slots), message, events, False, None, {}, "action_listen")

    def run(self, action: Action, text: str, intent: str | None = None, confidence: float = 0.0) -> Turn:
        dispatcher = CollectingDispatcher()
        events = action.run(dispatcher, self.tracker(text, intent, confidence), {})
        as_dicts = [dict(e) for e in events]
        for event in as_dicts:
            if event.get("event") == "slot":
                self.slots[event["name"]] = json.loads(json.dumps(event["value"]))  # as the slot store keeps it
        return Turn(list(dispatcher.messages), as_dicts)

    def in_form(self, action: Action, text: str) -> Turn:
        """A message while the intake form is active: Rasa's form loop has asked for its one slot, which takes the
        message, and runs the validate action."""
        self.slots.update(requested_slot="intake_reply", intake_reply=text)
        return self.run(action, text)

    @property
    def form_active(self) -> bool:
        return self.slots.get("requested_slot") is not None and self.slots.get("intake_state") is not None



