"""Dialogue evaluation (``rexian eval dialogues``): case validation, reading replies, every metric, the player and
the command against a tiny local fake of Rasa's REST channel."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rexian.cli import main
from rexian.dialogue_eval import (
    BotUnreachable,
    Case,
    CaseResult,
    DialogueFileError,
    RestPlayer,
    TurnFailed,
    TurnOutcome,
    format_failures,
    format_report,
    load_cases,
    parse_cases,
    play_case,
    play_cases,
    read_outcome,
    score,
    turn_failures,
)

# ------------------------------------------------------------------------------------------------------ helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def case(case_id: str, group: str, *turns: dict[str, Any], smoke: bool = False) -> Case:
    return Case.model_validate({"id": case_id, "group": group, "smoke": smoke, "turns": list(turns)})


def got(decision: str, *entry_ids: str, text: str = "", emergency: str | None = None,
        appeal_type: str | None = None) -> TurnOutcome:
    return TurnOutcome(decision=decision, entry_ids=entry_ids, text=text, emergency=emergency, appeal_type=appeal_type)


def result(c: Case, *outcomes: TurnOutcome) -> CaseResult:
    return CaseResult(case=c, outcomes=outcomes)


def payload(decision: str, entry_ids: list[str] | None = None, emergency: str | None = None,
            appeal_type: str | None = None) -> dict[str, Any]:
    return {"recipient_id": "x", "custom": {"rexian": {
        "decision": decision, "entry_ids": entry_ids or [], "emergency": emergency, "appeal_type": appeal_type,
        "understanding": {}}}}


def text(t: str) -> dict[str, Any]:
    return {"recipient_id": "x", "text": t}


# ---------------------------------------------------------------------------------------------- reading replies


def test_the_last_payload_is_the_decision_and_texts_are_joined() -> None:
    outcome = read_outcome([
        text("请稍等"), payload("form"), text("您是不是想问："), {"recipient_id": "x", "buttons": []},
        payload("did_you_mean", ["a", "b"]), text("1. 居住证"),
    ])
    assert outcome == TurnOutcome(decision="did_you_mean", entry_ids=("a", "b"), text="请稍等\n您是不是想问：\n1. 居住证")


def test_no_payload_is_other_and_foreign_custom_messages_are_ignored() -> None:
    assert read_outcome([text("你好"), {"custom": {"something": 1}}]) == TurnOutcome(decision="other", text="你好")
    assert read_outcome([]).decision == "other"
    emergency = read_outcome([payload("emergency", emergency="fire"), text("请立即拨打119")])
    assert (emergency.decision, emergency.emergency, emergency.entry_ids) == ("emergency", "fire", ())


# --------------------------------------------------------------------------------------------------- the metrics


FIRE = {"say": "我家楼道着火了！", "expect": "emergency", "numbers": ["119"]}
GAS = {"say": "厨房一股煤气味", "expect": "emergency"}
PAST_FIRE = {"say": "去年小区着过一次火，现在消防通道又堵了", "expect": ["intake", "ask_type"]}


def test_emergency_recall_counts_a_missed_emergency_and_a_missing_number() -> None:
    report = score([
        result(case("fire", "emergency", FIRE), got("emergency", text="请立即拨打119")),
        result(case("fire-no-number", "emergency", FIRE), got("emergency", text="请立即拨打110")),
        result(case("gas-missed", "emergency", GAS), got("answer", "ranqi-001")),
        result(case("gas", "emergency", GAS), got("emergency", emergency="gas")),
    ])
    assert report.metrics["emergency_recall"].hits == 2 and report.metrics["emergency_recall"].total == 4
    assert report.value("emergency_recall") == 0.5
    assert report.value("emergency_false_alarm") is None  # no turn that should not be an emergency
    assert report.value("overall") == 0.5
    failing = {f.case_id: f for f in report.failures}
    assert set(failing) == {"fire-no-number", "gas-missed"}
    assert "119" in failing["fire-no-number"].reasons[0]
    assert failing["gas-missed"].got == "answer [ranqi-001]"


def test_numbers_match_whole_numbers_only() -> None:
    turn = case("c", "emergency", {"say": "有人落水了", "expect": "emergency", "numbers": ["110", "120"]}).turns[0]
    assert turn_failures(turn, got("emergency", text="请拨打110和120")) == []
    assert turn_failures(turn, got("emergency", text="请拨打110、1200")) == ["number(s) missing from the reply: 120"]


def test_false_alarm_is_emergency_on_a_turn_not_expecting_it() -> None:
    report = score([
        result(case("past-fire", "non_emergency", PAST_FIRE), got("emergency", emergency="fire", text="119")),
        result(case("past-fire-2", "non_emergency", PAST_FIRE), got("intake", appeal_type="投诉举报")),
        result(case("fire", "emergency", FIRE), got("emergency", text="119")),
        result(case("hello", "smalltalk", {"say": "你好", "expect": "smalltalk"}), got("smalltalk")),
    ])
    assert report.value("emergency_false_alarm") == pytest.approx(1 / 3)
    assert report.value("emergency_recall") == 1.0
    assert [f.case_id for f in report.failures] == ["past-fire"]


CONSULT = {"say": "居住证怎么办理？", "expect": ["answer", "did_you_mean"], "entry": "juzhuzheng-001"}


def test_consult_answered_or_choice_and_direct_answer() -> None:
    report = score([
        result(case("answered", "consult", CONSULT), got("answer", "juzhuzheng-001")),
        result(case("offered", "consult", CONSULT), got("did_you_mean", "hukou-003", "juzhuzheng-001")),
        result(case("not-offered", "consult", CONSULT), got("did_you_mean", "hukou-003", "hukou-004")),
        result(case("wrong-answer", "consult", CONSULT), got("answer", "hukou-003", "juzhuzheng-001")),
        result(case("no-match", "consult", CONSULT), got("no_match", "juzhuzheng-001")),
    ])
    assert report.value("consult_answered_or_choice") == 0.4
    assert report.value("consult_direct_answer") == 0.2
    assert report.metrics["consult_direct_answer"].total == 5
    assert [f.case_id for f in report.failures] == ["not-offered", "wrong-answer", "no-match"]
    assert report.failures[1].reasons == ("answered hukou-003, not juzhuzheng-001",)


def test_consult_metrics_only_count_turns_with_an_entry_and_answer_expected() -> None:
    dym_only = case("dym", "consult", {"say": "补办", "expect": "did_you_mean", "entry": "a"})
    no_entry = case("no-entry", "consult_missing", {"say": "无人机怎么申请", "expect": ["answer", "no_match"]})
    report = score([result(dym_only, got("did_you_mean", "a")), result(no_entry, got("no_match"))])
    assert report.value("consult_answered_or_choice") is None and report.value("consult_direct_answer") is None
    assert report.value("overall") == 1.0


def test_entry_any() -> None:
    turn = case("c", "consult", {"say": "社保卡丢了", "expect": ["answer", "did_you_mean"],
                                 "entry_any": ["shebao-002", "shebao-007"]}).turns[0]
    assert turn_failures(turn, got("answer", "shebao-007")) == []
    assert turn_failures(turn, got("did_you_mean", "x", "shebao-002")) == []
    assert turn_failures(turn, got("answer", "x", "shebao-002")) == ["answered x, not shebao-002 | shebao-007"]
    assert turn_failures(turn, got("did_you_mean", "x")) == ["did-you-mean does not offer shebao-002 | shebao-007"]
    report = score([result(case("c", "consult", turn.model_dump(by_alias=True)), got("answer", "shebao-002"))])
    assert report.value("consult_direct_answer") == 1.0


def test_wrong_form_rate_and_the_appeal_type() -> None:
    question = {"say": "孩子上学要准备什么材料？楼下一直施工很吵", "expect": ["answer", "did_you_mean", "no_match"]}
    complaint = {"say": "楼下饭店油烟太大了", "expect": ["intake", "ask_type"], "appeal": "投诉举报"}
    report = score([
        result(case("q1", "question_with_problem", question), got("intake", appeal_type="投诉举报")),
        result(case("q2", "question_with_problem", question), got("no_match")),
        result(case("c1", "complaint", complaint), got("intake", appeal_type="投诉举报")),
        result(case("c2", "complaint", complaint), got("intake", appeal_type="求助")),
        result(case("c3", "complaint", complaint), got("ask_type")),
    ])
    assert report.value("wrong_form_rate") == 0.5  # of q1 and q2; the complaint turns expect intake
    assert [f.case_id for f in report.failures] == ["q1", "c2"]
    assert report.failures[1].reasons == ("appeal type 求助, not 投诉举报",)


def test_not_forbids_decisions_and_alone_accepts_anything_else() -> None:
    look_alike = case("c", "non_emergency", {"say": "我上周被火烫伤了，现在好了", "not": ["emergency"]}).turns[0]
    assert turn_failures(look_alike, got("smalltalk")) == []
    assert turn_failures(look_alike, got("no_match")) == []
    assert turn_failures(look_alike, got("emergency")) == ["forbidden decision emergency"]
    both = case("d", "consult", {"say": "居住证", "expect": ["answer", "did_you_mean"], "not": "intake"}).turns[0]
    assert turn_failures(both, got("intake")) == ["forbidden decision intake"]
    assert turn_failures(both, got("handoff")) == ["decision handoff not in [answer, did_you_mean]"]
    # A turn with only `not` counts towards the false-alarm and wrong-form rates, not towards recall.
    report = score([result(case("c", "non_emergency", look_alike.model_dump(by_alias=True)), got("intake"))])
    assert report.metrics["emergency_recall"].total == 0
    assert report.value("emergency_false_alarm") == 0.0 and report.value("wrong_form_rate") == 1.0


def test_text_contains() -> None:
    turn = case("c", "handoff", {"say": "转人工", "expect": "handoff", "text_contains": ["人工", "稍候"]}).turns[0]
    assert turn_failures(turn, got("handoff", text="正在为您转接人工客服，请稍候")) == []
    assert turn_failures(turn, got("handoff", text="正在为您转接人工客服")) == ["text missing from the reply: 稍候"]


def test_a_case_passes_only_when_every_turn_passes_and_group_accuracy() -> None:
    followup = case("f", "consult_followup", CONSULT,
                    {"say": "那需要带什么材料？", "expect": ["answer", "did_you_mean"], "entry": "juzhuzheng-002"})
    report = score([
        result(followup, got("answer", "juzhuzheng-001"), got("answer", "juzhuzheng-002")),
        result(followup, got("answer", "juzhuzheng-001"), got("no_match")),
        result(case("fire", "emergency", FIRE), got("emergency", text="119")),
        result(case("hi", "smalltalk", {"say": "你好", "expect": "smalltalk"}), got("smalltalk")),
        result(case("hi2", "smalltalk", {"say": "谢谢", "expect": "smalltalk"}), got("other")),
    ])
    assert (report.cases, report.turns) == (5, 7)
    assert report.value("overall") == 0.6
    assert report.value("group.consult_followup") == 0.5
    assert list(report.groups) == ["emergency", "consult_followup", "smalltalk"]  # the documented group order
    assert format_report(report).splitlines() == [
        "cases 5",
        "turns 7",
        "overall 0.600",
        "emergency_recall 1.000",
        "emergency_false_alarm 0.000",
        "consult_answered_or_choice 0.750",
        "consult_direct_answer 0.750",
        "wrong_form_rate 0.000",
        "group.emergency 1.000 (1/1)",
        "group.consult_followup 0.500 (1/2)",
        "group.smalltalk 0.500 (1/2)",
    ]
    assert report.failures[0].index == 1 and report.failures[0].said == "那需要带什么材料？"


def test_an_empty_run_prints_counts_and_na() -> None:
    lines = format_report(score([])).splitlines()
    assert lines[:3] == ["cases 0", "turns 0", "overall n/a"]


def test_failures_listing_is_limited_and_clips_the_reply() -> None:
    report = score([
        result(case(f"c{i}", "smalltalk", {"say": "你好", "expect": "smalltalk"}), got("no_match", text="很抱歉" * 40))
        for i in range(3)
    ])
    listing = format_failures(report.failures, 2)
    assert listing.count("FAIL ") == 2 and "1 more failing turn" in listing
    assert "FAIL c0 turn 1 (smalltalk)" in listing and "expected: smalltalk" in listing
    assert "got:      no_match" in listing
    reply_line = next(line for line in listing.splitlines() if line.startswith("  reply:"))
    assert reply_line == "  reply:    " + ("很抱歉" * 40)[:80] + "…"


# ---------------------------------------------------------------------------------------------------- validation


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cases.yml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """\
cases:
  - id: emergency-fire-01
    group: emergency
    smoke: true
    turns:
      - say: "我家楼道着火了！"
        expect: emergency
        numbers: ["119"]
  - id: consult-followup-01
    group: consult_followup
    turns:
      - say: "居住证怎么办理？"
        expect: [answer, did_you_mean]
        entry: juzhuzheng-001
      - say: "那需要带什么材料？"
        expect: [answer, did_you_mean]
        entry: juzhuzheng-002
  - id: complaint-noise-01
    group: complaint
    turns:
      - say: "楼下饭店油烟太大了，天天熏得开不了窗"
        expect: [intake, ask_type]
        appeal: 投诉举报
        not: [emergency]
"""


def test_the_documented_example_loads(tmp_path: Path) -> None:
    cases = load_cases(write(tmp_path, GOOD))
    assert [c.id for c in cases] == ["emergency-fire-01", "consult-followup-01", "complaint-noise-01"]
    assert cases[0].smoke and not cases[1].smoke
    assert cases[0].turns[0].expect == ("emergency",) and cases[0].turns[0].numbers == ("119",)
    assert cases[2].turns[0].not_ == ("emergency",) and cases[2].turns[0].appeal == "投诉举报"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("cases:\n  - {id: a, group: consult, turns: [{say: x, expect: anwser}]}\n",
         "case 'a' cases[0].turns[0].expect: unknown decision 'anwser'"),
        ("cases:\n  - {id: a, group: consult, turns: [{say: x, expect: answer, not: [maybe]}]}\n",
         "unknown decision 'maybe'"),
        ("cases:\n  - {id: a, group: consult, turns: [{say: x, expect: answer, entyr: e}]}\n",
         "case 'a' cases[0].turns[0].entyr: unknown key 'entyr'"),
        ("cases:\n  - {id: a, group: consult, smoke: true, tags: [x], turns: [{say: x, expect: answer}]}\n",
         "cases[0].tags: unknown key 'tags'"),
        ("cases:\n  - {id: a, group: consult, turns: [{say: x, expect: answer}]}\n"
         "  - {id: a, group: consult, turns: [{say: y, expect: answer}]}\n",
         "duplicate case id(s): a"),
        ("cases:\n  - {id: a, group: consultation, turns: [{say: x, expect: answer}]}\n",
         "unknown group 'consultation'"),
        ("cases:\n  - {id: a, group: emergency, turns: [{say: 110, expect: emergency}]}\n", "quote it"),
        ("cases:\n  - {id: a, group: consult, turns: [{say: x, expect: answer, not: answer}]}\n",
         "both expected and forbidden: answer"),
        ("cases:\n  - {id: a, group: consult, turns: [{say: x, expect: no_match, entry: e}]}\n",
         "entry/entry_any needs answer or did_you_mean"),
        ("cases:\n  - {id: a, group: help, turns: [{say: x, expect: ask_type, appeal: 求助}]}\n",
         "appeal needs intake"),
        ("cases:\n  - {id: a, group: help, turns: [{say: x, expect: intake, appeal: 表扬}]}\n",
         "cases[0].turns[0].appeal"),
        ("cases:\n  - {id: a, group: help, turns: [{say: x}]}\n", "a turn needs expect"),
        ("cases:\n  - {id: a, group: help, turns: []}\n", "cases[0].turns: needs at least one turn"),
        ("cases:\n  - {id: a, turns: [{say: x, expect: answer}]}\n", "cases[0].group: missing"),
        ("cases: []\n", "cases: needs at least one case"),
        ("- just a list\n", "top level must be a mapping"),
        ("cases:\n  - id: a\n    id: b\n", "duplicate key 'id'"),
        ("cases: [\n", "not valid YAML"),
    ],
)
def test_invalid_files_are_rejected_with_a_clear_message(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(DialogueFileError) as error:
        load_cases(write(tmp_path, body))
    assert message in str(error.value)
    assert str(tmp_path / "cases.yml") in str(error.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(DialogueFileError) as error:
        parse_cases({"cases": [{"id": "a", "group": "x", "turns": [{"say": "y", "expect": "z", "k": 1}]}]})
    lines = [line for line in str(error.value).splitlines() if line.startswith("  - ")]
    assert len(lines) == 3  # group, expect, unknown key; no repeated length errors


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DialogueFileError, match="cannot read"):
        load_cases(tmp_path / "nope.yml")


# ------------------------------------------------------------------------------------------------------- playing


class ScriptedBot:
    """``send`` for the player tests: canned replies by message, recording (sender, message)."""

    def __init__(self, replies: dict[str, list[dict[str, Any]]]):
        self.replies = replies
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, sender: str, message: str) -> list[dict[str, Any]]:
        with self.lock:
            self.calls.append((sender, message))
        reply = self.replies[message]
        if reply and reply[0].get("fail"):
            raise TurnFailed("HTTP 500")
        return reply


def test_play_case_sends_the_turns_in_order_as_one_fresh_sender() -> None:
    bot = ScriptedBot({"居住证怎么办理？": [payload("answer", ["juzhuzheng-001"])],
                       "那需要带什么材料？": [{"fail": True}]})
    followup = case("f", "consult_followup", CONSULT,
                    {"say": "那需要带什么材料？", "expect": ["answer", "did_you_mean"], "entry": "juzhuzheng-002"})
    first, second = play_case(followup, bot), play_case(followup, bot)
    assert [m for _, m in bot.calls] == ["居住证怎么办理？", "那需要带什么材料？"] * 2
    assert bot.calls[0][0] == bot.calls[1][0] == first.sender and first.sender.startswith("eval-")
    assert second.sender != first.sender
    assert first.outcomes[0].entry_ids == ("juzhuzheng-001",)
    assert first.outcomes[1] == TurnOutcome(decision="other", error="HTTP 500")
    assert [reasons for *_, reasons in first.failures] == [["bot error: HTTP 500", "decision other not in "
                                                            "[answer, did_you_mean]"]]


def test_play_cases_keeps_the_file_order_and_stops_when_the_bot_is_unreachable() -> None:
    hello = [payload("smalltalk")]
    cases = [case(f"c{i}", "smalltalk", {"say": f"你好{i}", "expect": "smalltalk"}) for i in range(12)]
    bot = ScriptedBot({f"你好{i}": hello for i in range(12)})
    results = play_cases(cases, bot, concurrency=4)
    assert [r.case.id for r in results] == [c.id for c in cases]
    assert len({r.sender for r in results}) == 12

    def down(sender: str, message: str) -> list[dict[str, Any]]:
        raise BotUnreachable("connection refused")

    with pytest.raises(BotUnreachable):
        play_cases(cases, down, concurrency=4)


# ------------------------------------------------------------------------------------------ fake REST channel + CLI


class FakeRasa:
    """A tiny stand-in for Rasa's REST channel: canned replies by message text on 127.0.0.1."""

    def __init__(self, replies: dict[str, list[dict[str, Any]]]):
        self.replies = replies
        self.received: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append(body)
                if self.path != "/webhooks/rest/webhook":
                    self._send(404, {"error": "not found"})
                elif body["message"] == "boom":
                    self._send(500, {"error": "internal"})
                else:
                    self._send(200, fake.replies.get(body["message"], []))

            def _send(self, status: int, data: Any) -> None:
                raw = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # 0: a free port
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeRasa:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


REPLIES = {
    "我家楼道着火了！": [text("请立即拨打119火警电话！"), payload("emergency", emergency="fire"), text("正在为您转接人工")],
    "居住证怎么办理？": [text("您是不是想问："), payload("did_you_mean", ["hukou-001", "juzhuzheng-001"])],
    "那需要带什么材料？": [text("办理居住证需要……"), payload("answer", ["juzhuzheng-003"])],
    "楼下饭店油烟太大了，天天熏得开不了窗": [text("请问您要反映的是？"), payload("ask_type")],
}


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    with FakeRasa(REPLIES) as fake:
        yield fake


def test_rest_player_errors(fake_rasa: FakeRasa) -> None:
    with RestPlayer(fake_rasa.url) as player:
        assert read_outcome(player("s", "居住证怎么办理？")).decision == "did_you_mean"
        with pytest.raises(TurnFailed, match="HTTP 500"):
            player("s", "boom")
    with RestPlayer(fake_rasa.url + "/wrong") as player, pytest.raises(BotUnreachable, match="HTTP 404"):
        player("s", "你好")


def test_cli_plays_the_file_and_prints_the_metric_lines(
    fake_rasa: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "dialogues", str(write(tmp_path, GOOD)), "--url", fake_rasa.url]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "cases 3",
        "turns 4",
        "overall 0.667",
        "emergency_recall 1.000",
        "emergency_false_alarm 0.000",
        "consult_answered_or_choice 0.500",
        "consult_direct_answer 0.000",
        "wrong_form_rate 0.000",
        "group.emergency 1.000 (1/1)",
        "group.consult_followup 0.000 (0/1)",
        "group.complaint 1.000 (1/1)",
    ]
    assert err == ""
    senders = {}
    for body in fake_rasa.received:
        senders.setdefault(body["sender"], []).append(body["message"])
    assert sorted(senders.values()) == sorted([["我家楼道着火了！"], ["居住证怎么办理？", "那需要带什么材料？"],
                                               ["楼下饭店油烟太大了，天天熏得开不了窗"]])
    assert all(sender.startswith("eval-") for sender in senders)


def test_cli_smoke_json_and_failures(fake_rasa: FakeRasa, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, GOOD))
    assert main(["eval", "dialogues", path, "--url", fake_rasa.url, "--smoke", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cases"] == 1 and data["metrics"]["emergency_recall"] == 1.0
    assert data["metrics"]["consult_direct_answer"] is None and data["groups"] == {
        "emergency": {"value": 1.0, "passed": 1, "total": 1}}

    assert main(["eval", "dialogues", path, "--url", fake_rasa.url, "--show-failures", "5", "--concurrency", "1"]) == 0
    err = capsys.readouterr().err
    assert "FAIL consult-followup-01 turn 2 (consult_followup)" in err
    assert "said:     那需要带什么材料？" in err and "got:      answer [juzhuzheng-003]" in err
    assert "reply:    办理居住证需要……" in err and "answered juzhuzheng-003, not juzhuzheng-002" in err


def test_cli_exit_status_2_for_an_invalid_file_or_an_unreachable_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "cases:\n  - {id: a, group: consult, turns: [{say: x, expect: anwser}]}\n")
    assert main(["eval", "dialogues", str(bad), "--url", "http://127.0.0.1:9"]) == 2
    assert "unknown decision 'anwser'" in capsys.readouterr().err
    good = write(tmp_path, GOOD)
    assert main(["eval", "dialogues", str(good), "--url", f"http://127.0.0.1:{free_port()}"]) == 2
    captured = capsys.readouterr()
    assert "bot unreachable" in captured.err and captured.out == ""
