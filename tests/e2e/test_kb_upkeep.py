"""Knowledge upkeep on the real stack: a citizen asks a question the seed KB cannot answer and it is logged; an agent
drafts an entry for it in the console (an account made with the console's CLI, logged in over HTTP with its CSRF
token); without any restart, the bot answers the same question for the next citizen.

The stack is the session's (tests/e2e/harness.py: a private upkeep overlay and a copy of the KB index), so the
agent's entry never reaches the project's ``var/``.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

from configuration import PROJECT_ROOT
from rexian.stack import Stack
from tests.console_harness import login, post
from tests.e2e.harness import WebChat

pytestmark = pytest.mark.e2e

PASSWORD = "upkeep e2e password 2026"
QUESTION = "养犬登记证在哪里办理？"
ANSWER = "养犬登记可到居住地派出所或公安机关指定的犬类管理窗口办理，需携带身份证、犬只免疫证明和犬只照片。"


@pytest.fixture(scope="module")
def upkept_stack(stack: Stack) -> Stack:
    """The session's stack (its own KB index copy and upkeep overlay, tests/e2e/harness.py) with an agent account."""
    made = subprocess.run([sys.executable, "-m", "agent_console", "users", "add", "upkeep_wang", "--role", "agent",
                           "--display-name", "王芳"], input=PASSWORD + "\n", cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ))
    assert made.returncode == 0, made.stderr
    return stack


def citizen(stack: Stack) -> WebChat:
    s = stack.settings.webchat
    return WebChat(f"http://{s.host}:{s.port}", f"web:{uuid.uuid4().hex}")


def logged(stack: Stack, question: str) -> bool:
    with sqlite3.connect(stack.settings.kb.feedback_db) as db:
        return db.execute("SELECT COUNT(*) FROM unanswered WHERE query = ?", (question,)).fetchone()[0] > 0


def test_the_bot_answers_a_question_an_agent_drafted_without_a_restart(upkept_stack: Stack) -> None:
    first = citizen(upkept_stack).say(QUESTION)
    assert ANSWER not in first
    assert logged(upkept_stack, QUESTION), f"not logged as unanswered; the bot said: {first}"

    client, csrf = login(upkept_stack.settings.console.url, "upkeep_wang", PASSWORD)
    group = next(g for g in client.get("/api/knowledge/groups").json()["groups"]
                 if any(m["text"] == QUESTION for m in g["members"]))
    drafted = post(client, csrf, "/api/knowledge/draft", {"items": group["items"], "entry": {
        "question": QUESTION, "similar_questions": "狗证在哪办\n办狗证去哪里", "answer": ANSWER,
        "category": "养犬管理", "department": "公安局", "source": "坐席整理"}})
    assert drafted.status_code == 200, drafted.text

    deadline = time.monotonic() + 120  # the action server's KB looks every 2 s and embeds the new sentences
    reply = ""
    while time.monotonic() < deadline and ANSWER not in reply:
        reply = citizen(upkept_stack).say(QUESTION)
        if ANSWER not in reply:
            time.sleep(1)
    assert ANSWER in reply, f"the bot did not serve the drafted entry; it said: {reply}"
