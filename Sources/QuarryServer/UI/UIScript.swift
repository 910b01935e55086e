// The UI's script. It is a client of the JSON API only (GET /health, /plugins, /topics, /doc/ID;
// POST /search, /experiment) and builds the page with DOM calls: every piece of text from the server
// (documents, titles, generated text, topics, errors) goes in through textContent or text nodes, never
// innerHTML, since documents are untrusted input.
enum UIScript {
    static let text = #"""
"use strict";

// ---- small helpers ---------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

/// An element with attributes and children; strings become text nodes (never markup).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/// Text with the listed words (letter-and-digit runs, as the server lists them) in <mark>.
function highlighted(text, words) {
  const frag = document.createDocumentFragment();
  const wanted = new Set(words || []);
  let last = 0;
  for (const m of String(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    if (!wanted.has(m[0].toLowerCase())) continue;
    if (m.index > last) frag.append(document.createTextNode(text.slice(last, m.index)));
    frag.append(el("mark", {}, m[0]));
    last = m.index + m[0].length;
  }
  frag.append(document.createTextNode(String(text).slice(last)));
  return frag;
}

const fmt = (x, digits = 4) => (typeof x === "number" ? x.toFixed(digits) : "–");
const signed = (x, digits = 4) => (x > 0 ? "+" : x < 0 ? "−" : "±") + Math.abs(x).toFixed(digits);

function setStatus(text, isError) {
  const s = $("status");
  s.textContent = text || "";
  s.classList.toggle("error", !!isError);
}

/// A JSON API call; an error answer throws its message.
async function api(method, path, body) {
  const init = { method, headers: { "Accept": "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data;
  try { data = await response.json(); } catch (e) { data = { error: `HTTP ${response.status}` }; }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

const docHref = (docid, topic, words) => {
  const params = new URLSearchParams();
  if (topic) params.set("topic", topic);
  if (words && words.length) params.set("hl", words.join(" "));
  const query = params.toString();
  return "/doc/" + encodeURIComponent(docid) + (query ? "?" + query : "");
};

// ---- state -----------------------------------------------------------------------------------

const state = {
  health: null,
  plugins: null,
  topics: null,          // GET /topics
  columns: [],           // the two pipeline columns
  answers: [null, null], // their last /search answers
  experiment: null,      // the last /experiment answer
};

// ---- the pipeline pickers ----------------------------------------------------------------------

/// One column: its pipeline picker and where its answer is drawn.
function makeColumn(root, name, defaults) {
  const col = { name, root, values: {}, selects: {}, optionsBox: null, out: null };
  const stage = (key, label, names, help) => {
    const select = el("select", { id: `${name}-${key}`, "data-stage": key });
    select.append(new Option("server default", ""));
    if (key !== "model") select.append(new Option("none", "none"));
    for (const n of names) {
      const option = new Option(n, n);
      if (help[n]) option.title = help[n];
      select.append(option);
    }
    if (defaults[key] !== undefined && [...select.options].some((o) => o.value === defaults[key])) select.value = defaults[key];
    select.addEventListener("change", () => renderOptions(col));
    col.selects[key] = select;
    return el("label", {}, label, select);
  };
  const p = state.plugins;
  const summaries = {};
  for (const x of [...p.expanders, ...p.rerankers]) summaries[x.name] = x.summary;
  col.optionsBox = el("div", { class: "options" });
  root.append(
    el("h2", { id: `column-${name.toLowerCase()}-heading` }, `Pipeline ${name}`),
    el("fieldset", { class: "pipeline" },
      el("legend", {}, `Pipeline ${name}: first stage, expander, reranker and their options`),
      el("div", { class: "stages" },
        stage("model", "First stage", p.models.map((m) => m.name), {}),
        stage("expander", "Expander", p.expanders.map((x) => x.name), summaries),
        stage("reranker", "Reranker", p.rerankers.map((x) => x.name), summaries)),
      col.optionsBox));
  col.out = el("div", { class: "answer", "aria-live": "polite" });
  root.append(col.out);
  renderOptions(col);
  return col;
}

/// The option inputs of the stages chosen in a column (operator-only options are not offered: the
/// server refuses them from a request).
function renderOptions(col) {
  const p = state.plugins;
  const chosen = [
    p.models.find((m) => m.name === col.selects.model.value),
    p.expanders.find((x) => x.name === col.selects.expander.value),
    p.rerankers.find((x) => x.name === col.selects.reranker.value),
  ].filter(Boolean);
  col.optionsBox.replaceChildren();
  for (const plugin of chosen) {
    for (const o of plugin.options || []) {
      if (o.operatorOnly) continue;
      const key = `${plugin.name}.${o.name}`;
      const id = `${col.name}-opt-${key}`.replace(/[^A-Za-z0-9_-]/g, "_");
      let input;
      if (o.type === "bool") {
        input = el("select", { id });
        input.append(new Option(`default (${o.default ?? "none"})`, ""), new Option("true", "true"), new Option("false", "false"));
      } else {
        input = el("input", { id, type: o.type === "string" ? "text" : "number", step: o.type === "double" ? "any" : "1",
                              placeholder: o.default ?? "" });
      }
      input.value = col.values[key] ?? "";
      input.dataset.key = key;
      input.dataset.type = o.type;
      input.title = o.help || "";
      input.addEventListener("change", () => { col.values[key] = input.value; });
      col.optionsBox.append(el("label", { for: id }, key, input));
    }
  }
}

/// A column's pipeline as the fields of a search request.
function pipelineOf(col) {
  const out = {};
  for (const key of ["model", "expander", "reranker"]) if (col.selects[key].value) out[key] = col.selects[key].value;
  const options = {};
  for (const input of col.optionsBox.querySelectorAll("[data-key]")) {
    const v = input.value.trim();
    if (v === "") continue;
    const type = input.dataset.type;
    options[input.dataset.key] = type === "int" || type === "double" ? Number(v) : type === "bool" ? v === "true" : v;
  }
  if (Object.keys(options).length) out.options = options;
  return out;
}

// ---- searching ---------------------------------------------------------------------------------

async function search() {
  const query = $("query").value.trim();
  if (!query) { setStatus("Type a query or pick a topic."); $("query").focus(); return; }
  const shown = Math.max(1, Math.min(Number($("k").value) || 10, state.health.maxK));
  const topic = $("topic").value;
  // For a judged topic, search deep enough for the metrics (as `quarry experiment` does: 1000).
  const judged = topic && state.topics && state.topics.judgments;
  const k = judged ? Math.max(shown, Math.min(1000, state.health.maxK)) : shown;
  setStatus("Searching…");
  const answers = await Promise.allSettled(state.columns.map((col) => {
    const body = { query, k, snippets: true, ...pipelineOf(col) };
    if (topic) body.id = topic;
    return api("POST", "/search", body);
  }));
  state.answers = answers.map((a) => (a.status === "fulfilled" ? a.value : { failed: a.reason.message }));
  state.columns.forEach((col, i) => renderAnswer(col, i, shown, topic));
  const failed = state.answers.filter((a) => a.failed).length;
  setStatus(failed ? `${failed} of 2 searches failed.` : `Searched “${query}” in both pipelines.`, failed > 0);
}

/// Where each docid ranks in an answer (1-based).
function ranks(answer) {
  const out = new Map();
  for (const h of (answer && answer.hits) || []) out.set(h.docid, h.rank);
  return out;
}

function renderAnswer(col, i, shown, topic) {
  const answer = state.answers[i];
  const other = state.answers[1 - i];
  const otherName = state.columns[1 - i].name;
  col.out.replaceChildren();
  if (answer.failed) {
    col.out.append(el("p", { class: "error" }, "Error: ", answer.failed));
    return;
  }
  col.out.append(el("p", { class: "in-force" }, "In force: ", el("code", {}, answer.pipeline || "bm25"),
                    ` · ${fmt(answer.tookMs, 1)} ms`));

  // How the hits score for a judged topic, and against the other column.
  if (answer.evaluation) {
    const box = el("div", { class: "evaluation", "data-topic": answer.evaluation.topic });
    const order = (state.topics && state.topics.metrics) || Object.keys(answer.evaluation.metrics);
    for (const name of order.filter((m) => m in answer.evaluation.metrics)) {
      const value = answer.evaluation.metrics[name];
      const m = el("span", { class: "metric", "data-metric": name }, `${name} `, el("b", {}, fmt(value)));
      const theirs = other && other.evaluation && other.evaluation.metrics[name];
      if (i === 1 && typeof theirs === "number") {
        const d = value - theirs;
        m.append(" ", el("span", { class: "delta " + (d > 1e-12 ? "up" : d < -1e-12 ? "down" : "") }, `(${signed(d)} vs ${otherName})`));
      }
      box.append(m);
    }
    box.append(el("span", {}, `${answer.evaluation.relevant} relevant`));
    col.out.append(box);
  }

  // The final weighted query, a bar per term; the text an expander generated.
  const terms = answer.expanded || [];
  const top = Math.max(...terms.map((t) => Math.abs(t.weight)), 1e-12);
  const table = el("table", { class: "terms" });
  for (const t of terms) {
    const bar = el("div", { class: "bar" });
    bar.style.width = `${(100 * Math.abs(t.weight)) / top}%`;
    table.append(el("tr", { class: "term-row" },
      el("td", { class: "term" }, t.term),
      el("td", {}, el("div", { class: "track", "aria-hidden": "true" }, bar)),
      el("td", { class: "weight" }, t.weight.toFixed(4))));
  }
  const details = el("details", { class: "final-query", open: true },
    el("summary", {}, `Final query: ${terms.length} weighted terms`), table);
  if (answer.generated) {
    details.append(el("p", { class: "generated-heading" }, "Text the expander generated"),
                   el("p", { class: "generated" }, answer.generated));
  }
  col.out.append(details);

  // The hits, each marked with how it moved against the other column's top `shown`.
  const theirRanks = ranks(other);
  const ours = (answer.hits || []).slice(0, shown);
  const list = el("ol", { class: "hits", "aria-label": `Results of pipeline ${col.name}` });
  for (const h of ours) {
    const theirs = theirRanks.get(h.docid);
    let change = null;
    if (other && !other.failed) {
      if (i === 1) {
        if (theirs !== undefined && theirs <= shown) {
          const d = theirs - h.rank;
          change = d > 0 ? ["up", `▲${d}`, `up ${d} from #${theirs} in ${otherName}`]
                 : d < 0 ? ["down", `▼${-d}`, `down ${-d} from #${theirs} in ${otherName}`]
                 : ["same", "=", `same rank in ${otherName}`];
        } else {
          change = ["new", "new", theirs ? `new in the top ${shown}: #${theirs} in ${otherName}` : `new: not retrieved by ${otherName}`];
        }
      } else if (theirs === undefined || theirs > shown) {
        change = ["gone", "gone", theirs ? `gone from ${otherName}'s top ${shown}: #${theirs} there` : `gone: not retrieved by ${otherName}`];
      }
    }
    const head = el("div", { class: "hit-head" },
      el("span", { class: "rank" }, String(h.rank)),
      change && el("span", { class: `change ${change[0]}`, title: change[2], "aria-label": change[2] }, change[1]),
      el("a", { class: "docid", href: docHref(h.docid, topic, h.highlight) }, h.docid),
      gradeBadge(h, answer),
      el("span", { class: "score" }, fmt(h.score)));
    list.append(el("li", { class: "hit", "data-docid": h.docid },
      head,
      el("div", { class: "hit-title" }, highlighted(h.title || "(no title)", h.highlight)),
      el("div", { class: "snippet" }, highlighted(h.snippet || "", h.highlight))));
  }
  if (!ours.length) list.append(el("li", { class: "hit" }, "No document matches."));
  col.out.append(list);

  // What the other column had in its top `shown` that this one lost (shown under B).
  if (i === 1 && other && !other.failed) {
    const mine = ranks(answer);
    const gone = (other.hits || []).slice(0, shown).filter((h) => !(mine.get(h.docid) <= shown));
    if (gone.length) {
      const ul = el("ul");
      for (const h of gone) {
        const now = mine.get(h.docid);
        ul.append(el("li", { class: "gone-hit", "data-docid": h.docid },
          el("span", { class: "change gone" }, "gone"), " ",
          el("a", { class: "docid", href: docHref(h.docid, topic, h.highlight) }, h.docid), " ",
          gradeBadge(h, other), " ",
          `#${h.rank} in ${otherName}` + (now ? `, #${now} here` : ", not retrieved here"), " — ", h.title || ""));
      }
      col.out.append(el("div", { class: "gone-list" }, el("strong", {}, `Gone from ${otherName}'s top ${shown}:`), ul));
    }
  }
}

/// A judged document's grade (for a topic with judgments); unjudged ones say so.
function gradeBadge(hit, answer) {
  if (!answer.evaluation) return null;
  if (hit.grade === undefined) return el("span", { class: "grade unjudged", title: "not judged for this topic" }, "unjudged");
  const relevant = hit.grade >= 1;
  return el("span", { class: "grade" + (relevant ? " relevant" : ""), "data-grade": hit.grade,
                      title: `judged ${relevant ? "relevant" : "not relevant"}: grade ${hit.grade}` }, `grade ${hit.grade}`);
}

// ---- the experiment view -----------------------------------------------------------------------

async function runExperiment() {
  setStatus("Running the experiment over every judged topic…");
  $("experiment-run").disabled = true;
  try {
    state.experiment = await api("POST", "/experiment", {
      pipelines: state.columns.map((col) => ({ name: col.name, ...pipelineOf(col) })),
    });
    const e = state.experiment;
    $("experiment-pipelines").replaceChildren(...e.pipelines.flatMap((p, i) => [
      i ? " · " : "", el("strong", {}, p.name), ": ", el("code", {}, p.pipeline || "bm25")]));
    $("experiment-table").textContent = e.table;
    drawChart();
    setStatus(`Experiment done: ${e.topics.length} topics in ${fmt(e.tookMs / 1000, 1)} s.`);
  } catch (err) {
    setStatus("Experiment failed: " + err.message, true);
  } finally {
    $("experiment-run").disabled = false;
  }
}

/// Per-topic B − A differences as bars, sorted: wins above the line, losses below.
function drawChart() {
  const e = state.experiment;
  if (!e) return;
  const metric = $("experiment-metric").value || e.metrics[0];
  const [a, b] = e.pipelines.map((p) => p.name);
  const rows = e.topics.map((t) => ({ t, va: t.values[a][metric], vb: t.values[b][metric] }))
    .map((r) => ({ ...r, d: r.vb - r.va }))
    .sort((x, y) => y.d - x.d || x.t.id.localeCompare(y.t.id, undefined, { numeric: true }));
  const barW = 14, gap = 4, pad = 36, height = 320;
  const width = Math.max(400, pad * 2 + rows.length * (barW + gap));
  const top = Math.max(...rows.map((r) => Math.abs(r.d)), 1e-9);
  const mid = height / 2, scale = (height / 2 - 24) / top;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "group",
                             "aria-label": `${b} minus ${a} in ${metric} per topic, sorted` });
  chart.append(svg("text", { x: 4, y: 14, class: "label" }, `+${top.toFixed(3)} (${b} better)`),
               svg("text", { x: 4, y: height - 6, class: "label" }, `−${top.toFixed(3)} (${a} better)`));
  rows.forEach((r, i) => {
    const x = pad + i * (barW + gap);
    const h = Math.max(Math.abs(r.d) * scale, r.d === 0 ? 0 : 1);
    const kind = r.d > 1e-12 ? "win" : r.d < -1e-12 ? "loss" : "tie";
    const label = `Topic ${r.t.id}: ${r.t.query} — ${a} ${r.va.toFixed(4)}, ${b} ${r.vb.toFixed(4)} (${signed(r.d)})`;
    const g = svg("g", { class: `bar ${kind}`, tabindex: 0, role: "button", "data-topic": r.t.id, "aria-label": label },
      svg("title", {}, label),
      svg("rect", { class: kind, x, width: barW, y: r.d >= 0 ? mid - h : mid, height: kind === "tie" ? 2 : h }),
      svg("text", { class: "label", x: x + barW / 2, y: r.d >= 0 ? mid + 12 : mid - 4, "text-anchor": "middle" }, r.t.id));
    const open = () => openTopic(r.t.id);
    g.addEventListener("click", open);
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
    chart.append(g);
  });
  chart.append(svg("line", { class: "axis", x1: pad - 6, x2: width - pad + 6, y1: mid, y2: mid }));
  $("experiment-chart").replaceChildren(chart);
  const s = e.summary[b][metric];
  const ties = rows.length - s.wins - s.losses;
  $("experiment-caption").textContent =
    `${b} against ${a} in ${metric}, per topic: ${s.wins} wins, ${s.losses} losses, ${ties} ties; ` +
    `mean ${fmt(e.summary[a][metric].mean)} → ${fmt(s.mean)} (${signed(s.delta)})` +
    (typeof s.p === "number" ? `, paired t-test p = ${s.p.toFixed(3)}` : "") + ".";
}

function openTopic(id) {
  $("topic").value = id;
  const t = state.topics.topics.find((x) => x.id === id);
  if (t) $("query").value = t.query;
  showView("search");
  search();
}

// ---- views -------------------------------------------------------------------------------------

function showView(name) {
  $("view-search").hidden = name !== "search";
  $("view-experiment").hidden = name !== "experiment";
  $("view-doc").hidden = name !== "doc";
  $("tab-search").setAttribute("aria-pressed", String(name === "search"));
  $("tab-experiment").setAttribute("aria-pressed", String(name === "experiment"));
}

async function showDocument() {
  showView("doc");
  document.querySelector(".tabs").hidden = true;
  const params = new URLSearchParams(location.search);
  const id = decodeURIComponent(location.pathname.slice("/doc/".length));
  const topic = params.get("topic");
  const words = (params.get("hl") || "").split(/\s+/).filter(Boolean);
  // Back to the search as it was (the browser keeps the page), when the search led here.
  if (document.referrer.startsWith(location.origin + "/") && history.length > 1) {
    $("doc-back").addEventListener("click", (ev) => { ev.preventDefault(); history.back(); });
  }
  try {
    const doc = await api("GET", "/doc/" + encodeURIComponent(id) + (topic ? "?topic=" + encodeURIComponent(topic) : ""));
    document.title = `${doc.id} · Quarry`;
    $("doc-title").replaceChildren(highlighted(doc.title || "(no title)", words));
    const meta = [`Document ${doc.id}`];
    if (topic) meta.push(doc.grade === undefined ? `not judged for topic ${topic}` : `grade ${doc.grade} for topic ${topic}`);
    $("doc-meta").textContent = meta.join(" · ");
    $("doc-text").replaceChildren(highlighted(doc.text, words));
    document.body.dataset.ready = "true";
  } catch (err) {
    setStatus(err.message, true);
  }
}

// ---- start -------------------------------------------------------------------------------------

async function start() {
  try {
    state.health = await api("GET", "/health");
    $("server-info").textContent =
      `${state.health.documents} documents · ${state.health.index.join(", ")} · quarry ${state.health.version}`;
    if (location.pathname.startsWith("/doc/")) return showDocument();

    [state.plugins, state.topics] = await Promise.all([api("GET", "/plugins"), api("GET", "/topics")]);
    const hasRM3 = state.plugins.expanders.some((x) => x.name === "rm3");
    state.columns = [
      makeColumn($("column-a"), "A", {}),
      makeColumn($("column-b"), "B", hasRM3 ? { expander: "rm3" } : {}),
    ];
    $("k").max = String(state.health.maxK);

    if (state.topics.topics.length) {
      $("topic-label").hidden = false;
      for (const t of state.topics.topics) {
        const judged = t.judged === undefined ? "" : ` (${t.relevant} relevant)`;
        $("topic").append(new Option(`${t.id}: ${t.query}${judged}`, t.id));
      }
      $("topic").addEventListener("change", () => {
        const t = state.topics.topics.find((x) => x.id === $("topic").value);
        if (t) { $("query").value = t.query; search(); }
      });
    }
    if (state.topics.judgments) {
      $("tab-experiment").hidden = false;
      for (const m of state.topics.metrics) $("experiment-metric").append(new Option(m, m));
      $("experiment-metric").addEventListener("change", drawChart);
      $("experiment-run").addEventListener("click", runExperiment);
    }
    $("tab-search").addEventListener("click", () => showView("search"));
    $("tab-experiment").addEventListener("click", () => showView("experiment"));
    $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(); });
    // "/" jumps to the query box from anywhere but a text field.
    document.addEventListener("keydown", (ev) => {
      const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
      if (ev.key === "/" && !typing) { ev.preventDefault(); $("query").focus(); }
    });
    document.body.dataset.ready = "true";
    $("query").focus();
  } catch (err) {
    setStatus("Cannot reach the server's API: " + err.message, true);
  }
}

document.addEventListener("DOMContentLoaded", start);
"""#
}
