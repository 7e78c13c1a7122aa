"""The account's custom menu (自定义菜单): checked against WeChat's rules and published from ``rexian.yml``.

``rexian wechat menu push`` publishes ``wechat.menu`` through ``/cgi-bin/menu/create``; ``--dry-run`` prints the
JSON instead. WeChat's rules, checked before anything is sent: 1 to 3 buttons, each either an action or a group
of 1 to 5 sub-buttons; a button's name at most 4 Chinese characters (8 letters), a sub-button's at most 8 (16
letters); every action has the fields its type needs (``key`` for ``click``, ``url`` for ``view``, ...). A
``click`` key is what the connector receives in the ``CLICK`` event, so keys must be unique.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the API (httpx, wechatpy) is imported only when a menu is pushed
    from .api import WeChatAPI

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_NAME_WIDTH = 8        # a button's name: 4 Chinese characters or 8 letters
MAX_SUB_NAME_WIDTH = 16   # a sub-button's name: 8 Chinese characters or 16 letters
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

#: The fields each action type needs.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "click": ("key",), "scancode_push": ("key",), "scancode_waitmsg": ("key",), "pic_sysphoto": ("key",),
    "pic_photo_or_album": ("key",), "pic_weixin": ("key",), "location_select": ("key",), "view": ("url",),
    "miniprogram": ("url", "appid", "pagepath"), "media_id": ("media_id",), "view_limited": ("media_id",),
    "article_id": ("article_id",), "article_view_limited": ("article_id",),
}


class MenuError(ValueError):
    """The menu breaks WeChat's rules; ``problems`` lists every one (Chinese, then English)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def name_width(name: str) -> int:
    """WeChat's length of a menu name: a Chinese (any non-ASCII) character counts as two letters."""
    return sum(1 if ord(ch) < 128 else 2 for ch in name)


def menu_problems(menu: Any) -> list[str]:
    """Every way ``menu`` breaks WeChat's rules (empty when it can be published)."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not buttons:
        return ["菜单必须有 button 列表，至少一个按钮 (the menu needs a non-empty 'button' list)"]
    problems = []
    if len(buttons) > MAX_BUTTONS:
        problems.append(f"一级菜单最多 {MAX_BUTTONS} 个，现有 {len(buttons)} 个，可把几项放进一个子菜单 "
                        f"(at most {MAX_BUTTONS} buttons, found {len(buttons)}; group some in a sub-menu)")
    keys: dict[str, str] = {}
    for index, button in enumerate(buttons, 1):
        where = f"第 {index} 个菜单"
        where_en = f"button {index}"
        if not isinstance(button, dict):
            problems.append(f"{where}必须是映射 ({where_en} must be a mapping)")
            continue
        problems += _name_problems(button, where, where_en, MAX_NAME_WIDTH, "一级菜单")
        subs = button.get("sub_button")
        if subs is None or (subs == [] and "type" in button):
            problems += _action_problems(button, where, where_en, keys)
            continue
        if not isinstance(subs, list) or not subs or len(subs) > MAX_SUB_BUTTONS:
            count = len(subs) if isinstance(subs, list) else 0
            problems.append(f"{where}的子菜单应有 1 到 {MAX_SUB_BUTTONS} 项，现有 {count} 项 "
                            f"({where_en}: 1 to {MAX_SUB_BUTTONS} sub-buttons, found {count})")
            subs = subs if isinstance(subs, list) else []
        for sub_index, sub in enumerate(subs, 1):
            sub_where, sub_where_en = f"{where}的第 {sub_index} 个子菜单", f"{where_en}, sub-button {sub_index}"
            if not isinstance(sub, dict):
                problems.append(f"{sub_where}必须是映射 ({sub_where_en} must be a mapping)")
                continue
            problems += _name_problems(sub, sub_where, sub_where_en, MAX_SUB_NAME_WIDTH, "二级菜单")
            problems += _action_problems(sub, sub_where, sub_where_en, keys)
    return problems


def _name_problems(button: dict[str, Any], where: str, where_en: str, limit: int, level: str) -> list[str]:
    name = button.get("name")
    if not isinstance(name, str) or not name.strip():
        return [f"{where}缺少名称 name ({where_en}: missing 'name')"]
    if name_width(name) > limit:
        return [f"{where}“{name}”名称太长：{level}最多 {limit // 2} 个汉字或 {limit} 个字母 "
                f"({where_en} '{name}': name too long, at most {limit // 2} Chinese characters or {limit} letters)"]
    return []


def _action_problems(button: dict[str, Any], where: str, where_en: str, keys: dict[str, str]) -> list[str]:
    kind = button.get("type")
    if kind not in REQUIRED_FIELDS:
        return [f"{where}的类型 type“{kind}”无效，可用：{'、'.join(REQUIRED_FIELDS)} "
                f"({where_en}: invalid type '{kind}')"]
    problems = [f"{where}（{kind}）缺少 {field} ({where_en}: type '{kind}' needs '{field}')"
                for field in REQUIRED_FIELDS[kind] if not str(button.get(field) or "").strip()]
    key, url = str(button.get("key") or ""), str(button.get("url") or "")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        problems.append(f"{where}的 key 超过 {MAX_KEY_BYTES} 字节 ({where_en}: key longer than {MAX_KEY_BYTES} bytes)")
    if url and (len(url.encode("utf-8")) > MAX_URL_BYTES or not url.startswith(("http://", "https://"))):
        problems.append(f"{where}的 url 应以 http:// 或 https:// 开头且不超过 {MAX_URL_BYTES} 字节 "
                        f"({where_en}: url must start with http(s):// and fit in {MAX_URL_BYTES} bytes)")
    if key and kind in REQUIRED_FIELDS and "key" in REQUIRED_FIELDS[kind]:
        if key in keys:
            problems.append(f"{where}的 key“{key}”与{keys[key]}重复 ({where_en}: key '{key}' used twice)")
        keys.setdefault(key, where)
    return problems


def validate_menu(menu: Any) -> dict[str, Any]:
    """``menu`` when it can be published; raises :class:`MenuError` listing every problem otherwise."""
    problems = menu_problems(menu)
    if problems:
        raise MenuError(problems)
    return menu


def push_menu(api: WeChatAPI, menu: dict[str, Any]) -> None:
    """Validate ``menu`` and publish it (raises :class:`MenuError` or ``WeChatAPIError``)."""
    api.create_menu(validate_menu(menu))


# -- rexian wechat menu push ---------------------------------------------------------------------------------------
def register(groups: argparse._SubParsersAction) -> None:
    """Add ``rexian wechat menu push`` to the ``rexian`` parser."""
    wechat = groups.add_parser("wechat", help="微信公众号连接器", description="微信公众号连接器的管理命令。")
    wechat.set_defaults(func=lambda args: _help(wechat))
    commands = wechat.add_subparsers(dest="wechat_command", metavar="COMMAND")
    menu = commands.add_parser("menu", help="公众号自定义菜单", description="公众号自定义菜单（rexian.yml 的 wechat.menu）。")
    menu.set_defaults(func=lambda args: _help(menu))
    menu_commands = menu.add_subparsers(dest="menu_command", metavar="COMMAND")
    push = menu_commands.add_parser("push", help="检查并发布 wechat.menu 到公众号",
                                    description="按微信的规则检查 rexian.yml 中的 wechat.menu，并通过 menu/create 接口发布。")
    push.add_argument("--dry-run", action="store_true", help="只检查并打印将要发布的 JSON，不调用微信接口")
    push.set_defaults(func=cmd_menu_push)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def cmd_menu_push(args: argparse.Namespace) -> int:
    from configuration import load_config

    settings = load_config().wechat
    try:
        menu = validate_menu(settings.menu)
    except MenuError as exc:
        print("wechat.menu 不符合微信的规则 (the menu breaks WeChat's rules)：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    if not settings.app_id or not settings.secret:
        print("请先设置 wechat.app_id 和 wechat.secret (REXIAN_WECHAT_APP_ID / REXIAN_WECHAT_SECRET)。",
              file=sys.stderr)
        return 2
    from .api import WeChatAPI, WeChatAPIError
    from .tokens import TokenStore

    tokens = TokenStore.from_settings(settings)
    api = WeChatAPI(settings, tokens)
    try:
        api.create_menu(menu)
    except WeChatAPIError as exc:
        print(f"微信拒绝了菜单：{exc.errcode} {exc.errmsg} (WeChat refused the menu)", file=sys.stderr)
        return 1
    finally:
        api.close()
        tokens.close()
    print(f"已发布自定义菜单：{len(menu['button'])} 个一级菜单。")
    return 0
