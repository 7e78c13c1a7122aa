"""``python -m bot.rasa_main`` (Rasa's CLI with the action server's answer checked by a validator built once) checks
exactly what Rasa checks: a valid answer passes, invalid ones raise Rasa's ``ValidationError`` with its hint, and
the meta-schema check runs once, not on every turn. Run in Rasa's own environment, as the launcher runs it."""
from __future__ import annotations

import json
import subprocess

from configuration import PROJECT_ROOT
from rexian.stack import rasa_command, rasa_env, rasa_venv

PROBE = r"""
import json
from unittest import mock
import jsonschema.validators
from bot.rasa_main import install
install()
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

action = RemoteAction("action_respond", EndpointConfig("http://127.0.0.1:9/webhook"))
valid = {"events": [{"event": "slot", "name": "kb_last_entry", "value": "x"},
                    {"event": "bot", "text": "您好", "data": {"custom": {"rexian": {"decision": "answer"}}}}],
         "responses": [{"text": "您好"}]}
out = {"valid": [], "invalid": []}
checks = []
real_check = jsonschema.validators.Draft202012Validator.check_schema
with mock.patch.object(jsonschema.validators.Draft202012Validator, "check_schema",
                       side_effect=lambda schema: checks.append(1) or real_check(schema)):
    for _ in range(5):
        out["valid"].append(action._validate_action_result(valid))
for bad in ({"events": [{"event": "no-such-event"}]}, {"events": "x"}, {"events": [], "responses": "x"}):
    try:
        action._validate_action_result(bad)
        out["invalid"].append("accepted")
    except Exception as error:
        out["invalid"].append(type(error).__name__ + ": " + str(error).split(". Failed")[0][:60]
                              + ("|hint" if "Failed to validate Action server response" in str(error) else ""))
out["meta_schema_checks"] = len(checks)
print(json.dumps(out, ensure_ascii=False))
"""


def test_the_action_answer_is_validated_like_rasa_does_with_the_schema_checked_once() -> None:
    done = subprocess.run([str(rasa_venv() / "bin" / "python"), "-c", PROBE], cwd=PROJECT_ROOT, env=rasa_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["valid"] == [True] * 5
    assert len(result["invalid"]) == 3
    assert all(item.startswith("ValidationError") and item.endswith("|hint") for item in result["invalid"]), result
    assert result["meta_schema_checks"] == 1  # the schema is checked once, when the validator is built, not per turn


def test_the_launcher_runs_rasa_through_it() -> None:
    command = rasa_command("--version")
    assert command[1:3] == ["-m", "bot.rasa_main"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3.6.21" in done.stdout
