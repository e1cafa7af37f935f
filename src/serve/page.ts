/**
 * The `gradscope serve` page: one self-contained HTML document (inline CSS and script, no
 * external requests) that lists the served runs, overlays the selected ones (one colour per run,
 * the same in every chart, with a legend), draws per-layer gradient-norm heatmaps on one shared
 * colour scale and verdict timelines, and redraws a run when the server's event stream says its
 * files changed. The selection lives in the URL's fragment, so a reload shows the same runs.
 * Data from the runs is inserted as text (never as HTML), so nothing in a run file runs.
 */
export function servePage(): string {
  return PAGE;
}

const SCRIPT = String.raw`
'use strict';
const COLORS = ['#1f77b4','#d62728','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2','#17becf','#7f7f7f','#bcbd22'];
const VERDICT = { vanishing:'#6a3d9a', exploding:'#e31a1c', nonFinite:'#000000', saturated:'#ff7f00', deadUnits:'#b15928', plateau:'#1f78b4', saddle:'#33a02c', oscillation:'#fb9a99' };
const TITLES = {
  'loss': 'Training loss (per logged step)',
  'loss (monitor)': 'Loss seen by the monitor (per check)',
  'lr': 'Learning rate',
  'totalGradNorm': 'Total gradient L2 norm',
  'totalParamNorm': 'Total parameter L2 norm',
  'updateRatio': 'Update / parameter norm ratio',
  'firstLastRatio': 'First / last layer gradient-norm ratio',
  'nonFinite': 'Non-finite gradient entries (count)',
  'val.loss': 'Validation loss',
  'train.loss': 'Training-set loss (at evaluation)',
  'val.accuracy': 'Validation accuracy (fraction)',
  'train.accuracy': 'Training accuracy (fraction)',
  'test.accuracy': 'Test accuracy (fraction)',
  'gradNorm': 'Gradient L2 norm',
};
const state = { runs: [], selected: [], data: new Map(), gone: new Set() };
const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
const SVG = 'http://www.w3.org/2000/svg';
function sv(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function num(v) { return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v; }
function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}
function readHash() {
  const h = decodeURIComponent(location.hash.slice(1));
  state.selected = h ? h.split(',').filter(Boolean) : [];
}
function writeHash() { history.replaceState(null, '', '#' + encodeURIComponent(state.selected.join(','))); }
function colorOf(id) { return COLORS[Math.max(0, state.selected.indexOf(id)) % COLORS.length]; }
const names = new Map();
function nameOf(id) {
  const r = state.runs.find((x) => x.id === id);
  if (r) names.set(id, r.name);
  return names.get(id) || id;
}

async function loadRuns() {
  try {
    const r = await fetch('api/runs', { cache: 'no-store' });
    const j = await r.json();
    state.runs = j.runs;
    $('roots').textContent = 'Serving ' + j.roots.join(', ');
  } catch (e) { $('status').textContent = 'Server not reachable; retrying.'; return; }
  if (state.selected.length === 0 && state.runs.length > 0) { state.selected = [state.runs[0].id]; writeHash(); }
  // A selected run whose directory was deleted stays in the legend, marked, without data.
  for (const id of state.selected) if (!state.runs.some((r) => r.id === id)) { state.data.delete(id); state.gone.add(id); }
  renderList();
  for (const id of state.selected) if (!state.data.has(id) && state.runs.some((r) => r.id === id)) await loadRun(id);
  render();
}
async function loadRun(id) {
  let r;
  try { r = await fetch('api/run?id=' + encodeURIComponent(id), { cache: 'no-store' }); } catch { return; }
  if (r.status === 404) { state.data.delete(id); state.gone.add(id); render(); return; }
  if (!r.ok) return;
  const j = await r.json();
  state.gone.delete(id);
  state.data.set(id, j);
  render();
}
function renderList() {
  const list = $('runs');
  list.replaceChildren(...state.runs.map((r) => {
    const box = el('input', { type: 'checkbox', id: 'run-' + r.id, 'data-run': r.id });
    box.checked = state.selected.includes(r.id);
    box.addEventListener('change', () => {
      if (box.checked) { state.selected.push(r.id); loadRun(r.id); }
      else { state.selected = state.selected.filter((x) => x !== r.id); render(); }
      writeHash();
      renderList();
    });
    const sw = el('span', { class: 'swatch' });
    if (state.selected.includes(r.id)) sw.style.background = colorOf(r.id);
    return el('li', {}, box, el('label', { for: 'run-' + r.id }, sw, r.name, el('small', {}, ' ' + r.kind)));
  }));
  if (state.runs.length === 0) list.append(el('li', {}, 'No run directories yet (result.json, metrics.jsonl or monitor.jsonl).'));
}

function lineChart(name, lines) {
  const W = 560, H = 240, L = 62, R = 12, T = 10, B = 34;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity, pts = 0;
  for (const l of lines) l.steps.forEach((s, i) => {
    const v = l.values[i];
    pts++;
    if (!Number.isFinite(v)) return;
    xmin = Math.min(xmin, s); xmax = Math.max(xmax, s); ymin = Math.min(ymin, v); ymax = Math.max(ymax, v);
  });
  const fig = el('figure', { class: 'chart', 'data-chart': name, 'data-points': pts, 'data-runs': lines.length });
  fig.append(el('h3', {}, TITLES[name] || name));
  if (!(xmax >= xmin)) { fig.append(el('p', { class: 'hint' }, 'no finite values yet')); return fig; }
  // A log axis when the values are positive and span more than three decades.
  const log = ymin > 0 && ymax / ymin > 1e3;
  const ty = (v) => (log ? Math.log10(v) : v);
  let y0 = ty(ymin), y1 = ty(ymax);
  // A constant: a band of ±10 % around it (±0.5 around zero), not a range through zero.
  if (y1 === y0) { const pad = y0 === 0 ? 0.5 : Math.abs(y0) * 0.1; y0 -= pad; y1 += pad; }
  if (xmax === xmin) xmax = xmin + 1;
  const X = (s) => L + ((s - xmin) / (xmax - xmin)) * (W - L - R);
  const Y = (v) => T + (1 - (ty(v) - y0) / (y1 - y0)) * (H - T - B);
  const svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': (TITLES[name] || name) + ' against step' });
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4;
    const y = T + (1 - k / 4) * (H - T - B);
    svg.append(sv('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
    svg.append(sv('text', { x: L - 4, y: y + 4, 'text-anchor': 'end' }, fmt(log ? 10 ** yv : yv)));
  }
  for (let k = 0; k <= 4; k++) {
    const xv = xmin + ((xmax - xmin) * k) / 4;
    svg.append(sv('text', { x: X(xv), y: H - B + 16, 'text-anchor': 'middle' }, fmt(Math.round(xv))));
  }
  svg.append(sv('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis' }, 'step' + (log ? ' · log y axis' : '')));
  for (const l of lines) {
    let d = '', pen = false;
    l.steps.forEach((s, i) => {
      const v = l.values[i];
      if (!Number.isFinite(v) || (log && v <= 0)) { pen = false; return; }
      d += (pen ? 'L' : 'M') + X(s).toFixed(1) + ' ' + Y(v).toFixed(1);
      pen = true;
    });
    const last = l.values[l.values.length - 1];
    svg.append(sv('path', { d, fill: 'none', stroke: l.color, 'stroke-width': 1.6, 'data-run': l.id },
      sv('title', {}, l.label + ': ' + l.values.length + ' points, last ' + fmt(last))));
  }
  const tip = el('div', { class: 'tip', hidden: '' });
  svg.addEventListener('mousemove', (ev) => {
    const box = svg.getBoundingClientRect();
    const sx = xmin + (((ev.clientX - box.left) * W) / box.width - L) / (W - L - R) * (xmax - xmin);
    const rows = lines.map((l) => {
      let best = -1;
      l.steps.forEach((s, i) => { if (best < 0 || Math.abs(s - sx) < Math.abs(l.steps[best] - sx)) best = i; });
      return best < 0 ? '' : l.label + ' @ ' + l.steps[best] + ': ' + fmt(l.values[best]);
    }).filter(Boolean);
    tip.textContent = rows.join('  |  ');
    tip.hidden = false;
  });
  svg.addEventListener('mouseleave', () => { tip.hidden = true; });
  fig.append(svg, tip);
  return fig;
}

function heatColor(t) {
  // viridis-like ramp from dark blue (small norms) to yellow (large)
  const stops = [[68,1,84],[59,82,139],[33,145,140],[94,201,98],[253,231,37]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return 'rgb(' + c.join(',') + ')';
}
function heatmap(title, g, lo, hi, color) {
  const W = 560, rowH = 14, L = 90, T = 4;
  const H = T + g.layers.length * rowH + 30;
  const n = g.steps.length;
  const svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title });
  const cw = (W - L - 8) / Math.max(1, n);
  g.layers.forEach((layer, r) => {
    svg.append(sv('text', { x: L - 4, y: T + r * rowH + 11, 'text-anchor': 'end' }, layer.name));
    layer.values.forEach((v0, k) => {
      const v = num(v0);
      const ok = typeof v === 'number' && v > 0 && Number.isFinite(v);
      svg.append(sv('rect', { x: L + k * cw, y: T + r * rowH, width: Math.max(cw, 0.5) + 0.3, height: rowH - 1,
        fill: ok ? heatColor((Math.log10(v) - lo) / (hi - lo)) : '#d0d0d0' },
        sv('title', {}, 'layer ' + layer.name + ', step ' + g.steps[k] + ': ' + (v === null ? 'not logged' : fmt(v)))));
    });
  });
  const y = T + g.layers.length * rowH + 14;
  svg.append(sv('text', { x: L, y }, 'step ' + (g.steps[0] ?? '')));
  svg.append(sv('text', { x: W - 8, y, 'text-anchor': 'end' }, 'step ' + (g.steps[n - 1] ?? '')));
  const fig = el('figure', { class: 'chart heat', 'data-heatmap': g.run });
  const h = el('h3', {}, el('span', { class: 'swatch' }), title);
  h.firstChild.style.background = color;
  fig.append(h, svg);
  return fig;
}
function timeline(rows, maxStep) {
  const W = 1100, rowH = 22, L = 150;
  const svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + (rows.length * rowH + 24), role: 'img', 'aria-label': 'Verdicts over steps, one row per run' });
  rows.forEach((row, r) => {
    const y = r * rowH + 4;
    svg.append(sv('text', { x: L - 6, y: y + 13, 'text-anchor': 'end', fill: row.color }, row.label));
    svg.append(sv('line', { x1: L, x2: W - 8, y1: y + 9, y2: y + 9, class: 'grid' }));
    for (const v of row.verdicts) {
      const x = L + (Math.max(0, v.step) / Math.max(1, maxStep)) * (W - L - 8);
      svg.append(sv('rect', { x: x - 3, y, width: 6, height: 18, fill: VERDICT[v.kind] || '#444' },
        sv('title', {}, v.kind + ' at step ' + v.step + (v.layers.length ? ' (layers ' + v.layers.join(', ') + ')' : '') + ': ' + v.message)));
    }
  });
  const y = rows.length * rowH + 18;
  svg.append(sv('text', { x: L, y }, 'step 0'));
  svg.append(sv('text', { x: W - 8, y, 'text-anchor': 'end' }, 'step ' + maxStep));
  const kinds = [...new Set(rows.flatMap((r) => r.verdicts.map((v) => v.kind)))];
  return el('figure', { class: 'chart wide', 'data-chart': 'verdicts' }, el('h3', {}, 'Verdicts over steps'), svg,
    el('p', { class: 'hint' }, kinds.length ? kinds.map((k) => el('span', { class: 'kind' }, el('span', { class: 'swatch', style: 'background:' + (VERDICT[k] || '#444') }), k)) : 'no verdicts'));
}

function render() {
  const out = $('charts');
  const ids = state.selected.filter((id) => state.data.has(id));
  const legend = $('legend');
  legend.replaceChildren(...state.selected.map((id) =>
    el('span', { class: 'legend-item' + (state.gone.has(id) ? ' gone' : ''), 'data-run': id },
      el('span', { class: 'swatch', style: 'background:' + colorOf(id) }),
      nameOf(id) + (state.gone.has(id) ? ' (deleted)' : ''))));
  $('status').textContent = ids.length ? 'Showing ' + ids.length + ' run(s); updates live.' : 'Choose runs on the left.';
  const groups = new Map();
  const problems = [];
  let maxStep = 0;
  for (const id of ids) {
    const d = state.data.get(id);
    const many = new Set(d.logs.scalars.map((s) => s.run)).size > 1;
    for (const s of d.logs.scalars) {
      const values = s.values.map(num);
      s.steps.forEach((x) => { maxStep = Math.max(maxStep, x); });
      const key = s.name;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({ id, label: nameOf(id) + (many ? '/' + s.run : ''), color: colorOf(id), steps: s.steps, values });
    }
    for (const p of d.logs.problems) if (!d.logs.pending.some((f) => p.startsWith(f + ':'))) problems.push(nameOf(id) + ': ' + p);
    for (const p of d.problems) problems.push(nameOf(id) + ': ' + p);
  }
  const rank = (k) => (k === 'loss' ? 0 : /loss/i.test(k) ? 1 : /^lr$|learning/i.test(k) ? 2 : /acc/i.test(k) ? 3 : 4);
  const names = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const figs = [];
  const notes = [];
  for (const k of names) {
    const lines = groups.get(k);
    if (/nonFinite/.test(k) && lines.every((l) => l.values.every((v) => v === 0))) { notes.push('no non-finite values'); continue; }
    figs.push(lineChart(k, lines));
  }
  // One colour scale for every heatmap: the same colour is the same norm in every run.
  let lo = Infinity, hi = -Infinity;
  const heats = [];
  for (const id of ids) for (const g of state.data.get(id).logs.gradNorms) {
    heats.push([id, g]);
    for (const l of g.layers) for (const v0 of l.values) { const v = num(v0); if (typeof v === 'number' && v > 0 && Number.isFinite(v)) { lo = Math.min(lo, Math.log10(v)); hi = Math.max(hi, Math.log10(v)); } }
  }
  if (!(hi > lo)) hi = lo + 1;
  const heatFigs = heats.map(([id, g]) => heatmap('Gradient L2 norm per layer — ' + nameOf(id) + (g.run !== 'run' ? '/' + g.run : '') + ' (' + g.file + ')', g, lo, hi, colorOf(id)));
  const sections = [];
  if (figs.length) sections.push(el('div', { class: 'grid' }, figs));
  if (notes.length) sections.push(el('p', { class: 'note', 'data-testid': 'notes' }, [...new Set(notes)].join('; ')));
  if (heatFigs.length) {
    sections.push(el('h2', {}, 'Per-layer gradient norms'),
      el('p', { class: 'hint scale' }, 'Shared colour scale: ',
        el('span', { class: 'swatch', style: 'background:' + heatColor(0) }), ' ' + fmt(10 ** lo) + ' … ',
        el('span', { class: 'swatch', style: 'background:' + heatColor(1) }), ' ' + fmt(10 ** hi) + ' (log scale); grey: not finite'),
      el('div', { class: 'grid' }, heatFigs));
  }
  const rows = ids.map((id) => ({ label: nameOf(id), color: colorOf(id), verdicts: state.data.get(id).logs.verdicts }));
  if (rows.length) sections.push(timeline(rows, maxStep));
  for (const id of ids) for (const r of state.data.get(id).results) {
    sections.push(el('div', { class: 'result' }, el('h3', {}, r.experiment + ' (' + nameOf(id) + ') ' + (r.pass ? 'PASS' : 'FAIL')),
      el('table', {}, el('tr', {}, ['Criterion', 'Expected', 'Measured', ''].map((t) => el('th', {}, t))),
        r.criteria.map((c) => el('tr', {}, el('td', {}, c.name), el('td', {}, c.expected), el('td', {}, c.measured), el('td', {}, c.pass ? 'pass' : 'fail'))))));
  }
  if (problems.length) sections.push(el('details', { class: 'problems' }, el('summary', {}, problems.length + ' problem(s) reading the files'), el('ul', {}, problems.map((p) => el('li', {}, p)))));
  out.replaceChildren(...sections);
}

function connect() {
  const es = new EventSource('api/events');
  es.addEventListener('runs', () => { loadRuns(); });
  es.addEventListener('run', (ev) => {
    const { id } = JSON.parse(ev.data);
    if (state.selected.includes(id)) loadRun(id);
  });
  es.addEventListener('open', () => { $('live').textContent = '● live'; $('live').className = 'live on'; loadRuns(); });
  es.addEventListener('error', () => { $('live').textContent = '○ reconnecting'; $('live').className = 'live'; });
}
window.addEventListener('hashchange', () => { readHash(); renderList(); for (const id of state.selected) if (!state.data.has(id)) loadRun(id); render(); });
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
.tip { position: absolute; right: 8px; top: 6px; background: #fffbe6; border: 1px solid #e8d98a; font-size: 12px; padding: 2px 6px; border-radius: 4px; }
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
