/// The page around the data: markup, style and script, all inline (written by this project;
/// no library, nothing fetched: a Content-Security-Policy forbids every network request).
/// The script (plain ES2020) reads the JSON block, builds the stack tree's parent and child
/// links, sums the values into it and draws the flame graph as absolutely positioned `div`s
/// whose text and `aria-label` are the frame's symbol; frames under a pixel wide are merged
/// into one "…" element per parent, so the page draws at most about one element per pixel
/// per level, whatever the number of stacks. `?selftest` in the address makes it click a
/// frame, zoom out, search, and write what it saw into `<pre id="selftest">` (the browser
/// tests read it with `chromium --dump-dom`); `document.body.dataset.drawMs` says when the
/// first drawing was done (ms since navigation start).
enum HtmlTemplate {
    static let head = #"""
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
"""#

    static let style = #"""
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 16px 40px;color:#222;background:#fff}
h1{font-size:18px;margin:12px 0 2px;word-break:break-all}h2{font-size:15px;margin:22px 0 6px}
#tool{color:#777;font-size:12px}#totals{margin:4px 0 8px;font-weight:600}
#controls{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:6px 0}
#controls input{font:inherit;padding:3px 6px;width:260px}button{font:inherit;padding:2px 8px;cursor:pointer}
#match{color:#7a1a7a;font-weight:600}#drawn{color:#777;font-size:12px}
.chipline{margin:3px 0;display:flex;flex-wrap:wrap;gap:4px;align-items:center}
.chipkey{font-weight:600;min-width:60px}.chip{border:1px solid #bbb;border-radius:12px;background:#f4f4f4;padding:1px 8px}
.chip small{color:#777}.chip[aria-pressed=true]{background:#2b6cb0;color:#fff;border-color:#2b6cb0}.chip[aria-pressed=true] small{color:#dde}
.chip.extra{display:none}.chipline.open .chip.extra{display:inline-block}.chipmore{border:none;background:none;color:#2b6cb0}
#crumbs{margin:6px 0;font-size:13px}#crumbs a{color:#2b6cb0}
#fg{position:relative;width:100%;min-height:40px;overflow:hidden;border-top:1px solid #eee;border-bottom:1px solid #eee}
.f{position:absolute;height:17px;box-sizing:border-box;border-right:1px solid rgba(255,255,255,.6);font:11px/17px Verdana,sans-serif;
padding:0 3px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;cursor:pointer;color:#000}
.f:hover{outline:1px solid #000;z-index:2}.f.anc{opacity:.55}.f.merged{background:#ccc;color:#555}
.f.m{background:#e03ee0!important;color:#fff}.f.new{box-shadow:inset 0 0 0 2px #700}.f.gone{box-shadow:inset 0 0 0 2px #036;border-style:dashed}
#tip{position:absolute;z-index:10;background:#fffff0;border:1px solid #999;padding:4px 8px;font-size:12px;max-width:520px;pointer-events:none;box-shadow:1px 1px 4px rgba(0,0,0,.2)}
table{border-collapse:collapse;font-size:13px}th,td{padding:2px 8px;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}
th{cursor:pointer;background:#f4f4f4;position:sticky;top:0}.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr[data-n]{cursor:pointer}tbody tr:hover{background:#f0f6ff}.more{margin:6px 0}
#footer{background:#f8f8f8;padding:8px;white-space:pre-wrap;font-size:12px}li.warning{color:#a00}
#legend span{display:inline-block;padding:0 6px;margin-right:4px}#chart svg{font:11px sans-serif;max-width:100%}
"""#

    static let body = #"""
<h1 id="title"></h1><div id="tool"></div>
<div id="totals"></div>
<div id="legend" hidden>colour: <span style="background:hsl(0,85%,55%)">grew</span><span style="background:hsl(215,85%,55%)">shrank</span><span style="box-shadow:inset 0 0 0 2px #700">new</span><span style="box-shadow:inset 0 0 0 2px #036">gone</span> (deeper colour: bigger change) width: <b id="width-of">after</b></div>
<div id="chart" hidden></div>
<div id="chips"></div>
<div id="controls"><input id="search" type="search" placeholder="search frames (regular expression)" aria-label="search frames"> <span id="match" data-pages=""></span> <button id="mode">icicle</button> <button id="side" hidden>show before</button> <button id="reset">reset</button> <span id="drawn"></span></div>
<nav id="crumbs" aria-label="zoom path"></nav>
<div id="fg" role="group" aria-label="flame graph"></div>
<div id="tip" hidden></div>
<section id="tables"></section>
<section id="about"><h2>Run</h2><ul id="inputs"></ul><p id="mergednote"></p><ul id="warnings"></ul><pre id="footer"></pre></section>
"""#

    static let script = #"""
"use strict";
(() => {
const errors = [];
window.addEventListener("error", (e) => errors.push(String(e.message || e)));
const D = JSON.parse(document.getElementById("data").textContent);
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, text) => {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
};
const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ESC[c]);
// The text report's number formats (Render.fixed, Render.human, percent).
function fixed(v, d) {
  const m = Math.pow(10, d);
  const r = Math.sign(v) * Math.round(Math.abs(v) * m) / m;
  return r.toFixed(d);
}
function human(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = Math.abs(bytes), u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  const sign = bytes < 0 ? "-" : "";
  if (u === 0) return sign + Math.abs(bytes) + " B";
  return sign + fixed(v, 1) + " " + units[u];
}
const pct = (part, whole) => (whole === 0 ? 0 : (part * 100) / whole);
const PS = D.pageSize;
const params = new URLSearchParams(location.search);

// ---- packed integer columns (HtmlJSON.packed): 5 bits a character, low bits first ----
const DEC = new Int8Array(128).fill(0);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("").forEach((c, i) => (DEC[c.charCodeAt(0)] = i));
function unpack(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (DEC[s.charCodeAt(i)] < 32) n++;
  const out = new Float64Array(n);
  let v = 0, m = 1, k = 0;
  for (let i = 0; i < s.length; i++) {
    const c = DEC[s.charCodeAt(i)];
    v += (c & 31) * m;
    if (c & 32) m *= 32; else { out[k++] = v; v = 0; m = 1; }
  }
  return out;
}
const unzig = (a) => { for (let i = 0; i < a.length; i++) a[i] = a[i] % 2 ? -(a[i] + 1) / 2 : a[i] / 2; return a; };
{
  const r = D.rows;
  const n = unpack(r.n);
  for (let i = 1; i < n.length; i++) n[i] += n[i - 1];
  r.n = n;
  for (const k of ["p", "b", "a"]) if (r[k] !== undefined) r[k] = unpack(r[k]);
  if (r.r !== undefined) { const d = unzig(unpack(r.r)); for (let i = 0; i < d.length; i++) d[i] = r.p[i] - d[i]; r.r = d; }
  if (r.g !== undefined) { const g = unpack(r.g); for (let i = 0; i < g.length; i++) g[i] -= 1; r.g = g; }
  for (const c of D.chips || []) c.of = unpack(c.of);
}

// ---- the stack tree: node i has frame F[i] at depth DEP[i], depth-first order ----
const NAMES = D.frames;
const F = unpack(D.tree.f), DEP = unpack(D.tree.d), N = F.length;
const parent = new Int32Array(N), first = new Int32Array(N).fill(-1), next = new Int32Array(N).fill(-1);
const end = new Int32Array(N);
{
  const path = [0], last = new Int32Array(N).fill(-1);
  parent[0] = -1;
  for (let i = 1; i < N; i++) {
    const d = DEP[i];
    const p = path[d - 1];
    parent[i] = p;
    path[d] = i;
    if (last[p] < 0) first[p] = i; else next[last[p]] = i;
    last[p] = i;
  }
  for (let i = 0; i < N; i++) end[i] = i + 1;
  for (let i = N - 1; i > 0; i--) if (end[i] > end[parent[i]]) end[parent[i]] = end[i];
}
const rows = D.rows, RN = rows.n, R = RN.length;
// Per-node values: V is what widths follow (pages; a diff's after or before).
const V = new Float64Array(N), REC = new Float64Array(N), VB = new Float64Array(N), VA = new Float64Array(N);
let view = D.kind === "diff" ? "after" : "pages";

// ---- chips (report): a row passes when, for every key with a choice, its value is chosen ----
const chips = D.chips || [];
const chosen = chips.map(() => new Set());
const narrowed = () => chosen.some((s) => s.size > 0);
function passes(i) {
  for (let c = 0; c < chips.length; c++) if (chosen[c].size && !chosen[c].has(chips[c].of[i])) return false;
  return true;
}

function sumUp(a) { for (let i = N - 1; i > 0; i--) a[parent[i]] += a[i]; }
function compute() {
  V.fill(0); REC.fill(0);
  if (D.kind === "diff") {
    VB.fill(0); VA.fill(0);
    for (let i = 0; i < R; i++) { VB[RN[i]] += rows.b[i]; VA[RN[i]] += rows.a[i]; }
    sumUp(VB); sumUp(VA);
    V.set(view === "before" ? VB : VA);
    return;
  }
  const any = narrowed();
  for (let i = 0; i < R; i++) {
    if (any && !passes(i)) continue;
    V[RN[i]] += rows.p[i];
    if (rows.r) REC[RN[i]] += rows.r[i];
  }
  sumUp(V); sumUp(REC);
}

// ---- colours ----
function warm(name) {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) { h ^= name.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
  return "rgb(" + (205 + (h % 50)) + "," + ((h >>> 8) % 230) + "," + ((h >>> 16) % 55) + ")";
}
let maxDelta = 1;
function status(n) {
  const b = VB[n], a = VA[n];
  if (b === 0 && a > 0) return "new";
  if (a === 0 && b > 0) return "gone";
  return a > b ? "grew" : a < b ? "shrank" : "same";
}
function diffColour(n) {
  const d = VA[n] - VB[n];
  if (d === 0) return "#ddd";
  const t = Math.sqrt(Math.min(1, Math.abs(d) / maxDelta));
  const l = Math.round(92 - 47 * t);
  return d > 0 ? "hsl(0,85%," + l + "%)" : "hsl(215,85%," + l + "%)";
}

// ---- the flame graph ----
const fg = $("fg"), tip = $("tip"), crumbs = $("crumbs");
const ROW = 18;
let zoom = 0, icicle = false, matches = null, drawn = 0, mergedCount = 0;
function label(n) { return NAMES[F[n]]; }
function draw() {
  const width = fg.clientWidth || 1200;
  const total = V[zoom];
  const items = [];
  let maxD = 0;
  for (let a = parent[zoom]; a >= 0; a = parent[a]) items.push([a, 0, width, DEP[a], 1]);
  if (total > 0) {
    const scale = width / total;
    const todo = [zoom, 0];
    while (todo.length) {
      const x = todo.pop(), n = todo.pop();
      const d = DEP[n];
      items.push([n, x, V[n] * scale, d, 0]);
      if (d > maxD) maxD = d;
      let cx = x, small = 0, smallW = 0;
      for (let c = first[n]; c >= 0; c = next[c]) {
        const w = V[c] * scale;
        if (w <= 0) continue;
        if (w < 1) { small++; smallW += w; continue; }
        todo.push(c, cx);
        cx += w;
      }
      // Children under a pixel wide: one "…" element per parent, after the others.
      if (small) items.push([n, cx, Math.max(smallW, 1), d + 1, 2, small]);
    }
  }
  for (const it of items) if (it[3] > maxD) maxD = it[3];
  let h = "";
  mergedCount = 0;
  for (const it of items) {
    const n = it[0], kind = it[4];
    const top = (icicle ? it[3] : maxD - it[3]) * ROW;
    const style = "left:" + it[1].toFixed(1) + "px;top:" + top + "px;width:" + it[2].toFixed(1) + "px;";
    if (kind === 2) {
      mergedCount++;
      const t = "… " + it[5] + " frames under 1 px";
      h += '<div class="f merged" style="' + style + '" data-n="' + n + '" data-d="' + it[3] + '" aria-label="' + t + '">…</div>';
      continue;
    }
    const name = label(n);
    let cls = kind === 1 ? "f anc" : "f";
    let bg;
    if (D.kind === "diff") { const s = status(n); cls += " " + s; bg = diffColour(n); }
    else bg = n === 0 ? "#e8c890" : warm(name);
    if (matches && matches[F[n]]) cls += " m";
    const e = esc(name);
    h += '<div class="' + cls + '" style="' + style + "background:" + bg + '" data-n="' + n + '" data-d="' + it[3] + '" aria-label="' + e + '">' + e + "</div>";
  }
  fg.style.height = (maxD + 1) * ROW + "px";
  fg.innerHTML = h;
  drawn = items.length;
  let c = "";
  const path = [];
  for (let a = zoom; a >= 0; a = parent[a]) path.push(a);
  path.reverse();
  for (const a of path) c += (c ? " › " : "") + '<a href="#" data-n="' + a + '">' + esc(label(a)) + "</a>";
  crumbs.innerHTML = c;
  $("drawn").textContent = drawn + " elements drawn" + (mergedCount ? ", " + mergedCount + " of them merge frames under 1 px" : "");
}
function setZoom(n) { zoom = n; draw(); }
fg.addEventListener("click", (e) => {
  const t = e.target.closest(".f");
  if (!t) return;
  setZoom(+t.dataset.n);
});
crumbs.addEventListener("click", (e) => {
  const a = e.target.closest("a");
  if (!a) return;
  e.preventDefault();
  setZoom(+a.dataset.n);
});
function tipText(n, merged) {
  const total = V[0];
  if (merged) return "… frames under 1 px, under " + label(n);
  let s = "<b>" + esc(label(n)) + "</b><br>";
  if (D.kind === "diff") {
    const b = VB[n], a = VA[n], d = a - b;
    s += "before: " + b + " pages (" + human(b * PS) + ")<br>after: " + a + " pages (" + human(a * PS) + ")<br>";
    s += "delta: " + (d > 0 ? "+" : "") + d + " pages (" + human(d * PS) + "), " + status(n);
    return s;
  }
  s += V[n] + " pages, " + human(V[n] * PS) + ", " + fixed(pct(V[n], total), 2) + "% of " + (narrowed() ? "the chosen pages" : "all pages");
  if (rows.r) s += "<br>" + REC[n] + " records";
  return s;
}
fg.addEventListener("mousemove", (e) => {
  const t = e.target.closest(".f");
  if (!t) { tip.hidden = true; return; }
  tip.innerHTML = tipText(+t.dataset.n, t.classList.contains("merged"));
  tip.hidden = false;
  const x = Math.min(e.pageX + 12, document.documentElement.scrollWidth - tip.offsetWidth - 4);
  tip.style.left = x + "px";
  tip.style.top = e.pageY + 14 + "px";
});
fg.addEventListener("mouseleave", () => (tip.hidden = true));

// ---- search: matching frames highlighted, their pages summed once per stack ----
function search(q) {
  const out = $("match");
  if (!q) { matches = null; out.textContent = ""; out.dataset.pages = ""; draw(); return 0; }
  let re;
  try { re = new RegExp(q, "i"); } catch (_) { re = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i"); }
  matches = new Uint8Array(NAMES.length);
  for (let i = 0; i < NAMES.length; i++) if (re.test(NAMES[i])) matches[i] = 1;
  let sum = 0;
  for (let i = 1; i < N; ) {
    if (matches[F[i]]) { sum += V[i]; i = end[i]; } else i++;
  }
  out.dataset.pages = String(sum);
  out.textContent = "matched: " + fixed(pct(sum, V[0]), 2) + "% (" + sum + " pages, " + human(sum * PS) + ")";
  draw();
  return sum;
}
const box = $("search");
box.addEventListener("input", () => search(box.value));
$("reset").addEventListener("click", () => { box.value = ""; search(""); setZoom(0); });
$("mode").addEventListener("click", () => { icicle = !icicle; $("mode").textContent = icicle ? "flame graph" : "icicle"; draw(); });
if (D.kind === "diff") {
  const b = $("side");
  b.hidden = false;
  b.addEventListener("click", () => {
    view = view === "after" ? "before" : "after";
    b.textContent = view === "after" ? "show before" : "show after";
    $("width-of").textContent = view;
    V.set(view === "before" ? VB : VA);
    if (matches) search(box.value); else draw();
  });
}

// ---- tables ----
function table(host, head, numeric, body, limit) {
  const t = el("table");
  const tr = el("tr");
  head.forEach((h, i) => {
    const th = el("th", { "data-c": i, class: numeric[i] ? "num" : "" }, h);
    th.title = "sort";
    tr.appendChild(th);
  });
  const thead = el("thead");
  thead.appendChild(tr);
  t.appendChild(thead);
  const tb = el("tbody");
  t.appendChild(tb);
  host.appendChild(t);
  let shown = limit;
  function fill(list) {
    let h = "";
    const n = Math.min(list.length, shown);
    for (let i = 0; i < n; i++) {
      const r = list[i];
      h += "<tr" + (r.node >= 0 ? ' data-n="' + r.node + '"' : "") + ">";
      r.cells.forEach((c, j) => (h += "<td" + (numeric[j] ? ' class="num"' : "") + ">" + esc(c) + "</td>"));
      h += "</tr>";
    }
    tb.innerHTML = h;
    more.hidden = list.length <= shown;
    more.textContent = "show all " + list.length + " rows";
  }
  const more = el("button", { class: "more" });
  host.appendChild(more);
  return { t, fill, more, setAll() { shown = Infinity; } };
}
function sortable(tab, getRows, render) {
  let key = -1, desc = true;
  tab.t.querySelector("thead").addEventListener("click", (e) => {
    const th = e.target.closest("th");
    if (!th) return;
    const c = +th.dataset.c;
    desc = key === c ? !desc : true;
    key = c;
    render(key, desc);
  });
  tab.more.addEventListener("click", () => { tab.setAll(); render(key, desc); });
}
function cmp(a, b, numeric) {
  if (numeric) return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}
function rowClick(tbody) {
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-n]");
    if (tr) { setZoom(+tr.dataset.n); fg.scrollIntoView({ block: "nearest" }); }
  });
}

function reportTable() {
  const T = D.table, keys = T.keys;
  const head = ["PAGES", "SIZE", "%", "CUM%", "RECORDS"].concat(keys.map((k) => k.toUpperCase()));
  const numeric = [1, 1, 1, 1, 1].concat(T.numeric);
  const host = $("tables");
  host.appendChild(el("h2", {}, "Groups by " + keys.join(", ")));
  const tab = table(host, head, numeric, null, 100);
  rowClick(tab.t.querySelector("tbody"));
  let vals = null;
  function current() {
    const n = T.p.length, p = T.p.slice(), r = T.r.slice();
    if (narrowed()) {
      p.fill(0); r.fill(0);
      for (let i = 0; i < R; i++) if (rows.g[i] >= 0 && passes(i)) { p[rows.g[i]] += rows.p[i]; r[rows.g[i]] += rows.r[i]; }
    }
    const list = [];
    for (let i = 0; i < n; i++) {
      if (narrowed() && p[i] === 0 && r[i] === 0) continue;
      list.push({ i, p: p[i], r: r[i], node: T.node[i] });
    }
    return list;
  }
  function render(key, desc) {
    const list = current();
    const total = narrowed() ? V[0] : D.total.pages;
    if (key >= 0) {
      const kc = key - 5;
      list.sort((a, b) => {
        let c;
        if (key === 0 || key === 1 || key === 2 || key === 3) c = a.p - b.p;
        else if (key === 4) c = a.r - b.r;
        else {
          const x = T.cells[kc][a.i], y = T.cells[kc][b.i];
          c = T.numeric[kc] ? Number(x === "-" ? -1 : x) - Number(y === "-" ? -1 : y) : cmp(x, y, false);
        }
        if (desc) c = -c;
        return c || a.i - b.i;
      });
    }
    let cum = 0;
    for (const x of list) {
      cum += x.p;
      x.cells = [String(x.p), human(x.p * PS), fixed(pct(x.p, total), 1) + "%", fixed(pct(cum, total), 1) + "%", String(x.r)].concat(
        T.cells.map((col) => col[x.i]));
    }
    tab.fill(list);
    vals = list;
  }
  sortable(tab, current, render);
  render(-1, true);
  return () => render(-1, true);
}

function diffTables() {
  const T = D.table, keys = T.keys;
  const head = ["DELTA", "SIZE", "BEFORE", "AFTER", "RATIO", "STATUS"].concat(keys.map((k) => k.toUpperCase()));
  const numeric = [1, 1, 1, 1, 1, 0].concat(T.numeric);
  const host = $("tables");
  for (const side of ["growers", "shrinkers"]) {
    const idx = T[side];
    host.appendChild(el("h2", {}, side === "growers" ? "Top growers" : "Top shrinkers"));
    const tab = table(host, head, numeric, null, 50);
    tab.t.id = side;
    rowClick(tab.t.querySelector("tbody"));
    const base = idx.map((i) => {
      const b = T.b[i], a = T.a[i], d = a - b;
      const st = b === 0 ? "new" : a === 0 ? "gone" : d > 0 ? "grew" : d < 0 ? "shrank" : "same";
      return { i, d, b, a, node: T.node[i], cells: [(d > 0 ? "+" : "") + d, human(d * PS), String(b), String(a), b === 0 ? "-" : fixed(a / b, 2) + "x", st].concat(T.cells.map((c) => c[i])) };
    });
    const render = (key, desc) => {
      const list = base.slice();
      if (key >= 0) list.sort((x, y) => {
        let c;
        if (key <= 1) c = x.d - y.d; else if (key === 2) c = x.b - y.b; else if (key === 3) c = x.a - y.a;
        else if (key === 4) c = (x.b ? x.a / x.b : Infinity) - (y.b ? y.a / y.b : Infinity);
        else c = cmp(x.cells[key], y.cells[key], numeric[key]);
        if (desc) c = -c;
        return c || x.i - y.i;
      });
      tab.fill(list);
    };
    sortable(tab, null, render);
    render(-1, true);
  }
}

function seriesTable() {
  const T = D.table, keys = T.keys, S = D.snapshots.length;
  const head = ["SLOPE", "GROWTH"].concat(D.snapshots.map((_, i) => "S" + (i + 1)), keys.map((k) => k.toUpperCase()));
  const numeric = [1, 1].concat(D.snapshots.map(() => 1), T.numeric);
  const host = $("tables");
  host.appendChild(el("h2", {}, "Groups ranked by slope"));
  const tab = table(host, head, numeric, null, 100);
  rowClick(tab.t.querySelector("tbody"));
  const base = T.slope.map((s, i) => ({
    i, node: T.node[i],
    cells: [fixed(s, 1), (T.growth[i] > 0 ? "+" : "") + T.growth[i]].concat(T.pages[i].map(String), T.cells.map((c) => c[i])),
  }));
  const render = (key, desc) => {
    const list = base.slice();
    if (key >= 0) list.sort((x, y) => {
      let c = numeric[key] ? Number(x.cells[key]) - Number(y.cells[key]) : cmp(x.cells[key], y.cells[key], false);
      if (desc) c = -c;
      return c || x.i - y.i;
    });
    tab.fill(list);
  };
  sortable(tab, null, render);
  render(-1, true);
}

// ---- the series chart: one line per top group, capture time on x where every snapshot has one ----
function seriesChart() {
  const T = D.table, S = D.snapshots.length, host = $("chart");
  host.hidden = false;
  const n = Math.min(T.slope.length, 10);
  const times = D.snapshotTimes;
  const useTime = S > 1 && times.every((t, i) => t > 0 && (i === 0 || t > times[i - 1]));
  const xs = useTime ? times.map((t) => t / 1e9) : D.snapshots.map((_, i) => i);
  const W = 900, H = 320, L = 70, Rm = 260, Tm = 20, B = 40;
  let maxY = 1;
  for (let i = 0; i < n; i++) for (const p of T.pages[i]) if (p > maxY) maxY = p;
  const x0 = xs[0], x1 = xs[S - 1] === x0 ? x0 + 1 : xs[S - 1];
  const X = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - Rm);
  const Y = (v) => H - B - (v / maxY) * (H - Tm - B);
  const pal = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  let s = '<svg viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H + '" role="img" aria-label="pages of the top groups over the snapshots">';
  s += '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - Rm) + '" y2="' + (H - B) + '" stroke="#000"/>';
  s += '<line x1="' + L + '" y1="' + Tm + '" x2="' + L + '" y2="' + (H - B) + '" stroke="#000"/>';
  s += '<text x="4" y="' + (Tm + 4) + '">' + maxY + " pages</text>";
  s += '<text x="' + (L - 14) + '" y="' + (H - B) + '">0</text>';
  xs.forEach((v, i) => {
    s += '<text class="xl" x="' + X(v).toFixed(1) + '" y="' + (H - B + 16) + '" text-anchor="middle">S' + (i + 1) + (useTime ? " " + fixed(v, 0) + "s" : "") + "<title>" + esc(D.snapshots[i]) + "</title></text>";
  });
  s += '<text x="' + ((L + W - Rm) / 2) + '" y="' + (H - 4) + '" text-anchor="middle">' + (useTime ? "capture time (latest allocation ts, s since boot)" : "snapshot") + "</text>";
  for (let i = 0; i < n; i++) {
    const c = pal[i % pal.length];
    const name = T.cells.map((col) => col[i]).join(" ");
    const pts = T.pages[i].map((p, k) => X(xs[k]).toFixed(1) + "," + Y(p).toFixed(1)).join(" ");
    s += '<g class="line" aria-label="' + esc(name) + '"><title>' + esc(name) + ": " + T.pages[i].join(" → ") + " pages</title>";
    s += '<polyline fill="none" stroke="' + c + '" stroke-width="2" points="' + pts + '"/>';
    T.pages[i].forEach((p, k) => (s += '<circle cx="' + X(xs[k]).toFixed(1) + '" cy="' + Y(p).toFixed(1) + '" r="3" fill="' + c + '"/>'));
    s += "</g>";
    s += '<text x="' + (W - Rm + 10) + '" y="' + (Tm + 10 + i * 16) + '" fill="' + c + '">' + esc(name.length > 38 ? name.slice(0, 37) + "…" : name) + "</text>";
  }
  host.innerHTML = s + "</svg>";
}

// ---- header, chips, footer ----
function totalsLine() {
  const t = $("totals");
  if (D.kind === "diff") {
    const b = D.total.before, a = D.total.after, d = a - b;
    t.innerHTML = "before <span id=\"total-before\">" + b + "</span> pages (" + human(b * PS) + "), after <span id=\"total-pages\">" + a + "</span> pages (" + human(a * PS) + "), delta " + (d > 0 ? "+" : "") + d + " pages (" + human(d * PS) + ")";
    return;
  }
  const p = V[0];
  let s = (D.kind === "series" ? "last snapshot: " : "total: ") + '<span id="total-pages">' + p + "</span> pages (" + human(p * PS) + ")";
  if (rows.r) s += " in " + REC[0] + " records";
  if (narrowed()) s += " — narrowed from " + D.total.pages + " pages";
  t.innerHTML = s;
}
let refreshTable = () => {};
function buildChips() {
  const host = $("chips");
  chips.forEach((c, ci) => {
    if (!c.values.length) return;
    const sums = new Float64Array(c.values.length);
    for (let i = 0; i < R; i++) sums[c.of[i]] += rows.p[i];
    const order = c.values.map((_, i) => i).sort((a, b) => sums[b] - sums[a] || a - b); // ids are in text order
    const line = el("div", { class: "chipline" });
    line.appendChild(el("span", { class: "chipkey" }, c.key));
    order.forEach((v, k) => {
      const text = c.values[v];
      const b = el("button", { class: "chip", "data-k": c.key, "aria-pressed": "false", title: text }, (text.length > 40 ? text.slice(0, 39) + "…" : text) + " ");
      b.appendChild(el("small", {}, fixed(pct(sums[v], D.total.pages), 1) + "%"));
      if (k >= 12) b.classList.add("extra");
      b.addEventListener("click", () => {
        if (chosen[ci].has(v)) chosen[ci].delete(v); else chosen[ci].add(v);
        b.setAttribute("aria-pressed", chosen[ci].has(v) ? "true" : "false");
        refresh();
      });
      line.appendChild(b);
    });
    if (order.length > 12) {
      const m = el("button", { class: "chipmore" }, "+" + (order.length - 12) + " more");
      m.addEventListener("click", () => { line.classList.toggle("open"); m.textContent = line.classList.contains("open") ? "fewer" : "+" + (order.length - 12) + " more"; });
      line.appendChild(m);
    }
    host.appendChild(line);
  });
}
function refresh() {
  compute();
  totalsLine();
  if (matches) search(box.value); else draw();
  refreshTable();
}
function about() {
  const host = $("about");
  let s = "";
  for (const l of D.footer) s += l + "\n";
  $("footer").textContent = s;
  const ul = $("inputs");
  for (const i of D.inputs) ul.appendChild(el("li", {}, i.name + " — " + i.format + "; " + i.era));
  if (D.merged) $("mergednote").textContent = D.merged;
  const w = $("warnings");
  for (const x of D.warnings) w.appendChild(el("li", { class: "warning" }, "warning: " + x));
  for (const x of D.notes) w.appendChild(el("li", {}, "note: " + x));
}

// ---- self-test (?selftest): clicks, searches, and writes what it saw into the page ----
function selftest() {
  const out = { kind: D.kind, totalPages: V[0], nodes: N };
  const full = fg.clientWidth;
  out.full = full;
  const cand = [...fg.querySelectorAll(".f:not(.anc):not(.merged)")].filter((e) => +e.dataset.d >= 2 && parseFloat(e.style.width) < full - 1)
    .sort((a, b) => parseFloat(b.style.width) - parseFloat(a.style.width))[0];
  if (cand) {
    const n = cand.dataset.n;
    const before = parseFloat(cand.style.width);
    cand.click();
    const after = fg.querySelector('.f[data-n="' + n + '"]:not(.anc)');
    out.zoom = { label: cand.getAttribute("aria-label"), before, after: after ? parseFloat(after.style.width) : -1, crumbs: crumbs.querySelectorAll("a").length };
    crumbs.querySelector("a").click();
    out.zoom.outWidth = parseFloat(fg.querySelector('.f[data-n="0"]').style.width);
  }
  if (D.kind === "diff") {
    const g = D.table.growers[0];
    if (g !== undefined && D.table.node[g] >= 0) {
      const path = [];
      for (let a = D.table.node[g]; a > 0; a = parent[a]) path.push(a);
      out.grower = path.reverse().map((a) => {
        const e = fg.querySelector('.f[data-n="' + a + '"]');
        return { label: label(a), drawn: !!e, cls: e ? e.className : "", delta: VA[a] - VB[a] };
      });
    }
  }
  const q = params.get("search") || (out.zoom && out.zoom.label) || "";
  box.value = q;
  box.dispatchEvent(new Event("input"));
  out.search = { q, pages: Number($("match").dataset.pages || 0), text: $("match").textContent, highlighted: fg.querySelectorAll(".f.m").length };
  if (D.kind === "series") out.lines = document.querySelectorAll("#chart g.line").length;
  out.errors = errors;
  const pre = el("pre", { id: "selftest" }, JSON.stringify(out));
  document.body.appendChild(pre);
}

// ---- start ----
document.title = D.title;
$("title").textContent = D.title;
$("tool").textContent = D.tool;
if (D.kind === "diff") $("legend").hidden = false;
compute();
if (D.kind === "diff") {
  maxDelta = 1;
  for (let i = 1; i < N; i++) { const d = Math.abs(VA[i] - VB[i]); if (d > maxDelta) maxDelta = d; }
}
totalsLine();
if (D.kind === "report") { buildChips(); refreshTable = reportTable(); }
if (D.kind === "diff") diffTables();
if (D.kind === "series") { seriesChart(); seriesTable(); }
about();
draw();
window.addEventListener("resize", () => draw());
// Layout of everything drawn is part of the time (offsetHeight forces it).
void document.body.offsetHeight;
document.body.dataset.drawMs = performance.now().toFixed(1);
if (params.has("selftest")) {
  try { selftest(); } catch (e) { errors.push(String(e)); document.body.appendChild(el("pre", { id: "selftest" }, JSON.stringify({ errors }))); }
}
})();
"""#
}
