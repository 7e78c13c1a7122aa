"""``rexian kb ...``: import, build, search, evaluate and inspect the knowledge base.

Results go to stdout, errors to stderr; a failing command exits non-zero. Paths default to the ``kb`` section of
the Rexian configuration (``rexian.yml`` / ``REXIAN_KB_*``) and can be overridden with ``--kb`` / ``--index-dir``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from knowledge_base.importer import KBImportError, load_entries, supported_files, write_jsonl

FEEDBACK_KINDS = ("unanswered", "votes")


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``kb`` command group to the ``rexian`` parser."""
    kb = groups.add_parser("kb", help="知识库：导入、建索引、检索、评测、统计、反馈")
    commands = kb.add_subparsers(dest="command", metavar="COMMAND")

    def usage(_args: argparse.Namespace) -> int:
        kb.print_help(sys.stderr)
        return 2

    kb.set_defaults(func=usage)

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        return sub

    imp = command("import", "校验 FAQ 文件并写成一个规范化的 JSONL 文件放进知识库目录", cmd_import)
    imp.add_argument(
        "paths", nargs="+", type=Path, metavar="FILE_OR_DIR", help=".yaml/.yml/.jsonl/.csv/.xlsx 文件或目录"
    )
    imp.add_argument("--into", type=Path, metavar="DIR", help="写入的知识库目录（默认：配置 kb.paths 中的第一个目录）")
    imp.add_argument("--name", help="写入的文件名（不含扩展名）；默认取唯一输入文件的文件名，多个输入时为 imported")
    imp.add_argument("--dry-run", action="store_true", help="只校验并打印摘要，不写入")

    build = command("build", "构建并保存检索索引（知识库未变化时跳过）", cmd_build)
    _kb_options(build)
    build.add_argument("--embedder", help="向量模型：e5 | use | e5+use | st:<模型>（默认取配置）")
    build.add_argument("--approximate", action="store_true", help="使用近似最近邻索引（大知识库）")
    build.add_argument("--force", action="store_true", help="即使索引已是最新也重建")

    search = command("search", "检索一个问题，显示分档和候选条目", cmd_search)
    _kb_options(search)
    search.add_argument("query", metavar="QUERY")
    search.add_argument("-k", type=int, default=5, help="显示的条目数（默认 5）")
    search.add_argument("--date", type=date.fromisoformat, help="按这一天判断条目有效期（YYYY-MM-DD，默认今天）")
    search.add_argument("--previous", metavar="ENTRY_ID", help="上一轮回答的条目 id（测试追问）")

    ev = command("eval", "在一个检索评测目录上评测（corpus.jsonl + queries*.jsonl）", cmd_eval)
    ev.add_argument("directory", type=Path, metavar="DIR")
    ev.add_argument("--embedder", help="向量模型（默认取配置）")
    ev.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="hybrid")
    ev.add_argument("-k", type=int, default=10)
    ev.add_argument(
        "--corpus-as",
        choices=("answers", "questions"),
        default="answers",
        help="语料当作答案（默认）还是当作问题（相似问法检索）",
    )
    ev.add_argument("--limit", type=int, help="只评测前 N 个查询")
    ev.add_argument("--index-dir", type=Path, help="缓存评测索引的目录（语料不变时复用，不再重建）")

    stats = command("stats", "知识库统计：条目、分类、相似问法、有效期、反馈", cmd_stats)
    _kb_options(stats)
    stats.add_argument("--date", type=date.fromisoformat, help="统计有效期所用的日期（默认今天）")

    fb = command("feedback", "查看未解答问题或评价记录（供维护人员）", cmd_feedback)
    fb.add_argument("--kind", choices=FEEDBACK_KINDS, default="unanswered")
    fb.add_argument("--since", type=date.fromisoformat, help="只看这一天（UTC）之后的记录")
    fb.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象")
    fb.add_argument("--db", type=Path, help="反馈数据库（默认取配置 kb.feedback_db）")


def _kb_options(parser: argparse.ArgumentParser, *, index: bool = True) -> None:
    parser.add_argument(
        "--kb", type=Path, action="append", metavar="PATH", help="知识库文件或目录（可多次给出；默认取配置）"
    )
    if index:
        parser.add_argument("--index-dir", type=Path, help="索引目录（默认取配置）")


def _settings() -> Any:
    from configuration import load_config

    return load_config()


def _upkeep_path(args: argparse.Namespace) -> Path | None:
    """The agents' overlay (kb.upkeep_path) with the configured KB; none when ``--kb`` names other files."""
    return None if getattr(args, "kb", None) else _settings().kb.upkeep_path


def _kb_paths(args: argparse.Namespace) -> list[Path]:
    return list(args.kb) if getattr(args, "kb", None) else list(_settings().kb.paths)


def _index_dir(args: argparse.Namespace) -> Path:
    return args.index_dir if getattr(args, "index_dir", None) else _settings().kb.index_dir


def _embedder_spec(args: argparse.Namespace) -> str | None:
    return getattr(args, "embedder", None) or _settings().kb.embedder


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _report_import_error(exc: KBImportError, *, writing: bool = False) -> int:
    for issue in exc.issues:
        _err(f"错误：{issue}")
    _err(f"知识库校验失败：共 {len(exc.issues)} 处错误{'，未写入任何文件' if writing else ''}。")
    return 1


def _progress_bar(description: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar driven by ``progress(done, total)`` callbacks, and a function that closes it."""
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=description, unit="句", file=sys.stderr)
        bar.update(max(0, done - bar.n))

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return progress, close


# ------------------------------------------------------------------------------------------------ commands


def cmd_import(args: argparse.Namespace) -> int:
    """Validate FILE_OR_DIR... and write them as one normalised JSONL file into the KB directory.

    Nothing is written when any input is invalid, when an id clashes with another file of the KB directory, or when
    an input already lives in that directory (it would then be served twice).
    """
    try:
        entries = load_entries(args.paths)
    except KBImportError as exc:
        return _report_import_error(exc, writing=True)
    if not entries:
        _err("没有找到任何条目（支持 .yaml/.yml/.jsonl/.csv/.xlsx）。")
        return 1
    files = supported_files(args.paths)
    print(f"校验通过：{len(entries)} 条，来自 {len(files)} 个文件")
    for category, count in _category_counts(entries).items():
        print(f"  {category}: {count}")
    if args.dry_run:
        print("未写入（--dry-run）。")
        return 0
    into = args.into if args.into is not None else _default_kb_dir()
    if into is None:
        _err("配置的 kb.paths 中没有目录，请用 --into DIR 指定写入位置。未写入任何文件。")
        return 1
    name = args.name or (files[0].stem if len(files) == 1 else "imported")
    target = (into / f"{name}.jsonl").resolve()
    inside = [p for p in files if p.resolve() != target and p.resolve().parent == into.resolve()]
    if inside:
        _err(f"错误：{inside[0]} 已在知识库目录 {into} 中，再写入一份会重复。未写入任何文件。")
        return 1
    skip = {p.resolve() for p in files} | {target}
    others = [p for p in supported_files([into]) if p.resolve() not in skip] if into.is_dir() else []
    if others:
        try:  # the KB directory as a whole must stay valid: no id may clash with another file there
            load_entries([*files, *others])
        except KBImportError as exc:
            return _report_import_error(exc, writing=True)
    write_jsonl(entries, target)
    print(f"已写入：{target}（{len(entries)} 条）")
    return 0


def _category_counts(entries: list) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.category] = counts.get(entry.category, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _default_kb_dir() -> Path | None:
    """The first configured KB path that is (or will be) a directory."""
    for path in _settings().kb.paths:
        if path.is_dir() or not path.suffix:
            return path
    return None


def cmd_build(args: argparse.Namespace) -> int:
    from knowledge_base.embedders import get_embedder
    from knowledge_base.hashing import kb_hash
    from knowledge_base.index import HybridIndex, IndexMismatchError
    from knowledge_base.overlay import load_kb_entries
    from knowledge_base.service import build_index

    try:
        entries = load_kb_entries(_kb_paths(args), _upkeep_path(args))
    except KBImportError as exc:
        return _report_import_error(exc)
    index_dir = _index_dir(args)
    embedder = get_embedder(_embedder_spec(args))
    if not args.force:
        try:
            saved = HybridIndex.load(index_dir, embedder, kb_hash=kb_hash(entries))
        except (IndexMismatchError, FileNotFoundError):
            saved = None
        wanted_type = "hnsw" if args.approximate else "flat"
        if saved is not None and saved.manifest.get("index_type", "flat") == wanted_type:
            print(f"index up to date（{len(entries)} 条，{embedder.id}，{index_dir}）")
            return 0
    progress, close = _progress_bar("向量化")
    try:
        build_index(entries, embedder, index_dir, approximate=args.approximate, progress=progress)
    finally:
        close()
    print(f"索引已构建：{len(entries)} 条，{embedder.id}，保存在 {index_dir}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from knowledge_base.service import KnowledgeBase

    progress, close = _progress_bar("向量化")
    try:
        kb = KnowledgeBase.open(_kb_paths(args), _index_dir(args), _embedder_spec(args), progress=progress,
                                upkeep_path=_upkeep_path(args))
    except KBImportError as exc:
        return _report_import_error(exc)
    finally:
        close()
    result = kb.ask(args.query, today=args.date, previous_entry_id=args.previous, k=args.k)
    print(f"band: {result.band.value}")
    if result.rewritten:
        print(f"searched: {result.query}")
    for rank, match in enumerate(result.entries, start=1):
        print(
            f"{rank}. {match.entry.id}  similarity={match.similarity:.3f}  score={match.score:.3f}"
            f"  [{match.entry.category}] {match.entry.question}"
        )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from knowledge_base.evaluation import evaluate_dir

    if not args.directory.is_dir():
        _err(f"评测目录不存在：{args.directory}")
        return 1
    metrics = evaluate_dir(
        args.directory,
        embedder_spec=_embedder_spec(args),
        mode=args.mode,
        k=args.k,
        corpus_as=args.corpus_as,
        limit=args.limit,
        index_dir=args.index_dir,
    )
    for name, value in metrics.items():
        shown = f"{value:.4f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:g}"
        print(f"{name} {shown}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from knowledge_base.service import EXPIRING_DAYS, MIN_SIMILAR, kb_stats

    try:
        entries = load_entries(_kb_paths(args))
    except KBImportError as exc:
        return _report_import_error(exc)
    stats = kb_stats(entries, today=args.date)
    print(f"条目总数: {stats.entries}")
    print("按分类:")
    for category, count in stats.per_category.items():
        print(f"  {category}: {count}")
    print(f"相似问法总数: {stats.similar_questions}")
    print(f"相似问法少于 {MIN_SIMILAR} 条的条目: {stats.entries_with_few_similar}")
    print(f"已过期: {len(stats.expired)}{_ids(stats.expired)}")
    print(f"{EXPIRING_DAYS} 天内到期: {len(stats.expiring)}{_ids(stats.expiring)}")
    print(f"尚未生效: {len(stats.not_yet_valid)}{_ids(stats.not_yet_valid)}")
    print(f"索引: {_index_state(_index_dir(args), entries)}")
    counts = _feedback_counts(_settings().kb.feedback_db)
    print(f"反馈-未解答: {counts['unanswered']}")
    print(f"反馈-有帮助: {counts['votes_helpful']}")
    print(f"反馈-没帮助: {counts['votes_unhelpful']}")
    return 0


def _index_state(index_dir: Path, entries: list) -> str:
    """Whether the saved index matches the entries, from its manifest alone (no model is loaded)."""
    from knowledge_base.hashing import kb_hash
    from knowledge_base.index import HybridIndex, IndexMismatchError

    try:
        manifest = HybridIndex.read_manifest(index_dir)
    except IndexMismatchError:
        return f"不存在（{index_dir}），请运行 rexian kb build"
    if manifest.get("kb_hash") != kb_hash(entries):
        return f"已过期（知识库有改动），请运行 rexian kb build（{index_dir}）"
    return f"最新（{manifest.get('embedder_id')}，{manifest.get('created_at')}）"


def _ids(ids: list[str], limit: int = 10) -> str:
    if not ids:
        return ""
    shown = ", ".join(ids[:limit])
    return f"（{shown}{' …' if len(ids) > limit else ''}）"


def _feedback_counts(db: Path) -> dict[str, int]:
    if not Path(db).exists():  # do not create a database just to count nothing
        return {"unanswered": 0, "votes_helpful": 0, "votes_unhelpful": 0}
    from knowledge_base.feedback import FeedbackLog

    return FeedbackLog(db).counts()


def cmd_feedback(args: argparse.Namespace) -> int:
    from knowledge_base.feedback import FeedbackLog

    db = args.db or _settings().kb.feedback_db
    if not Path(db).exists():
        print(f"还没有反馈记录（{db} 不存在）")
        return 0
    rows = FeedbackLog(db).export(args.kind, args.since)
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        elif args.kind == "unanswered":
            candidates = ", ".join(
                f"{c['entry_id']}({c['similarity']:.2f})" if "similarity" in c else c["entry_id"]
                for c in row["candidates"]
            )
            print(f"{row['created_at']}  {row['channel']}  {row['band']}  {row['query']}  候选: {candidates or '无'}")
        else:
            verdict = "有帮助" if row["helpful"] else "没帮助"
            print(f"{row['created_at']}  {row['channel']}  {row['entry_id']}  {verdict}  {row['query']}")
    if not args.json:
        print(f"共 {len(rows)} 条")
    return 0
