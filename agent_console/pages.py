"""The console's HTML pages: small server-rendered shells; ``static/console.js`` fills them from the JSON API and
keeps them live over ``/events``. Everything is served by the console itself (no CDN), in simplified Chinese."""

from __future__ import annotations

from html import escape

from agent_console.models import ROLE_LABELS
from agent_console.service import Actor

ASSET_VERSION = "2"


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
    links = [("queue", "/queue", "会话队列"), ("calls", "/calls", "电话辅助")]
    links.append(("knowledge", "/knowledge", "知识库维护"))
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


def _field(label: str, control: str, wide: bool = False) -> str:
    return f'<label class="f{" wide" if wide else ""}"><span>{label}</span>{control}</label>'


def _order_form() -> str:
    return (
        '<form id="order-form" class="order-form" autocomplete="off">'
        '<p id="order-notes" class="hint"></p>'
        + _field("诉求类型", '<select id="o-appeal" name="appeal_type"></select>')
        + _field("承办部门", '<select id="o-department" name="department"></select>')
        + _field("分类", '<select id="o-category" name="category"></select>', wide=True)
        + _field("地址", '<input id="o-address" name="address" maxlength="500">', wide=True)
        + _field("发生时间", '<input id="o-occurred" name="occurred" maxlength="100">')
        + _field("称呼", '<input id="o-name" name="name" maxlength="100">')
        + _field("联系电话", '<input id="o-phone" name="phone" maxlength="40" placeholder="默认隐藏中间四位">', wide=True)
        + _field("问题描述", '<textarea id="o-description" name="description" rows="4" maxlength="4000" required>'
                             '</textarea>', wide=True)
        + '<div class="f wide checks"><label><input type="checkbox" id="o-callback" checked> 同意回访</label>'
          '<label><input type="checkbox" id="o-anonymous"> 信息保密（对承办部门匿名）</label></div>'
        '<div class="f wide actions"><button type="button" id="btn-refill">按对话重新填写</button>'
        '<button type="submit" class="primary" id="btn-file">登记工单</button></div>'
        "</form>"
        '<div id="order-result" class="order-result" hidden></div>'
        '<h4>本会话的工单</h4><ul id="order-list" class="orders"><li class="hint">尚未登记工单。</li></ul>'
    )


def conversation_page(actor: Actor, conversation_id: int, *, call: bool = False) -> str:
    """The conversation view; ``call``: the call-assist variant (lines typed by the agent, nobody to push to)."""
    if call:
        head = ('<div class="conv-head"><a href="/calls" class="back">← 电话辅助</a><h2 id="conv-title">来电记录</h2>'
                '<span id="conv-badges"></span><span class="spacer"></span>'
                '<button id="btn-take" hidden></button><button id="btn-handback" hidden></button>'
                '<button id="btn-close" class="danger" hidden>结束来电</button></div>')
        bottom = (
            '<form id="line-form" class="line" hidden><label for="line-text">来电人说：</label>'
            '<input id="line-text" maxlength="2000" placeholder="输入或粘贴来电人说的一句话，回车添加">'
            '<button type="submit" class="primary">添加</button></form>'
            '<form id="reply-form" class="reply" hidden><textarea id="reply-text" rows="2" maxlength="2000" '
            'placeholder="已告知来电人的答复（记录用），Ctrl+Enter 保存"></textarea>'
            '<button type="submit">记录答复</button></form>'
            '<p id="reply-hint" class="hint">来电记录已结束。</p>')
    else:
        head = ('<div class="conv-head"><a href="/queue" class="back">← 返回队列</a><h2 id="conv-title">会话</h2>'
                '<span id="conv-badges"></span><span class="spacer"></span>'
                '<button id="btn-take" class="primary" hidden>接入会话</button>'
                '<button id="btn-handback" hidden>交回机器人</button>'
                '<button id="btn-close" class="danger" hidden>结束人工服务</button></div>')
        bottom = (
            '<form id="reply-form" class="reply" hidden><textarea id="reply-text" rows="3" maxlength="2000" '
            'placeholder="输入回复内容，Ctrl+Enter 发送"></textarea><button type="submit" class="primary">发送</button>'
            '</form><p id="reply-hint" class="hint">接入后即可回复市民。</p>')
    current = ' class="current"'
    tabs = "".join(f'<button type="button" role="tab" data-tab="{key}"{current if i == 0 else ""}>{label}</button>'
                   for i, (key, label) in enumerate((("suggest", "建议答复"), ("order", "登记工单"),
                                                     ("similar", "相似工单"), ("summary", "服务小结"),
                                                     ("info", "理解与电话"))))
    main = (
        '<main class="conv-page">'
        f'<section class="conv-main panel">{head}'
        '<ol id="transcript" class="transcript" aria-live="polite"></ol>'
        f"{bottom}</section>"
        f'<aside class="conv-side"><nav class="tabs" role="tablist">{tabs}</nav>'
        '<section class="panel tab" id="tab-suggest"><h3>建议答复 <span class="hint" id="suggest-for"></span></h3>'
        '<ul id="suggestions" class="suggestions"><li class="hint">暂无建议。</li></ul></section>'
        f'<section class="panel tab" id="tab-order" hidden>{_order_form()}</section>'
        '<section class="panel tab" id="tab-similar" hidden><div class="row"><h3>相似的在办工单</h3>'
        '<span class="spacer"></span><button type="button" id="btn-similar">重新查找</button></div>'
        '<p class="hint">同一分类、内容相近或同一来电人的在办工单；重复反映请催办原工单，不要重复立单。</p>'
        '<ul id="similar" class="orders"><li class="hint">打开此页时查找。</li></ul></section>'
        '<section class="panel tab" id="tab-summary" hidden><h3>服务小结</h3>'
        '<textarea id="summary-text" rows="9" maxlength="2000"></textarea>'
        '<div class="row"><button type="button" id="btn-summary-refresh">重新生成</button><span class="spacer"></span>'
        '<button type="button" class="primary" id="btn-summary">一键保存服务小结</button></div>'
        '<p class="hint" id="summary-notice">保存后记入会话（内部备注）并关联本会话最新的工单。</p>'
        '<ul id="summary-list" class="orders"></ul></section>'
        '<section class="panel tab" id="tab-info" hidden>'
        '<h3>对最新消息的理解</h3><div id="understanding" class="kv">—</div>'
        '<h3>联系电话</h3><p class="hint">号码默认隐藏；查看完整号码会被记录。</p>'
        '<button id="btn-reveal" hidden>显示完整号码</button><ul id="phones" class="phones"></ul>'
        '<h3>内部备注</h3><form id="note-form" class="note"><textarea id="note-text" rows="2" '
        'maxlength="2000" placeholder="仅坐席可见，不会发给市民"></textarea><button type="submit">保存备注</button>'
        "</form></section>"
        "</aside></main>"
    )
    extra = f' data-conversation-id="{int(conversation_id)}"' + (' data-call="1"' if call else "")
    return _page("来电记录" if call else "会话", "conversation", actor, main, extra)


def calls_page(actor: Actor) -> str:
    main = (
        '<main class="queue-page">'
        '<section class="panel"><div class="row"><h2>电话辅助</h2><span class="spacer"></span>'
        '<button id="btn-new-call" class="primary">开始新来电记录</button></div>'
        '<p class="hint">接听电话时，把来电人说的话逐句输入或粘贴进来：系统会实时给出建议答复、预填工单、'
        '查找相似工单，并可一键生成服务小结。</p></section>'
        '<section class="panel"><h2>进行中 <span class="count" id="calls-open-count">0</span></h2>'
        '<table class="grid" id="calls-open"><thead><tr><th class="c-wait">开始</th><th class="c-agent">话务员</th>'
        '<th class="c-type">诉求类型</th><th>概要</th><th class="c-act"></th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="calls-open-empty">没有进行中的来电记录。</p></section>'
        '<section class="panel"><h2>已结束</h2>'
        '<table class="grid" id="calls-ended"><thead><tr><th class="c-wait">开始</th><th class="c-agent">话务员</th>'
        '<th class="c-type">诉求类型</th><th>概要</th><th class="c-act"></th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="calls-ended-empty">暂无。</p></section>'
        "</main>"
    )
    return _page("电话辅助", "calls", actor, main)


def supervisor_page(actor: Actor) -> str:
    cards = "".join(
        f'<div class="card{" alert" if key in ("emergency_waiting", "emergencies_today") else ""}">'
        f'<div class="num" id="count-{key}">0</div><div class="label">{label}</div></div>'
        for key, label in (("waiting", "等待接入"), ("emergency_waiting", "紧急等待"), ("assigned", "处理中"),
                           ("agents_online", "在线坐席"), ("longest_wait_seconds", "最长等待"),
                           ("average_wait_seconds", "平均等待"), ("emergencies_today", "今日紧急")))
    order_cards = "".join(
        f'<div class="card{" alert" if key in ("overdue_count", "supervised_count") else ""}">'
        f'<div class="num" id="metric-{key}">—</div><div class="label">{label}</div></div>'
        for key, label in (("on_time_closure_rate", "按时办结率"), ("resolution_rate", "解决率"),
                           ("satisfaction_rate", "满意率"), ("open_count", "在办工单"), ("overdue_count", "超期工单"),
                           ("supervised_count", "督办工单"), ("suggestion_rate", "今日建议采用率")))
    main = (
        f'<main class="sup-page"><section class="cards">{cards}</section>'
        f'<section class="cards" id="order-cards">{order_cards}</section>'
        '<p class="hint" id="metrics-note">三率：近 30 天登记的工单（派单后台 /metrics.json）。</p>'
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
        '<section class="panel"><h2>超期工单</h2><table class="grid" id="sup-overdue"><thead><tr>'
        '<th class="c-order">工单号</th><th>分类</th><th class="c-agency">承办部门</th><th class="c-wait">期限</th>'
        '<th class="c-count">催办</th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="sup-overdue-empty">暂无超期工单。</p></section>'
        '<section class="panel"><h2>督办工单</h2><table class="grid" id="sup-supervised"><thead><tr>'
        '<th class="c-order">工单号</th><th>分类</th><th class="c-agency">承办部门</th><th class="c-wait">期限</th>'
        '<th class="c-count">催办</th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="sup-supervised-empty">暂无督办工单。</p></section>'
        '<section class="panel"><h2>今日建议答复使用</h2><table class="grid" id="sup-usage"><thead><tr><th>话务员</th>'
        '<th>展示</th><th>原样发送</th><th>修改后发送</th><th>未采用</th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="sup-usage-empty">今日暂无建议答复。</p></section>'
        '<section class="panel"><h2>操作记录</h2><table class="grid" id="sup-audit"><thead><tr><th>时间</th><th>用户</th>'
        '<th>操作</th><th>会话</th></tr></thead><tbody></tbody></table></section>'
        "</div></main>"
    )
    return _page("班长视图", "supervisor", actor, main)


def knowledge_page(actor: Actor) -> str:
    """Knowledge upkeep: the questions the bot could not answer, grouped; attach, draft or dismiss
    (``static/knowledge.js``, ``agent_console/knowledge.py``)."""
    main = (
        '<main class="kb-page">'
        '<section class="panel kb-groups"><h2>未答问题与“没帮助”反馈 <span class="count" id="kb-open">0</span></h2>'
        '<p class="hint">相似的问法已归为一组，按出现次数排列。选中一组后，可把它加为已有条目的相似问法，或新建条目。'
        '号码已遮盖。</p>'
        '<table class="grid" id="kb-groups"><thead><tr><th>问题（代表问法）</th><th class="c-count">次数</th>'
        '<th class="c-wait">最近</th></tr></thead><tbody></tbody></table>'
        '<p class="empty" id="kb-empty" hidden>目前没有待处理的问题。</p></section>'
        '<section class="panel kb-detail" id="kb-detail" hidden>'
        '<h2 id="kb-title"></h2><ul id="kb-members" class="kb-members"></ul>'
        '<h3>加为相似问法</h3>'
        '<label class="f wide"><span>问法（可修改）</span><input id="kb-question" maxlength="200"></label>'
        '<div id="kb-targets" class="kb-targets" role="radiogroup" aria-label="加到哪个条目"></div>'
        '<div class="kb-search"><input id="kb-search" placeholder="按问题或编号搜索其他条目" maxlength="200">'
        '<button type="button" id="kb-search-btn">搜索</button></div>'
        '<div class="actions"><button type="button" class="primary" id="kb-attach">加为相似问法</button>'
        '<button type="button" id="kb-show-draft">新建条目</button>'
        '<button type="button" class="danger" id="kb-dismiss">忽略</button></div>'
        '<form id="kb-draft" class="order-form" autocomplete="off" hidden><h3>新建条目</h3>'
        + _field("标准问题", '<input id="d-question" maxlength="200" required>', wide=True)
        + _field("相似问法（每行一个）", '<textarea id="d-similar" rows="3"></textarea>', wide=True)
        + _field("答案", '<textarea id="d-answer" rows="5" maxlength="8000" required></textarea>', wide=True)
        + _field("分类", '<input id="d-category" list="kb-categories" maxlength="100" required>')
        + _field("承办部门", '<input id="d-department" maxlength="100">')
        + _field("来源", '<input id="d-source" maxlength="200" placeholder="如：某政策文件、部门答复">')
        + _field("编号（可留空自动生成）", '<input id="d-id" maxlength="64">')
        + _field("生效日期", '<input id="d-from" type="date">')
        + _field("失效日期", '<input id="d-to" type="date">')
        + '<datalist id="kb-categories"></datalist>'
        '<p id="d-error" class="error" role="alert" hidden></p>'
        '<div class="f wide actions"><button type="submit" class="primary" id="d-save">保存并启用</button>'
        '<button type="button" id="d-cancel">取消</button></div></form>'
        "</section></main>"
        '<script src="/static/knowledge.js?v=' + ASSET_VERSION + '" defer></script>'
    )
    return _page("知识库维护", "knowledge", actor, main)


def message_page(title: str, message: str, actor: Actor | None = None) -> str:
    body = (f'<main class="login-box"><h1>{escape(title)}</h1><p>{escape(message)}</p>'
            '<p><a href="/queue">返回会话队列</a></p></main>')
    if actor is None:
        return _head(title) + f'<body data-page="message" class="login-body">{body}</body></html>'
    return _page(title, "message", actor, body)
