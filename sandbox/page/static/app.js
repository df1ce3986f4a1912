// The workspace page: HTML comes rendered from the server; this script long-polls it,
// sends what the person types and clicks, and keeps focus, scroll and typed values.
"use strict";

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const S = {
  user: params.get("user") || localStorage.getItem("sandbox.user") || "U_REQ",
  channel: params.get("channel") || "C_MIGRATIONS",
  thread: null,
  tab: "sim",
  version: -1,
  meta: null,
  shown: { channel: null, thread: null, modal: null, sim: null },
  poll: null,
  suggest: { items: [], active: 0 },
};

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: S.user, channel: S.channel, ...body }),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  if (!response.ok || data.ok === false) {
    toast(data.error || `HTTP ${response.status}`, "error");
    return null;
  }
  if (data.message) toast(data.message);
  return data;
}

function toast(text, kind) {
  const el = document.createElement("div");
  el.className = "toast" + (kind ? " " + kind : "");
  el.textContent = text;
  $("#toasts").appendChild(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500);
}

// ---- state: long poll -------------------------------------------------------------
function refresh() {
  S.version = -1;
  if (S.poll) S.poll.abort();
}

async function loop() {
  for (;;) {
    const controller = new AbortController();
    S.poll = controller;
    const q = new URLSearchParams({ user: S.user, channel: S.channel, thread: S.thread || "", since: S.version });
    try {
      const response = await fetch("/api/state?" + q, { signal: controller.signal });
      const state = await response.json();
      if (S.poll === controller) show(state);
    } catch (e) {
      if (e.name !== "AbortError") await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function atBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 40; }

function swap(el, key, html) {
  if (S.shown[key] === html) return false;
  const first = S.shown[key] === null;
  const stick = first || atBottom(el);
  el.innerHTML = html;
  S.shown[key] = html;
  if (stick && key !== "sim") el.scrollTop = el.scrollHeight;
  return true;
}

function show(state) {
  S.version = state.version;
  swap($("#messages"), "channel", state.channel);
  if (S.thread) swap($("#thread"), "thread", state.thread);
  swap($("#sim"), "sim", state.sim);
  showModal(state.modal);
}

function showModal(html) {
  if (S.shown.modal === html) return;
  const root = $("#modal-root");
  const old = root.querySelector("form.modal");
  const kept = {};
  if (old) old.querySelectorAll("[name]").forEach((el) => { kept[el.name] = el.value; });
  const oldId = old ? old.dataset.viewId : null;
  root.innerHTML = html;
  S.shown.modal = html;
  root.hidden = !html;
  const form = root.querySelector("form.modal");
  if (!form) return;
  if (form.dataset.viewId === oldId) {
    form.querySelectorAll("[name]").forEach((el) => { if (el.name in kept) el.value = kept[el.name]; });
  }
  const first = form.querySelector("input, textarea, select");
  if (first) first.focus();
}

// ---- people, channels, tabs -----------------------------------------------------------
function setup(meta) {
  S.meta = meta;
  const switcher = $("#user-switch");
  switcher.innerHTML = "";
  for (const u of meta.users) {
    const option = new Option(`${u.name} (${u.id})`, u.id, false, u.id === S.user);
    switcher.add(option);
  }
  switcher.addEventListener("change", () => {
    S.user = switcher.value;
    localStorage.setItem("sandbox.user", S.user);
    S.shown.modal = null;
    placeholders();
    refresh();
  });
  const list = $("#channels");
  for (const c of meta.channels) {
    const li = document.createElement("li");
    li.innerHTML = `<a href="#" data-channel="${c.id}"># ${c.name}</a>`;
    list.appendChild(li);
  }
  placeholders();
}

function channelName() {
  const c = (S.meta ? S.meta.channels : []).find((x) => x.id === S.channel);
  return c ? c.name : S.channel;
}

function userName() {
  const u = (S.meta ? S.meta.users : []).find((x) => x.id === S.user);
  return u ? u.name : S.user;
}

function placeholders() {
  $("#composer").placeholder = `Message #${channelName()} as ${userName()} — type / for commands`;
  $("#channel-name").textContent = `# ${channelName()}`;
  document.querySelectorAll("#channels a").forEach((a) => a.classList.toggle("active", a.dataset.channel === S.channel));
}

function setTab(tab) {
  S.tab = tab;
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.dataset.tab === tab));
  $("#thread").hidden = tab !== "thread";
  $("#thread-form").hidden = tab !== "thread" || !S.thread;
  $("#sim").hidden = tab !== "sim";
  $("#thread-close").hidden = tab !== "thread" || !S.thread;
}

function openThread(ts) {
  S.thread = ts;
  S.shown.thread = null;
  setTab("thread");
  refresh();
}

// ---- slash command suggestions ------------------------------------------------------------
function suggestions(value) {
  if (!S.meta || !value.startsWith("/")) return [];
  const [name] = value.split(/\s/, 1);
  const typedArgs = value.length > name.length;
  return S.meta.commands.filter((c) => (typedArgs ? c.name === name : c.name.startsWith(name)));
}

function renderSuggest() {
  const box = $("#suggest");
  const items = suggestions($("#composer").value);
  S.suggest.items = items;
  if (S.suggest.active >= items.length) S.suggest.active = 0;
  if (!items.length) { box.hidden = true; box.innerHTML = ""; return; }
  box.innerHTML = '<div class="suggest-head">Commands matching</div>' + items.map((c, i) =>
    `<div class="suggest-item${i === S.suggest.active ? " active" : ""}" data-command="${c.name}">` +
    `<span class="name">${c.name}</span><span class="usage">${c.usage}</span></div>`).join("");
  box.hidden = false;
}

function complete(name) {
  const input = $("#composer");
  const rest = input.value.includes(" ") ? input.value.slice(input.value.indexOf(" ")) : " ";
  input.value = name + rest;
  input.focus();
  renderSuggest();
}

async function send(event) {
  event.preventDefault();
  const input = $("#composer");
  const text = input.value.trim();
  if (!text) return;
  const isCommand = text.startsWith("/");
  const done = await api(isCommand ? "/api/command" : "/api/say", { text });
  if (done) { input.value = ""; renderSuggest(); }
}

// ---- buttons, selects, confirm dialogs, modals -----------------------------------------------
function confirmDialog(spec) {
  return new Promise((resolve) => {
    const root = $("#confirm-root");
    $("#confirm-title").textContent = spec.title;
    $("#confirm-text").innerHTML = spec.html; // rendered and escaped by the server
    const yes = $("#confirm-yes");
    const no = $("#confirm-no");
    yes.textContent = spec.confirm;
    no.textContent = spec.deny;
    yes.className = "bk-button " + (spec.style === "danger" ? "bk-danger" : "bk-primary");
    root.hidden = false;
    const finish = (answer) => { root.hidden = true; yes.onclick = no.onclick = null; resolve(answer); };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    yes.focus();
  });
}

async function act(el, value) {
  const view = el.closest("[data-view-id]");
  const msg = el.closest(".msg");
  const payload = { action_id: el.dataset.actionId, block_id: el.dataset.blockId, value };
  if (view) payload.view_id = view.dataset.viewId;
  else if (msg) Object.assign(payload, { channel: msg.dataset.channel, ts: msg.dataset.ts, ephemeral: msg.dataset.ephemeral === "1" });
  if (el.dataset.url) window.open(el.dataset.url, "_blank", "noopener");
  if (el.dataset.confirm && !(await confirmDialog(JSON.parse(el.dataset.confirm)))) return;
  el.disabled = true;
  try { await api("/api/click", payload); } finally { el.disabled = false; }
}

async function submitModal(form) {
  const values = {};
  form.querySelectorAll("[name]").forEach((el) => {
    const [block, action] = el.name.split("/");
    (values[block] = values[block] || {})[action] = el.value === "" && el.tagName === "SELECT" ? null : el.value;
  });
  const button = form.querySelector('button[type="submit"]');
  if (button) button.disabled = true;
  try { await api("/api/submit", { view_id: form.dataset.viewId, values }); } finally { if (button) button.disabled = false; }
}

document.addEventListener("click", async (event) => {
  const el = event.target.closest("[data-thread], #channels a[data-channel], .bk-button[data-action-id], [data-close], [data-sim], [data-command], .tab, #thread-close");
  if (!el) return;
  if (el.matches("a")) event.preventDefault();
  if (el.dataset.thread) return openThread(el.dataset.thread);
  if (el.dataset.command) return complete(el.dataset.command);
  if (el.classList.contains("tab")) return setTab(el.dataset.tab);
  if (el.id === "thread-close") { S.thread = null; S.shown.thread = null; setTab("sim"); return refresh(); }
  if (el.dataset.actionId) return act(el, el.dataset.value);
  if (el.hasAttribute("data-close")) {
    const form = el.closest("form.modal");
    return form && api("/api/close", { view_id: form.dataset.viewId });
  }
  if (el.dataset.sim) {
    el.disabled = true;
    try { await api("/api/sim", { op: el.dataset.sim, app: el.dataset.app }); } finally { el.disabled = false; }
    return refresh();
  }
  if (el.dataset.channel && el.closest("#channels")) {
    S.channel = el.dataset.channel; S.thread = null; S.shown.channel = null;
    setTab("sim"); placeholders(); return refresh();
  }
});

document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select.bk-select[data-action-id]") && !el.closest(".bk-input-block")) act(el, el.value);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("form.modal")) { event.preventDefault(); submitModal(form); }
});

function keys(event) {
  const items = S.suggest.items;
  if (!items.length || $("#suggest").hidden) return;
  const typed = $("#composer").value;
  const completing = !typed.includes(" ") && items.length && items[S.suggest.active].name !== typed;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    S.suggest.active = (S.suggest.active + step + items.length) % items.length;
    renderSuggest();
  } else if (event.key === "Tab" || (event.key === "Enter" && completing)) {
    event.preventDefault();
    complete(items[S.suggest.active].name);
  } else if (event.key === "Escape") {
    $("#suggest").hidden = true;
  }
}

async function start() {
  $("#composer-form").addEventListener("submit", send);
  $("#composer").addEventListener("input", () => { S.suggest.active = 0; renderSuggest(); });
  $("#composer").addEventListener("keydown", keys);
  $("#thread-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#thread-composer");
    if (input.value.trim() && (await api("/api/say", { text: input.value, thread: S.thread }))) input.value = "";
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("#modal-root").hidden && $("#confirm-root").hidden) {
      const form = $("#modal-root form.modal");
      if (form) api("/api/close", { view_id: form.dataset.viewId });
    }
  });
  setTab("sim");
  const response = await fetch("/api/meta");
  setup(await response.json());
  $("#composer").focus();
  loop();
}

start();
