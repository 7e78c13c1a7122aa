/* Rexian 坐席助手 · 知识库维护: the grouped unanswered questions; attach one to an entry, draft an entry, dismiss.
   Text from the server is only ever set with textContent (never as HTML). */
(function () {
  "use strict";

  if (document.body.dataset.page !== "knowledge" || !window.RexianConsole) return;
  const $ = (id) => document.getElementById(id);
  let groups = [];
  let current = null;

  const { el, toast, api } = window.RexianConsole; // static/console.js, loaded first

  function day(iso) {
    return iso ? iso.slice(0, 10) : "";
  }

  // ------------------------------------------------------------------------------------------------ the list

  async function load(keepId) {
    let data;
    try {
      data = await api("GET", "/api/knowledge/groups");
    } catch (error) {
      toast(error.message, true);
      return;
    }
    groups = data.groups;
    $("kb-open").textContent = String(data.open_rows);
    const list = $("kb-categories");
    list.replaceChildren(...data.categories.map((c) => el("option", { value: c })));
    const body = $("kb-groups").querySelector("tbody");
    body.replaceChildren(...groups.map((group) => el("tr", {
      "data-group": group.group_id,
      className: current && group.group_id === current.group_id ? "selected" : "",
      onclick: () => select(group),
    }, [
      el("td", { text: group.question, title: group.question }),
      el("td", { className: "c-count", text: group.count }),
      el("td", { className: "c-wait", text: day(group.last_seen) }),
    ])));
    $("kb-empty").hidden = groups.length > 0;
    const again = keepId && groups.find((g) => g.group_id === keepId);
    if (again) select(again);
    else if (groups.length) select(groups[0]);
    else { current = null; $("kb-detail").hidden = true; }
  }

  // ------------------------------------------------------------------------------------------------ one group

  function targetOption(target, checked) {
    const id = "t-" + target.entry_id;
    return el("label", { className: "kb-target", for: id }, [
      el("input", { type: "radio", name: "kb-target", id, value: target.entry_id, checked }),
      el("span", { className: "kb-target-q", text: target.question }),
      el("span", { className: "kb-target-meta", text: target.category + " · " + target.entry_id }),
    ]);
  }

  function showTargets(targets) {
    const box = $("kb-targets");
    if (!targets.length) {
      box.replaceChildren(el("p", { className: "hint", text: "没有找到相近的条目，可搜索或新建条目。" }));
      return;
    }
    box.replaceChildren(...targets.map((t, i) => targetOption(t, i === 0)));
  }

  function select(group) {
    current = group;
    document.querySelectorAll("#kb-groups tbody tr").forEach((row) => {
      row.classList.toggle("selected", row.dataset.group === group.group_id);
    });
    $("kb-detail").hidden = false;
    $("kb-title").textContent = group.question + "（共 " + group.count + " 次）";
    $("kb-members").replaceChildren(...group.members.map((m) => el("li", {}, [
      el("span", { text: m.text }),
      el("span", { className: "hint", text: "  " + m.count + " 次" + (m.unhelpful ? "（其中“没帮助” " + m.unhelpful + " 次）" : "")
        + " · 最近 " + day(m.last_seen) }),
    ])));
    $("kb-question").value = group.question;
    showTargets(group.targets);
    $("kb-draft").hidden = true;
    $("d-error").hidden = true;
  }

  async function search() {
    const text = $("kb-search").value.trim();
    if (!text) return;
    try {
      const data = await api("GET", "/api/knowledge/entries?q=" + encodeURIComponent(text));
      showTargets(data.entries);
    } catch (error) {
      toast(error.message, true);
    }
  }

  async function attach() {
    if (!current) return;
    const chosen = document.querySelector('input[name="kb-target"]:checked');
    if (!chosen) { toast("请先选择要加入的条目。", true); return; }
    $("kb-attach").disabled = true;
    try {
      const data = await api("POST", "/api/knowledge/attach",
        { items: current.items, question: $("kb-question").value, entry_id: chosen.value });
      toast(data.message);
      await load();
    } catch (error) {
      toast(error.message, true);
    } finally {
      $("kb-attach").disabled = false;
    }
  }

  async function dismiss() {
    if (!current) return;
    if (!window.confirm("确定忽略这组问题吗？忽略后不再显示，知识库不会改动。")) return;
    try {
      await api("POST", "/api/knowledge/dismiss", { items: current.items });
      toast("已忽略。");
      await load();
    } catch (error) {
      toast(error.message, true);
    }
  }

  function showDraft() {
    if (!current) return;
    $("d-question").value = $("kb-question").value || current.question;
    const others = current.members.map((m) => m.text).filter((t) => t !== $("d-question").value);
    $("d-similar").value = others.filter((t) => t.indexOf("[") < 0).join("\n");
    ["d-answer", "d-category", "d-department", "d-source", "d-id", "d-from", "d-to"].forEach((id) => { $(id).value = ""; });
    $("d-error").hidden = true;
    $("kb-draft").hidden = false;
    $("d-answer").focus();
  }

  async function saveDraft(event) {
    event.preventDefault();
    if (!current) return;
    const entry = {
      id: $("d-id").value, question: $("d-question").value, similar_questions: $("d-similar").value,
      answer: $("d-answer").value, category: $("d-category").value, department: $("d-department").value,
      source: $("d-source").value, valid_from: $("d-from").value, valid_to: $("d-to").value,
    };
    $("d-save").disabled = true;
    try {
      const data = await api("POST", "/api/knowledge/draft", { items: current.items, entry });
      toast(data.message);
      $("kb-draft").hidden = true;
      await load();
    } catch (error) {
      $("d-error").textContent = error.message;
      $("d-error").hidden = false;
    } finally {
      $("d-save").disabled = false;
    }
  }

  $("kb-search-btn").addEventListener("click", search);
  $("kb-search").addEventListener("keydown", (event) => { if (event.key === "Enter") search(); });
  $("kb-attach").addEventListener("click", attach);
  $("kb-dismiss").addEventListener("click", dismiss);
  $("kb-show-draft").addEventListener("click", showDraft);
  $("kb-draft").addEventListener("submit", saveDraft);
  $("d-cancel").addEventListener("click", () => { $("kb-draft").hidden = true; });
  load();
})();
