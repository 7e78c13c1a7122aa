"""Knowledge upkeep (知识库维护): the questions the KB failed on, grouped, and the two ways an agent fixes them.

The feedback log (:mod:`knowledge_base.feedback`) holds the questions the bot could not answer and the answers
citizens voted unhelpful. :meth:`KnowledgeUpkeep.groups` puts the open ones (not yet handled) into groups of
similar questions (character-bigram Dice, :func:`domain.repeat.similarity`), most frequent first, each with the
nearest existing entries as attach targets. An agent then

- **attaches** a group's question to an existing entry as a similar question (:meth:`KnowledgeUpkeep.attach`), or
- **drafts** a new entry (:meth:`KnowledgeUpkeep.draft`), or
- **dismisses** the group (:meth:`KnowledgeUpkeep.dismiss`).

Changes go to the overlay (:mod:`knowledge_base.overlay`), never to the seed files, and are validated exactly as an
import is: the whole KB with the change must load through the importer, else :class:`UpkeepError` carries the
problems in Chinese and nothing is written. The handled rows are marked in the feedback log with who did it, so
their group disappears. A :class:`~knowledge_base.service.KnowledgeBase` watching the overlay serves the change
within seconds, without a restart.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from domain.repeat import bigrams, similarity
from knowledge_base.feedback import ID_MASK, PHONE_MASK, FeedbackLog
from knowledge_base.importer import FIELD_LABELS, KBImportError, load_entries
from knowledge_base.overlay import (
    ENTRIES_FILE,
    SIMILAR_FILE,
    apply_similar,
    entry_record,
    load_kb_entries,
    overlay_lock,
    publish,
    read_similar,
    source_signature,
    write_draft,
)
from knowledge_base.schema import KBEntry

logger = logging.getLogger(__name__)

GROUP_THRESHOLD = 0.5  # two questions at least this alike (bigram Dice) are one group
MAX_QUESTION_LENGTH = 200
TARGETS = 5  # attach targets offered per group
ItemRef = tuple[str, int]  # (feedback kind "unanswered" | "votes", row id)
#: A semantic search for attach targets: text → [(entry id, similarity)], best first (e.g. the KB's own search).
Suggest = Callable[[str], list[tuple[str, float]]]

_TECHNICAL = re.compile(r"\s*\[[a-z_]+\]$")


class UpkeepError(ValueError):
    """A change that was refused; ``problems`` are Chinese sentences for the agent (nothing was written)."""

    def __init__(self, problems: list[str]):
        self.problems = problems or ["操作未完成"]
        super().__init__("；".join(self.problems))


@dataclass(frozen=True)
class GroupMember:
    """One distinct question text of a group (texts are masked by the feedback log)."""

    text: str
    count: int
    last_seen: str
    unanswered: int  # how many times the bot could not answer it
    unhelpful: int  # how many times an answer to it was voted unhelpful


@dataclass(frozen=True)
class AttachTarget:
    """An existing entry a group's question could be attached to."""

    entry_id: str
    question: str
    category: str


@dataclass(frozen=True)
class QuestionGroup:
    """Similar open questions: the representative (the most frequent text), the members, counts, targets."""

    group_id: str
    question: str
    count: int
    last_seen: str
    members: list[GroupMember]
    items: list[ItemRef]
    targets: list[AttachTarget] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "question": self.question,
            "count": self.count,
            "last_seen": self.last_seen,
            "members": [m.__dict__ for m in self.members],
            "items": [{"kind": kind, "id": row_id} for kind, row_id in self.items],
            "targets": [t.__dict__ for t in self.targets],
        }


@dataclass
class _Text:
    """Occurrences of one question text while grouping."""

    text: str
    items: list[ItemRef] = field(default_factory=list)
    last_seen: str = ""
    unanswered: int = 0
    unhelpful: int = 0
    candidates: dict[str, float] = field(default_factory=dict)  # entry id → best logged similarity

    @property
    def count(self) -> int:
        return len(self.items)


def group_questions(rows: Iterable[dict[str, Any]], *, threshold: float = GROUP_THRESHOLD) -> list[tuple[list[_Text], dict[str, float]]]:
    """Group feedback rows (``kind``, ``id``, ``query``, ``created_at``, ``candidates``/``entry_id``) by similarity.

    Identical texts (ignoring spaces and punctuation) count together; then, most frequent text first, a text joins
    the first group whose representative is at least ``threshold`` alike, else starts a group. Returns the groups
    (their texts, most frequent first) with the entries the bot had offered or answered for them."""
    texts: dict[str, _Text] = {}
    for row in rows:
        query = str(row.get("query") or "").strip()
        if not query:
            continue
        key = "".join(sorted(bigrams(query))) or query
        item = texts.setdefault(key, _Text(query))
        item.items.append((str(row["kind"]), int(row["id"])))
        item.last_seen = max(item.last_seen, str(row.get("created_at") or ""))
        if row["kind"] == "votes":
            item.unhelpful += 1
            if row.get("entry_id"):
                item.candidates.setdefault(str(row["entry_id"]), 0.0)
        else:
            item.unanswered += 1
            for candidate in row.get("candidates") or []:
                entry_id = str(candidate.get("entry_id") or "")
                if entry_id:
                    score = float(candidate.get("similarity") or 0.0)
                    item.candidates[entry_id] = max(item.candidates.get(entry_id, 0.0), score)
    ordered = sorted(texts.values(), key=lambda t: (t.count, t.last_seen), reverse=True)
    groups: list[list[_Text]] = []
    for text in ordered:
        for group in groups:
            if similarity(text.text, group[0].text) >= threshold:
                group.append(text)
                break
        else:
            groups.append([text])
    out = []
    for group in groups:
        candidates: dict[str, float] = {}
        for text in group:
            for entry_id, score in text.candidates.items():
                candidates[entry_id] = max(candidates.get(entry_id, 0.0), score)
        out.append((group, candidates))
    return out


def _group_id(items: list[ItemRef]) -> str:
    return hashlib.sha1(",".join(f"{k}:{i}" for k, i in sorted(items)).encode()).hexdigest()[:12]


def _clean(message: str) -> str:
    """An import issue's message without its technical code, for an agent."""
    return _TECHNICAL.sub("", message)


def _check_question(text: str) -> str:
    question = (text or "").strip()
    if not question:
        raise UpkeepError(["问法不能为空"])
    if len(question) > MAX_QUESTION_LENGTH:
        raise UpkeepError([f"问法太长（最多 {MAX_QUESTION_LENGTH} 个字）"])
    if PHONE_MASK in question or ID_MASK in question:
        raise UpkeepError(["问法中含有已遮盖的号码，请先改写成一般的说法"])
    return question


class KnowledgeUpkeep:
    """The open feedback of one KB and the changes agents make to it through its overlay."""

    def __init__(self, kb_paths: Iterable[Path | str], upkeep_dir: Path | str, feedback: FeedbackLog, *,
                 suggest: Suggest | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.kb_paths = [Path(p) for p in kb_paths]
        self.upkeep_dir = Path(upkeep_dir)
        self.feedback = feedback
        self.suggest = suggest
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._entries_cache: tuple[tuple, list[KBEntry]] | None = None

    # ------------------------------------------------------------------------------------------ reading

    def entries(self) -> list[KBEntry]:
        """The KB's entries with the overlay (re-read when a source file changed)."""
        signature = source_signature(self.kb_paths, self.upkeep_dir)
        if self._entries_cache is None or self._entries_cache[0] != signature:
            self._entries_cache = (signature, load_kb_entries(self.kb_paths, self.upkeep_dir))
        return self._entries_cache[1]

    def open_rows(self) -> list[dict[str, Any]]:
        """Unanswered questions and unhelpful votes not handled yet, each with its ``kind``."""
        handled = self.feedback.handled()
        rows = [{**row, "kind": "unanswered"} for row in self.feedback.export("unanswered")]
        rows += [{**row, "kind": "votes"} for row in self.feedback.export("votes") if not row["helpful"]]
        return [row for row in rows if (row["kind"], int(row["id"])) not in handled]

    def groups(self, *, limit: int = 50) -> list[QuestionGroup]:
        """The open questions grouped by similarity, most frequent first (then most recent), with attach targets."""
        grouped = group_questions(self.open_rows())
        ranked = sorted(grouped, key=lambda g: (sum(t.count for t in g[0]), max(t.last_seen for t in g[0])),
                        reverse=True)[:limit]
        entries = {entry.id: entry for entry in self.entries()}
        out = []
        for texts, candidates in ranked:
            items = [ref for text in texts for ref in text.items]
            question = texts[0].text
            out.append(QuestionGroup(
                group_id=_group_id(items),
                question=question,
                count=len(items),
                last_seen=max(t.last_seen for t in texts),
                members=[GroupMember(t.text, t.count, t.last_seen, t.unanswered, t.unhelpful) for t in texts],
                items=items,
                targets=self._targets(question, candidates, entries),
            ))
        return out

    def search_entries(self, text: str, *, limit: int = 10) -> list[AttachTarget]:
        """Entries for an agent's search: the id itself, then by the likeness of any of their questions."""
        query = (text or "").strip()
        if not query:
            return []
        entries = self.entries()
        exact = [e for e in entries if e.id == query]
        scored = sorted(((max(similarity(query, q) for q in e.all_questions()), e) for e in entries
                         if e.id != query), key=lambda pair: -pair[0])
        found = exact + [e for score, e in scored if score > 0 or query in e.answer]
        return [AttachTarget(e.id, e.question, e.category) for e in found[:limit]]

    def _targets(self, question: str, logged: dict[str, float], entries: dict[str, KBEntry]) -> list[AttachTarget]:
        chosen: list[str] = []
        if self.suggest is not None:
            try:
                chosen.extend(entry_id for entry_id, _ in self.suggest(question))
            except Exception:  # noqa: BLE001 - the logged candidates and the bigram search still work
                logger.exception("semantic attach targets unavailable")
        chosen.extend(sorted(logged, key=lambda entry_id: -logged[entry_id]))
        chosen.extend(t.entry_id for t in self.search_entries(question, limit=TARGETS))
        unique = [entry_id for entry_id in dict.fromkeys(chosen) if entry_id in entries][:TARGETS]
        return [AttachTarget(i, entries[i].question, entries[i].category) for i in unique]

    # ------------------------------------------------------------------------------------------ changes

    def attach(self, question: str, entry_id: str, *, items: Iterable[ItemRef], by: str) -> KBEntry:
        """Add ``question`` to entry ``entry_id``'s similar questions; mark ``items`` handled. The updated entry."""
        text = _check_question(question)
        refs = self._open_refs(items)
        with overlay_lock(self.upkeep_dir) as directory:
            entries = {e.id: e for e in load_kb_entries(self.kb_paths, directory)}
            entry = entries.get(entry_id)
            if entry is None:
                raise UpkeepError([f"没有编号为 {entry_id} 的条目，请重新选择"])
            owner = next((e for e in entries.values() if text in e.all_questions()), None)
            if owner is not None:
                raise UpkeepError([f"该问法已属于条目 {owner.id}（{owner.question}）"])
            similar = read_similar(directory / SIMILAR_FILE)
            similar.setdefault(entry_id, []).append(text)
            draft = write_draft(directory, "similar", similar)
            try:
                updated = self._validated(directory, similar=similar)
                publish(draft, directory, SIMILAR_FILE)
            finally:
                draft.unlink(missing_ok=True)
        self.feedback.mark_handled(refs, by=by, action="attach", entry_id=entry_id)
        logger.info("knowledge upkeep: %s attached a similar question to %s (%d feedback rows)", by, entry_id,
                    len(refs))
        return updated[entry_id]

    def draft(self, fields: dict[str, Any], *, items: Iterable[ItemRef], by: str) -> KBEntry:
        """Add a new entry from ``fields`` (KBEntry's fields; ``id`` may be empty: one is made); mark ``items``
        handled. The new entry."""
        data = {key: value for key, value in fields.items() if value not in (None, "", [])}
        if "question" in data:
            data["question"] = _check_question(str(data["question"]))
        data["similar_questions"] = [_check_question(q) for q in _text_list(data.get("similar_questions"))]
        data["keywords"] = _text_list(data.get("keywords"))
        data["updated_at"] = self._clock().isoformat(timespec="seconds")
        refs = self._open_refs(items)
        with overlay_lock(self.upkeep_dir) as directory:
            current = self.entries()
            data["id"] = str(data.get("id") or self._new_id({e.id for e in current})).strip()
            problems = []  # every problem at once: the agent fixes the form in one go
            taken = next((e for e in current if e.id == data["id"]), None)
            if taken is not None:
                problems.append(f"编号 {taken.id} 已被条目“{taken.question}”使用，请换一个编号")
            owner = next((e for e in current for q in [data.get("question"), *data["similar_questions"]]
                          if q and q in e.all_questions()), None)
            if owner is not None:
                problems.append(f"问法已属于条目 {owner.id}（{owner.question}），可改用“加为相似问法”")
            ours = directory / ENTRIES_FILE
            records = [entry_record(e) for e in load_entries([ours])] if ours.is_file() else []
            draft = write_draft(directory, "entries", {"entries": [*records, data]})
            try:
                try:
                    entries = self._validated(directory, entries_file=draft, new_row=len(records) + 1)
                except UpkeepError as exc:
                    problems.extend(p for p in exc.problems if taken is None or "编号重复" not in p)
                if problems:
                    raise UpkeepError(problems)
                publish(draft, directory, ENTRIES_FILE)
            finally:
                draft.unlink(missing_ok=True)
        self.feedback.mark_handled(refs, by=by, action="draft", entry_id=data["id"])
        logger.info("knowledge upkeep: %s drafted entry %s (%d feedback rows)", by, data["id"], len(refs))
        return entries[data["id"]]

    def dismiss(self, items: Iterable[ItemRef], *, by: str) -> int:
        """Mark ``items`` handled without a change (e.g. chit-chat, not a question for the KB)."""
        refs = self._open_refs(items)
        marked = self.feedback.mark_handled(refs, by=by, action="dismiss")
        logger.info("knowledge upkeep: %s dismissed %d feedback rows", by, marked)
        return marked

    def _open_refs(self, items: Iterable[ItemRef]) -> list[ItemRef]:
        """The given rows that exist and are still open; refused when none is (e.g. another agent was quicker)."""
        wanted = {(str(kind), int(row_id)) for kind, row_id in items}
        if not wanted:
            return []
        open_refs = [ref for ref in ((r["kind"], int(r["id"])) for r in self.open_rows()) if ref in wanted]
        if not open_refs:
            raise UpkeepError(["这组问题已被处理，请刷新页面"])
        return open_refs

    def _validated(self, directory: Path, *, entries_file: Path | None = None,
                   similar: dict[str, list[str]] | None = None, new_row: int | None = None) -> dict[str, KBEntry]:
        """The whole KB with the change, loaded through the importer; :class:`UpkeepError` if it does not load."""
        ours = entries_file or directory / ENTRIES_FILE
        paths = [*self.kb_paths, *([ours] if ours.is_file() else [])]
        try:
            entries = load_entries(paths)
            entries = apply_similar(entries, similar if similar is not None else read_similar(directory / SIMILAR_FILE))
        except KBImportError as exc:
            mine = [i for i in exc.issues if entries_file is not None and i.file == str(entries_file)
                    and (new_row is None or i.row == new_row)]
            issues = mine or exc.issues
            raise UpkeepError([_explain(i.field, i.message) for i in issues]) from exc
        return {entry.id: entry for entry in entries}

    def _new_id(self, taken: set[str]) -> str:
        stem = f"upkeep-{self._clock().strftime('%Y%m%d')}"
        number = 1
        while f"{stem}-{number:03d}" in taken:
            number += 1
        return f"{stem}-{number:03d}"


def _explain(field_name: str | None, message: str) -> str:
    label = FIELD_LABELS.get(field_name or "", "")
    text = _clean(message)
    return f"{label}：{text}" if label and not text.startswith(label) and label not in text else text


def _text_list(value: Any) -> list[str]:
    """A list of texts from a list or from text with one item per line (or separated by '|')."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("\r", "").replace("|", "\n").split("\n")
    return [str(v).strip() for v in value if str(v).strip()]
