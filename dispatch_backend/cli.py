"""``rexian dispatch holidays ...``: the holiday calendar of the dispatch backend.

``rexian dispatch holidays import FILE [--notice TEXT] [--dry-run]`` loads one year's official arrangement
(国务院办公厅关于某年部分节假日安排的通知) from YAML, JSON or CSV into ``holidays.yml`` (``years:``), then
recomputes the deadlines of the open orders in ``REXIAN_DISPATCH_DB_URL`` and notes each change in the order's
history. A running backend reloads ``holidays.yml`` within ``REXIAN_DISPATCH_SWEEP_SECONDS`` (or at restart).

``rexian dispatch holidays status [--year Y]`` shows each year's source and the provisional years.

Also runnable without the ``rexian`` entry point: ``python -m dispatch_backend.cli holidays import FILE``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .clock import to_local, utcnow


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``dispatch`` command group to the ``rexian`` parser."""
    dispatch = groups.add_parser("dispatch", help="派单后台运维（节假日安排等）")
    dispatch.set_defaults(func=lambda _args: (dispatch.print_help(), 0)[1])
    commands = dispatch.add_subparsers(dest="dispatch_command", metavar="COMMAND")
    holidays = commands.add_parser("holidays", help="节假日日历：载入国务院办公厅通知、查看各年份来源")
    holidays.set_defaults(func=lambda _args: (holidays.print_help(), 0)[1])
    sub = holidays.add_subparsers(dest="holidays_command", metavar="COMMAND")

    imp = sub.add_parser(
        "import", help="载入某一年的放假安排并重新计算未办结工单的时限",
        description="FILE 为 YAML/JSON（{year, notice, holidays: [...], workdays: [...]}）或 CSV（date,kind[,name]，"
                    "kind 为 holiday/休 或 workday/班），只含一个年份。")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--notice", default="", help="通知名称/文号（覆盖文件中的 notice）")
    imp.add_argument("--config-dir", type=Path, help="配置目录（默认 REXIAN_DISPATCH_CONFIG_DIR）")
    imp.add_argument("--db-url", help="数据库 URL（默认 REXIAN_DISPATCH_DB_URL）")
    imp.add_argument("--no-recompute", action="store_true", help="只写入 holidays.yml，不改数据库")
    imp.add_argument("--dry-run", action="store_true", help="只检查文件并显示与当前日历的差异")
    imp.set_defaults(func=cmd_import)

    status = sub.add_parser("status", help="各年份节假日来源及暂定（provisional）年份")
    status.add_argument("--year", type=int, action="append", help="年份（可重复；默认今年和明年）")
    status.add_argument("--config-dir", type=Path, help="配置目录（默认 REXIAN_DISPATCH_CONFIG_DIR）")
    status.set_defaults(func=cmd_status)


def _settings(args: argparse.Namespace):
    from .settings import load_settings

    settings = load_settings()
    if getattr(args, "config_dir", None):
        settings = settings.model_copy(update={"config_dir": args.config_dir})
    if getattr(args, "db_url", None):
        settings = settings.model_copy(update={"db_url": args.db_url})
    return settings


def cmd_import(args: argparse.Namespace) -> int:
    from .holiday_sources import parse_notice
    from .workcalendar import WorkingCalendar

    settings = _settings(args)
    try:
        year, off, work, notice = parse_notice(args.file)
    except (OSError, ValueError) as exc:
        print(f"无法读取节假日文件：{exc}", file=sys.stderr)
        return 2
    notice = args.notice or notice or args.file.name
    path = settings.config_dir / "holidays.yml"
    calendar = WorkingCalendar.from_file(path)
    before = calendar.year(year)
    weekday_off = {d for d in off if d.weekday() < 5}
    print(f"{year} 年：放假 {len(off)} 天（其中工作日 {len(weekday_off)} 天），调休上班 {len(work)} 天；"
          f"当前来源 {before.source}{'（暂定）' if before.provisional else ''}")
    added = sorted(weekday_off - before.holidays)
    removed = sorted(before.holidays - weekday_off)
    if added:
        print("  新增放假日：" + "、".join(d.isoformat() for d in added))
    if removed:
        print("  不再放假：" + "、".join(d.isoformat() for d in removed))
    if work - before.workdays:
        print("  调休上班：" + "、".join(d.isoformat() for d in sorted(work - before.workdays)))
    if args.dry_run:
        return 0
    calendar.import_notice(year, off, work, notice)
    print(f"已写入 {path}")
    if args.no_recompute:
        return 0
    from .catalog import Catalog
    from .db import Database, make_engine, migrate
    from .holiday_import import recompute_open_orders
    from .workflow import Workflow

    engine = make_engine(settings.db_url)
    try:
        migrate(engine)
        workflow = Workflow(Database(engine), Catalog.load(settings.config_dir), calendar)
        changes = recompute_open_orders(workflow, calendar, utcnow(), f"载入{year}年放假安排：{notice}")
    finally:
        engine.dispose()
    print(f"重新计算未办结工单时限：{len(changes)} 张工单有变化")
    for change in changes[:50]:
        print(f"  {change.service_request_id}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .workcalendar import WorkingCalendar

    settings = _settings(args)
    calendar = WorkingCalendar.from_file(settings.config_dir / "holidays.yml")
    today = to_local(utcnow()).date()
    years = args.year or [today.year, today.year + 1]
    rows = {str(y): {"source": calendar.source(y), "provisional": calendar.is_provisional_year(y),
                     "holidays": sorted(d.isoformat() for d in calendar.year(y).holidays),
                     "workdays": sorted(d.isoformat() for d in calendar.year(y).workdays)} for y in years}
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    for warning in calendar.warnings(today):
        print(f"警告：{warning}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dispatch_backend.cli")
    register(parser.add_subparsers(dest="group", metavar="GROUP", required=True))
    args = parser.parse_args(["dispatch", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
