/* Rexian 坐席助手: fills the pages from the JSON API and keeps them live over /events (server-sent events).
   Text from the server is only ever set with textContent (never as HTML). */
(function () {
  "use strict";

  const body = document.body;
  const page = body.dataset.page;
  if (!page || page === "login" || page === "message") {
    return;
  }
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";
  const myId = Number(body.dataset.userId);
  let clockOffset = 0; // server time minus browser time, in ms

  const EMERGENCY = {
    fire: "火情", gas: "燃气泄漏", violence: "暴力侵害", medical: "急病或重伤", drowning: "溺水",
    traffic_injury: "交通事故有人受伤", electric_collapse: "触电或坍塌", missing_person: "人员走失",
    domestic_violence: "家庭暴力", self_harm: "自伤风险", unknown: "紧急情况",
  };
  const ROUTE = { consult: "咨询", problem: "反映问题", unsure: "不确定" };
  const BAND = { answer: "可直接答复", did_you_mean: "可能相关", no_match: "未找到" };
  const ROLE = { citizen: "市民", bot: "智能助手", agent: "话务员", note: "内部备注", system: "系统" };
  const DELIVERY = { sent: "已送达", queued: "待市民打开页面", failed: "发送失败", sending: "发送中", spoken: "已告知来电人" };
  const ACTIONS = {
    login: "登录", login_failed: "登录失败", login_locked: "账号锁定", logout: "退出", take: "接入",
    send: "回复", send_auto: "自动通知", reveal: "查看完整号码", hand_back: "交回机器人", close: "结束人工服务",
    note: "备注", view: "查看会话", auto_return: "坐席离线·回到队列", handoff: "转人工", handoff_refresh: "转人工(更新)",
    resume_failed: "恢复机器人失败", user_add: "新建账号", password_set: "重设密码",
    user_disable: "停用账号", user_enable: "启用账号", order_create: "登记工单", order_remind: "催办工单",
    summary: "服务小结", call_start: "开始来电记录", call_line: "记录来电内容",
    kb_attach: "知识库·加为相似问法", kb_draft: "知识库·新建条目", kb_dismiss: "知识库·忽略未答问题",
  };

  // ------------------------------------------------------------------------------------------------ helpers

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = String(value);
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach((child) => {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function toast(message, isError) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.className = "toast" + (isError ? " error" : "");
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, isError ? 8000 : 3000);
  }

  async function api(method, url, payload) {
    const headers = { Accept: "application/json" };
    const options = { method, headers, credentials: "same-origin" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    const response = await fetch(url, options);
    if (response.status === 401) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
      throw new Error("登录已失效，请重新登录。");
    }
    let data = null;
    try { data = await response.json(); } catch (ignored) { data = null; }
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail : "操作失败（HTTP " + response.status + "）";
      throw new Error(detail);
    }
    return data;
  }

  function syncClock(serverIso) {
    if (serverIso) clockOffset = Date.parse(serverIso) - Date.now();
  }

  function fmtDuration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h) return h + "小时" + m + "分";
    if (m) return m + "分" + String(s).padStart(2, "0") + "秒";
    return s + "秒";
  }

  function fmtTime(iso) {
    return iso ? iso.slice(11, 19) : "";
  }

  function waitCell(item) {
    const cell = el("td", { className: "c-wait", "data-since": item.waiting_since });
    renderWait(cell);
    return cell;
  }

  function renderWait(cell) {
    const since = Date.parse(cell.dataset.since);
    const seconds = (Date.now() + clockOffset - since) / 1000;
    cell.textContent = fmtDuration(seconds);
    cell.classList.toggle("wait-long", seconds >= 180);
  }

  setInterval(() => document.querySelectorAll("[data-since]").forEach(renderWait), 1000);

  function priorityBadges(item) {
    if (item.emergency) return [el("span", { className: "badge emergency", text: "紧急·" + item.emergency_label })];
    return [el("span", { className: "badge", text: "普通" })];
  }

  function appealText(item) {
    if (!item.appeal_type) return "—";
    const confidence = typeof item.appeal_confidence === "number"
      ? "（" + Math.round(item.appeal_confidence * 100) + "%）" : "";
    return item.appeal_type + confidence;
  }

  function fillTable(tableId, emptyId, rows) {
    const tbody = document.querySelector("#" + tableId + " tbody");
    tbody.replaceChildren(...rows);
    const empty = document.getElementById(emptyId);
    if (empty) empty.hidden = rows.length > 0;
  }

  function openConversation(id, channel) {
    window.location.href = (channel === "seat" ? "/calls/" : "/conversations/") + id;
  }

  function debounce(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // ---------------------------------------------------------------------------------------- live updates

  const handlers = {};

  function connect() {
    const status = document.getElementById("live-status");
    const source = new EventSource("/events");
    source.addEventListener("hello", () => {
      if (status) { status.textContent = "实时连接正常"; status.className = "live"; }
      if (handlers.reload) handlers.reload();
    });
    source.onerror = () => {
      if (status) { status.textContent = "实时连接已断开，正在重连…"; status.className = "live off"; }
    };
    ["queue", "new_message", "conversation", "resync", "suggestions", "orders"].forEach((name) => {
      source.addEventListener(name, (event) => {
        let data = {};
        try { data = JSON.parse(event.data); } catch (ignored) { data = {}; }
        if (name === "resync") { if (handlers.reload) handlers.reload(); return; }
        if (handlers[name]) handlers[name](data);
      });
    });
    source.addEventListener("logout", () => {
      source.close();
      window.location.href = "/login";
    });
  }

  // ------------------------------------------------------------------------------------------ queue page

  function queuePage() {
    async function take(id, button) {
      button.disabled = true;
      try {
        await api("POST", "/api/conversations/" + id + "/take");
        openConversation(id);
      } catch (error) {
        toast(error.message, true);
        button.disabled = false;
        load();
      }
    }

    function waitingRow(item) {
      const button = el("button", { className: "primary", text: "接入" });
      button.addEventListener("click", (event) => { event.stopPropagation(); take(item.id, button); });
      return el("tr", { className: item.emergency ? "emergency" : "", onclick: () => openConversation(item.id, item.channel) }, [
        el("td", { text: item.position }),
        el("td", {}, priorityBadges(item)),
        waitCell(item),
        el("td", { text: item.channel_label }),
        el("td", { text: appealText(item) }),
        el("td", { text: item.gist || "（无文字）", title: item.gist }),
        el("td", { text: item.reason_label }),
        el("td", {}, [button]),
      ]);
    }

    function assignedRow(item) {
      return el("tr", { className: item.emergency ? "emergency" : "", onclick: () => openConversation(item.id, item.channel) }, [
        el("td", {}, priorityBadges(item)),
        el("td", { text: item.agent_id === myId ? "我" : (item.agent || "—") }),
        el("td", { text: item.channel_label }),
        el("td", { text: appealText(item) }),
        el("td", { text: item.gist || "（无文字）", title: item.gist }),
        el("td", {}, [el("a", { href: "/conversations/" + item.id, text: "查看" })]),
      ]);
    }

    async function load() {
      try {
        const data = await api("GET", "/api/queue");
        syncClock(data.server_time);
        fillTable("waiting-table", "waiting-empty", data.waiting.map(waitingRow));
        fillTable("assigned-table", "assigned-empty", data.assigned.map(assignedRow));
        document.getElementById("waiting-count").textContent = data.waiting.length;
        document.getElementById("assigned-count").textContent = data.assigned.length;
        document.title = (data.waiting.length ? "(" + data.waiting.length + ") " : "") + "会话队列 · 坐席助手";
      } catch (error) {
        toast(error.message, true);
      }
    }

    const reload = debounce(load, 150);
    handlers.reload = load;
    handlers.queue = reload;
    handlers.conversation = reload;
    load();
  }

  // -------------------------------------------------------------------------------------- conversation page

  function conversationPage() {
    const id = Number(body.dataset.conversationId);
    const isCall = body.dataset.call === "1";
    const transcript = document.getElementById("transcript");
    const replyForm = document.getElementById("reply-form");
    const replyText = document.getElementById("reply-text");
    const lineForm = document.getElementById("line-form");
    const seen = new Set();
    let selected = null;
    let latestCitizen = null;
    let current = null;
    let suggestions = [];
    let suggestionsFor = "";  // the citizen message the suggestions answer (its text, shown as "针对：…")

    // The text of the transcript message the suggestions were searched for (by its id), not simply the latest one:
    // after "转人工" the suggestions still answer the question before it.
    function messageText(messageId) {
      const node = messageId ? transcript.querySelector('li[data-id="' + messageId + '"] .bubble') : null;
      return node ? node.textContent : "";
    }
    let activeTab = "suggest";

    // --- tabs
    const tabButtons = Array.from(document.querySelectorAll(".tabs [data-tab]"));
    function showTab(name) {
      activeTab = name;
      tabButtons.forEach((b) => {
        b.classList.toggle("current", b.dataset.tab === name);
        b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false");
      });
      document.querySelectorAll(".conv-side .tab").forEach((section) => {
        section.hidden = section.id !== "tab-" + name;
      });
      if (name === "order") order.open();
      if (name === "similar") similar.load();
      if (name === "summary") summary.open();
    }
    tabButtons.forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));

    function chips(understanding) {
      if (!understanding) return null;
      const route = understanding.route || {};
      const items = [];
      if (understanding.emergency) {
        items.push(el("span", { className: "badge emergency",
                                text: "紧急·" + (EMERGENCY[understanding.emergency.kind] || "紧急情况") }));
      }
      if (route.appeal_type) {
        const pct = typeof route.confidence === "number" ? " " + Math.round(route.confidence * 100) + "%" : "";
        items.push(el("span", { className: "badge", text: route.appeal_type + pct }));
      } else if (route.kind) {
        items.push(el("span", { className: "badge", text: ROUTE[route.kind] || route.kind }));
      }
      const fields = understanding.fields || {};
      if (fields.address) items.push(el("span", { className: "badge", text: "地址" }));
      if ((fields.phones || []).length) items.push(el("span", { className: "badge", text: "电话" }));
      if ((fields.times || []).length) items.push(el("span", { className: "badge", text: "时间" }));
      return items.length ? el("div", { className: "chips" }, items) : null;
    }

    function showUnderstanding(message) {
      const box = document.getElementById("understanding");
      const u = message && message.understanding;
      if (!u) { box.replaceChildren(document.createTextNode("—")); return; }
      const route = u.route || {};
      const fields = u.fields || {};
      const kb = u.kb || {};
      const rows = [
        ["消息", message.text],
        ["诉求类型", route.appeal_type
          ? route.appeal_type + (typeof route.confidence === "number" ? "（置信度 " + Math.round(route.confidence * 100) + "%）" : "")
          : (ROUTE[route.kind] || "未判断")],
        ["紧急", u.emergency ? (EMERGENCY[u.emergency.kind] || "紧急情况") : "否"],
        ["地址", fields.address || "—"],
        ["时间", (fields.times || []).join("、") || "—"],
        ["称呼", fields.person || "—"],
        ["电话", (fields.phones || []).join("、") || "—"],
        ["证件号", (fields.id_numbers || []).join("、") || "—"],
        ["知识库", kb.band ? (BAND[kb.band] || kb.band) + ((kb.candidates || [])[0] ? "：" + kb.candidates[0].question : "") : "—"],
      ];
      box.replaceChildren(...rows.flatMap(([k, v]) => [el("div", { className: "k", text: k }), el("div", { text: v })]));
    }

    function select(message, node) {
      document.querySelectorAll(".msg.selected").forEach((n) => n.classList.remove("selected"));
      if (node) node.classList.add("selected");
      selected = message;
      showUnderstanding(message);
    }

    function addMessage(message) {
      if (seen.has(message.id)) return;
      seen.add(message.id);
      const classes = ["msg", message.role];
      if (message.delivery === "failed") classes.push("failed");
      let who = ROLE[message.role] || message.role;
      if (isCall && message.role === "citizen") who = "来电人";
      if (message.author && (message.role === "agent" || message.role === "note")) who += " " + message.author;
      let meta = who + " · " + fmtTime(message.at);
      if (message.role === "agent" && message.delivery) meta += " · " + (DELIVERY[message.delivery] || message.delivery);
      if (message.delivery_error) meta += "（" + message.delivery_error + "）";
      const node = el("li", { className: classes.join(" "), "data-id": message.id }, [
        message.role === "system" ? null : el("div", { className: "meta", text: meta }),
        el("div", { className: "bubble", text: message.role === "system" ? message.text + " · " + fmtTime(message.at) : message.text }),
        message.role === "citizen" ? chips(message.understanding) : null,
      ]);
      if (message.role === "citizen") {
        node.addEventListener("click", () => select(message, node));
        latestCitizen = { message, node };
      }
      const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
      transcript.appendChild(node);
      if (atBottom || message.role === "agent") transcript.scrollTop = transcript.scrollHeight;
    }

    function showConversation(c) {
      current = c;
      document.getElementById("conv-title").textContent = (isCall ? "来电记录 #" : "会话 #") + c.id + " · " + c.channel_label;
      const badges = [...priorityBadges(c), el("span", { className: "badge state-" + c.state, text: c.state_label })];
      if (c.agent) badges.push(el("span", { className: "badge", text: "话务员 " + c.agent }));
      if (c.position) badges.push(el("span", { className: "badge", text: "排队第 " + c.position + " 位" }));
      if (!isCall) badges.push(el("span", { className: "badge", text: c.reason_label }));
      document.getElementById("conv-badges").replaceChildren(...badges);
      document.getElementById("btn-take").hidden = isCall || !c.can.take;
      document.getElementById("btn-handback").hidden = isCall || !c.can.hand_back;
      document.getElementById("btn-close").hidden = !c.can.close;
      document.getElementById("btn-reveal").hidden = !c.can.reveal;
      replyForm.hidden = !c.can.reply;
      if (lineForm) lineForm.hidden = !c.can.add_line;
      const hint = document.getElementById("reply-hint");
      hint.hidden = c.can.reply;
      hint.textContent = isCall ? "来电记录已结束。" : c.state === "waiting" ? "接入后即可回复市民。"
        : c.state === "assigned" ? "该会话由其他话务员处理中。" : "该会话已" + c.state_label + "。";
      document.getElementById("btn-file").disabled = !c.can.file;
      document.getElementById("btn-summary").disabled = !c.can.file;
    }

    async function load() {
      try {
        const data = await api("GET", "/api/conversations/" + id);
        syncClock(data.server_time);
        showConversation(data.conversation);
        data.messages.forEach(addMessage);
        if (!selected && latestCitizen) select(latestCitizen.message, latestCitizen.node);
        loadSuggestions();
        order.refreshList();
      } catch (error) {
        toast(error.message, true);
      }
    }

    // --- suggested answers

    function renderSuggestions(list, forText) {
      suggestions = list;
      const box = document.getElementById("suggestions");
      document.getElementById("suggest-for").textContent = forText ? "（针对：" + forText.slice(0, 24) + (forText.length > 24 ? "…" : "") + "）" : "";
      if (!list.length) {
        box.replaceChildren(el("li", { className: "hint", text: "暂无建议。" }));
        return;
      }
      const canSend = current && current.can.reply;
      box.replaceChildren(...list.map((s) => {
        const validity = (s.valid_from || s.valid_to)
          ? "有效期 " + (s.valid_from || "…") + " 至 " + (s.valid_to || "…") : "长期有效";
        const send = el("button", { className: "primary", text: isCall ? "已告知来电人" : "直接发送",
                                    title: isCall ? "记录为已原样告知来电人" : "原样发送给市民" });
        send.addEventListener("click", () => sendReply(s.answer, s.id, send));
        const edit = el("button", { text: isCall ? "修改后记录" : "编辑后发送" });
        edit.addEventListener("click", () => {
          replyText.value = s.answer;
          replyText.dataset.suggestion = s.id === null || s.id === undefined ? "" : String(s.id);
          replyText.focus();
        });
        return el("li", { className: s.outcome ? "used" : "" }, [
          el("div", { className: "q", text: s.question }),
          el("div", { className: "a", text: s.answer, title: s.answer }),
          el("div", { className: "src", text: [validity, s.source ? "来源：" + s.source : "", s.department,
                                                 "相似度 " + Math.round(s.similarity * 100) + "%"].filter(Boolean).join(" · ") }),
          s.outcome ? el("div", { className: "hint", text: s.outcome === "unchanged" ? "已原样发送" : "已修改后发送" }) : null,
          canSend ? el("div", { className: "row" }, [send, edit]) : null,
        ]);
      }));
    }

    async function loadSuggestions() {
      try {
        const data = await api("GET", "/api/conversations/" + id + "/suggestions");
        suggestionsFor = messageText(data.message_id);
        renderSuggestions(data.suggestions, suggestionsFor);
      } catch (error) {
        document.getElementById("suggestions").replaceChildren(el("li", { className: "hint", text: "建议暂不可用。" }));
      }
    }

    // --- sending (a chat reply, or in call assist what the agent told the caller)

    async function sendReply(text, suggestionId, button) {
      text = (text || "").trim();
      if (!text) return;
      if (button) button.disabled = true;
      const payload = { text };
      if (suggestionId !== null && suggestionId !== undefined && suggestionId !== "") payload.suggestion_id = Number(suggestionId);
      try {
        const message = await api("POST", "/api/conversations/" + id + "/reply", payload);
        addMessage(message);
        if (message.suggestion_use) {
          suggestions = suggestions.map((s) => (s.id === payload.suggestion_id ? { ...s, outcome: message.suggestion_use } : s));
          renderSuggestions(suggestions, suggestionsFor);
        }
        return true;
      } catch (error) {
        toast(error.message, true);
        load();
        return false;
      } finally {
        if (button) button.disabled = false;
      }
    }

    async function sendFromBox() {
      const button = replyForm.querySelector("button");
      button.disabled = true;
      const ok = await sendReply(replyText.value, replyText.dataset.suggestion, null);
      button.disabled = false;
      if (ok) {
        replyText.value = "";
        delete replyText.dataset.suggestion;
      }
      replyText.focus();
    }

    replyForm.addEventListener("submit", (event) => { event.preventDefault(); sendFromBox(); });
    replyText.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); sendFromBox(); }
    });

    if (lineForm) {
      const lineText = document.getElementById("line-text");
      lineForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = lineText.value.trim();
        if (!text) return;
        try {
          addMessage(await api("POST", "/api/calls/" + id + "/lines", { text }));
          lineText.value = "";
          if (latestCitizen) select(latestCitizen.message, latestCitizen.node);
          order.changed();
        } catch (error) {
          toast(error.message, true);
        }
        lineText.focus();
      });
    }

    // --- the work-order form

    const order = (function () {
      const form = document.getElementById("order-form");
      const f = (name) => document.getElementById("o-" + name);
      let catalog = null;
      let formKey = null;
      let edited = false;
      let stale = false;
      let draft = null;

      async function ensureCatalog() {
        if (!catalog) catalog = await api("GET", "/api/catalog");
        return catalog;
      }

      function option(value, text, isSelected) {
        const node = el("option", { value, text });
        if (isSelected) node.selected = true;
        return node;
      }

      function fillDepartments(chosenCategory, chosenDepartment) {
        const select = f("department");
        const leaf = catalog.categories.find((c) => c.path === chosenCategory);
        const routed = leaf ? leaf.department : "";
        const wanted = chosenDepartment || routed;
        const options = [option("", routed ? "按分类派往：" + (catalog.departments[routed] || routed) : "（按分类自动派单）", !wanted || wanted === routed)];
        Object.entries(catalog.departments).forEach(([code, name]) => {
          if (code !== routed) options.push(option(code, "改派：" + name, code === wanted));
        });
        select.replaceChildren(...options);
      }

      function fill(data) {
        draft = data.draft;
        formKey = data.form_key;
        const d = draft;
        f("appeal").replaceChildren(option("", "（请选择）", !d.appeal_type), ...d.appeal_alternatives.map((a) =>
          option(a.value, a.value + (typeof a.score === "number" ? "（" + Math.round(a.score * 100) + "%）" : ""), a.value === d.appeal_type)));
        const recommended = d.category_alternatives.map((c) =>
          option(c.path, c.path + " → " + c.department_name + "（" + Math.round(c.score * 100) + "%）", c.path === d.category));
        const all = catalog.categories.filter((c) => !d.category_alternatives.some((a) => a.path === c.path))
          .map((c) => option(c.path, c.path + " → " + c.department_name, false));
        const groups = [option("", "（无分类：由热线中心人工派单）", !d.category)];
        if (recommended.length) groups.push(el("optgroup", { label: "推荐" }, recommended));
        groups.push(el("optgroup", { label: "全部分类" }, all));
        f("category").replaceChildren(...groups);
        fillDepartments(d.category, null);
        f("address").value = d.address || "";
        f("occurred").value = d.occurred || "";
        f("name").value = d.name || "";
        f("phone").value = d.phone || "";
        f("description").value = d.description || "";
        f("callback").checked = d.callback_consent !== false;
        f("anonymous").checked = !!d.anonymous;
        const notes = (d.notes || []).slice();
        if (d.appeal_source === "bot") notes.unshift("诉求类型取自智能助手的判断。");
        if (d.category && !d.category_confident) notes.push("分类把握不大，请核对。");
        if ((d.phones || []).length > 1) notes.push("市民留了多个号码：" + d.phones.join("、"));
        document.getElementById("order-notes").textContent = notes.join(" ");
        edited = false;
        stale = false;
        showOrders(data.orders);
      }

      function showOrders(list) {
        const box = document.getElementById("order-list");
        if (!list || !list.length) {
          box.replaceChildren(el("li", { className: "hint", text: "尚未登记工单。" }));
          return;
        }
        box.replaceChildren(...list.map((o) => el("li", {}, [
          el("strong", { text: o.service_request_id || "—" }),
          " ",
          el("span", { className: "badge", text: o.kind === "remind" ? "已催办" : (o.outcome === "reminder" ? "记为催办" : "已登记") }),
          el("div", { className: "src", text: [o.category, o.agency ? "承办：" + o.agency : "", o.expected_at ? "办结期限 " + o.expected_at.replace("T", " ").slice(0, 16) : ""].filter(Boolean).join(" · ") }),
        ])));
      }

      async function open(force) {
        if (!force && draft && !stale) return;
        if (!force && edited) {
          document.getElementById("order-notes").textContent = "对话有新内容；点“按对话重新填写”可更新表单（会覆盖已修改的内容）。";
          return;
        }
        try {
          await ensureCatalog();
          fill(await api("GET", "/api/conversations/" + id + "/order/draft"));
        } catch (error) {
          toast(error.message, true);
        }
      }

      async function refreshList() {
        try {
          const data = await api("GET", "/api/conversations/" + id + "/orders");
          showOrders(data.orders);
        } catch (ignored) { /* shown on the next load */ }
      }

      form.addEventListener("input", () => { edited = true; });
      f("category").addEventListener("change", () => fillDepartments(f("category").value, null));
      document.getElementById("btn-refill").addEventListener("click", () => open(true));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const button = document.getElementById("btn-file");
        if (button.disabled) return;
        button.disabled = true;
        const payload = {
          form_key: formKey, appeal_type: f("appeal").value || null, category: f("category").value || null,
          department: f("department").value || null, address: f("address").value, occurred: f("occurred").value,
          name: f("name").value, phone: f("phone").value, description: f("description").value,
          callback_consent: f("callback").checked, anonymous: f("anonymous").checked,
        };
        const result = document.getElementById("order-result");
        try {
          const data = await api("POST", "/api/conversations/" + id + "/orders", payload);
          result.hidden = false;
          result.className = "order-result ok";
          result.replaceChildren(...[
            el("div", { text: data.outcome === "reminder" ? "市民已有相同的在办工单，本次记为催办：" : "工单已登记：" }),
            el("div", { className: "big", text: data.service_request_id }),
            el("div", { className: "src", text: [data.agency ? "承办部门：" + data.agency : "", data.expected_at ? "办结期限 " + data.expected_at.replace("T", " ").slice(0, 16) : ""].filter(Boolean).join(" · ") }),
            data.warning ? el("div", { className: "error", text: data.warning }) : null].filter(Boolean));
          toast("工单号 " + data.service_request_id + (data.replayed ? "（此前已登记，未重复提交）" : ""));
          stale = true;
          edited = false;
          await open(true);
        } catch (error) {
          toast(error.message, true);
        } finally {
          button.disabled = !(current && current.can.file);
        }
      });

      return {
        open: () => open(false),
        refreshList,
        changed: () => {
          stale = true;
          if (activeTab === "order") open(false);
        },
      };
    })();

    // --- similar open orders, 催办

    const similar = (function () {
      async function load() {
        const box = document.getElementById("similar");
        box.replaceChildren(el("li", { className: "hint", text: "正在查找…" }));
        const params = new URLSearchParams();
        const category = document.getElementById("o-category").value;
        const text = document.getElementById("o-description").value;
        if (category) params.set("category", category);
        if (text) params.set("text", text.slice(0, 1000));
        try {
          const data = await api("GET", "/api/conversations/" + id + "/similar?" + params.toString());
          if (!data.orders.length) {
            box.replaceChildren(el("li", { className: "hint", text: "没有找到相似的在办工单（共查看 " + data.searched + " 张在办工单）。" }));
            return;
          }
          box.replaceChildren(...data.orders.map((o) => {
            const button = el("button", { text: "催办此单" });
            button.disabled = !(current && current.can.file);
            button.addEventListener("click", () => remind(o, button));
            const badges = [];
            if (o.same_caller) badges.push(el("span", { className: "badge emergency", text: "同一来电人" }));
            if (o.overdue) badges.push(el("span", { className: "badge emergency", text: "超期" }));
            if (o.supervised) badges.push(el("span", { className: "badge", text: "督办" }));
            if (o.reminder_count) badges.push(el("span", { className: "badge", text: "已催办 " + o.reminder_count + " 次" }));
            return el("li", {}, [
              el("div", { className: "row" }, [el("strong", { text: o.service_request_id }),
                el("span", { className: "hint", text: "相似度 " + Math.round(o.similarity * 100) + "%" }),
                el("span", { className: "spacer" }), button]),
              el("div", {}, badges),
              el("div", { className: "a", text: o.description }),
              el("div", { className: "src", text: [o.category, o.agency, o.state_label, o.address,
                "登记 " + (o.requested_at || "").replace("T", " ").slice(0, 16)].filter(Boolean).join(" · ") }),
            ]);
          }));
        } catch (error) {
          box.replaceChildren(el("li", { className: "hint", text: error.message }));
        }
      }

      async function remind(o, button) {
        if (!window.confirm("对工单 " + o.service_request_id + " 催办？市民的重复反映将记入原工单，不再新立工单。")) return;
        button.disabled = true;
        try {
          const data = await api("POST", "/api/conversations/" + id + "/remind",
            { service_request_id: o.service_request_id, remind_key: o.remind_key, text: "" });
          toast("已催办工单 " + data.service_request_id + (data.replayed ? "（此前已催办）" : ""));
          order.refreshList();
          load();
        } catch (error) {
          toast(error.message, true);
          button.disabled = false;
        }
      }

      document.getElementById("btn-similar").addEventListener("click", load);
      return { load: () => { order.open().then(load); } };
    })();

    // --- 服务小结

    const summary = (function () {
      const text = document.getElementById("summary-text");
      let touched = false;
      text.addEventListener("input", () => { touched = true; });

      function showSaved(saved) {
        document.getElementById("summary-list").replaceChildren(...(saved || []).slice().reverse().map((s) => el("li", {}, [
          el("div", { className: "src", text: "已保存 " + (s.at || "").replace("T", " ").slice(0, 16) + (s.service_request_id ? " · 关联工单 " + s.service_request_id : "") }),
          el("div", { className: "a", text: s.text, title: s.text }),
        ])));
      }

      async function open(force) {
        if (touched && !force) return;
        try {
          const data = await api("GET", "/api/conversations/" + id + "/summary");
          text.value = data.text;
          touched = false;
          showSaved(data.saved);
        } catch (error) {
          toast(error.message, true);
        }
      }

      document.getElementById("btn-summary-refresh").addEventListener("click", () => open(true));
      document.getElementById("btn-summary").addEventListener("click", async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          const data = await api("POST", "/api/conversations/" + id + "/summary", { text: text.value.trim() || null });
          document.getElementById("summary-notice").textContent = data.notice;
          addMessage(data.message);
          touched = false;
          open(true);
          toast("服务小结已保存");
        } catch (error) {
          toast(error.message, true);
        } finally {
          button.disabled = !(current && current.can.file);
        }
      });
      return { open: () => open(false) };
    })();

    async function act(path, confirmText) {
      if (confirmText && !window.confirm(confirmText)) return;
      try {
        await api("POST", "/api/conversations/" + id + "/" + path);
        await load();
      } catch (error) {
        toast(error.message, true);
        load();
      }
    }

    document.getElementById("btn-take").addEventListener("click", () => act("take"));
    document.getElementById("btn-handback").addEventListener("click",
      () => act("handback", "把会话交回智能助手？市民之后的消息将由机器人回答。"));
    document.getElementById("btn-close").addEventListener("click",
      () => act("close", isCall ? "结束这条来电记录？" : "结束本次人工服务？智能助手将恢复回答该市民。"));
    document.getElementById("btn-reveal").addEventListener("click", async () => {
      try {
        const data = await api("POST", "/api/conversations/" + id + "/reveal");
        const list = document.getElementById("phones");
        list.replaceChildren(...(data.phones.length
          ? data.phones.map((p) => el("li", { text: p.phone }))
          : [el("li", { className: "hint", text: "市民没有留下电话号码。" })]));
      } catch (error) {
        toast(error.message, true);
      }
    });

    document.getElementById("note-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = document.getElementById("note-text");
      const text = box.value.trim();
      if (!text) return;
      try {
        addMessage(await api("POST", "/api/conversations/" + id + "/note", { text }));
        box.value = "";
      } catch (error) {
        toast(error.message, true);
      }
    });

    handlers.reload = load;
    handlers.new_message = (data) => {
      if (data.conversation_id !== id || !data.message) return;
      addMessage(data.message);
      if (data.message.role === "citizen") {  // the newest citizen message: its understanding; the form may refill
        if (latestCitizen) select(latestCitizen.message, latestCitizen.node);
        order.changed();
      }
    };
    handlers.suggestions = (data) => {  // pushed as soon as the newest citizen message has its suggestions
      if (data.conversation_id !== id) return;
      suggestionsFor = messageText(data.message_id);
      renderSuggestions(data.suggestions, suggestionsFor);
      if (current && current.can.reply && activeTab !== "suggest" && data.suggestions.length) {
        const tab = tabButtons.find((b) => b.dataset.tab === "suggest");
        if (tab) tab.classList.add("fresh");
      }
    };
    handlers.orders = (data) => { if (data.conversation_id === id) order.refreshList(); };
    handlers.conversation = (data) => { if (data.conversation_id === id) load(); };
    tabButtons.forEach((b) => b.addEventListener("click", () => b.classList.remove("fresh")));
    load();
  }

  // -------------------------------------------------------------------------------------------- calls page

  function callsPage() {
    function row(item) {
      return el("tr", { onclick: () => { window.location.href = "/calls/" + item.id; } }, [
        el("td", { text: fmtTime(item.created_at) }),
        el("td", { text: item.agent || "—" }),
        el("td", { text: appealText(item) }),
        el("td", { text: item.gist || "（尚无内容）", title: item.gist }),
        el("td", {}, [el("a", { href: "/calls/" + item.id, text: "打开" })]),
      ]);
    }
    async function load() {
      try {
        const data = await api("GET", "/api/calls");
        fillTable("calls-open", "calls-open-empty", data.open.map(row));
        fillTable("calls-ended", "calls-ended-empty", data.ended.map(row));
        document.getElementById("calls-open-count").textContent = data.open.length;
      } catch (error) {
        toast(error.message, true);
      }
    }
    const start = document.getElementById("btn-new-call");
    start.addEventListener("click", async () => {
      start.disabled = true;
      try {
        const data = await api("POST", "/api/calls");
        window.location.href = "/calls/" + data.conversation_id;
      } catch (error) {
        toast(error.message, true);
        start.disabled = false;
      }
    });
    handlers.reload = load;
    handlers.conversation = debounce(load, 300);
    load();
  }

  // ---------------------------------------------------------------------------------------- supervisor page

  function supervisorPage() {
    async function load() {
      try {
        const [data, audit] = await Promise.all([api("GET", "/api/supervisor"), api("GET", "/api/audit?limit=30")]);
        syncClock(data.server_time);
        Object.entries(data.counts).forEach(([key, value]) => {
          const node = document.getElementById("count-" + key);
          if (node) node.textContent = key.endsWith("_seconds") ? fmtDuration(value) : value;
        });
        fillTable("sup-queue", "sup-queue-empty", data.queue.map((item) => el("tr", {
          className: item.emergency ? "emergency" : "", onclick: () => openConversation(item.id, item.channel) }, [
          el("td", {}, priorityBadges(item)),
          el("td", {}, [el("span", { className: "badge state-" + item.state, text: item.state_label })]),
          waitCell(item),
          el("td", { text: item.agent || "—" }),
          el("td", { text: appealText(item) }),
          el("td", { text: item.gist, title: item.gist }),
        ])));
        fillTable("sup-agents", null, data.agents.map((a) => el("tr", {}, [
          el("td", { text: a.display_name + "（" + a.name + "）" }),
          el("td", { text: a.role_label }),
          el("td", {}, [el("span", { className: a.online ? "online" : "offline", text: a.online ? "在线" : "离线" })]),
          el("td", { text: a.assigned }),
          el("td", { text: a.last_seen ? a.last_seen.slice(5, 16).replace("T", " ") : "—" }),
        ])));
        fillTable("sup-emergencies", "sup-emergencies-empty", data.emergencies_today.map((item) => el("tr", {
          className: "emergency", onclick: () => openConversation(item.id, item.channel) }, [
          el("td", { text: fmtTime(item.created_at) }),
          el("td", { text: item.emergency_label }),
          el("td", { text: item.state_label }),
          el("td", { text: item.agent || "—" }),
          el("td", { text: item.gist, title: item.gist }),
        ])));
        loadOrders();
        fillTable("sup-audit", null, audit.entries.map((entry) => el("tr", {}, [
          el("td", { text: entry.at ? entry.at.slice(5, 19).replace("T", " ") : "" }),
          el("td", { text: entry.user }),
          el("td", { text: ACTIONS[entry.action] || entry.action }),
          el("td", { text: entry.conversation_id ? "#" + entry.conversation_id : "" }),
        ])));
      } catch (error) {
        toast(error.message, true);
      }
    }
    function pct(value) {
      return typeof value === "number" ? (value * 100).toFixed(1) + "%" : "—";
    }

    function orderRow(o) {
      return el("tr", { className: o.overdue ? "emergency" : "" }, [
        el("td", { text: o.service_request_id }),
        el("td", { text: o.category || o.service_name || "—", title: o.description }),
        el("td", { text: o.agency || o.department || "—" }),
        el("td", { text: (o.expected_at || "").replace("T", " ").slice(5, 16) }),
        el("td", { className: "c-count", text: o.reminder_count }),
      ]);
    }

    let ordersLoadedAt = 0;
    async function loadOrders() {
      if (Date.now() - ordersLoadedAt < 20000) return;  // the backend's figures change slowly
      ordersLoadedAt = Date.now();
      const today = new Date(Date.now() + clockOffset + 8 * 3600 * 1000).toISOString().slice(0, 10);
      try {
        const [data, usage] = await Promise.all([api("GET", "/api/supervisor/orders"),
          api("GET", "/api/stats/suggestions?start=" + today + "&end=" + today)]);
        const rate = usage.overall.shown ? (usage.overall.unchanged + usage.overall.edited) / usage.overall.shown : null;
        document.getElementById("metric-suggestion_rate").textContent = pct(rate);
        fillTable("sup-usage", "sup-usage-empty", Object.entries(usage.by_agent).map(([name, c]) => el("tr", {}, [
          el("td", { text: name }), el("td", { text: c.shown }), el("td", { text: c.unchanged }),
          el("td", { text: c.edited }), el("td", { text: c.not_sent }),
        ])));
        if (!data.available) {
          document.getElementById("metrics-note").textContent = data.error;
          return;
        }
        Object.entries(data.rates).forEach(([key, value]) => {
          document.getElementById("metric-" + key).textContent = pct(value);
        });
        ["open_count", "overdue_count", "supervised_count"].forEach((key) => {
          document.getElementById("metric-" + key).textContent = data[key];
        });
        document.getElementById("metrics-note").textContent = "三率：" + data.period.start + " 至 " + data.period.end
          + " 登记的工单（共 " + data.tally.total + " 张，已回访 " + data.tally.surveyed + " 张）；超期与督办为当前在办工单。";
        fillTable("sup-overdue", "sup-overdue-empty", data.overdue.map(orderRow));
        fillTable("sup-supervised", "sup-supervised-empty", data.supervised.map(orderRow));
      } catch (error) {
        document.getElementById("metrics-note").textContent = error.message;
      }
    }

    const reload = debounce(load, 300);
    handlers.reload = () => { ordersLoadedAt = 0; load(); };
    handlers.queue = reload;
    handlers.conversation = reload;
    load();
  }

  window.RexianConsole = { el, toast, api }; // shared with the page scripts (static/knowledge.js)
  if (page === "queue") queuePage();
  else if (page === "calls") callsPage();
  else if (page === "conversation") conversationPage();
  else if (page === "supervisor") supervisorPage();
  connect();
})();
