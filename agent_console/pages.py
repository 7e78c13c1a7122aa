"""The console's HTML pages: small server-rendered shells; ``static/console.js`` fills them from the JSON API and
keeps them live over ``/events``. Everything is served by the console itself (no CDN), in simplified Chinese."""

from __future__ import annotations

from html import escape

from agent_console.models import ROLE_LABELS
from agent_console.service import Actor

ASSET_VERSION = "1"


def _head(title: str, csrf: str = "") -> str:
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">' if csrf else ""
    return (
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
        f"<title>{escape(title)} · 坐席助手</title>{meta}"
        f"<link rel=\"stylesheet\" href=\"/static/console.css?v={ASSET_VERSION}\">"
        f"<script src=\"/static/console.js?v={ASSET_VERSION}\" defer></script></head>"
    )


def _topbar(actor: Actor, current: str) -> str:
    links = [("queue", "/queue", "会话队列")]
    if actor.is_supervisor:
        links.append(("supervisor", "/supervisor", "班长视图"))
    current_mark = ' class="current" aria-current="page"'
    nav = "".join(f'<a href="{href}"{current_mark if key == current else ""}>{label}</a>'
                  for key, href, label in links)
    return (
        '<header class="topbar"><div class="brand">Rexian 坐席助手</div>'
        f'<nav>{nav}</nav><div class="spacer"></div>'
        '<span id="live-status" class="live off" title="实时连接状态">实时连接中…</span>'
        f'<span class="who">{escape(actor.display_name)}（{escape(ROLE_LABELS.get(actor.role, actor.role))}）</span>'
        '<form method="post" action="/logout" class="logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(actor.csrf_token)}">'
        '<button type="submit" class="link">退出登录</button></form></header>'
        '<div id="toast" class="toast" role="status" aria-live="polite" hidden></div>'
    )


def _page(title: str, page: str, actor: Actor, main: str, extra: str = "") -> str:
    return (
        _head(title, actor.csrf_token)
        + f'<body data-page="{page}" data-user-id="{actor.user_id}" data-role="{escape(actor.role)}"{extra}>'
        + _topbar(actor, page) + main + "</body></html>"
    )


def login_page(login_token: str, next_path: str, error: str = "", name: str = "") -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return (
        _head("登录")
        + '<body data-page="login" class="login-body"><main class="login-box">'
        + "<h1>Rexian 坐席助手</h1><p class=\"sub\">12345 热线 · 话务员与班长登录</p>" + message
        + '<form method="post" action="/login" autocomplete="on">'
        + f'<input type="hidden" name="csrf_token" value="{escape(login_token)}">'
        + f'<input type="hidden" name="next" value="{escape(next_path)}">'
        + '<label>用户名<input name="name" autocomplete="username" required maxlength="32" '
        + f'value="{escape(name)}" autofocus></label>'
        + '<label>密码<input name="password" type="password" autocomplete="current-password" required '
        + 'maxlength="256"></label><button type="submit" class="primary">登录</button></form>'
        + '<p class="hint">账号由管理员用 <code>python -m agent_console users add</code> 创建。</p>'
        + "</main></body></html>"
    )


def queue_page(actor: Actor) -> str:
    main = (
        '<main class="queue-page">'
        '<section class="panel"><h2>等待接入 <span class="count" id="waiting-count">0</span></h2>'
        '<table class="grid" id="waiting-table"><thead><tr><th class="c-pos">序</th><th class="c-pri">优先级</th>'
        '<th class="c-wait">已等待</th><th class="c-ch">渠道</th><th class="c-type">诉求类型</th><th>概要</th>'
        '<th class="c-reason">转人工原因</th><th class="c-act"></th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="waiting-empty">目前没有等待接入的市民。</p></section>'
        '<section class="panel"><h2>处理中 <span class="count" id="assigned-count">0</span></h2>'
        '<table class="grid" id="assigned-table"><thead><tr><th class="c-pri">优先级</th><th class="c-agent">话务员</th>'
        '<th class="c-ch">渠道</th><th class="c-type">诉求类型</th><th>概要</th><th class="c-act"></th></tr></thead>'
        '<tbody></tbody></table><p class="empty" id="assigned-empty">暂无处理中的会话。</p></section>'
        "</main>"
    )
    return _page("会话队列", "queue", actor, main)


def conversation_page(actor: Actor, conversation_id: int) -> str:
    main = (
        '<main class="conv-page">'
        '<section class="conv-main panel">'
        '<div class="conv-head"><a href="/queue" class="back">← 返回队列</a><h2 id="conv-title">会话</h2>'
        '<span id="conv-badges"></span><span class="spacer"></span>'
        '<button id="btn-take" class="primary" hidden>接入会话</button>'
        '<button id="btn-handback" hidden>交回机器人</button>'
        '<button id="btn-close" class="danger" hidden>结束人工服务</button></div>'
        '<ol id="transcript" class="transcript" aria-live="polite"></ol>'
        '<form id="reply-form" class="reply" hidden><textarea id="reply-text" rows="3" maxlength="2000" '
        'placeholder="输入回复内容，Ctrl+Enter 发送"></textarea><button type="submit" class="primary">发送</button></form>'
        '<p id="reply-hint" class="hint">接入后即可回复市民。</p>'
        "</section>"
        '<aside class="conv-side">'
        '<section class="panel"><h3>机器人对最新消息的理解</h3><div id="understanding" class="kv">—</div></section>'
        '<section class="panel"><h3>联系电话</h3><p class="hint">号码默认隐藏；查看完整号码会被记录。</p>'
        '<button id="btn-reveal" hidden>显示完整号码</button><ul id="phones" class="phones"></ul></section>'
        '<section class="panel"><h3>建议答复</h3><ul id="suggestions" class="suggestions">'
        '<li class="hint">暂无建议。</li></ul></section>'
        '<section class="panel"><h3>内部备注</h3><form id="note-form" class="note"><textarea id="note-text" rows="2" '
        'maxlength="2000" placeholder="仅坐席可见，不会发给市民"></textarea><button type="submit">保存备注</button>'
        "</form></section>"
        "</aside></main>"
    )
    return _page("会话", "conversation", actor, main, f' data-conversation-id="{int(conversation_id)}"')


def supervisor_page(actor: Actor) -> str:
    cards = "".join(
        f'<div class="card{" alert" if key in ("emergency_waiting", "emergencies_today") else ""}">'
        f'<div class="num" id="count-{key}">0</div><div class="label">{label}</div></div>'
        for key, label in (("waiting", "等待接入"), ("emergency_waiting", "紧急等待"), ("assigned", "处理中"),
                           ("agents_online", "在线坐席"), ("longest_wait_seconds", "最长等待"),
                           ("average_wait_seconds", "平均等待"), ("emergencies_today", "今日紧急")))
    main = (
        f'<main class="sup-page"><section class="cards">{cards}</section>'
        '<div class="sup-grid">'
        '<section class="panel"><h2>实时队列</h2><table class="grid" id="sup-queue"><thead><tr><th class="c-pri">优先级</th>'
        '<th class="c-state">状态</th><th class="c-wait">已等待</th><th class="c-agent">话务员</th>'
        '<th class="c-type">诉求类型</th><th>概要</th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="sup-queue-empty">队列为空。</p></section>'
        '<section class="panel"><h2>坐席</h2><table class="grid" id="sup-agents"><thead><tr><th>姓名</th><th>角色</th>'
        '<th>状态</th><th>处理中</th><th>最近在线</th></tr></thead><tbody></tbody></table></section>'
        '<section class="panel"><h2>今日紧急情况</h2><table class="grid" id="sup-emergencies"><thead><tr><th>时间</th>'
        '<th>类型</th><th>状态</th><th>话务员</th><th>概要</th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="sup-emergencies-empty">今日暂无紧急情况。</p></section>'
        '<section class="panel"><h2>操作记录</h2><table class="grid" id="sup-audit"><thead><tr><th>时间</th><th>用户</th>'
        '<th>操作</th><th>会话</th></tr></thead><tbody></tbody></table></section>'
        "</div></main>"
    )
    return _page("班长视图", "supervisor", actor, main)


def message_page(title: str, message: str, actor: Actor | None = None) -> str:
    body = (f'<main class="login-box"><h1>{escape(title)}</h1><p>{escape(message)}</p>'
            '<p><a href="/queue">返回会话队列</a></p></main>')
    if actor is None:
        return _head(title) + f'<body data-page="message" class="login-body">{body}</body></html>'
    return _page(title, "message", actor, body)
