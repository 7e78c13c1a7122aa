"""The web chat during a human handoff: the page's reply says whether an agent has the conversation (from the bot's
decision, never shown), and the page (static/chat.js, run in Node with a minimal fake DOM) fetches pushed agent
replies every 2.5 s while one has it, every 15 s otherwise."""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from connectors.webchat.app import STATIC_DIR, create_app, handoff_open
from tests.fakes.servers import ThreadedServer

SENDER = "web:abcdef0123456789"


def decision(name: str, handoff: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"recipient_id": SENDER, "custom": {"rexian": {"decision": name, "entry_ids": [], "emergency": None,
                                                          "appeal_type": None, "understanding": None,
                                                          "handoff": handoff}}}


QUEUED = {"reason": "citizen_request", "outcome": "queued", "open": True, "state": "waiting", "position": 1,
          "agents_online": 1}
OFF_HOURS = {"reason": "citizen_request", "outcome": "off_hours", "open": False, "state": None, "position": None,
             "agents_online": None}
SCRIPT: dict[str, list[dict[str, Any]]] = {
    "转人工": [{"recipient_id": SENDER, "text": "好的，已为您转接人工话务员，您现在排在第1位。"}, decision("handoff", QUEUED)],
    "还在吗": [decision("handoff", {**QUEUED, "outcome": "relayed", "reason": None})],
    "晚上转人工": [{"recipient_id": SENDER, "text": "抱歉，现在不在人工在线服务时间。"}, decision("handoff", OFF_HOURS)],
    "居住证怎么办理": [{"recipient_id": SENDER, "text": "【居住证】…", "buttons": [{"title": "有帮助", "payload": "/helpful"}]},
                 decision("answer")],
    "旧版机器人": [{"recipient_id": SENDER, "text": "好的"}],
}


@pytest.fixture(scope="module")
def rasa() -> Iterator[str]:
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict[str, Any]]:
        return SCRIPT[(await request.json())["message"]]

    server = ThreadedServer(app)
    server.start()
    yield server.url
    server.stop()


def test_the_reply_says_whether_an_agent_has_the_conversation_and_hides_the_decision(rasa: str,
                                                                                     tmp_path: Path) -> None:
    page = TestClient(create_app(rasa, push_db=tmp_path / "push.sqlite3"))

    def send(text: str) -> dict[str, Any]:
        answer = page.post("/api/messages", json={"sender_id": SENDER, "text": text})
        assert answer.status_code == 200
        return answer.json()

    queued = send("转人工")
    assert queued["handoff"] is True and [m["text"] for m in queued["messages"]] == [SCRIPT["转人工"][0]["text"]]
    silent = send("还在吗")  # relayed to the agent: nothing to show, not even an empty bubble
    assert silent == {"messages": [], "handoff": True}
    assert send("晚上转人工")["handoff"] is False
    answered = send("居住证怎么办理")
    assert answered["handoff"] is False and answered["messages"][0]["buttons"][0]["title"] == "有帮助"
    assert send("旧版机器人")["handoff"] is None  # no decision: the page keeps what it knew


def test_handoff_open_reads_the_last_decision() -> None:
    assert handoff_open([decision("handoff", QUEUED), decision("answer")]) is False
    assert handoff_open([decision("answer"), decision("emergency", QUEUED)]) is True
    assert handoff_open([{"text": "好的"}]) is None


# ------------------------------------------------------------------------------------------------ the page
PAGE_HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const delays = [];
const store = Object.assign({}, input.storage);
function element(id) {
  return { id: id, hidden: id === "status", value: "", children: [], textContent: "", className: "",
    listeners: {}, scrollTop: 0, scrollHeight: 0,
    addEventListener(name, fn) { this.listeners[name] = fn; },
    appendChild(child) { this.children.push(child); }, remove() {}, focus() {},
    querySelectorAll() { return []; }, set innerHTML(v) { this.children = []; } };
}
const elements = {};
const document = {
  hidden: false,
  getElementById(id) { return elements[id] || (elements[id] = element(id)); },
  createElement(tag) { return element(tag); },
  addEventListener() {},
};
const replies = input.replies.slice();
const sent = [];
let failures = input.fail_sends || 0;
const context = {
  window: {}, document: document, console: console, JSON: JSON, Date: Date, Math: Math, String: String,
  parseInt: parseInt, Promise: Promise, encodeURIComponent: encodeURIComponent,
  localStorage: { getItem(k) { return k in store ? store[k] : null; }, setItem(k, v) { store[k] = String(v); } },
  crypto: { randomUUID() { return "0123456789abcdef0123456789abcdef"; } },
  setTimeout(fn, ms) { delays.push(ms); return delays.length; }, clearTimeout() {},
  fetch(url, options) {
    if (url.indexOf("/api/messages") === 0) {
      sent.push(JSON.parse(options.body));
      if (failures > 0) { failures -= 1; return Promise.reject(new Error("network down")); }
    }
    const body = url.indexOf("/api/messages") === 0 ? replies.shift() : { messages: [] };
    return Promise.resolve({ ok: true, json() { return Promise.resolve(body); } });
  },
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(input.script, "utf8"), context);
const steps = [];
async function run() {
  steps.push({ delay: delays[delays.length - 1], status: elements.status.hidden });
  for (const text of input.say) {
    elements.input.value = text;
    elements.composer.listeners.submit({ preventDefault() {} });
    for (let i = 0; i < 10; i++) { await Promise.resolve(); }
    steps.push({ delay: delays[delays.length - 1], status: elements.status.hidden });
  }
  process.stdout.write(JSON.stringify({ steps: steps, storage: store, sent: sent }));
}
run();
"""


def run_page(replies: list[dict[str, Any]], storage: dict[str, str] | None = None, fail_sends: int = 0) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    data = {"script": str(STATIC_DIR / "chat.js"), "replies": replies, "say": ["x"] * len(replies),
            "storage": storage or {}, "fail_sends": fail_sends}
    done = subprocess.run([node, "-e", PAGE_HARNESS], input=json.dumps(data), capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_page_polls_fast_while_an_agent_has_the_conversation() -> None:
    page = run_page([{"messages": [{"text": "排在第1位", "buttons": []}], "handoff": True},
                     {"messages": [], "handoff": True},
                     {"messages": [], "handoff": None},
                     {"messages": [{"text": "【居住证】", "buttons": []}], "handoff": False}])
    delays = [step["delay"] for step in page["steps"]]
    assert delays == [15000, 2500, 2500, 2500, 15000]
    assert [step["status"] for step in page["steps"]] == [True, False, False, False, True]  # "人工服务中" shown
    assert page["storage"]["rexian.handoffUntil"] == "0"


def test_a_reload_during_the_handoff_keeps_polling_fast() -> None:
    first = run_page([{"messages": [], "handoff": True}])
    again = run_page([], storage=first["storage"])
    assert again["steps"][0]["delay"] == 2500 and again["steps"][0]["status"] is False


def test_a_message_lost_on_the_network_is_sent_once_more_with_the_same_id() -> None:
    page = run_page([{"messages": [{"text": "【居住证】", "buttons": []}], "handoff": False},
                     {"messages": [{"text": "好的", "buttons": []}], "handoff": False}], fail_sends=1)
    first, retry, second = page["sent"]
    assert first["text"] == retry["text"] == "x" and first["message_id"] == retry["message_id"]
    assert len(first["message_id"]) >= 16 and second["message_id"] != first["message_id"]  # one id per message
