"""Load knowledge-base entries from YAML, JSONL, CSV and XLSX files, all or nothing.

Every supported format produces the same :class:`~knowledge_base.schema.KBEntry` records. Any problem in any
file (syntax, a missing or empty field, a bad date, an unknown field, a duplicate id across files) raises
:class:`KBImportError` listing every problem found with its file, row and field; nothing is returned then.

Text files may carry a UTF-8 BOM; a CSV that is not UTF-8 is read as GB18030 (what Excel on Chinese Windows saves).
Row numbers are 1-based: the entry index (第N条) for YAML, the line number for JSONL, the spreadsheet row
(header = row 1) for CSV and XLSX.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge_base.schema import KBEntry

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".yaml", ".yml", ".jsonl", ".csv", ".xlsx")
KNOWN_FIELDS = tuple(KBEntry.model_fields)
REQUIRED_FIELDS = frozenset(name for name, info in KBEntry.model_fields.items() if info.is_required())

FIELD_LABELS: dict[str, str] = {
    "id": "编号",
    "question": "标准问题",
    "similar_questions": "相似问法",
    "answer": "答案",
    "category": "分类",
    "department": "部门",
    "region": "地区",
    "keywords": "关键词",
    "valid_from": "生效日期",
    "valid_to": "失效日期",
    "source": "来源",
    "updated_at": "更新时间",
}


@dataclass(frozen=True)
class ImportIssue:
    """One problem found while importing: where it is and what is wrong."""

    file: str
    row: int | None
    field: str | None
    message: str
    unit: str = "行"  # "条" for YAML entry indexes, "行" for lines and spreadsheet rows
    line: int | None = None  # for YAML entries: the line where the entry starts

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第{self.row}{self.unit}")
        if self.field:
            parts.append(f"字段 {self.field}")
        where = f"（YAML 第{self.line}行）" if self.line is not None and self.unit != "行" else ""
        return " ".join(parts) + f": {self.message}{where}"


class KBImportError(Exception):
    """The import failed; ``issues`` lists every problem, the attributes describe the first one."""

    def __init__(self, issues: list[ImportIssue]):
        if not issues:
            raise ValueError("KBImportError needs at least one issue")
        self.issues = issues
        first = issues[0]
        self.file = first.file
        self.row = first.row
        self.field = first.field
        self.message = first.message
        text = str(first)
        if len(issues) > 1:
            text += f"（另有 {len(issues) - 1} 处错误）"
        super().__init__(text)


@dataclass
class _RawRecord:
    """One record as read from a file, before validation."""

    data: Any
    file: str
    row: int
    unit: str
    line: int | None = None

    def issue(self, field: str | None, message: str) -> ImportIssue:
        return ImportIssue(self.file, self.row, field, message, self.unit, self.line)


def supported_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand directories into their supported files (sorted, hidden and Office lock files skipped); keep files."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith((".", "~$"))
                )
            )
        else:
            files.append(path)
    return files


def load_entries(paths: Iterable[Path | str]) -> list[KBEntry]:
    """Read and validate every entry in ``paths`` (files or directories); raise :class:`KBImportError` on any error."""
    issues: list[ImportIssue] = []
    entries: list[KBEntry] = []
    first_seen: dict[str, ImportIssue] = {}
    for path in supported_files(paths):
        records, file_issues = _read_file(path)
        for record in records:
            entry, entry_issues = _validate(record)
            file_issues.extend(entry_issues)
            if entry is None:
                continue
            if entry.id in first_seen:
                seen = first_seen[entry.id]
                text = f"编号重复：{entry.id} 已出现在 {seen.file} 第{seen.row}{seen.unit} [duplicate_id]"
                file_issues.append(record.issue("id", text))
                continue
            first_seen[entry.id] = record.issue("id", "")
            entries.append(entry)
        issues.extend(sorted(file_issues, key=lambda issue: issue.row or 0))
    if issues:
        raise KBImportError(issues)
    logger.info("loaded %d KB entries", len(entries))
    return entries


def dump_jsonl(entries: Iterable[KBEntry]) -> str:
    """The normalised JSONL text of ``entries``: one entry per line, sorted by id, no empty optional fields."""
    lines = []
    for entry in sorted(entries, key=lambda e: e.id):
        data = entry.model_dump(mode="json", exclude_none=True)
        data = {k: v for k, v in data.items() if v not in ("", [])}
        lines.append(json.dumps(data, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


def write_jsonl(entries: Iterable[KBEntry], target: Path) -> None:
    """Write ``entries`` as normalised JSONL to ``target`` atomically (a reader never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    text = dump_jsonl(entries)
    fd, tmp_name = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; a KB file is meant to be shared
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------- readers


def _read_file(path: Path) -> tuple[list[_RawRecord], list[ImportIssue]]:
    name = str(path)
    suffix = path.suffix.lower()
    if not path.exists():
        return [], [ImportIssue(name, None, None, "文件不存在 [file_not_found]")]
    if suffix not in SUPPORTED_SUFFIXES:
        return [], [
            ImportIssue(
                name, None, None, f"不支持的文件类型 {suffix or '（无扩展名）'}，支持 {', '.join(SUPPORTED_SUFFIXES)}"
            )
        ]
    try:
        if suffix in (".yaml", ".yml"):
            return _read_yaml(path)
        if suffix == ".jsonl":
            return _read_jsonl(path)
        if suffix == ".csv":
            return _read_csv(path)
        return _read_xlsx(path)
    except UnicodeDecodeError as exc:
        return [], [ImportIssue(name, None, None, f"文件不是 UTF-8 编码（{exc.reason}）")]
    except OSError as exc:
        return [], [ImportIssue(name, None, None, f"无法读取文件（{exc.strerror or exc}）")]


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


class _TextScalarLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates and numbers as written: a bad date becomes a field error instead of a crash,
    and ``id: 001`` stays "001" (every KB field is text or a date)."""


for _tag in ("timestamp", "int", "float"):
    _TextScalarLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", lambda loader, node: loader.construct_scalar(node))


def _read_yaml(path: Path) -> tuple[list[_RawRecord], list[ImportIssue]]:
    name = str(path)
    text = _read_text(path)
    try:
        loader = _TextScalarLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [ImportIssue(name, line, None, f"YAML 语法错误：{problem}", "行")]
    if data is None:
        return [], []
    default_category: str | None = None
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"area", "entries"})
        if unknown:
            return [], [ImportIssue(name, None, str(unknown[0]), "未知的顶层字段，顶层只允许 area 和 entries")]
        area = data.get("area")
        if area is not None and not isinstance(area, str):
            return [], [ImportIssue(name, None, "area", "area 必须是文本")]
        default_category = area.strip() if isinstance(area, str) and area.strip() else None
        items = data.get("entries")
        if items is None:
            return [], [ImportIssue(name, None, "entries", "缺少 entries 列表")]
    else:
        items = data
    if not isinstance(items, list):
        return [], [ImportIssue(name, None, "entries", "entries 必须是列表（每条一个映射）")]
    lines = _entry_lines(node)
    records = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict) and default_category and not item.get("category"):
            item = {**item, "category": default_category}
        line = lines[index - 1] if index <= len(lines) else None
        records.append(_RawRecord(item, name, index, "条", line))
    return records, []


def _entry_lines(root: yaml.Node | None) -> list[int]:
    """1-based start line of each entry node (under ``entries:`` or in a bare list)."""
    sequence = root
    if isinstance(root, yaml.MappingNode):
        sequence = next((value for key, value in root.value if getattr(key, "value", None) == "entries"), None)
    if not isinstance(sequence, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in sequence.value]


def _read_jsonl(path: Path) -> tuple[list[_RawRecord], list[ImportIssue]]:
    name = str(path)
    records: list[_RawRecord] = []
    issues: list[ImportIssue] = []
    for line_no, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(_RawRecord(json.loads(line), name, line_no, "行"))
        except json.JSONDecodeError as exc:
            issues.append(ImportIssue(name, line_no, None, f"JSON 语法错误：{exc.msg}（第{exc.colno}列）"))
    return records, issues


def _table_records(name: str, rows: Iterator[tuple[int, list[Any]]]) -> tuple[list[_RawRecord], list[ImportIssue]]:
    """Turn (row number, cells) rows whose first non-blank row is the header into records."""
    header: list[str] | None = None
    records: list[_RawRecord] = []
    issues: list[ImportIssue] = []
    for row_no, cells in rows:
        if all(_blank(c) for c in cells):
            continue
        if header is None:
            header = [str(c).strip() if c is not None else "" for c in cells]
            unknown = [h for h in header if h and h not in KNOWN_FIELDS]
            if unknown:
                return [], [
                    ImportIssue(name, row_no, unknown[0], f"未知字段（表头），可用字段：{', '.join(KNOWN_FIELDS)}")
                ]
            if "id" not in header:
                return [], [ImportIssue(name, row_no, "id", "表头缺少 id 列")]
            continue
        if len(cells) > len(header) and any(not _blank(c) for c in cells[len(header) :]):
            issues.append(ImportIssue(name, row_no, None, f"该行有 {len(cells)} 列，多于表头的 {len(header)} 列"))
            continue
        data: dict[str, Any] = {}
        for column, value in zip(header, cells, strict=False):  # short rows: missing cells
            if not column:
                continue
            if _blank(value):
                if column in REQUIRED_FIELDS:
                    data[column] = ""  # reported as "不能为空", not as a missing column
                continue
            data[column] = _cell_value(value)
        records.append(_RawRecord(data, name, row_no, "行"))
    if header is None:
        logger.info("%s: empty table", name)
    return records, issues


def _read_csv(path: Path) -> tuple[list[_RawRecord], list[ImportIssue]]:
    try:
        text = _read_text(path)
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV" in GBK; GB18030 is its superset.
        text = path.read_bytes().decode("gb18030")
        logger.warning("%s is not UTF-8; read it as GB18030 (Excel's Chinese CSV encoding)", path)
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from enumerate(reader, start=1)

    try:
        return _table_records(str(path), rows())
    except csv.Error as exc:
        return [], [ImportIssue(str(path), reader.line_num, None, f"CSV 格式错误：{exc}")]


def _read_xlsx(path: Path) -> tuple[list[_RawRecord], list[ImportIssue]]:
    from openpyxl import load_workbook  # imported lazily: only XLSX imports need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        return [], [ImportIssue(str(path), None, None, f"无法打开 XLSX 文件：{type(exc).__name__}: {exc}")]
    try:
        sheet = workbook.worksheets[0]

        def rows() -> Iterator[tuple[int, list[Any]]]:
            for index, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield index, list(cells)

        return _table_records(str(path), rows())
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_value(value: Any) -> Any:
    """Spreadsheet cells: numbers used as ids become text, midnight datetimes stay datetimes (pydantic narrows)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


# --------------------------------------------------------------------------------------------- validation


def _validate(record: _RawRecord) -> tuple[KBEntry | None, list[ImportIssue]]:
    if not isinstance(record.data, dict):
        return None, [record.issue(None, f"每条必须是映射（键: 值），实际是 {type(record.data).__name__}")]
    data = {str(k): v for k, v in record.data.items()}
    if data.get("valid_from") is not None and isinstance(data.get("valid_from"), datetime):
        data["valid_from"] = data["valid_from"].date()
    if data.get("valid_to") is not None and isinstance(data.get("valid_to"), datetime):
        data["valid_to"] = data["valid_to"].date()
    if isinstance(data.get("id"), int) and not isinstance(data.get("id"), bool):  # JSON ids may be numbers
        data["id"] = str(data["id"])
    try:
        return KBEntry.model_validate(data), []
    except ValidationError as exc:
        return None, [record.issue(field, message) for field, message in _explain(exc)]


def _explain(exc: ValidationError) -> list[tuple[str | None, str]]:
    """Chinese + technical text for each pydantic error."""
    out: list[tuple[str | None, str]] = []
    for error in exc.errors(include_url=False):
        loc = error.get("loc", ())
        field = str(loc[0]) if loc else None
        label = FIELD_LABELS.get(field or "", field or "")
        kind = error.get("type", "")
        value = error.get("input")
        if kind == "missing":
            message = f"缺少必填字段{label}"
        elif kind == "string_too_short":
            message = f"{label}不能为空"
        elif kind == "string_too_long":
            message = f"{label}太长（最多 {error.get('ctx', {}).get('max_length')} 个字符）"
        elif kind == "extra_forbidden":
            message = f"未知字段，可用字段：{', '.join(KNOWN_FIELDS)}"
        elif kind.startswith("date") or kind.startswith("datetime"):
            message = f"日期格式错误：{value!r}，应为 YYYY-MM-DD"
        elif field is None and "valid_from" in str(error.get("msg", "")):
            field = "valid_from"
            message = "生效日期 valid_from 晚于失效日期 valid_to"
        elif kind in ("string_type", "list_type"):
            message = f"{label}类型错误：{error.get('msg')}"
        else:
            message = f"{label}无效：{error.get('msg')}"
        out.append((field, f"{message} [{kind}]"))
    return out
