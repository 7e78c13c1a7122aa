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
  const DELIVERY = { sent: "已送达", queued: "待市民打开页面", failed: "发送失败", sending: "发送中" };
  const ACTIONS = {
    login: "登录", login_failed: "登录失败", login_locked: "账号锁定", logout: "退出", take: "接入",
    send: "回复", send_auto: "自动通知", reveal: "查看完整号码", hand_back: "交回机器人", close: "结束人工服务",
    note: "备注", view: "查看会话", auto_return: "坐席离线·回到队列", handoff: "转人工", handoff_refresh: "转人工(更新)",
    resume_failed: "恢复机器人失败", user_add: "新建账号", password_set: "重设密码",
    user_disable: "停用账号", user_enable: "启用账号",
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

  function openConversation(id) {
    window.location.href = "/conversations/" + id;
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
    ["queue", "new_message", "conversation", "resync"].forEach((name) => {
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
      return el("tr", { className: item.emergency ? "emergency" : "", onclick: () => openConversation(item.id) }, [
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
      return el("tr", { className: item.emergency ? "emergency" : "", onclick: () => openConversation(item.id) }, [
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
    const transcript = document.getElementById("transcript");
    const replyForm = document.getElementById("reply-form");
    const replyText = document.getElementById("reply-text");
    const seen = new Set();
    let selected = null;
    let latestCitizen = null;
    let current = null;

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
      document.getElementById("conv-title").textContent = "会话 #" + c.id + " · " + c.channel_label;
      const badges = [...priorityBadges(c), el("span", { className: "badge state-" + c.state, text: c.state_label })];
      if (c.agent) badges.push(el("span", { className: "badge", text: "话务员 " + c.agent }));
      if (c.position) badges.push(el("span", { className: "badge", text: "排队第 " + c.position + " 位" }));
      badges.push(el("span", { className: "badge", text: c.reason_label }));
      document.getElementById("conv-badges").replaceChildren(...badges);
      document.getElementById("btn-take").hidden = !c.can.take;
      document.getElementById("btn-handback").hidden = !c.can.hand_back;
      document.getElementById("btn-close").hidden = !c.can.close;
      document.getElementById("btn-reveal").hidden = !c.can.reveal;
      replyForm.hidden = !c.can.reply;
      document.getElementById("reply-hint").hidden = c.can.reply;
      document.getElementById("reply-hint").textContent = c.state === "waiting" ? "接入后即可回复市民。"
        : c.state === "assigned" ? "该会话由其他话务员处理中。" : "该会话已" + c.state_label + "。";
    }

    async function load() {
      try {
        const data = await api("GET", "/api/conversations/" + id);
        syncClock(data.server_time);
        showConversation(data.conversation);
        data.messages.forEach(addMessage);
        if (!selected && latestCitizen) select(latestCitizen.message, latestCitizen.node);
        loadSuggestions();
      } catch (error) {
        toast(error.message, true);
      }
    }

    async function loadSuggestions() {
      const list = document.getElementById("suggestions");
      try {
        const data = await api("GET", "/api/conversations/" + id + "/suggestions");
        if (!data.suggestions.length) {
          list.replaceChildren(el("li", { className: "hint", text: "暂无建议。" }));
          return;
        }
        list.replaceChildren(...data.suggestions.map((s) => {
          const validity = (s.valid_from || s.valid_to)
            ? "有效期 " + (s.valid_from || "…") + " 至 " + (s.valid_to || "…") : "长期有效";
          const use = el("button", { text: "填入回复框" });
          use.addEventListener("click", () => {
            replyText.value = s.answer;
            replyText.dataset.suggestion = s.entry_id;
            replyText.focus();
          });
          return el("li", {}, [
            el("div", { className: "q", text: s.question }),
            el("div", { className: "a", text: s.answer }),
            el("div", { className: "src", text: [validity, s.source, s.department].filter(Boolean).join(" · ") }),
            current && current.can.reply ? use : null,
          ]);
        }));
      } catch (error) {
        list.replaceChildren(el("li", { className: "hint", text: "建议暂不可用。" }));
      }
    }

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
      () => act("close", "结束本次人工服务？智能助手将恢复回答该市民。"));
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

    async function sendReply() {
      const text = replyText.value.trim();
      if (!text) return;
      const button = replyForm.querySelector("button");
      button.disabled = true;
      try {
        const message = await api("POST", "/api/conversations/" + id + "/reply", { text });
        addMessage(message);
        replyText.value = "";
        delete replyText.dataset.suggestion;
      } catch (error) {
        toast(error.message, true);
        load();
      } finally {
        button.disabled = false;
        replyText.focus();
      }
    }

    replyForm.addEventListener("submit", (event) => { event.preventDefault(); sendReply(); });
    replyText.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); sendReply(); }
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
      if (data.message.role === "citizen") {  // the newest citizen message: its understanding and suggestions
        if (latestCitizen) select(latestCitizen.message, latestCitizen.node);
        loadSuggestions();
      }
    };
    handlers.conversation = (data) => { if (data.conversation_id === id) load(); };
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
          className: item.emergency ? "emergency" : "", onclick: () => openConversation(item.id) }, [
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
          className: "emergency", onclick: () => openConversation(item.id) }, [
          el("td", { text: fmtTime(item.created_at) }),
          el("td", { text: item.emergency_label }),
          el("td", { text: item.state_label }),
          el("td", { text: item.agent || "—" }),
          el("td", { text: item.gist, title: item.gist }),
        ])));
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
    const reload = debounce(load, 300);
    handlers.reload = load;
    handlers.queue = reload;
    handlers.conversation = reload;
    load();
  }

  if (page === "queue") queuePage();
  else if (page === "conversation") conversationPage();
  else if (page === "supervisor") supervisorPage();
  connect();
})();
