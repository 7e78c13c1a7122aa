"""``rexian events``: the emergencies the bot recognised, for supervisors (newest first)."""
from __future__ import annotations

import argparse
import json
import sys


def register(groups: argparse._SubParsersAction) -> None:
    """Add the ``events`` command to the ``rexian`` parser."""
    events = groups.add_parser("events", help="紧急情况记录：机器人识别出的火灾、燃气泄漏、暴力、急症、轻生等（供班长/督导查看）",
                               description="列出机器人识别出的紧急情况（最新在前）。消息中的电话、证件号码已隐去。")
    events.add_argument("--limit", type=int, default=50, help="最多列出多少条（默认 50）")
    events.add_argument("--json", action="store_true", help="输出 JSON")
    events.set_defaults(func=cmd_events)


def cmd_events(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bot.actions.emergency_log import EmergencyLog
    from configuration import load_config

    path = load_config().emergency.events_db
    if not path.is_file():
        print("还没有紧急情况记录。", file=sys.stderr)
        return 0
    rows = EmergencyLog(path).recent(args.limit)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(f"{row.at}  {row.kind:18s} {row.services:24s} {row.channel:8s} {row.message[:60]}")
    print(f"共 {len(rows)} 条", file=sys.stderr)
    return 0
