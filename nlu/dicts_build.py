"""``rexian nlu build-dicts [--check]``: generate the jieba user dictionaries that follow from project data.

``nlu/dicts/`` is the jieba user-dictionary directory (loaded by Rasa's JiebaTokenizer and by the KB's BM25 tokenizer,
:mod:`knowledge_base.tokenizer`). Besides the hand-written files (``gov_terms.txt``, ``places.txt``, ...) two files are
generated here, so that the words the knowledge base and the work-order catalogue use stay whole tokens:

* ``kb_terms.txt`` — the seed knowledge base (``knowledge_base/seed/*.yaml``): every file's ``area`` and every entry's
  ``category`` and ``keywords``;
* ``categories.txt`` — the work-order category tree (``dispatch_backend/config/routing.yml``, all three levels) and the
  service list (``dispatch_backend/config/services.yml``: ``service_name`` and ``keywords``).

Rules, the same for both files:

* only multi-character Chinese terms (CJK ideographs, at least 2) — jieba needs no help with digits or Latin letters;
* a name joined with 与/及/、 (``户口迁移与落户``) contributes its parts (``户口迁移``, ``落户``), not the whole
  phrase: citizens say the parts, and a whole-phrase token would hide the parts from BM25;
* likewise a name made of a topic and a generic head word (``居住证办理``, ``路灯故障``, ``出入境管理``; heads in
  :data:`GENERIC_HEADS`) contributes only the topic: as one token it would stop ``居住证办理流程`` from matching
  ``怎么办理居住证``;
* a word already in a hand-written file (any file of the directory that is not generated) is left out, and a word of
  ``kb_terms.txt`` is not repeated in ``categories.txt``, so every word has one owner;
* a word that jieba's own dictionary already holds with a frequency of at least 2000 (管理, 投诉, 条件 ...) is left out:
  jieba keeps it whole anyway, and a user-dictionary line would only lower its frequency (``add_word`` overwrites it);
* every line is ``word 2000 n`` (the frequency the hand-written files use), lines sorted by word, no header: jieba's
  ``load_userdict`` has no comment syntax, a ``#`` line would become a word.

The output depends only on the project files and jieba's bundled dictionary (jieba 0.42.1 in both environments), so
``--check`` can tell CI whether the committed files are stale.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DICT_DIR = Path("nlu") / "dicts"
KB_SEED_DIR = Path("knowledge_base") / "seed"
DISPATCH_CONFIG_DIR = Path("dispatch_backend") / "config"

KB_TERMS_FILE = "kb_terms.txt"
CATEGORIES_FILE = "categories.txt"
GENERATED_FILES: tuple[str, ...] = (KB_TERMS_FILE, CATEGORIES_FILE)

FREQUENCY = 2000
POS_TAG = "n"

_CHINESE_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_JOINERS = re.compile(r"[与及、/]")
GENERIC_HEADS: tuple[str, ...] = ("办理", "业务", "服务", "管理", "问题", "咨询", "故障", "纠纷")


@dataclass(frozen=True)
class DictSources:
    """Where the builder reads from: the project root and the paths below it."""

    root: Path = PROJECT_ROOT

    @property
    def dict_dir(self) -> Path:
        return self.root / DICT_DIR

    @property
    def kb_seed_dir(self) -> Path:
        return self.root / KB_SEED_DIR

    @property
    def dispatch_config_dir(self) -> Path:
        return self.root / DISPATCH_CONFIG_DIR


def dictionary_terms(name: str) -> list[str]:
    """The dictionary words one name contributes: itself, its parts (joined with 与/及/、, each 2+ characters), or its
    topic when it ends with a generic head word."""
    name = name.strip()
    parts = [p.strip() for p in _JOINERS.split(name)]
    if len(parts) > 1 and all(_CHINESE_WORD.fullmatch(p) for p in parts):
        return [term for part in parts for term in dictionary_terms(part)]
    if not _CHINESE_WORD.fullmatch(name):
        return []
    for head in GENERIC_HEADS:
        topic = name.removesuffix(head)
        if topic != name and len(topic) >= 2:
            return [topic]
    return [name]


def _terms(names: Iterable[str]) -> set[str]:
    return {term for name in names for term in dictionary_terms(name)}


def jieba_frequencies() -> dict[str, int]:
    """Word frequencies of jieba's bundled dictionary (no user dictionary loaded)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer.FREQ


def _well_known(words: set[str], frequencies: dict[str, int]) -> set[str]:
    return {word for word in words if frequencies.get(word, 0) >= FREQUENCY}


def read_dictionary_words(path: Path) -> set[str]:
    """The words of one jieba user-dictionary file (first field of each non-blank line)."""
    words = set()
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split()
        if fields:
            words.add(fields[0])
    return words


def hand_written_words(dict_dir: Path) -> set[str]:
    """Words of every file in ``dict_dir`` that this builder does not generate."""
    words: set[str] = set()
    if not dict_dir.is_dir():
        return words
    for path in sorted(dict_dir.iterdir()):
        if path.is_file() and not path.name.startswith(".") and path.name not in GENERATED_FILES:
            words |= read_dictionary_words(path)
    return words


def kb_names(seed_dir: Path) -> list[str]:
    """Every seed file's ``area`` and every entry's ``category`` and ``keywords`` (validated by the importer)."""
    from knowledge_base.importer import load_entries

    names: list[str] = []
    for path in sorted(seed_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        area = data.get("area") if isinstance(data, dict) else None
        if isinstance(area, str):
            names.append(area)
    for entry in load_entries([seed_dir]):
        names.append(entry.category)
        names.extend(entry.keywords)
    return names


def catalog_names(config_dir: Path) -> list[str]:
    """All level names of the category tree (``routing.yml``) and every service's ``service_name`` and
    ``keywords`` (``services.yml``). Read as YAML data: ``nlu`` never imports the backend's code."""
    def read(name: str) -> dict:
        return yaml.safe_load((config_dir / name).read_text(encoding="utf-8")) or {}

    names: list[str] = []
    for level1, level2s in (read("routing.yml").get("categories") or {}).items():
        names.append(str(level1))
        for level2, level3s in (level2s or {}).items():
            names.append(str(level2))
            names.extend(str(level3) for level3 in (level3s or {}))
    for service in read("services.yml").get("services") or []:
        names.append(str(service.get("service_name", "")))
        keywords = service.get("keywords") or []
        names.extend(str(k) for k in (keywords.split(",") if isinstance(keywords, str) else keywords))
    return [name.strip() for name in names if name and name.strip()]


def render(words: Iterable[str]) -> str:
    """The text of a jieba user-dictionary file: one ``word freq pos`` line per word, sorted."""
    return "".join(f"{word} {FREQUENCY} {POS_TAG}\n" for word in sorted(set(words)))


def build(sources: DictSources = DictSources()) -> dict[str, str]:
    """File name -> content of every generated dictionary file."""
    taken = hand_written_words(sources.dict_dir)
    frequencies = jieba_frequencies()
    kb_words = _terms(kb_names(sources.kb_seed_dir)) - taken
    category_words = _terms(catalog_names(sources.dispatch_config_dir)) - taken - kb_words
    kb_words -= _well_known(kb_words, frequencies)
    category_words -= _well_known(category_words, frequencies)
    logger.info("jieba dictionaries: %d KB terms, %d category terms", len(kb_words), len(category_words))
    return {KB_TERMS_FILE: render(kb_words), CATEGORIES_FILE: render(category_words)}


def write(files: dict[str, str], target_dir: Path) -> list[Path]:
    """Write ``files`` into ``target_dir``; return the paths written."""
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sorted(files.items()):
        path = target_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(files: dict[str, str], target_dir: Path) -> list[str]:
    """Names of the generated files that are missing from ``target_dir`` or differ from ``files``."""
    stale = []
    for name, text in sorted(files.items()):
        path = target_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def run(args: argparse.Namespace) -> int:
    """``build-dicts``: write the generated files, or with ``--check`` only compare them."""
    sources = DictSources(Path(args.root)) if getattr(args, "root", None) else DictSources()
    files = build(sources)
    if args.check:
        stale = stale_files(files, sources.dict_dir)
        if stale:
            for name in stale:
                print(f"已过期：{DICT_DIR / name}（请运行 rexian nlu build-dicts 重新生成）", file=sys.stderr)
            return 1
        print(f"词典是最新的：{', '.join(str(DICT_DIR / name) for name in sorted(files))}")
        return 0
    for path in write(files, sources.dict_dir):
        print(f"已生成：{path.relative_to(sources.root)}（{len(files[path.name].splitlines())} 个词）")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``build-dicts [--check]`` under ``rexian nlu``."""
    help_text = "由知识库种子和工单分类生成 jieba 用户词典（kb_terms.txt、categories.txt）"
    parser = subparsers.add_parser("build-dicts", help=help_text, description=help_text)
    parser.add_argument("--check", action="store_true", help="只检查已提交的词典是否最新，过期则退出码为 1")
    parser.add_argument("--root", default=None, help="项目根目录（默认为本项目）")
    parser.set_defaults(func=run)
