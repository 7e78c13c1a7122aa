"""``python -m agent_console``: serve the console, or manage its accounts.

    python -m agent_console                      serve (console.host / console.port of the configuration)
    python -m agent_console serve [--host H] [--port P]
    python -m agent_console users add NAME --role agent|supervisor [--display-name 张三]
    python -m agent_console users passwd NAME
    python -m agent_console users disable NAME | enable NAME
    python -m agent_console users list
    python -m agent_console audit [--action reveal] [--limit 50]

Passwords are asked twice at a terminal; otherwise the first line of standard input is the password
(``printf '%s\\n' "$PW" | python -m agent_console users add wang --role agent``). They never go on the command line.

Settings come from :mod:`configuration` (``rexian.yml``, ``REXIAN_CONSOLE_<KEY>`` and the other sections the console
uses), through :class:`agent_console.settings.ConsoleConfig`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys

from agent_console.models import ROLES
from agent_console.settings import ConsoleConfig
from configuration import ConfigError


def _password(stdin_only: bool = False) -> str:
    if sys.stdin.isatty() and not stdin_only:
        first = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != first:
            raise SystemExit("两次输入的密码不一致。")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _service(settings: ConsoleConfig):  # type: ignore[no-untyped-def]
    from agent_console.outbound import PushReplySender, RasaResumer
    from agent_console.service import ConsoleService
    from agent_console.store import Store

    return ConsoleService(Store(settings.db_url).create(), settings,
                          sender=PushReplySender(settings.push_urls, settings.push_token),
                          resumer=RasaResumer(settings.rasa_url, settings.rasa_token))


def active_accounts(settings: ConsoleConfig | None = None) -> int:
    """How many active accounts the console's database holds (0 before the console made its tables): the launcher
    asks the operator to create one when there is none."""
    from sqlalchemy import func, inspect, select

    from agent_console.models import User
    from agent_console.store import Store

    store = Store((settings or ConsoleConfig.from_config()).db_url)
    try:
        if not inspect(store.engine).has_table(User.__tablename__):
            return 0
        with store.begin() as db:
            return int(db.scalar(select(func.count()).select_from(User).where(User.active)) or 0)
    finally:
        store.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agent_console", description="Rexian 坐席助手")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="启动坐席助手网页服务")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    users = commands.add_parser("users", help="管理账号").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="新建账号（密码从终端或标准输入读取）")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--display-name")
    passwd = users.add_parser("passwd", help="重设密码（该用户的所有登录随之失效）")
    passwd.add_argument("name")
    for verb in ("disable", "enable"):
        users.add_parser(verb).add_argument("name")
    users.add_parser("list")
    audit = commands.add_parser("audit", help="查看操作记录")
    audit.add_argument("--action")
    audit.add_argument("--limit", type=int, default=50)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = ConsoleConfig.from_config()
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    if args.command in (None, "serve"):
        return _serve(settings, getattr(args, "host", None), getattr(args, "port", None))
    from agent_console.service import ConsoleError

    service = _service(settings)
    try:
        if args.command == "audit":
            for entry in reversed(service.audit_entries(action=args.action, limit=args.limit)):
                print(json.dumps(entry, ensure_ascii=False))
        elif args.users_command == "add":
            service.create_user(args.name, _password(), args.role, args.display_name)
            print(f"已创建账号 {args.name}（{args.role}）。")
        elif args.users_command == "passwd":
            service.set_password(args.name, _password())
            print(f"已重设 {args.name} 的密码。")
        elif args.users_command in ("disable", "enable"):
            service.set_active(args.name, args.users_command == "enable")
            print(f"已{'停用' if args.users_command == 'disable' else '启用'}账号 {args.name}。")
        elif args.users_command == "list":
            for user in service.list_users():
                state = "" if user["active"] else "（已停用）"
                print(f"{user['name']}\t{user['role']}\t{user['display_name']}{state}")
    except ConsoleError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        service.store.dispose()
    return 0


def _serve(settings: ConsoleConfig, host: str | None, port: int | None) -> int:
    import uvicorn

    from agent_console.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.internal_token:
        logging.getLogger("agent_console").warning(
            "REXIAN_CONSOLE_INTERNAL_TOKEN is not set: the internal API uses the development token")
    app = create_app(settings)
    hub = app.state.service.hub

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            hub.close_all()  # open /events streams never end by themselves: end them so shutdown is prompt
            super().handle_exit(sig, frame)  # type: ignore[arg-type]

    config = uvicorn.Config(app, host=host or settings.host, port=port or settings.port, log_level="warning",
                            timeout_graceful_shutdown=5)
    try:
        Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises the captured Ctrl-C after a clean shutdown
        pass
    return 0
