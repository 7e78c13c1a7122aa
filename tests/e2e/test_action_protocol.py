"""Rasa 3.6's own RemoteAction (in the Python 3.10 Rasa environment) calls our rasa-sdk action server (Python 3.11).

rasa-sdk 3.6.x does not install on Python 3.11, so the action server runs a newer rasa-sdk. This test proves the
two speak the same action protocol: Rasa validates the response against its JSON schema and turns it into events.
"""
from __future__ import annotations

import json
import subprocess

from configuration import PROJECT_ROOT
from rexian.stack import Stack, rasa_env, rasa_venv

PROBE = r"""
import asyncio, json, sys
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

url, text = sys.argv[1], sys.argv[2]
domain = Domain.load("bot/domain.yml")
tracker = DialogueStateTracker.from_events(
    "protocol-probe",
    [ActionExecuted("action_listen"), UserUttered(text, intent={"name": "consult", "confidence": 1.0})],
    slots=domain.slots,
)
action = RemoteAction("action_respond", EndpointConfig(url))
output = CollectingOutputChannel()
events = asyncio.run(action.run(output, TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain))
print(json.dumps({"events": [e.as_dict() for e in events], "messages": output.messages}, ensure_ascii=False))
"""


def test_rasa_36_remote_action_understands_our_action_server(stack: Stack) -> None:
    actions = stack.settings.actions
    url = f"http://{actions.host}:{actions.port}/webhook"
    done = subprocess.run(
        [str(rasa_venv() / "bin" / "python"), "-c", PROBE, url, "办理居住证需要满足什么条件"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    kinds = [e["event"] for e in result["events"]]
    assert "bot" in kinds, kinds
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots.get("kb_last_entry"), slots
    bot_texts = [e["text"] for e in result["events"] if e["event"] == "bot"]
    assert any("居住证" in t for t in bot_texts)
    buttons = [b["title"] for e in result["events"] if e["event"] == "bot" for b in (e["data"].get("buttons") or [])]
    assert "有帮助" in buttons
    customs = [e["data"].get("custom") for e in result["events"] if e["event"] == "bot" and e["data"].get("custom")]
    assert customs and customs[-1]["rexian"]["decision"] == "answer", customs
