"""``rexian report``: the 三率 report of the dispatch backend, and ``rexian report seed-demo``.

``rexian report --from 2026-10-01 --to 2026-11-27 [--out report.png] [--url URL | --demo | --db URL] [--json]``
prints the 按时办结率 / 解决率 / 满意率 table (per department and overall, with the counts behind each rate) and the
weekly trend, and writes the trend chart as a PNG. ``--to`` is inclusive (orders registered on that day count).
By default it asks the running backend (``dispatch.url``); ``--demo`` / ``--db URL`` start a private read-only
backend over the demo database / the named database instead.

``rexian report seed-demo [--orders 300] [--weeks 8] [--seed 42] [--db URL | --url URL]`` fills the **demo
database** (``REXIAN_DEMO_DB_URL``, default ``var/demo_dispatch.sqlite3``) with demo orders — never the bot's live
``REXIAN_DISPATCH_DB_URL`` unless the operator names it with ``--db``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from dispatch_client import DispatchAPIError, DispatchClient, DispatchUnavailable
from domain import BEIJING

from .chart import write_chart
from .collect import collect
from .periods import Period, PeriodError
from .seed import (
    DEMO_DB_ENV,
    SeedError,
    demo_db_url,
    display_url,
    is_live_db,
    plan_orders,
    private_backend,
    seed,
    sqlite_path,
)
from .table import render, render_weeks

DEFAULT_WEEKS = 8


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``report`` command group to the ``rexian`` parser."""
    report = groups.add_parser(
        "report", help="工单三率报表（按时办结率、解决率、满意率）与演示数据",
        description="统计一段时间内登记的工单的按时办结率、解决率、满意率（分部门和合计），并画出按周趋势图。")
    report.add_argument("--from", dest="first", type=_date, metavar="YYYY-MM-DD",
                        help=f"统计期第一天（按登记日期；默认 --to 之前 {DEFAULT_WEEKS} 周）")
    report.add_argument("--to", dest="last", type=_date, metavar="YYYY-MM-DD", help="统计期最后一天（含当天；默认今天）")
    report.add_argument("--out", type=Path, default=Path("report.png"), help="趋势图 PNG 文件（默认 report.png）")
    report.add_argument("--no-chart", action="store_true", help="不画趋势图")
    report.add_argument("--json", action="store_true", help="输出 JSON（含每周数据）而不是表格")
    source = report.add_mutually_exclusive_group()
    _backend_options(report, group=source)
    source.add_argument("--demo", action="store_true",
                        help=f"读取 seed-demo 写入的演示数据库（{DEMO_DB_ENV}，默认 var/demo_dispatch.sqlite3）："
                             "自动启动一个临时后台读取，不连接运行中的后台")
    source.add_argument("--db", dest="report_db", metavar="URL",
                        help="读取这个数据库（自动启动一个临时后台读取，不连接运行中的后台）")
    report.set_defaults(func=cmd_report)

    commands = report.add_subparsers(dest="report_command", metavar="COMMAND")
    demo = commands.add_parser(
        "seed-demo", help="向派单后台写入过去几周的演示工单",
        description="按真实流程（受理、派单、首次联系、办结、回访、复核、归档）生成演示工单，登记时间分布在过去几周。"
                    f"默认自动启动一个临时后台（开启测试时钟）写入单独的演示数据库（{DEMO_DB_ENV}，"
                    "默认 var/demo_dispatch.sqlite3），不写机器人正在使用的 REXIAN_DISPATCH_DB_URL；"
                    "之后用 rexian report --demo 查看报表。")
    demo.add_argument("--orders", type=int, default=300, help="工单数（默认 300）")
    demo.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help=f"分布在过去几周（默认 {DEFAULT_WEEKS}）")
    demo.add_argument("--seed", type=int, default=42, help="随机种子（默认 42；相同种子和 --until 生成相同数据）")
    demo.add_argument("--until", type=_date, metavar="YYYY-MM-DD",
                      help="演示数据截止到这一天 20:00（北京时间；默认现在）")
    target = demo.add_mutually_exclusive_group()
    target.add_argument("--db", "--db-url", dest="db_url", metavar="URL",
                        help=f"写入这个数据库（默认演示数据库 {DEMO_DB_ENV} 或 sqlite:///var/demo_dispatch.sqlite3；"
                             "只有明确指定时才会写入 REXIAN_DISPATCH_DB_URL）")
    _backend_options(demo, seeding=True, group=target)
    demo.set_defaults(func=cmd_seed_demo)


def _backend_options(parser: argparse.ArgumentParser, seeding: bool = False,
                     group: argparse._MutuallyExclusiveGroup | None = None) -> None:
    url_help = ("写入一个已在运行、且开启了 REXIAN_DISPATCH_TEST_CLOCK=1 的后台（默认不连接运行中的后台）"
                if seeding else "派单后台地址（默认取配置 dispatch.url，即 http://127.0.0.1:8311）")
    (group or parser).add_argument("--url", help=url_help)
    parser.add_argument("--api-key", help="热线（机器人）的 api_key（默认取配置 dispatch.api_key，或开发密钥）")


def _backend(args: argparse.Namespace) -> tuple[str, str]:
    from configuration import load_config

    settings = load_config().dispatch
    return args.url or settings.url, args.api_key or settings.effective_api_key


def cmd_report(args: argparse.Namespace) -> int:
    last = args.last or dt.datetime.now(BEIJING).date()
    first = args.first or last - dt.timedelta(days=7 * DEFAULT_WEEKS - 1)
    try:
        period = Period(first, last)
    except PeriodError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    db_url = demo_db_url() if args.demo else args.report_db
    url = ""
    try:
        if db_url:
            path = sqlite_path(db_url)
            if path is not None and not path.exists():
                hint = "请先运行 rexian report seed-demo 写入演示数据。" if args.demo else "请检查 --db。"
                print(f"错误：数据库文件不存在：{path}。{hint}", file=sys.stderr)
                return 1
            print(f"读取数据库 {display_url(db_url)}", file=sys.stderr)
            with private_backend(db_url, test_clock=False) as (url, api_key), \
                    DispatchClient(url, api_key, timeout=30.0, retries=1) as client:
                report = collect(client, period, weekly=True)
        else:
            url, api_key = _backend(args)
            with DispatchClient(url, api_key, timeout=30.0, retries=1) as client:
                report = collect(client, period, weekly=True)
    except SeedError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except DispatchUnavailable:
        print(f"错误：无法连接派单后台 {url}。请先启动后台（python -m dispatch_backend），或用 --url 指定地址；"
              "查看 seed-demo 写入的演示数据用 --demo。", file=sys.stderr)
        return 1
    except DispatchAPIError as exc:
        print(f"错误：派单后台拒绝了请求（HTTP {exc.status_code}）：{exc.description}", file=sys.stderr)
        return 1
    chart_path: Path | None = None
    if not args.no_chart:
        result = write_chart(report, args.out)
        chart_path = result.path
        if result.warning:
            print(f"警告：{result.warning}", file=sys.stderr)
    if args.json:
        payload = report.json()
        payload["chart"] = str(chart_path) if chart_path else None
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render(report))
        print()
        print(render_weeks(report))
        if chart_path:
            print(f"\n趋势图已写入 {chart_path}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    anchor = (dt.datetime.combine(args.until, dt.time(20, 0), tzinfo=BEIJING) if args.until
              else dt.datetime.now(BEIJING).replace(microsecond=0))
    try:
        plans = plan_orders(args.orders, args.weeks, args.seed, anchor)

        def progress(done: int) -> None:
            print(f"  已执行 {done} 个操作…", file=sys.stderr)

        if args.url:
            _url, api_key = _backend(args)
            summary = seed(args.url, api_key, plans, anchor, progress=progress)
            target, view = f"后台 {args.url}", f"--url {args.url}"
        else:
            db_url = args.db_url or demo_db_url()
            target = f"数据库 {display_url(db_url)}"
            if is_live_db(db_url) and not args.db_url:
                raise SeedError(f"{DEMO_DB_ENV} 指向了机器人正在使用的派单数据库 {display_url(db_url)}"
                                "（REXIAN_DISPATCH_DB_URL）。演示数据应写入单独的数据库；如确实要写入这个数据库，"
                                "请用 --db 明确指定。")
            if is_live_db(db_url):
                print(f"警告：{display_url(db_url)} 是机器人正在使用的派单数据库（REXIAN_DISPATCH_DB_URL），"
                      "演示工单会和真实工单混在一起，回访调度器也会对它们发起回访。", file=sys.stderr)
            print(f"写入演示工单到{target}", file=sys.stderr)
            with private_backend(db_url) as (url, api_key):
                summary = seed(url, api_key, plans, anchor, progress=progress)
            view = f"--db {display_url(db_url)}" if args.db_url else "--demo"
    except SeedError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except DispatchUnavailable as exc:
        print(f"错误：派单后台不可用：{exc}", file=sys.stderr)
        return 1
    events = summary.events
    print(f"已写入演示工单 {summary.created} 件（{target}），登记日期 {summary.first_day} 至 {summary.last_day}。")
    print(f"首次联系 {events['contact']} 次，办结 {events['close'] + events['close_review']} 次"
          f"（其中复核后办结 {events['close_review']} 次），延期 {events['extend']} 次，回访 {events['survey']} 次，"
          f"申请复核 {events['reopen']} 次，催办 {events['remind']} 次，归档 {events['archive']} 次。")
    if summary.failures:
        print(f"有 {summary.failures} 个操作被后台拒绝（详见日志，-v 显示）。", file=sys.stderr)
    print(f"查看报表：rexian report {view} --from {summary.first_day} --to {summary.last_day}")
    return 0
