"""Dialogue evaluation: play scripted conversations against a running bot and score its decisions.

The format of a dialogue file and the metrics are specified in ``docs/decisions.md`` ("Dialogue cases"). This
module has four separable parts:

* **cases** — :class:`DialogueFile`, :class:`Case`, :class:`Turn` (pydantic, strict: unknown keys, unknown
  decision or group names and duplicate ids are errors) and :func:`load_cases` / :func:`parse_cases`, which raise
  :class:`DialogueFileError` with one readable line per problem;
* **reading a reply** — :func:`read_outcome` turns the bot's REST-channel messages of one turn into a
  :class:`TurnOutcome` (the last ``{"rexian": {...}}`` custom payload is the decision; none means ``other``);
* **scoring** — :func:`turn_failures` (why one turn failed, pure) and :func:`score` (the :class:`Report` over
  recorded :class:`CaseResult` objects, pure, so it is unit-testable without a server);
* **playing** — :func:`play_case` / :func:`play_cases` drive any ``send(sender, message) -> list[dict]``
  callable; :class:`RestPlayer` is that callable over Rasa's REST channel (``POST {url}/webhooks/rest/webhook``).

:func:`format_report` and :func:`format_failures` render a report for the ``rexian eval dialogues`` command
(:mod:`rexian.eval_cli`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------- vocabulary

Decision = Literal[
    "emergency", "answer", "did_you_mean", "no_match", "intake", "ask_type", "form", "submitted", "cancelled",
    "status", "handoff", "language", "smalltalk", "out_of_scope", "vote", "survey", "other",
]
#: Every decision a turn can end with (docs/decisions.md, "Decisions").
DECISIONS: tuple[str, ...] = get_args(Decision)

Group = Literal[
    "emergency", "non_emergency", "consult", "consult_followup", "consult_missing", "complaint", "help",
    "suggestion", "question_with_problem", "status", "handoff", "other_language", "noise", "smalltalk",
]
#: The case groups, in the order the report prints them.
GROUPS: tuple[str, ...] = get_args(Group)

AppealType = Literal["投诉举报", "求助", "意见建议", "咨询"]
APPEAL_TYPES: tuple[str, ...] = get_args(AppealType)

#: The metric lines of the report, in print order (``group.<name>`` lines follow them).
METRICS: tuple[str, ...] = (
    "overall",
    "emergency_recall",
    "emergency_false_alarm",
    "consult_answered_or_choice",
    "consult_direct_answer",
    "wrong_form_rate",
)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_CONCURRENCY = 4
DEFAULT_TIMEOUT = 60.0

# -------------------------------------------------------------------------------------------------------- cases


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    """A single value written without brackets (``expect: answer``) as a one-element list."""
    return [value] if isinstance(value, str) else value


def _non_empty(value: Any, what: str) -> Any:
    """Reject an empty list before item validation (a length check after it would repeat item errors)."""
    if isinstance(value, (list, tuple)) and not value:
        raise ValueError(f"needs at least one {what}（不能为空）")
    return value


def _check_names(values: Any, known: Sequence[str], what: str, what_zh: str) -> Any:
    """Raise a readable error for the first name in ``values`` that is not in ``known``."""
    if isinstance(values, list):
        for value in values:
            if isinstance(value, str) and value not in known:
                raise ValueError(f"unknown {what} {value!r}（未知的{what_zh}；可用：{', '.join(known)}）")
    return values


class Turn(_Strict):
    """One citizen message and what must happen in reply (docs/decisions.md, "Dialogue cases")."""

    say: str = Field(min_length=1)
    #: Acceptable decisions (one or several). May be left out when ``not`` is given: then any other decision is
    #: acceptable (``not: [emergency]`` for a look-alike); the metrics count only decisions listed here.
    expect: tuple[Decision, ...] = ()
    #: Each must appear in the reply text (as a whole number: ``110`` does not match inside ``1100``).
    numbers: tuple[str, ...] = ()
    #: With ``answer``: the answered entry; with ``did_you_mean``: an entry the list must contain.
    entry: str | None = None
    #: Like ``entry``, any of these entries counts (both keys together: any entry of either).
    entry_any: tuple[str, ...] = ()
    #: With ``intake``: the appeal type the form was started with.
    appeal: AppealType | None = None
    #: Decisions that must not happen (YAML key ``not``).
    not_: tuple[Decision, ...] = Field(default=(), alias="not")
    #: Each must appear in the reply text.
    text_contains: tuple[str, ...] = ()

    @field_validator("expect", "not_", mode="before")
    @classmethod
    def _decision_names(cls, value: Any) -> Any:
        return _check_names(_as_list(value), DECISIONS, "decision", "决定")

    @field_validator("numbers", "entry_any", "text_contains", mode="before")
    @classmethod
    def _string_lists(cls, value: Any) -> Any:
        return _as_list(value)

    @model_validator(mode="after")
    def _consistent(self) -> Turn:
        if not self.expect and not self.not_:
            raise ValueError("a turn needs expect (or at least not)（轮次需要 expect，或至少 not）")
        both = sorted(set(self.expect) & set(self.not_))
        if both:
            raise ValueError(f"decision(s) both expected and forbidden: {', '.join(both)}（expect 与 not 冲突）")
        if self.accepted_entries and not {"answer", "did_you_mean"} & set(self.expect):
            raise ValueError(
                "entry/entry_any needs answer or did_you_mean in expect（entry 需要 expect 含 answer 或 did_you_mean）"
            )
        if self.appeal is not None and "intake" not in self.expect:
            raise ValueError("appeal needs intake in expect（appeal 需要 expect 含 intake）")
        return self

    @property
    def acceptable(self) -> tuple[str, ...]:
        """The decisions that pass: ``expect``, or every decision not in ``not`` when ``expect`` is left out."""
        return self.expect or tuple(d for d in DECISIONS if d not in self.not_)

    @property
    def accepted_entries(self) -> tuple[str, ...]:
        """The entries that satisfy this turn's ``entry`` / ``entry_any`` (empty: no entry required)."""
        entries = ((self.entry,) if self.entry else ()) + self.entry_any
        return tuple(dict.fromkeys(entries))


class Case(_Strict):
    """A scripted conversation, played with a fresh sender id; it passes when every turn passes."""

    id: str = Field(min_length=1)
    group: Group
    #: Part of the subset that ``make test`` plays against the real stack.
    smoke: bool = False
    turns: tuple[Turn, ...]

    @field_validator("group", mode="before")
    @classmethod
    def _group_name(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in GROUPS:
            raise ValueError(f"unknown group {value!r}（未知的分组；可用：{', '.join(GROUPS)}）")
        return value

    @field_validator("turns", mode="before")
    @classmethod
    def _has_turns(cls, value: Any) -> Any:
        return _non_empty(value, "turn")


class DialogueFile(_Strict):
    """The whole YAML file: ``cases: [...]`` with unique ids."""

    cases: tuple[Case, ...]

    @field_validator("cases", mode="before")
    @classmethod
    def _has_cases(cls, value: Any) -> Any:
        return _non_empty(value, "case")

    @model_validator(mode="after")
    def _unique_ids(self) -> DialogueFile:
        seen: set[str] = set()
        duplicates: list[str] = []
        for case in self.cases:
            if case.id in seen and case.id not in duplicates:
                duplicates.append(case.id)
            seen.add(case.id)
        if duplicates:
            raise ValueError(f"duplicate case id(s): {', '.join(duplicates)}（用例 id 重复）")
        return self


class DialogueFileError(ValueError):
    """The dialogue file is missing, not YAML, or does not follow the format."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key written twice in one mapping (PyYAML silently keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    keys: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}（键重复）", key_node.start_mark
            )
        keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def load_cases(path: str | Path) -> list[Case]:
    """Read and validate a dialogue file; :class:`DialogueFileError` lists every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DialogueFileError(f"{path}: cannot read the dialogue file（无法读取对话用例文件）: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise DialogueFileError(f"{path}: not valid YAML（不是有效的 YAML）: {exc}") from exc
    return parse_cases(data, source=str(path))


def parse_cases(data: Any, source: str = "<data>") -> list[Case]:
    """Validate already-parsed YAML data (``{"cases": [...]}``)."""
    if not isinstance(data, Mapping):
        raise DialogueFileError(f"{source}: the top level must be a mapping with `cases:`（顶层必须是含 cases 的映射）")
    try:
        return list(DialogueFile.model_validate(data).cases)
    except ValidationError as exc:
        problems = "\n".join(f"  - {line}" for line in _describe_errors(exc, data))
        raise DialogueFileError(f"{source}: invalid dialogue file（对话用例文件无效）:\n{problems}") from exc


def _model_at(loc: Sequence[Any]) -> type[BaseModel]:
    """The model whose key ``loc[-1]`` is (``('cases', 3, 'turns', 0, 'sya')`` → :class:`Turn`)."""
    depth = len(loc) - 1
    return {0: DialogueFile, 2: Case}.get(depth, Turn)


def _describe_errors(exc: ValidationError, data: Mapping[str, Any]) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "file"
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            try:
                case_id = data["cases"][loc[1]].get("id")
            except (AttributeError, IndexError, KeyError, TypeError):
                case_id = None
            if case_id:
                where = f"case {case_id!r} {where}"
        kind = error["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc)
            allowed = ", ".join(f.alias or name for name, f in model.model_fields.items())
            message = f"unknown key {loc[-1]!r}（未知的键；可用：{allowed}）"
        elif kind == "missing":
            message = "missing（缺少必填项）"
        elif kind == "string_type":
            message = f"must be a string, got {error['input']!r}; quote it（必须是字符串，请加引号）"
        elif kind == "value_error":
            message = str(error.get("ctx", {}).get("error", error["msg"]))
        else:
            message = error["msg"]
        lines.append(f"{where}: {message}")
    return lines


# ------------------------------------------------------------------------------------------------ reading replies


@dataclass(frozen=True)
class TurnOutcome:
    """What the bot did with one message, read from its REST-channel reply."""

    decision: str
    entry_ids: tuple[str, ...] = ()
    emergency: str | None = None
    appeal_type: str | None = None
    #: All ``text`` fields of the reply joined by newlines.
    text: str = ""
    #: Set when the bot answered this message with an error (HTTP 5xx, a timeout, not JSON): no decision.
    error: str | None = None


def read_outcome(messages: Iterable[Mapping[str, Any]]) -> TurnOutcome:
    """The decision of a turn from its reply messages: the LAST ``custom`` ``{"rexian": {...}}`` payload, or
    ``other`` when there is none; the text is every ``text`` field joined by newlines."""
    texts: list[str] = []
    payload: Mapping[str, Any] | None = None
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        text = message.get("text")
        if isinstance(text, str) and text:
            texts.append(text)
        custom = message.get("custom")
        if isinstance(custom, Mapping) and isinstance(custom.get("rexian"), Mapping):
            payload = custom["rexian"]
    text = "\n".join(texts)
    if payload is None:
        return TurnOutcome(decision="other", text=text)
    entry_ids = payload.get("entry_ids") or ()
    if isinstance(entry_ids, str):
        entry_ids = (entry_ids,)
    return TurnOutcome(
        decision=str(payload.get("decision") or "other"),
        entry_ids=tuple(str(entry) for entry in entry_ids),
        emergency=payload.get("emergency"),
        appeal_type=payload.get("appeal_type"),
        text=text,
    )


# ---------------------------------------------------------------------------------------------------- scoring


def _has_number(text: str, number: str) -> bool:
    """``number`` appears in ``text``; a number of digits must not be part of a longer number."""
    if number.isdigit():
        return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text) is not None
    return number in text


def _answered_with(turn: Turn, outcome: TurnOutcome) -> bool:
    return outcome.decision == "answer" and bool(outcome.entry_ids) and outcome.entry_ids[0] in turn.accepted_entries


def _offered(turn: Turn, outcome: TurnOutcome) -> bool:
    return outcome.decision == "did_you_mean" and any(e in outcome.entry_ids for e in turn.accepted_entries)


def turn_failures(turn: Turn, outcome: TurnOutcome) -> list[str]:
    """Why ``outcome`` does not satisfy ``turn`` (empty: the turn passes).

    The entry requirement applies to the decisions that carry entries: an ``answer`` must be one of the accepted
    entries, a ``did_you_mean`` must offer one; another expected decision (say ``no_match``) passes without it.
    """
    reasons: list[str] = []
    if outcome.error:
        reasons.append(f"bot error: {outcome.error}")
    if outcome.decision in turn.not_:
        reasons.append(f"forbidden decision {outcome.decision}")
    elif outcome.decision not in turn.acceptable:
        reasons.append(f"decision {outcome.decision} not in [{', '.join(turn.expect) or 'known decisions'}]")
    if turn.accepted_entries:
        wanted = " | ".join(turn.accepted_entries)
        if outcome.decision == "answer" and not _answered_with(turn, outcome):
            reasons.append(f"answered {outcome.entry_ids[0] if outcome.entry_ids else 'no entry'}, not {wanted}")
        elif outcome.decision == "did_you_mean" and not _offered(turn, outcome):
            reasons.append(f"did-you-mean does not offer {wanted}")
    if turn.appeal is not None and outcome.decision == "intake" and outcome.appeal_type != turn.appeal:
        reasons.append(f"appeal type {outcome.appeal_type}, not {turn.appeal}")
    missing = [n for n in turn.numbers if not _has_number(outcome.text, n)]
    if missing:
        reasons.append(f"number(s) missing from the reply: {', '.join(missing)}")
    absent = [t for t in turn.text_contains if t not in outcome.text]
    if absent:
        reasons.append(f"text missing from the reply: {', '.join(absent)}")
    return reasons


@dataclass(frozen=True)
class CaseResult:
    """A played case: one outcome per turn, in order."""

    case: Case
    outcomes: tuple[TurnOutcome, ...]
    sender: str = ""

    def __post_init__(self) -> None:
        if len(self.outcomes) != len(self.case.turns):
            raise ValueError(f"case {self.case.id}: {len(self.case.turns)} turns but {len(self.outcomes)} outcomes")

    @property
    def failures(self) -> list[tuple[int, Turn, TurnOutcome, list[str]]]:
        """``(index, turn, outcome, reasons)`` of every failing turn."""
        out = []
        for index, (turn, outcome) in enumerate(zip(self.case.turns, self.outcomes)):
            reasons = turn_failures(turn, outcome)
            if reasons:
                out.append((index, turn, outcome, reasons))
        return out

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Ratio:
    """``hits`` out of ``total``; :attr:`value` is ``None`` when nothing was counted."""

    hits: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def add(self, hit: bool) -> Ratio:
        return Ratio(self.hits + int(hit), self.total + 1)


@dataclass(frozen=True)
class FailedTurn:
    """One failing turn, for the ``--show-failures`` listing and test messages."""

    case_id: str
    group: str
    index: int  # 0-based
    said: str
    expected: str
    got: str
    reasons: tuple[str, ...]
    reply: str


@dataclass(frozen=True)
class Report:
    """The scores of a run (see docs/decisions.md for the meaning of each metric)."""

    cases: int
    turns: int
    metrics: dict[str, Ratio]
    groups: dict[str, Ratio]
    failures: tuple[FailedTurn, ...] = field(default=())

    def value(self, name: str) -> float | None:
        """A metric (``overall``, ``emergency_recall``, ...) or ``group.<name>``; ``None`` if not measured."""
        if name.startswith("group."):
            ratio = self.groups.get(name[len("group."):])
        else:
            ratio = self.metrics.get(name)
        if ratio is None:
            raise KeyError(name)
        return ratio.value

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: counts, metric values (``None`` when not measured) with their hits/total, groups,
        failing turns."""
        return {
            "cases": self.cases,
            "turns": self.turns,
            "metrics": {name: ratio.value for name, ratio in self.metrics.items()},
            "counts": {name: {"hits": r.hits, "total": r.total} for name, r in self.metrics.items()},
            "groups": {name: {"value": r.value, "passed": r.hits, "total": r.total} for name, r in self.groups.items()},
            "failures": [
                {"case": f.case_id, "group": f.group, "turn": f.index + 1, "said": f.said, "expected": f.expected,
                 "got": f.got, "reasons": list(f.reasons), "reply": f.reply}
                for f in self.failures
            ],
        }


def describe_expected(turn: Turn) -> str:
    """``turn``'s expectation in one line, e.g. ``answer|did_you_mean entry=juzhuzheng-001``."""
    parts = ["|".join(turn.expect) or "any"]
    if turn.accepted_entries:
        parts.append("entry=" + "|".join(turn.accepted_entries))
    if turn.appeal:
        parts.append(f"appeal={turn.appeal}")
    if turn.numbers:
        parts.append("numbers=" + ",".join(turn.numbers))
    if turn.not_:
        parts.append("not=" + ",".join(turn.not_))
    if turn.text_contains:
        parts.append("text_contains=" + ",".join(turn.text_contains))
    return " ".join(parts)


def describe_outcome(outcome: TurnOutcome) -> str:
    """``outcome`` in one line, e.g. ``did_you_mean [a, b]`` or ``emergency emergency=fire``."""
    parts = [outcome.decision]
    if outcome.entry_ids:
        parts.append("[" + ", ".join(outcome.entry_ids) + "]")
    if outcome.emergency:
        parts.append(f"emergency={outcome.emergency}")
    if outcome.appeal_type:
        parts.append(f"appeal={outcome.appeal_type}")
    if outcome.error:
        parts.append(f"error={outcome.error}")
    return " ".join(parts)


def score(results: Iterable[CaseResult]) -> Report:
    """Score played cases: the metric lines of docs/decisions.md, per-group pass rates and the failing turns."""
    counts = {name: Ratio() for name in METRICS}
    groups: dict[str, Ratio] = {}
    failures: list[FailedTurn] = []
    cases = turns = 0
    for result in results:
        cases += 1
        case = result.case
        case_passed = True
        for index, (turn, outcome) in enumerate(zip(case.turns, result.outcomes)):
            turns += 1
            reasons = turn_failures(turn, outcome)
            if reasons:
                case_passed = False
                failures.append(FailedTurn(
                    case_id=case.id, group=case.group, index=index, said=turn.say,
                    expected=describe_expected(turn), got=describe_outcome(outcome), reasons=tuple(reasons),
                    reply=outcome.text,
                ))
            got_emergency = outcome.decision == "emergency"
            if "emergency" in turn.expect:
                numbers_ok = all(_has_number(outcome.text, n) for n in turn.numbers)
                counts["emergency_recall"] = counts["emergency_recall"].add(got_emergency and numbers_ok)
            else:
                counts["emergency_false_alarm"] = counts["emergency_false_alarm"].add(got_emergency)
            if turn.accepted_entries and "answer" in turn.expect:
                answered = _answered_with(turn, outcome)
                offered = answered or _offered(turn, outcome)
                counts["consult_answered_or_choice"] = counts["consult_answered_or_choice"].add(offered)
                counts["consult_direct_answer"] = counts["consult_direct_answer"].add(answered)
            if "intake" not in turn.expect:
                counts["wrong_form_rate"] = counts["wrong_form_rate"].add(outcome.decision == "intake")
        counts["overall"] = counts["overall"].add(case_passed)
        groups[case.group] = groups.get(case.group, Ratio()).add(case_passed)
    ordered_groups = {name: groups[name] for name in GROUPS if name in groups}
    return Report(cases=cases, turns=turns, metrics=counts, groups=ordered_groups, failures=tuple(failures))


# --------------------------------------------------------------------------------------------------- formatting


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_report(report: Report) -> str:
    """The report as ``name value`` lines: counts, metrics (3 decimals, ``n/a`` when not measured), then
    ``group.<name> 0.950 (19/20)``."""
    lines = [f"cases {report.cases}", f"turns {report.turns}"]
    lines += [f"{name} {_fmt(ratio.value)}" for name, ratio in report.metrics.items()]
    lines += [f"group.{name} {_fmt(r.value)} ({r.hits}/{r.total})" for name, r in report.groups.items()]
    return "\n".join(lines)


def _clip(text: str, width: int = 80) -> str:
    flat = " / ".join(line.strip() for line in text.splitlines() if line.strip())
    return flat if len(flat) <= width else flat[:width] + "…"


def format_failures(failures: Sequence[FailedTurn], limit: int | None = None) -> str:
    """Up to ``limit`` failing turns (all when ``None``): case id, turn, said, expected, got, why, the first 80
    characters of the reply."""
    shown = list(failures if limit is None else failures[: max(limit, 0)])
    blocks = []
    for f in shown:
        blocks.append(
            f"FAIL {f.case_id} turn {f.index + 1} ({f.group})\n"
            f"  said:     {f.said}\n"
            f"  expected: {f.expected}\n"
            f"  got:      {f.got}\n"
            f"  why:      {'; '.join(f.reasons)}\n"
            f"  reply:    {_clip(f.reply)}"
        )
    if len(shown) < len(failures):
        blocks.append(f"... {len(failures) - len(shown)} more failing turn(s)（另有 {len(failures) - len(shown)} 个失败轮次）")
    return "\n".join(blocks)


# ------------------------------------------------------------------------------------------------------ playing

#: ``send(sender, message)`` → the bot's reply messages (Rasa REST-channel dicts).
Send = Callable[[str, str], list[dict[str, Any]]]


class BotUnreachable(RuntimeError):
    """The bot cannot be talked to at all (connection refused, no REST channel at the URL): the run stops."""


class TurnFailed(RuntimeError):
    """The bot answered one message with an error; that turn is recorded as failed and the case goes on."""


def new_sender_id() -> str:
    """A fresh conversation id: ``eval-<uuid>``."""
    return f"eval-{uuid.uuid4().hex}"


def play_case(case: Case, send: Send, sender: str | None = None) -> CaseResult:
    """Say each turn of ``case`` in order as one fresh sender and record what the bot did.

    :class:`TurnFailed` from ``send`` becomes a failed turn (decision ``other``); :class:`BotUnreachable`
    propagates.
    """
    sender = sender or new_sender_id()
    outcomes = []
    for turn in case.turns:
        try:
            messages = send(sender, turn.say)
        except TurnFailed as exc:
            logger.debug("case %s: bot error on a turn: %s", case.id, exc)
            outcomes.append(TurnOutcome(decision="other", error=str(exc)))
            continue
        outcomes.append(read_outcome(messages))
    return CaseResult(case=case, outcomes=tuple(outcomes), sender=sender)


def play_cases(cases: Sequence[Case], send: Send, concurrency: int = DEFAULT_CONCURRENCY) -> list[CaseResult]:
    """Play ``cases`` with up to ``concurrency`` cases at a time (each case's turns in order); results in the
    order of ``cases``. The first :class:`BotUnreachable` cancels the cases not yet started and is raised."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    results: list[CaseResult] = []
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dialogue-eval")
    try:
        futures: list[Future[CaseResult]] = [executor.submit(play_case, case, send) for case in cases]
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            logger.debug("played %d/%d cases", done, len(futures))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return results


class RestPlayer:
    """``send`` over Rasa's REST channel: ``POST {url}/webhooks/rest/webhook`` with ``{"sender", "message"}``.

    Connection failures and 4xx answers (no REST channel at that URL) raise :class:`BotUnreachable`; 5xx answers,
    timeouts and bodies that are not a JSON list raise :class:`TurnFailed`. Safe to call from several threads.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, client: httpx.Client | None = None):
        self.base_url = url.rstrip("/")
        self.endpoint = self.base_url + REST_WEBHOOK_PATH
        self._client = client or httpx.Client(timeout=timeout)
        self._owns_client = client is None

    def __call__(self, sender: str, message: str) -> list[dict[str, Any]]:
        try:
            response = self._client.post(self.endpoint, json={"sender": sender, "message": message})
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise BotUnreachable(f"cannot connect to the bot at {self.base_url}（无法连接机器人）: {exc}") from exc
        except httpx.TransportError as exc:
            raise TurnFailed(f"{type(exc).__name__}: {exc}") from exc
        if 400 <= response.status_code < 500:
            raise BotUnreachable(
                f"{self.endpoint} answered HTTP {response.status_code}; is Rasa's REST channel enabled?"
                f"（REST 通道不可用）"
            )
        if response.status_code >= 500:
            raise TurnFailed(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise TurnFailed("reply is not JSON") from exc
        if not isinstance(body, list):
            raise TurnFailed("reply is not a JSON list")
        return body

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> RestPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def evaluate(
    cases: Sequence[Case], url: str, concurrency: int = DEFAULT_CONCURRENCY, timeout: float = DEFAULT_TIMEOUT
) -> Report:
    """Play ``cases`` against the bot at ``url`` (Rasa's base URL) and score them."""
    with RestPlayer(url, timeout=timeout) as player:
        return score(play_cases(cases, player, concurrency=concurrency))
