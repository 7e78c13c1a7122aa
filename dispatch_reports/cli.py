"""``rexian report``: the 三率 report of the dispatch backend, and ``rexian report seed-demo``.

``rexian report --from 2026-10-01 --to 2026-11-27 [--out report.png] [--url URL] [--json]`` prints the
按时办结率 / 解决率 / 满意率 table (per department and overall, with the counts behind each rate) and the weekly
trend, and writes the trend chart as a PNG. ``--to`` is inclusive (orders registered on that day count).

``rexian report seed-demo [--orders 300] [--weeks 8] [--seed 42]`` fills the backend with demo orders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from dispatch_client import DispatchAPIError, DispatchClient, DispatchUnavailable

from .chart import write_chart
from .collect import collect
from .periods import Period, PeriodError
from .seed import CST, SeedError, plan_orders, private_backend, seed
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
    _backend_options(report)
    report.set_defaults(func=cmd_report)

    commands = report.add_subparsers(dest="report_command", metavar="COMMAND")
    demo = commands.add_parser(
        "seed-demo", help="向派单后台写入过去几周的演示工单",
        description="按真实流程（受理、派单、首次联系、办结、回访、复核、归档）生成演示工单，登记时间分布在过去几周。"
                    "默认自动启动一个临时后台（开启测试时钟）写入 REXIAN_DISPATCH_DB_URL 指向的数据库。")
    demo.add_argument("--orders", type=int, default=300, help="工单数（默认 300）")
    demo.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help=f"分布在过去几周（默认 {DEFAULT_WEEKS}）")
    demo.add_argument("--seed", type=int, default=42, help="随机种子（默认 42；相同种子和 --until 生成相同数据）")
    demo.add_argument("--until", type=_date, metavar="YYYY-MM-DD",
                      help="演示数据截止到这一天 20:00（北京时间；默认现在）")
    demo.add_argument("--db-url", help="数据库 URL（默认 REXIAN_DISPATCH_DB_URL 或 sqlite:///var/dispatch.sqlite3）")
    _backend_options(demo, seeding=True)
    demo.set_defaults(func=cmd_seed_demo)


def _backend_options(parser: argparse.ArgumentParser, seeding: bool = False) -> None:
    url_help = ("写入一个已在运行、且开启了 REXIAN_DISPATCH_TEST_CLOCK=1 的后台（默认不连接运行中的后台）"
                if seeding else "派单后台地址（默认取配置 dispatch.url，即 http://127.0.0.1:8311）")
    parser.add_argument("--url", help=url_help)
    parser.add_argument("--api-key", help="热线（机器人）的 api_key（默认取配置 dispatch.api_key，或开发密钥）")


def _backend(args: argparse.Namespace) -> tuple[str, str]:
    from rexian.config import load_config

    settings = load_config().dispatch
    return args.url or settings.url, args.api_key or settings.effective_api_key


def cmd_report(args: argparse.Namespace) -> int:
    last = args.last or dt.datetime.now(CST).date()
    first = args.first or last - dt.timedelta(days=7 * DEFAULT_WEEKS - 1)
    try:
        period = Period(first, last)
    except PeriodError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    url, api_key = _backend(args)
    try:
        with DispatchClient(url, api_key, timeout=30.0, retries=1) as client:
            report = collect(client, period, weekly=True)
    except DispatchUnavailable:
        print(f"错误：无法连接派单后台 {url}。请先启动后台（python -m dispatch_backend），或用 --url 指定地址。",
              file=sys.stderr)
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
    anchor = (dt.datetime.combine(args.until, dt.time(20, 0), tzinfo=CST) if args.until
              else dt.datetime.now(CST).replace(microsecond=0))
    try:
        plans = plan_orders(args.orders, args.weeks, args.seed, anchor)

        def progress(done: int) -> None:
            print(f"  已执行 {done} 个操作…", file=sys.stderr)

        if args.url:
            _url, api_key = _backend(args)
            summary = seed(args.url, api_key, plans, anchor, progress=progress)
            target = args.url
        else:
            with private_backend(args.db_url) as (url, api_key):
                summary = seed(url, api_key, plans, anchor, progress=progress)
            target = args.db_url or "REXIAN_DISPATCH_DB_URL（默认 var/dispatch.sqlite3）"
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
    print(f"查看报表：rexian report --from {summary.first_day} --to {summary.last_day}")
    return 0
