// vnstance label: the page. Keyboard first; every key is listed in the footer.
"use strict";

const state = { config: null, item: null, choice: {}, history: [], busy: false };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, opts);
  } catch (e) {
    throw new Error("the server is not answering (is `vnstance label` still running?); " +
      "every answer shown as saved is in the file");
  }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.detail || `${r.status} ${r.statusText}`);
  return data;
}

function say(text, isError) {
  const m = $("message");
  m.textContent = text;
  m.className = isError ? "error" : "";
}

function keyName(k) { return k === " " ? "Space" : k; }

// The sentence with each target mention marked (built from text nodes: no HTML from data).
function marked(text, mentions) {
  const spans = [];
  for (const [target, surfaces] of Object.entries(mentions || {})) {
    for (const s of surfaces || []) {
      if (!s) continue;
      let at = text.indexOf(s);
      while (at !== -1) { spans.push([at, at + s.length, target]); at = text.indexOf(s, at + s.length); }
    }
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out = [];
  let pos = 0;
  for (const [start, end, target] of spans) {
    if (start < pos) continue;
    out.push(text.slice(pos, start), el("mark", { class: target, title: target }, text.slice(start, end)));
    pos = end;
  }
  out.push(text.slice(pos));
  return out;
}

function renderProgress(s) {
  if (!s) return;
  document.title = `${s.labelled}/${s.total} · vnstance label`;
  const p = $("progress");
  p.replaceChildren(
    el("b", {}, String(s.labelled)), ` labelled of ${s.total} · ${s.open} open`,
    s.skipped ? ` · ${s.skipped} skipped` : "",
    ` · random ${s.selected_by.random} / uncertainty ${s.selected_by.uncertainty}`,
    // over the answers the model made a suggestion for, on the heads it suggests (no model: no figure)
    s.compared_with_model ? ` · same as model ${Math.round(100 * s.same_as_model / s.compared_with_model)}%` +
      ` (on ${s.model_heads.join(", ")})` : "",
    s.per_hour ? ` · ${s.per_hour}/h` : "");
}

function renderFields() {
  const { config, item, choice } = state;
  const fields = $("fields");
  fields.replaceChildren();
  for (const head of config.heads) {
    const options = el("div", { class: "options" });
    for (const label of config.labels[head]) {
      const score = item.scores && item.scores[head] ? item.scores[head][label] : null;
      const b = el("button", { type: "button", "data-head": head, "data-label": label, tabindex: "-1" },
        el("kbd", {}, config.keys[head][label]), label,
        el("span", { class: "score" }, score === null || score === undefined ? "" : score.toFixed(2)));
      b.className = "option" + (item.suggestion[head] === label ? " suggested" : "") +
        (choice[head] === label ? " chosen" : "");
      if (score !== null && score !== undefined) b.append(el("span", { class: "bar", style: `width:${Math.round(score * 100)}%` }));
      b.addEventListener("click", () => { choose(head, label); });
      options.append(b);
    }
    // a head the model does not have (or no model): no suggestion, the annotator must choose
    const suggested = item.suggestion[head];
    options.append(el("span", { class: "model-note" }, suggested === undefined ? "model: no suggestion" : `model: ${suggested}`));
    const changed = choice[head] !== suggested;
    const open = choice[head] === undefined;
    fields.append(el("div", { class: "field" + (open ? " open" : changed ? " changed" : ""), "data-head": head },
      el("span", { class: "name" }, head), options));
  }
}

function show(item, prefill) {
  state.item = item;
  $("card").hidden = !item;
  $("done").hidden = !!item;
  if (!item) return;
  state.choice = Object.assign({}, item.suggestion, prefill || {});
  $("card").dataset.id = item.id;
  $("where").textContent = `${item.doc} · ${item.id}`;
  const why = $("why");
  why.textContent = item.selected_by === "random" ? "random sample"
    : item.margin === null || item.margin === undefined ? "uncertainty · no target found"
    : `uncertainty · margin ${item.margin.toFixed(2)}`;
  why.className = "badge " + item.selected_by;
  for (const side of ["before", "after"]) {
    const p = $(side);
    p.textContent = item[side] || (side === "before" ? "(start of the document)" : "(end of the document)");
    p.className = "context" + (item[side] ? "" : " empty");
  }
  $("sentence").replaceChildren(...marked(item.text, item.mentions));
  renderFields();
}

function choose(head, label) {
  if (!state.item) return;
  state.choice[head] = label;
  renderFields();
}

async function loadNext() {
  const data = await api("GET", "/api/next");
  show(data.item);
  renderProgress(data.stats);
}

async function save() {
  const item = state.item;
  if (!item) return;
  const missing = state.config.heads.filter((h) => state.choice[h] === undefined);
  if (missing.length) {
    say(`choose a label for ${missing.join(", ")} first (the keys are in the footer)`, true);
    return;
  }
  const data = await api("POST", "/api/answer", Object.assign({ id: item.id }, state.choice));
  state.history.push({ kind: "answer", id: item.id });
  say(`saved ${item.id}: ` + state.config.heads.map((h) => `${h}=${data.saved[h]}`).join(", "));
  await loadNext();
}

async function skip() {
  const item = state.item;
  if (!item) return;
  await api("POST", "/api/skip", { id: item.id });
  state.history.push({ kind: "skip", id: item.id });
  say(`skipped ${item.id}: it comes back after the others`);
  await loadNext();
}

async function undo() {
  const last = state.history.pop();
  const data = await api("POST", "/api/undo", last ? { id: last.id } : {});
  say(data.undone === "answer" ? `undid the answer to ${data.item.id}` : `back to skipped ${data.item.id}`);
  const prefill = data.answer ? Object.fromEntries(state.config.heads.map((h) => [h, data.answer[h]])) : null;
  show(data.item, prefill);
  renderProgress(data.stats);
}

function toggleGuideline(open) {
  const g = $("guideline");
  g.hidden = open === undefined ? !g.hidden : !open;
  if (!g.hidden) g.focus();  // arrow keys and Page Down scroll the guideline
}

// Markdown of the guideline, rendered as text nodes: headings, lists, tables as lines, `code`.
function renderGuideline(sections) {
  const body = $("guideline-body");
  if (!sections.length) { body.append(el("p", {}, "The guideline (seeds/GUIDELINE.md) was not found.")); return; }
  const inline = (line) => line.split(/(`[^`]+`)/).map((part) =>
    part.startsWith("`") && part.endsWith("`") ? el("code", {}, part.slice(1, -1)) : part.replace(/\*\*/g, ""));
  for (const { title, body: md } of sections) {
    body.append(el("h3", {}, title));
    let list = null;
    for (const raw of md.split("\n")) {
      const line = raw.trimEnd();
      const item = line.match(/^(?:- |\d+\. )(.*)$/);
      if (item) {
        if (!list) { list = el(/^\d/.test(line) ? "ol" : "ul", {}); body.append(list); }
        list.append(el("li", {}, ...inline(item[1])));
      } else if (/^\s+\S/.test(line) && list && list.lastChild) {
        list.lastChild.append(" ", ...inline(line.trim()));
      } else if (line.startsWith("|")) {
        if (/^\|[-| ]+\|$/.test(line)) continue;
        list = null;
        body.append(el("p", {}, ...inline(line.split("|").slice(1, -1).map((c) => c.trim()).join(" — "))));
      } else if (line.trim()) {
        list = null;
        body.append(el("p", {}, ...inline(line)));
      } else {
        list = null;
      }
    }
  }
}

function renderLegend() {
  const { config } = state;
  const legend = $("legend");
  for (const head of config.heads) {
    legend.append(el("span", {}, `${head}: `, ...config.labels[head].flatMap((l) =>
      [el("kbd", {}, config.keys[head][l]), ` ${l} `])));
  }
  for (const [k, what] of Object.entries(config.control_keys)) {
    legend.append(el("span", {}, el("kbd", {}, keyName(k)), ` ${what}`));
  }
}

async function run(action) {
  if (state.busy) return;
  state.busy = true;
  try { await action(); } catch (e) { say(e.message, true); } finally { state.busy = false; }
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  const g = $("guideline");
  if (e.key === "?" || (e.key === "Escape" && !g.hidden)) { e.preventDefault(); toggleGuideline(e.key === "?" ? undefined : false); return; }
  if (!g.hidden) return;
  if (e.key === "Enter") { e.preventDefault(); run(save); return; }
  if (e.key === " ") { e.preventDefault(); run(skip); return; }
  if (e.key === "Backspace") { e.preventDefault(); run(undo); return; }
  const key = e.key.toLowerCase();
  for (const head of state.config.heads) {
    for (const [label, k] of Object.entries(state.config.keys[head])) {
      if (k === key) { e.preventDefault(); choose(head, label); return; }
    }
  }
}

async function start() {
  state.config = await api("GET", "/api/config");
  $("annotator").textContent = `annotator: ${state.config.annotator} · ${state.config.file}`;
  renderLegend();
  renderGuideline(state.config.guideline);
  document.addEventListener("keydown", onKey);
  await loadNext();
}

start().catch((e) => say(`cannot start: ${e.message}`, true));
