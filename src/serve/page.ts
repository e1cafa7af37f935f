import { pointsAt } from '../report/svg-charts.js';

/**
 * The `gradscope serve` page: one self-contained HTML document (inline CSS and script, no
 * external requests) that lists the served runs and shows the selected ones as the library's
 * run view (`/api/view`, drawn by src/report/run-view.ts — the playground viewer's charts): runs
 * overlaid with one colour each and a legend, heatmaps on one shared colour scale, verdicts side
 * by side, pointer tooltips. It refreshes when the server's event stream says a run's files
 * changed. The selection lives in the URL's fragment, so a reload shows the same runs. Run data
 * is escaped by the server's SVG builders and inserted by the page as text, never run.
 */
export function servePage(): string {
  return PAGE;
}

const SCRIPT = String.raw`
'use strict';
// esbuild (tsx) may name functions through a __name helper; the shared function's text needs it.
const __name = (f) => f;
// The library's tooltip rule (src/report/svg-charts.ts), the same function the viewer imports.
${pointsAt.toString()}
// The charts come from the server, drawn by the library's one implementation (runView in
// src/report/run-view.ts, also the playground viewer's): this script only lists runs, keeps the
// selection, inserts the server's SVG and adds pointer tooltips.
const state = { runs: [], selected: [], names: new Map(), view: null, busy: false, again: false };
const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
// Markup drawn by the server from run data it escaped (svg-charts.ts): parsed, never run
// (the page's CSP forbids any script but this one).
function markup(html) {
  const t = document.createElement('template');
  t.innerHTML = html;
  return t.content;
}
function num(v) { return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v; }
function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}
function readHash() {
  const h = decodeURIComponent(location.hash.slice(1));
  state.selected = h ? h.split(',').filter(Boolean) : [];
}
function writeHash() { history.replaceState(null, '', '#' + encodeURIComponent(state.selected.join(','))); }

async function loadRuns() {
  try {
    const r = await fetch('api/runs', { cache: 'no-store' });
    const j = await r.json();
    state.runs = j.runs;
    for (const x of j.runs) state.names.set(x.id, x.name);
    $('roots').textContent = 'Serving ' + j.roots.join(', ');
  } catch (e) { $('status').textContent = 'Server not reachable; retrying.'; return; }
  if (state.selected.length === 0 && state.runs.length > 0) { state.selected = [state.runs[0].id]; writeHash(); }
  renderList();
  await refresh();
}
// One request at a time; a change during it asks for one more.
async function refresh() {
  if (state.busy) { state.again = true; return; }
  state.busy = true;
  try {
    do {
      state.again = false;
      const q = state.selected.map(encodeURIComponent).join(',');
      let r;
      try { r = await fetch('api/view?ids=' + q, { cache: 'no-store' }); } catch { break; }
      if (!r.ok) break;
      state.view = await r.json();
      render();
    } while (state.again);
  } finally { state.busy = false; }
}
function renderList() {
  const list = $('runs');
  list.replaceChildren(...state.runs.map((r) => {
    const box = el('input', { type: 'checkbox', id: 'run-' + r.id, 'data-run': r.id });
    box.checked = state.selected.includes(r.id);
    box.addEventListener('change', () => {
      if (box.checked) state.selected.push(r.id);
      else state.selected = state.selected.filter((x) => x !== r.id);
      writeHash();
      renderList();
      refresh();
    });
    const sw = el('span', { class: 'swatch' });
    const k = state.selected.indexOf(r.id);
    const entry = state.view && state.view.view.legend.find((x) => x.id === r.id);
    if (k >= 0 && entry) sw.style.background = entry.color;
    return el('li', {}, box, el('label', { for: 'run-' + r.id }, sw, r.name, el('small', {}, ' ' + r.kind)));
  }));
  if (state.runs.length === 0) list.append(el('li', {}, 'No run directories yet (result.json, metrics.jsonl or monitor.jsonl).'));
}

function tooltip(fig, chart) {
  const svg = fig.querySelector('svg');
  const f = chart.frame;
  if (!svg || !f) return;
  const tip = el('div', { class: 'tip', hidden: '' });
  const cursor = document.createElementNS('http://www.w3.org/2000/svg', 'line');
  cursor.setAttribute('class', 'cursor');
  cursor.setAttribute('y1', '10');
  cursor.setAttribute('y2', String(f.height - 34));
  cursor.style.display = 'none';
  svg.append(cursor);
  svg.addEventListener('mousemove', (ev) => {
    const box = svg.getBoundingClientRect();
    const hit = pointsAt(chart.lines, f, ((ev.clientX - box.left) * f.width) / box.width);
    tip.replaceChildren(...hit.rows.map((r) => el('div', {}, el('span', { class: 'swatch', style: 'background:' + r.color }), r.label + ' @ step ' + r.step + ': ' + fmt(num(r.value)))));
    tip.hidden = hit.rows.length === 0;
    if (hit.x !== null) { cursor.setAttribute('x1', String(hit.x)); cursor.setAttribute('x2', String(hit.x)); cursor.style.display = ''; }
  });
  svg.addEventListener('mouseleave', () => { tip.hidden = true; cursor.style.display = 'none'; });
  fig.append(tip);
}

function render() {
  const out = $('charts');
  const d = state.view;
  if (!d) return;
  const v = d.view;
  $('legend').replaceChildren(...v.legend.map((r) =>
    el('span', { class: 'legend-item' + (r.gone ? ' gone' : ''), 'data-run': r.id },
      el('span', { class: 'swatch', style: 'background:' + r.color }),
      (state.names.get(r.id) || r.name) + (r.gone ? ' (deleted)' : ''))));
  const live = v.legend.filter((r) => !r.gone).length;
  $('status').textContent = live ? 'Showing ' + live + ' run(s); updates live. Hover a chart for values.' : 'Choose runs on the left.';
  renderList();
  const sections = [];
  if (v.charts.length) {
    sections.push(el('div', { class: 'grid' }, v.charts.map((c) => {
      const fig = el('figure', { class: 'chart', 'data-chart': c.field, 'data-points': c.points, 'data-runs': c.runs, 'data-scale': c.log ? 'log' : 'linear' },
        el('h3', {}, c.title, el('small', {}, c.unit ? ' · ' + c.unit : '', c.log ? ' · log scale' : '')));
      fig.append(markup(c.svg));
      tooltip(fig, c);
      return fig;
    })));
  }
  if (v.notes.length) sections.push(el('p', { class: 'note', 'data-testid': 'notes' }, v.notes.join('; ')));
  if (v.heatmaps.length && v.scale) {
    sections.push(el('h2', {}, 'Per-layer gradient norms'),
      el('p', { class: 'hint scale', 'data-testid': 'heat-scale', 'data-lo': v.scale.lo, 'data-hi': v.scale.hi }, 'One colour scale for every run: ',
        el('span', { class: 'ramp' }), ' ' + fmt(10 ** v.scale.lo) + ' … ' + fmt(10 ** v.scale.hi) + ' (‖g‖₂, log scale); grey: not finite or not logged'),
      el('div', { class: 'grid' }, v.heatmaps.map((h) => {
        const fig = el('figure', { class: 'chart heat', 'data-heatmap': h.run },
          el('h3', {}, el('span', { class: 'swatch', style: 'background:' + h.color }), h.title));
        fig.append(markup(h.svg));
        return fig;
      })));
  }
  if (v.timeline) {
    const fig = el('figure', { class: 'chart wide', 'data-chart': 'verdicts' }, el('h3', {}, 'Verdicts over steps, one row per run'));
    fig.append(markup(v.timeline));
    fig.append(el('p', { class: 'hint' }, v.kinds.length ? v.kinds.map((k) => el('span', { class: 'kind' }, k)) : 'no verdicts'));
    sections.push(fig);
  }
  for (const r of d.results) {
    sections.push(el('div', { class: 'result' }, el('h3', {}, r.experiment + ' (' + r.run + ') ' + (r.pass ? 'PASS' : 'FAIL')),
      el('table', {}, el('tr', {}, ['Criterion', 'Expected', 'Measured', ''].map((t) => el('th', {}, t))),
        r.criteria.map((c) => el('tr', {}, el('td', {}, c.name), el('td', {}, c.expected), el('td', {}, c.measured), el('td', {}, c.pass ? 'pass' : 'fail'))))));
  }
  if (d.problems.length) sections.push(el('details', { class: 'problems' }, el('summary', {}, d.problems.length + ' problem(s) reading the files'), el('ul', {}, d.problems.map((p) => el('li', {}, p)))));
  out.replaceChildren(...sections);
}

let pending = null;
function connect() {
  const es = new EventSource('api/events');
  es.addEventListener('runs', () => { loadRuns(); });
  es.addEventListener('run', (ev) => {
    const { id } = JSON.parse(ev.data);
    if (!state.selected.includes(id)) return;
    clearTimeout(pending);
    pending = setTimeout(refresh, 50);
  });
  es.addEventListener('open', () => { $('live').textContent = '● live'; $('live').className = 'live on'; loadRuns(); });
  es.addEventListener('error', () => { $('live').textContent = '○ reconnecting'; $('live').className = 'live'; });
}
window.addEventListener('hashchange', () => { readHash(); renderList(); refresh(); });
readHash();
loadRuns().then(() => { document.body.dataset.ready = '1'; });
connect();
`;

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222; display: grid; grid-template-columns: 260px 1fr; min-height: 100vh; }
aside { border-right: 1px solid #ddd; padding: 12px; background: #fafafa; }
aside h1 { font-size: 18px; margin: 0 0 4px; }
aside ul { list-style: none; padding: 0; margin: 8px 0; }
aside li { margin: 4px 0; word-break: break-all; }
aside small { color: #777; }
main { padding: 12px 16px; min-width: 0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px; vertical-align: baseline; background: transparent; }
#legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 10px; font-weight: 600; }
.legend-item.gone { text-decoration: line-through; color: #999; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
figure.chart { margin: 0; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; background: #fff; position: relative; }
figure.chart h3 { font-size: 14px; margin: 0 0 4px; }
figure.wide { margin-top: 12px; }
svg { width: 100%; height: auto; font-size: 11px; fill: #444; }
svg .grid { stroke: #eee; }
svg .axis { fill: #666; }
.tip { position: absolute; right: 8px; top: 30px; background: #fffbe6; border: 1px solid #e8d98a; font-size: 12px; padding: 3px 8px; border-radius: 4px; pointer-events: none; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
svg .cursor { stroke: #888; stroke-dasharray: 3 3; }
figure.chart h3 small { color: #777; font-weight: normal; }
.ramp { display: inline-block; width: 90px; height: 10px; vertical-align: middle; background: linear-gradient(90deg, rgb(68,1,84), rgb(59,82,139), rgb(33,145,140), rgb(94,201,98), rgb(253,231,37)); }
.hint { color: #666; font-size: 12px; }
.note { color: #2a7a2a; }
.live { font-size: 12px; color: #999; }
.live.on { color: #2a7a2a; }
.kind { margin-right: 10px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 2px 6px; }
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>gradscope serve</title>
<link rel="icon" href="data:," />
<style>${STYLE}</style>
</head>
<body>
<aside>
<h1>gradscope <span id="live" class="live">○ connecting</span></h1>
<p class="hint" id="roots"></p>
<h2 style="font-size:14px">Runs</h2>
<ul id="runs"></ul>
</aside>
<main>
<div id="legend" data-testid="legend"></div>
<p id="status" class="hint" role="status" aria-live="polite"></p>
<div id="charts"></div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
