"""The knowledge upkeep overlay: what agents add to the KB from the console, kept apart from the seed files.

A directory (``kb.upkeep_path``, default ``var/kb_upkeep``) with two files, both optional:

- ``entries.yaml``: new entries, an ordinary import file (``entries:`` list with every :class:`KBEntry` field). It is
  loaded with the KB's paths by the importer, so it is validated exactly as any import (a duplicate id is an error);
- ``similar.yaml``: similar questions added to existing entries, ``entry id: [question, ...]``. Questions of an
  entry that no longer exists are skipped with a warning (the KB keeps working when a seed entry is retired).

The seed files are never written. Writers take :func:`overlay_lock` and replace a file atomically, so a reader (the
action server's reload) never sees half a file.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.importer import ImportIssue, KBImportError, load_entries, supported_files
from knowledge_base.schema import KBEntry

logger = logging.getLogger(__name__)

ENTRIES_FILE = "entries.yaml"
SIMILAR_FILE = "similar.yaml"
_LOCK_FILE = ".lock"
_HEADER = "# 由坐席控制台“知识库维护”写入（knowledge_base/upkeep.py），请勿手工并发修改。种子知识库文件从不改写。\n"
_process_lock = threading.Lock()


def overlay_paths(upkeep_dir: Path | str | None) -> list[Path]:
    """The overlay's files that exist (what a KB loads and watches besides its own paths)."""
    if upkeep_dir is None:
        return []
    directory = Path(upkeep_dir)
    return [directory / name for name in (ENTRIES_FILE, SIMILAR_FILE) if (directory / name).is_file()]


def source_signature(kb_paths: Iterable[Path | str], upkeep_dir: Path | str | None = None) -> tuple:
    """A cheap fingerprint of the KB's files (path, mtime, size of each, the overlay's included): it changes when a
    file is written, added or removed."""
    out = []
    for path in [*supported_files(kb_paths), *overlay_paths(upkeep_dir)]:
        try:
            stat = path.stat()
            out.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((str(path), None, None))
    return tuple(out)


def load_kb_entries(kb_paths: Iterable[Path | str], upkeep_dir: Path | str | None = None) -> list[KBEntry]:
    """The KB's entries: ``kb_paths`` plus the overlay's new entries, with its similar questions added.

    Raises :class:`KBImportError` when any file (the overlay's included) does not import."""
    paths = [Path(p) for p in kb_paths]
    directory = Path(upkeep_dir) if upkeep_dir is not None else None
    if directory is not None and (directory / ENTRIES_FILE).is_file():
        paths.append(directory / ENTRIES_FILE)
    entries = load_entries(paths)
    if directory is None:
        return entries
    return apply_similar(entries, read_similar(directory / SIMILAR_FILE))


def read_similar(path: Path) -> dict[str, list[str]]:
    """``entry id → added similar questions`` from ``path`` (empty when the file does not exist)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KBImportError([ImportIssue(str(path), None, None, f"相似问法增补文件无法读取：{exc}")]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KBImportError([ImportIssue(str(path), None, None, "相似问法增补文件应为映射：条目编号 → 问法列表")])
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        questions = value if isinstance(value, list) else None
        if questions is None or not all(isinstance(q, str) for q in questions):
            raise KBImportError([ImportIssue(str(path), None, str(key), "每个条目编号下应为问法（文本）列表")])
        out[str(key)] = [q.strip() for q in questions if q.strip()]
    return out


def apply_similar(entries: list[KBEntry], similar: dict[str, list[str]]) -> list[KBEntry]:
    """``entries`` with the added similar questions (validated by :class:`KBEntry` like any imported entry)."""
    by_id = {entry.id: entry for entry in entries}
    for entry_id in sorted(set(similar) - set(by_id)):
        logger.warning("knowledge upkeep: entry %s no longer exists; its added similar questions are skipped", entry_id)
    out = []
    for entry in entries:
        added = [q for q in similar.get(entry.id, []) if q not in entry.all_questions()]
        if not added:
            out.append(entry)
            continue
        data = entry.model_dump()
        data["similar_questions"] = [*entry.similar_questions, *dict.fromkeys(added)]
        out.append(KBEntry.model_validate(data))
    return out


def entry_record(entry: KBEntry) -> dict[str, Any]:
    """An entry as the overlay stores it: JSON-like values, no empty optional fields."""
    data = entry.model_dump(mode="json", exclude_none=True)
    return {key: value for key, value in data.items() if value not in ("", [])}


@contextmanager
def overlay_lock(upkeep_dir: Path | str) -> Iterator[Path]:
    """Hold the overlay's lock (threads of this process and other processes); yields the directory."""
    directory = Path(upkeep_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with _process_lock, open(directory / _LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield directory
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_draft(directory: Path, name: str, data: Any) -> Path:
    """Write ``data`` as YAML to a hidden temporary file in ``directory``; :func:`publish` or delete it after."""
    text = _HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}-", suffix=".yaml", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; the overlay is part of a KB other processes read
    return Path(tmp_name)


def publish(draft: Path, directory: Path, name: str) -> None:
    """Put a written draft in place as ``name`` atomically."""
    os.replace(draft, directory / name)
