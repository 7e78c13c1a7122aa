"""Citizens on Rasa's REST channel, for Locust (run by benchmarks/load_test.py and benchmarks/cluster_faults.py).

Each simulated citizen is one conversation (its own sender id) and writes a message every ``--pause-min`` to
``--pause-max`` seconds (3–7 s, 5 s on average), counted from their previous message as people read a reply and type
the next one: "100 citizens each writing every 5 s" offers 20 turns/s whatever the bot's speed; a citizen whose reply
took longer than that writes again as soon as it arrives. What a citizen does, by weight:

* a consultation: one question of the seed knowledge base (its question or one of the ways citizens ask it), now
  and then a follow-up (材料、地点、时间) and a thank-you;
* a complaint with the fields in the first message, the form's questions answered, then 确认.

Every message is one Locust request named after its kind (``consult``, ``follow-up``, ``complaint``, ``form``,
``confirm``); a reply without any text is a failure. With ``--ledger FILE`` each complaint appends one JSON line
(sender, confirmed, the number the bot gave) so a fault run can count the orders expected against those created.

Locust monkey-patches the standard library with gevent: this file is only ever loaded by the ``locust`` command in
its own process, never imported by the project or its tests.
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from pathlib import Path

import yaml
from locust import HttpUser, between, events, task

SEED_DIR = Path(__file__).resolve().parents[2] / "knowledge_base" / "seed"
FOLLOW_UPS = ["那需要带什么材料？", "在哪里办理？", "大概要多长时间？", "可以网上办吗？"]
THANKS = ["谢谢", "好的，谢谢", "明白了"]
PLACES = ["朝阳区建国路{n}号", "海淀区中关村大街{n}号", "东城区和平里北街{n}号", "西城区西直门外大街{n}号"]
PROBLEMS = ["楼下的烧烤店每天晚上吵到凌晨两点", "小区门口的路灯坏了一个星期", "路边有人占道经营摆摊",
            "工地夜间施工噪音很大"]
SURNAMES = "王李张刘陈杨赵黄周吴"
# The form's questions (recognised by words of the question) and a citizen's answer.
FORM_ANSWERS = [
    ("哪一类", "1"), ("投诉举报、求助", "投诉举报"), ("发生在哪里", "朝阳区建国路88号"), ("涉及具体地点", "无"),
    ("什么时候", "昨天晚上十点"), ("怎么称呼", "王女士"), ("联系电话", "13812345678"), ("需要我们回访", "是"),
    ("保密", "否"), ("具体说一下", "小区门口的路灯坏了一个星期，晚上很黑容易摔倒"),
]
REFERENCE = re.compile(r"(?:工单号|受理号)[：:]\s*([0-9A-Z-]+)")
_ledger_lock = threading.Lock()


@events.init_command_line_parser.add_listener
def _options(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--pause-min", type=float, default=3.0, help="shortest pause between a citizen's messages (s)")
    parser.add_argument("--pause-max", type=float, default=7.0, help="longest pause (s)")
    parser.add_argument("--complaint-weight", type=int, default=1, help="complaints per --consult-weight consultations")
    parser.add_argument("--consult-weight", type=int, default=3)
    parser.add_argument("--ledger", default="", help="append one JSON line per complaint to this file")
    parser.add_argument("--sender-prefix", default="load", help="sender ids start with this (one run's citizens)")


def seed_questions() -> list[str]:
    questions: list[str] = []
    for path in sorted(SEED_DIR.glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries", []):
            questions.append(entry["question"])
            questions.extend(entry.get("similar_questions") or [])
    return questions


QUESTIONS = seed_questions()


class Citizen(HttpUser):
    """One person writing to the hotline's chat; ``host`` is the Rasa server or the balancer in front of Rasa."""

    def wait_time(self) -> float:
        options = self.environment.parsed_options
        interval = between(options.pause_min, options.pause_max)(self)
        return max(0.0, interval - (time.monotonic() - self.sent_at))  # from the previous message, not the reply

    def on_start(self) -> None:
        self.options = self.environment.parsed_options
        self.sent_at = time.monotonic()

    def _new_sender(self) -> str:
        self.sender = f"{self.options.sender_prefix}-{uuid.uuid4().hex[:16]}"
        return self.sender

    def say(self, message: str, name: str) -> str | None:
        """One turn; the bot's text, or None when the turn failed (then recorded as a failure)."""
        self.sent_at = time.monotonic()
        with self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": message},
                              name=name, catch_response=True, timeout=60) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            try:
                text = "\n".join(m.get("text", "") for m in response.json() if m.get("text"))
            except ValueError:
                response.failure("not JSON")
                return None
            if not text:
                response.failure("no reply")
                return None
            response.success()
            return text

    def pause(self) -> None:
        self.wait()

    @task(3)
    def consultation(self) -> None:
        self._new_sender()
        if self.say(random.choice(QUESTIONS), "consult") is None:
            return
        if random.random() < 0.6:
            self.pause()
            if self.say(random.choice(FOLLOW_UPS), "follow-up") is None:
                return
        if random.random() < 0.5:
            self.pause()
            self.say(random.choice(THANKS), "follow-up")

    @task(1)
    def complaint(self) -> None:
        self._new_sender()
        place = random.choice(PLACES).format(n=random.randint(1, 200))
        first = (f"我要投诉，{place}{random.choice(PROBLEMS)}，从上周开始的，我姓{random.choice(SURNAMES)}，"
                 f"电话138{random.randint(10000000, 99999999)}")
        reply = self.say(first, "complaint")
        confirmed, reference = False, None
        for _ in range(10):
            if reply is None:
                break
            self.pause()
            if "请核对" in reply:
                done = self.say("确认", "confirm")
                match = REFERENCE.search(done or "")
                confirmed, reference = match is not None, match.group(1) if match else None
                break
            answer = next((a for marker, a in FORM_ANSWERS if marker in reply), None)
            if answer is None:
                break  # a reply the script does not know: the citizen gives up (the turn itself was answered)
            reply = self.say(answer, "form")
        self._record(confirmed, reference)

    def _record(self, confirmed: bool, reference: str | None) -> None:
        if not self.options.ledger:
            return
        line = json.dumps({"sender": self.sender, "confirmed": confirmed, "reference": reference}, ensure_ascii=False)
        with _ledger_lock, open(self.options.ledger, "a", encoding="utf-8") as ledger:
            ledger.write(line + "\n")


@events.test_start.add_listener
def _weights(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    """Apply ``--consult-weight``/``--complaint-weight`` to the citizen's tasks."""
    options = environment.parsed_options
    if options is None:
        return
    Citizen.tasks = ([Citizen.consultation] * max(0, options.consult_weight)
                     + [Citizen.complaint] * max(0, options.complaint_weight))
