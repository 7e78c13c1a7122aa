"""The work-order form pre-filled from what the citizen (or a caller, in call assist) said.

Each citizen message may carry the bot's understanding (``Understanding.to_dict()`` v1, docs/decisions.md): its
route with the appeal type and the classifier's scores, and the fields a work order would take (address, times, how
the citizen is addressed; phone numbers only masked). Messages without one (call assist, or a bot that sent none)
are read here with the same extractor the bot uses (:func:`nlu.understanding.extract_message_fields`). The category
and its department come from the appeal classifier (:mod:`nlu.appeal`) on the whole description, with the runners-up
as alternatives, like the bot's intake (``bot/actions/intake/category.py``, which the console may not import).

Phone numbers never leave this module in full: the draft shows them masked; :func:`resolve_phone` turns a masked
number back into the one the citizen wrote when the order is created, on the server.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from domain import APPEAL_TYPES, COMPLAINT, CONSULTATION
from nlu import readings
from nlu.extract.number_masking import ID_LABEL, LOOSE_LABELS, masked, number_mentions
from nlu.extract.person import COMPOUND_SURNAMES, SINGLE_SURNAMES, suggested_address

from agent_console import masking

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION_CHARS = 5       # shorter citizen messages ("好的", "对") say nothing about the problem
CATEGORY_OFFER_MIN = 0.05       # a runner-up category is offered when it scores at least this ...
CATEGORY_OFFER_RATIO = 0.2      # ... and at least this share of the top score (as the bot's intake does)
CATEGORY_CONFIDENT = 0.25       # a top category below this is pre-selected but flagged as a guess
ALTERNATIVES = 3
PER_LINE = 8                    # the latest messages read one by one for a problem
PROBLEM_CLEAR = 0.65            # the three problem types together this likely: a problem (the understanding's rule)
QUESTION_CLEAR = 0.6            # 咨询 this likely, phrased as a question: a consultation, not part of the problem
CACHE_SIZE = 512
_CACHE: OrderedDict[tuple[int, str], Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()

_CONTACT_LABEL = re.compile(r"[，,。；;\s]*(我的?|本人)?(联系)?(电话|手机|手机号|号码|联系方式)(号码)?(是|为)?[：:\s]*$")
_EXTENSION = re.compile(r"^\s*(转|分机|ext\.?|x)\s*[0-9]{1,6}(?![0-9])", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^[0-9+\-\s()（）]{5,40}$")


class AppealReader(Protocol):
    """What the console needs of :class:`nlu.appeal.AppealClassifier`."""

    def classify(self, text: str) -> Any: ...

    def suggest_categories(self, text: str, k: int = 3) -> list[Any]: ...


@dataclass(frozen=True)
class CitizenLine:
    """One citizen message (or one line a caller said) with the bot's understanding of it, if any."""

    message_id: int
    text: str
    understanding: dict[str, Any] | None = None


@dataclass
class OrderDraft:
    appeal_type: str | None
    appeal_source: str                      # bot | classifier | conversation | "" (nobody could tell)
    appeal_alternatives: list[dict[str, Any]]
    category: str | None
    category_confident: bool
    category_alternatives: list[dict[str, Any]]
    department: str | None
    department_name: str | None
    address: str
    occurred: str
    name: str
    phone: str                              # masked
    phones: list[str]                       # every phone number the citizen gave, masked, latest first
    description: str
    callback_consent: bool = True
    anonymous: bool = False
    classifier_ready: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------------------ the text


def strip_contacts(text: str) -> str:
    """A description without the citizen's phone and ID numbers (they travel in the order's contact fields, which an
    anonymous order hides from departments) and without the "电话是" before them; any other number shaped like one
    is masked."""
    for found in number_mentions(text):
        head, tail = text[: found.start], text[found.end:]
        if found.label in LOOSE_LABELS:
            text = head + masked(found) + tail
            continue
        if found.label != ID_LABEL:
            tail = _EXTENSION.sub("", tail)
        text = _CONTACT_LABEL.sub("", head) + tail
    return text.strip(" ，,；;")


def _compact(text: str) -> str:
    return readings.compact(text or "")


def says_something(line: CitizenLine) -> bool:
    """Whether a message describes the appeal: not a bare "转人工", greeting, yes/no or a short reply."""
    u = line.understanding if isinstance(line.understanding, dict) else {}
    seen = u.get("readings") if isinstance(u.get("readings"), dict) else {}
    if seen.get("handoff") or seen.get("small_talk") or seen.get("status"):
        return False
    text = (line.text or "").strip()
    if len(_compact(text)) < MIN_DESCRIPTION_CHARS:
        return False
    if not seen and readings.asks_for_human(text) and len(_compact(text)) <= 12:
        return False
    return True


def description_of(lines: Sequence[CitizenLine]) -> str:
    """The citizen's messages that describe the appeal, oldest first, contact numbers removed, one per clause."""
    parts: list[str] = []
    for line in lines:
        if not says_something(line):
            continue
        text = strip_contacts(line.text.strip())
        if text and text not in parts:
            parts.append(text)
    return "；".join(parts)[:MAX_DESCRIPTION]


# ------------------------------------------------------------------------------------------------ the fields


def _fields_of(line: CitizenLine, extract: Callable[[str], Any]) -> dict[str, Any]:
    u = line.understanding if isinstance(line.understanding, dict) else None
    if u is not None and isinstance(u.get("fields"), dict):
        return u["fields"]
    try:
        found = extract(line.text)
    except Exception:  # noqa: BLE001 - a field the extractor cannot read is left for the agent
        logger.exception("field extraction failed")
        return {}
    return asdict(found) if hasattr(found, "__dataclass_fields__") else dict(found or {})


def _polite(person: str) -> str:
    person = person.strip()
    bare = person in COMPOUND_SURNAMES or (len(person) == 1 and person in SINGLE_SURNAMES)
    return suggested_address(person) if bare else person


def default_extract(text: str) -> Any:
    from nlu.understanding import extract_message_fields

    return extract_message_fields(text)


def phones_of(lines: Iterable[CitizenLine]) -> list[str]:
    """Every phone number the citizen wrote, in full, latest first (server side only)."""
    found: list[str] = []
    for line in reversed(list(lines)):
        for phone in reversed(masking.phones_in(line.text)):
            if phone not in found:
                found.append(phone)
    return found


def resolve_phone(value: str | None, known: Sequence[str]) -> str | None:
    """The number to file: a masked value is replaced by the citizen's own number it masks; a full number typed by
    the agent is kept. Raises ``ValueError`` (a sentence for the agent) when neither fits."""
    value = (value or "").strip()
    if not value:
        return None
    if "*" in value:
        for phone in known:
            if masking.mask_numbers(phone) == value:
                return phone
        raise ValueError("电话号码是隐藏形式，但与市民留下的号码都不相符；请清空，或填写完整号码。")
    if not _PHONE_CHARS.match(value) or sum(ch.isdigit() for ch in value) < 5:
        raise ValueError("电话号码格式不正确（只能有数字、空格、加号、连字符和括号）。")
    return value


# ------------------------------------------------------------------------------------------------ the type


def _scores(route: dict[str, Any]) -> dict[str, float]:
    scores = route.get("scores")
    if not isinstance(scores, dict):
        return {}
    return {k: float(v) for k, v in scores.items() if k in APPEAL_TYPES and isinstance(v, (int, float))}


def _alternatives(scores: dict[str, float], chosen: str | None) -> list[dict[str, Any]]:
    ordered = sorted(APPEAL_TYPES, key=lambda t: (-(scores.get(t) or 0.0), APPEAL_TYPES.index(t)))
    if chosen in ordered:
        ordered.remove(chosen)
        ordered.insert(0, chosen)
    return [{"value": t, "score": round(scores[t], 3) if t in scores else None} for t in ordered]


def _classify(reader: AppealReader, text: str) -> Any:
    """The reader's prediction for ``text``, remembered (a draft is read again on every new line)."""
    key = (id(reader), text)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    prediction = reader.classify(text)
    with _CACHE_LOCK:
        _CACHE[key] = prediction
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return prediction


def _route_of(line: CitizenLine) -> dict[str, Any] | None:
    u = line.understanding if isinstance(line.understanding, dict) else None
    route = u.get("route") if u else None
    return route if isinstance(route, dict) and route.get("appeal_type") in APPEAL_TYPES else None


def problem_reading(prediction: Any) -> tuple[str, dict[str, float]] | None:
    """(the likeliest problem type, the scores) when a prediction reads a problem — the three problem types
    together at least :data:`PROBLEM_CLEAR`, as the bot's understanding decides — else None."""
    scores = {k: float(v) for k, v in (getattr(prediction, "scores", None) or {}).items() if k in APPEAL_TYPES}
    if scores:
        if 1.0 - scores.get(CONSULTATION, 0.0) < PROBLEM_CLEAR:
            return None
        return max((t for t in APPEAL_TYPES if t != CONSULTATION), key=lambda t: scores.get(t, 0.0)), scores
    if prediction.appeal_type != CONSULTATION and float(prediction.confidence) >= PROBLEM_CLEAR:
        return prediction.appeal_type, {}
    return None


def problem_lines(lines: Sequence[CitizenLine], reader: AppealReader | None) -> list[CitizenLine]:
    """The messages that state a problem (a complaint, help request or suggestion): the bot routed them as one,
    or, for messages the bot never read (call assist), the classifier reads them so on their own."""
    found = []
    for line in [line for line in lines if says_something(line)][-PER_LINE:]:
        route = _route_of(line)
        if route is not None:
            if route.get("kind") == "problem":
                found.append(line)
            continue
        if reader is not None and problem_reading(_classify(reader, line.text)) is not None:
            found.append(line)
    return found


def is_question(line: CitizenLine, reader: AppealReader | None) -> bool:
    """A consultation ("办居住证要带什么材料？"): the bot routed it so, or the classifier reads 咨询 in a question."""
    route = _route_of(line)
    if route is not None:
        return route.get("kind") == "consult"
    if reader is None or not readings.looks_like_question(line.text):
        return False
    prediction = _classify(reader, line.text)
    return prediction.appeal_type == CONSULTATION and float(prediction.confidence) >= QUESTION_CLEAR


def appeal_of(lines: Sequence[CitizenLine], description: str, reader: AppealReader | None,
              fallback: str | None = None) -> tuple[str | None, str, list[dict[str, Any]]]:
    """(appeal type, where it came from, the four types with their scores, the chosen first).

    The bot's reading of the latest message it routed as a problem comes first (what the citizen was told), then
    the classifier on the latest message that states a problem on its own (call assist), then on the whole
    description, then the bot's reading of any message (a consultation), then ``fallback`` (the conversation's)."""
    routes = [r for r in (_route_of(line) for line in reversed(lines)) if r is not None]
    problem = next((r for r in routes if r.get("kind") == "problem"), None)
    if problem is not None:
        return problem["appeal_type"], "bot", _alternatives(_scores(problem), problem["appeal_type"])
    if reader is not None:
        unread = [line for line in problem_lines(lines, reader) if _route_of(line) is None]
        if unread:
            reading = problem_reading(_classify(reader, unread[-1].text))
            assert reading is not None
            return reading[0], "classifier", _alternatives(reading[1], reading[0])
        if description.strip():
            prediction = _classify(reader, description)
            scores = {k: float(v) for k, v in (getattr(prediction, "scores", None) or {}).items()}
            return prediction.appeal_type, "classifier", _alternatives(scores, prediction.appeal_type)
    if routes:
        return routes[0]["appeal_type"], "bot", _alternatives(_scores(routes[0]), routes[0]["appeal_type"])
    if fallback in APPEAL_TYPES:
        return fallback, "conversation", _alternatives({}, fallback)
    return None, "", _alternatives({}, None)


def described(lines: Sequence[CitizenLine], reader: AppealReader | None,
              problems: Sequence[CitizenLine] | None = None) -> str:
    """The appeal's description: with a problem stated, the questions asked on the side ("另外问一下…") are left
    out; otherwise every message that says something."""
    problems = problem_lines(lines, reader) if problems is None else problems
    kept = [line for line in lines if line in problems or not is_question(line, reader)] if problems else lines
    return description_of(kept)


# ------------------------------------------------------------------------------------------------ the category


def categories_of(text: str, reader: AppealReader | None, *, exclude_department: str = "") -> list[dict[str, Any]]:
    """The likely category leaves of ``text`` with their departments, best first (the plausible ones only)."""
    if reader is None or not text.strip():
        return []
    candidates = [c for c in reader.suggest_categories(text, k=ALTERNATIVES + 3)
                  if not exclude_department or c.leaf.department != exclude_department]
    if not candidates:
        return []
    floor = max(CATEGORY_OFFER_MIN, candidates[0].score * CATEGORY_OFFER_RATIO)
    kept = candidates[:1] + [c for c in candidates[1:] if c.score >= floor]
    return [{"path": c.leaf.path, "department": c.leaf.department, "department_name": c.leaf.department_name,
             "score": round(float(c.score), 3)} for c in kept[:ALTERNATIVES]]


# ------------------------------------------------------------------------------------------------ the draft


def build_draft(lines: Sequence[CitizenLine], *, reader: AppealReader | None = None, fallback_appeal: str | None = None,
                exclude_department: str = "", extract: Callable[[str], Any] = default_extract) -> OrderDraft:
    """The form as the agent first sees it. ``reader`` is the appeal classifier (None while it loads: then the type
    comes from the bot's understanding and the category is left to the agent)."""
    problems = problem_lines(lines, reader)
    description = described(lines, reader, problems)
    appeal_type, source, appeal_alternatives = appeal_of(lines, description, reader, fallback_appeal)
    fields = [_fields_of(line, extract) for line in lines]
    address = next((str(f["address"]) for f in reversed(fields) if f.get("address")), "")
    times: list[str] = []
    for f in fields:
        for time_text in f.get("times") or []:
            if time_text and time_text not in times:
                times.append(str(time_text))
    person = next((str(f["person"]) for f in reversed(fields) if f.get("person")), "")
    phones = [masking.mask_numbers(p) for p in phones_of(lines)]
    category_text = description_of(problems) if problems else description
    if address:
        category_text = category_text.replace(address, "")
    categories = categories_of(category_text, reader, exclude_department=exclude_department)
    top = categories[0] if categories else None
    notes = []
    if reader is None:
        notes.append("分类模型尚未就绪：请手动选择分类。")
    if appeal_type == CONSULTATION and any(a["value"] == COMPLAINT for a in appeal_alternatives[:2]):
        notes.append("市民的问题可能是咨询，也可能需要登记投诉，请确认诉求类型。")
    return OrderDraft(
        appeal_type=appeal_type, appeal_source=source, appeal_alternatives=appeal_alternatives,
        category=top["path"] if top else None,
        category_confident=bool(top and top["score"] >= CATEGORY_CONFIDENT),
        category_alternatives=categories,
        department=top["department"] if top else None, department_name=top["department_name"] if top else None,
        address=masking.mask_numbers(address), occurred="、".join(times[:4]), name=_polite(person) if person else "",
        phone=phones[0] if phones else "", phones=phones, description=masking.mask_numbers(description),
        classifier_ready=reader is not None, notes=notes)


class LazyAppealReader:
    """Loads the appeal classifier (seconds: e5 + two models) in a background thread; ``get()`` is None until then.

    ``taxonomy`` (optional) gives the category tree the backend serves, so the suggested leaves are the ones the
    backend routes."""

    def __init__(self, opener: Callable[[], AppealReader]) -> None:
        self._opener = opener
        self._reader: AppealReader | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._open, name="console-appeal", daemon=True)

    def start(self) -> LazyAppealReader:
        self._thread.start()
        return self

    def _open(self) -> None:
        try:
            self._reader = self._opener()
            logger.info("appeal classifier ready")
        except Exception as exc:  # noqa: BLE001 - the form works without it (the agent picks the category)
            self.error = f"{type(exc).__name__}: {exc}"
            logger.warning("appeal classifier unavailable: %s", self.error)

    def get(self) -> AppealReader | None:
        return self._reader


def open_appeal_reader(taxonomy: Callable[[], Any] | None = None) -> AppealReader:
    """The project's appeal classifier, on the backend's category tree when ``taxonomy`` gives one; warmed up."""
    from nlu.appeal import load_classifier

    classifier = load_classifier()
    if taxonomy is not None:
        tree = taxonomy()
        if tree is not None:
            classifier = classifier.with_taxonomy(tree)
    classifier.classify("楼下烧烤店油烟太大")          # the first inference loads the embedder
    classifier.suggest_categories("楼下烧烤店油烟太大")
    default_extract("我是张先生，住在幸福路12号，昨晚开始停水")  # and the address extractor's dictionaries
    return classifier
