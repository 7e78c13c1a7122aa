"""Importer: the four formats agree, every kind of bad input is reported with file/row/field, nothing half-imported."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge_base.hashing import kb_hash
from knowledge_base.importer import KBImportError, dump_jsonl, load_entries, write_jsonl

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kb"
FORMATS = FIXTURES / "formats"
BROKEN = FIXTURES / "broken"


def _csv_to_xlsx(source: Path, target: Path, *, date_cells: bool = True) -> Path:
    """Copy the CSV fixture into a one-sheet workbook; dates become real Excel dates like a maintainer's sheet."""
    workbook = Workbook()
    sheet = workbook.active
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for index, row in enumerate(csv.reader(handle)):
            if not any(cell.strip() for cell in row):
                continue
            cells: list[object] = []
            for cell in row:
                if index and date_cells and len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
                    cells.append(datetime.fromisoformat(cell))
                else:
                    cells.append(cell or None)
            sheet.append(cells)
    workbook.save(target)
    return target


def _issue(exc: pytest.ExceptionInfo[KBImportError]) -> KBImportError:
    return exc.value


def test_all_formats_load_the_same_entries(tmp_path: Path) -> None:
    xlsx = _csv_to_xlsx(FORMATS / "kb.csv", tmp_path / "kb.xlsx")
    loaded = {
        name: load_entries([path])
        for name, path in {
            "yaml": FORMATS / "kb.yaml",
            "jsonl": FORMATS / "kb.jsonl",
            "csv": FORMATS / "kb.csv",
            "xlsx": xlsx,
        }.items()
    }
    reference = loaded["yaml"]
    assert [e.id for e in reference] == ["test-001", "test-002", "test-003"]
    for name, entries in loaded.items():
        assert entries == reference, name
    first, second, third = reference
    assert first.similar_questions == ["外地人怎么办居住证", "居住证在哪办"]
    assert first.keywords == ["居住证", "办理"]
    assert first.valid_from == date(2020, 1, 1)
    assert first.updated_at == datetime(2026, 11, 27)
    assert second.answer == "符合购房、租房等条件可以提取。\n具体以当地最新政策为准。"
    assert third.category == "测试服务"  # the YAML file's area is the default category


def test_directory_means_every_supported_file_sorted(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(
        "entries:\n  - {id: b-1, question: 问二, answer: 答二, category: 乙}\n", encoding="utf-8"
    )
    (tmp_path / "a.jsonl").write_text(
        '{"id": "a-1", "question": "问一", "answer": "答一", "category": "甲"}\n', encoding="utf-8"
    )
    (tmp_path / "README.md").write_text("# not a KB file\n", encoding="utf-8")
    (tmp_path / "~$lock.xlsx").write_bytes(b"Excel lock file, not a workbook")
    (tmp_path / ".hidden.yaml").write_text("not: [valid", encoding="utf-8")
    entries = load_entries([tmp_path])
    assert [e.id for e in entries] == ["a-1", "b-1"]


def test_csv_saved_by_chinese_excel_in_gbk_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((FORMATS / "kb.csv").read_text(encoding="utf-8-sig").encode("gb18030"))
    assert load_entries([path]) == load_entries([FORMATS / "kb.csv"])


def test_bare_yaml_list_with_bom_and_blank_lines_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bare.yml"
    path.write_text("\n- id: 001\n  question: 问\n\n  answer: 答\n  category: 类\n\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [e.id for e in load_entries([path])] == ["001"]  # an id that looks like a number stays text


@pytest.mark.parametrize(
    ("fixture", "row", "field", "words"),
    [
        ("bad_syntax.yaml", 7, None, "YAML 语法错误"),
        ("missing_field.yaml", 2, "question", "缺少必填字段标准问题"),
        ("empty_answer.yaml", 2, "answer", "答案不能为空"),
        ("bad_date.yaml", 1, "valid_to", "日期格式错误"),
        ("dates_reversed.yaml", 1, "valid_from", "生效日期 valid_from 晚于失效日期 valid_to"),
        ("unknown_field.yaml", 1, "anwser_extra", "未知字段"),
        ("bad_line.jsonl", 3, None, "JSON 语法错误"),
    ],
)
def test_each_kind_of_error_names_file_row_and_field(fixture: str, row: int, field: str | None, words: str) -> None:
    path = BROKEN / fixture
    with pytest.raises(KBImportError) as caught:
        load_entries([path])
    error = _issue(caught)
    assert error.file == str(path)
    assert error.row == row
    assert error.field == field
    assert words in error.message
    assert str(path) in str(error) and f"第{row}" in str(error)


def test_message_format_for_yaml_entries() -> None:
    with pytest.raises(KBImportError) as caught:
        load_entries([BROKEN / "empty_answer.yaml"])
    assert str(caught.value).startswith(f"{BROKEN / 'empty_answer.yaml'} 第2条 字段 answer: 答案不能为空")
    assert caught.value.issues[0].line == 6  # where the entry starts, to find it in a long file
    assert "YAML 第6行" in str(caught.value)


def test_duplicate_id_across_two_files_points_at_both() -> None:
    with pytest.raises(KBImportError) as caught:
        load_entries([BROKEN / "dup"])
    error = _issue(caught)
    assert error.file == str(BROKEN / "dup" / "b.yaml")
    assert (error.row, error.field) == (2, "id")
    assert "dup-001" in error.message and "a.yaml" in error.message


def test_csv_rows_are_reported_with_spreadsheet_row_numbers() -> None:
    with pytest.raises(KBImportError) as caught:
        load_entries([BROKEN / "bad_rows.csv"])
    issues = [(i.row, i.field) for i in caught.value.issues]
    assert issues == [(3, "answer"), (5, None)]
    assert "答案不能为空" in caught.value.issues[0].message
    assert "多于表头" in caught.value.issues[1].message


def test_xlsx_rows_are_reported_with_sheet_row_numbers(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", "question", "answer", "category", "valid_to"])
    sheet.append(["x-001", "居住证怎么办？", "到派出所办理。", "测试", datetime(2030, 1, 1)])
    sheet.append([None, None, None, None, None])  # blank rows are skipped, numbering keeps counting
    sheet.append(["x-002", "护照怎么办？", None, "测试", None])
    sheet.append(["x-003", "社保怎么交？", "到社保经办机构办理。", "测试", "明年"])
    path = tmp_path / "kb.xlsx"
    workbook.save(path)
    with pytest.raises(KBImportError) as caught:
        load_entries([path])
    assert [(i.row, i.field) for i in caught.value.issues] == [(4, "answer"), (5, "valid_to")]


def test_unknown_csv_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "kb.csv"
    path.write_text("id,question,answer,category,备注\na-1,问,答,类,x\n", encoding="utf-8")
    with pytest.raises(KBImportError) as caught:
        load_entries([path])
    assert (caught.value.row, caught.value.field) == (1, "备注")


def test_one_bad_file_fails_the_whole_import_and_collects_every_issue() -> None:
    with pytest.raises(KBImportError) as caught:
        load_entries([FORMATS / "kb.yaml", BROKEN / "empty_answer.yaml", BROKEN / "missing_field.yaml"])
    files = {Path(i.file).name for i in caught.value.issues}
    assert files == {"empty_answer.yaml", "missing_field.yaml"}


def test_write_jsonl_round_trips_and_is_order_independent(tmp_path: Path) -> None:
    entries = load_entries([FORMATS / "kb.yaml"])
    target = tmp_path / "kb" / "imported.jsonl"
    write_jsonl(list(reversed(entries)), target)
    again = load_entries([target])
    assert again == entries
    assert kb_hash(again) == kb_hash(list(reversed(entries)))
    assert dump_jsonl(entries) == target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["imported.jsonl"]  # no temp file left behind


def test_kb_hash_changes_when_an_answer_changes() -> None:
    entries = load_entries([FORMATS / "kb.yaml"])
    edited = [entries[0].model_copy(update={"answer": "新的答案"}), *entries[1:]]
    assert kb_hash(edited) != kb_hash(entries)
    assert len(kb_hash(entries)) == 64


def test_seed_directory_imports_cleanly() -> None:
    """The project's own seed KB must always import."""
    seed = FIXTURES.parent.parent.parent / "knowledge_base" / "seed"
    if not any(p.suffix in (".yaml", ".yml") for p in seed.iterdir()):
        pytest.skip("no seed files yet")
    entries = load_entries([seed])
    assert len({e.id for e in entries}) == len(entries) > 0
