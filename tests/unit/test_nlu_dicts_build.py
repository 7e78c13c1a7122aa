"""The generated jieba user dictionaries (nlu/dicts/kb_terms.txt, categories.txt) and ``rexian nlu build-dicts``."""
from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import jieba
import pytest

from nlu import dicts_build
from nlu.dicts_build import (
    CATEGORIES_FILE,
    GENERATED_FILES,
    KB_TERMS_FILE,
    DictSources,
    build,
    dictionary_terms,
    write,
)
from rexian.cli import main
from configuration import PROJECT_ROOT

DICT_DIR = PROJECT_ROOT / "nlu" / "dicts"
CATEGORY_WORD = "社会生活噪音"  # a level-3 category of routing.yml that plain jieba cuts into 社会/生活/噪音
LINE = re.compile(r"^[\u4e00-\u9fff]{2,} 2000 n$")


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    return build(DictSources(PROJECT_ROOT))


def _words(text: str) -> set[str]:
    return {line.split()[0] for line in text.splitlines()}


def _project_copy(tmp_path: Path) -> Path:
    """The builder's inputs and outputs copied under ``tmp_path`` (a project root of its own)."""
    for relative in (Path("nlu") / "dicts", Path("knowledge_base") / "seed", Path("dispatch_backend") / "config"):
        shutil.copytree(PROJECT_ROOT / relative, tmp_path / relative)
    return tmp_path


def test_committed_files_are_up_to_date(built: dict[str, str], tmp_path: Path) -> None:
    for path in write(built, tmp_path):
        committed = DICT_DIR / path.name
        assert committed.is_file(), f"{committed} missing: run rexian nlu build-dicts"
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: run rexian nlu build-dicts"


def test_generated_files_are_sorted_plain_jieba_lines(built: dict[str, str]) -> None:
    assert set(built) == set(GENERATED_FILES)
    for name, text in built.items():
        lines = text.splitlines()
        assert lines, name
        assert all(LINE.match(line) for line in lines), [line for line in lines if not LINE.match(line)][:5]
        assert lines == sorted(set(lines)), f"{name} not sorted or has duplicates"


def test_build_is_deterministic(built: dict[str, str]) -> None:
    assert build(DictSources(PROJECT_ROOT)) == built


def test_sources_reach_the_right_file(built: dict[str, str]) -> None:
    kb_words, category_words = _words(built[KB_TERMS_FILE]), _words(built[CATEGORIES_FILE])
    assert CATEGORY_WORD in category_words  # routing.yml level 3
    assert "违章建筑" in category_words
    assert "拖欠工资" in kb_words  # a seed keyword
    assert not kb_words & category_words


def test_hand_written_and_well_known_words_are_not_repeated(built: dict[str, str]) -> None:
    hand_written = dicts_build.hand_written_words(DICT_DIR)
    assert {"居住证", "工单"} <= hand_written
    generated = _words(built[KB_TERMS_FILE]) | _words(built[CATEGORIES_FILE])
    assert not generated & hand_written
    assert "管理" not in generated and "投诉" not in generated  # jieba already knows them with a higher frequency


@pytest.mark.parametrize(
    ("name", "terms"),
    [
        ("社会生活噪音", ["社会生活噪音"]),
        ("户口迁移与落户", ["户口迁移", "落户"]),
        ("护照与往来港澳台通行证", ["护照", "往来港澳台通行证"]),
        ("居住证办理", ["居住证"]),
        ("热线咨询与意见建议", ["热线", "意见建议"]),
        ("参与", ["参与"]),
        ("12345热线", []),
        ("APP", []),
        ("办", []),
    ],
)
def test_dictionary_terms(name: str, terms: list[str]) -> None:
    assert dictionary_terms(name) == terms


def _tokenizer(*files: Path) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for path in files:
        tokenizer.load_userdict(str(path))
    return tokenizer


def test_category_word_stays_one_token_with_the_dictionary_directory() -> None:
    sentence = f"楼下烧烤店半夜很吵，属于{CATEGORY_WORD}吗"
    plain = _tokenizer().lcut(sentence)
    assert CATEGORY_WORD not in plain, plain
    files = sorted(p for p in DICT_DIR.iterdir() if p.is_file() and not p.name.startswith("."))
    assert {p.name for p in files} >= set(GENERATED_FILES)
    with_dicts = _tokenizer(*files).lcut(sentence)
    assert CATEGORY_WORD in with_dicts, with_dicts


def test_check_passes_then_detects_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project_copy(tmp_path)
    assert main(["nlu", "build-dicts", "--check", "--root", str(root)]) == 0

    categories = root / "nlu" / "dicts" / CATEGORIES_FILE
    lines = categories.read_text(encoding="utf-8").splitlines(keepends=True)
    categories.write_text("".join(line for line in lines if not line.startswith(CATEGORY_WORD + " ")), encoding="utf-8")
    capsys.readouterr()
    assert main(["nlu", "build-dicts", "--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert CATEGORIES_FILE in err and KB_TERMS_FILE not in err

    assert main(["nlu", "build-dicts", "--root", str(root)]) == 0
    assert main(["nlu", "build-dicts", "--check", "--root", str(root)]) == 0
    assert categories.read_text(encoding="utf-8") == (DICT_DIR / CATEGORIES_FILE).read_text(encoding="utf-8")


def test_check_detects_a_missing_file_and_new_seed_keywords(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project_copy(tmp_path)
    (root / "nlu" / "dicts" / CATEGORIES_FILE).unlink()
    seed = root / "knowledge_base" / "seed" / "jiaotong.yaml"
    text = seed.read_text(encoding="utf-8").replace("keywords: [", "keywords: [电动自行车头盔, ", 1)
    seed.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["nlu", "build-dicts", "--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert CATEGORIES_FILE in err and KB_TERMS_FILE in err

    assert main(["nlu", "build-dicts", "--root", str(root)]) == 0
    assert "电动自行车头盔" in _words((root / "nlu" / "dicts" / KB_TERMS_FILE).read_text(encoding="utf-8"))
