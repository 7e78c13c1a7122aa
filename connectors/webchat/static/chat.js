// Rexian web chat: plain JavaScript, no external resources.
(function () {
  "use strict";
  var STORE_SENDER = "rexian.sender";
  var STORE_LOG = "rexian.log";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");

  function newSender() {
    var rand = (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "") :
      (Date.now().toString(36) + Math.random().toString(36).slice(2));
    return "web:" + rand.slice(0, 32);
  }
  var sender = localStorage.getItem(STORE_SENDER);
  if (!sender) { sender = newSender(); localStorage.setItem(STORE_SENDER, sender); }

  var history = [];
  try { history = JSON.parse(localStorage.getItem(STORE_LOG) || "[]"); } catch (e) { history = []; }

  function save() { localStorage.setItem(STORE_LOG, JSON.stringify(history.slice(-200))); }

  function render(entry, live) {
    var row = document.createElement("div");
    row.className = "msg msg--" + entry.who;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = entry.text || "";
    if (entry.buttons && entry.buttons.length) {
      var box = document.createElement("div");
      box.className = "buttons";
      entry.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.disabled = !live;
        btn.addEventListener("click", function () {
          box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          send(b.payload, b.title);
        });
        box.appendChild(btn);
      });
      bubble.appendChild(box);
    }
    row.appendChild(bubble);
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  function add(entry) { history.push(entry); save(); render(entry, true); }

  var SEND_TIMEOUT_MS = 40000;  // the server gives Rasa 30 s

  function newMessageId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "") :
      (Date.now().toString(36) + Math.random().toString(36).slice(2));
  }

  function send(payload, shown) {
    add({ who: "user", text: shown || payload });
    var typing = document.createElement("div");
    typing.className = "typing";
    typing.textContent = "正在输入…";
    log.appendChild(typing);
    // One id per message: when the network fails or the answer takes too long the page asks once more with the
    // same id, and the server answers that retry with the first attempt's reply instead of a second turn.
    var messageId = newMessageId();
    function attempt(tries) {
      var signal = typeof AbortSignal === "function" && AbortSignal.timeout ? AbortSignal.timeout(SEND_TIMEOUT_MS) : undefined;
      return fetch("/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender_id: sender, text: payload, message_id: messageId }),
        signal: signal
      }).catch(function (error) {
        if (tries > 0) { return attempt(tries - 1); }
        throw error;
      });
    }
    attempt(1).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      typing.remove();
      if (!res.ok) { add({ who: "error", text: (res.body && res.body.detail) || "发送失败，请稍后再试。" }); return; }
      res.body.messages.forEach(function (m) { add({ who: "bot", text: m.text, buttons: m.buttons }); });
      setHandoff(res.body.handoff);
    }).catch(function () {
      typing.remove();
      add({ who: "error", text: "网络异常，消息没有发送成功，请稍后再试。" });
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  document.getElementById("reset").addEventListener("click", function () {
    sender = newSender();
    localStorage.setItem(STORE_SENDER, sender);
    history = []; save();
    log.innerHTML = "";
    setHandoff(false);
    greet();
  });

  function greet() {
    add({ who: "bot", text: "您好，这里是12345政务服务热线智能客服。请直接输入您想咨询的问题，例如“居住证怎么办理”“公积金怎么提取”。" });
  }

  // Messages the bot starts (e.g. the satisfaction survey after a work order is closed) and a human agent's
  // replies: fetched every 15 s, every 2.5 s while an agent has the conversation (the bot's reply says so in
  // "handoff"; the page keeps polling fast for 30 minutes after the last sign of the agent, across reloads).
  var STORE_FAST = "rexian.handoffUntil";
  var FAST_MS = 2500, SLOW_MS = 15000, FAST_FOR_MS = 30 * 60 * 1000;
  var status = document.getElementById("status");
  var fastUntil = parseInt(localStorage.getItem(STORE_FAST) || "0", 10) || 0;
  var timer = null;
  var polling = false;

  function handoffOpen() { return Date.now() < fastUntil; }

  function setHandoff(open) {
    if (open === true) { fastUntil = Date.now() + FAST_FOR_MS; }
    else if (open === false) { fastUntil = 0; }
    else { return; }  // the reply said nothing about it
    localStorage.setItem(STORE_FAST, String(fastUntil));
    showStatus();
    schedule();
  }

  function showStatus() { if (status) { status.hidden = !handoffOpen(); } }

  function fetchPending() {
    if (polling || document.hidden) { return; }
    polling = true;
    fetch("/api/pending?sender_id=" + encodeURIComponent(sender)).then(function (r) {
      return r.ok ? r.json() : { messages: [] };
    }).then(function (body) {
      var messages = body.messages || [];
      messages.forEach(function (m) { add({ who: "bot", text: m.text, buttons: m.buttons }); });
      if (messages.length && handoffOpen()) { setHandoff(true); }  // the agent is writing: stay fast
    }).catch(function () { /* offline: try again later */ }).then(function () { polling = false; });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { fetchPending(); showStatus(); schedule(); }, handoffOpen() ? FAST_MS : SLOW_MS);
  }

  history.forEach(function (e) { render(e, false); });
  if (!history.length) { greet(); }
  fetchPending();
  showStatus();
  schedule();
  document.addEventListener("visibilitychange", fetchPending);
  input.focus();
})();
