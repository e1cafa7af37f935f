import { ConfigError, fmt } from '../errors.js';
import type { GradientHealth } from './gradient-health.js';
import { fmtNum } from './remedies.js';
import type { Verdict } from './types.js';

/** Options of {@link renderHealth}. */
export interface RenderOptions {
  /** Characters of the widest bar (default 40). */
  width?: number;
  /** ANSI colours and block characters (for a TTY); plain ASCII otherwise (default false). */
  ansi?: boolean;
  /** Layers shown at most (the first and last ones are kept; default 32). */
  maxLayers?: number;
  /** Remedies listed per verdict (default 3). */
  remedies?: number;
  /** Also list verdicts that are no longer active (the last n; default 5). */
  recent?: number;
}

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const GREEN = '\u001b[32m';
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length);
}

function sevMark(v: Verdict, ansi: boolean): string {
  const mark = v.severity === 'critical' ? '!!' : v.severity === 'warning' ? '! ' : 'i ';
  if (!ansi) return `[${mark}]`;
  const c = v.severity === 'critical' ? RED : v.severity === 'warning' ? YELLOW : DIM;
  return `${c}[${mark}]${RESET}`;
}

/**
 * The live terminal view of the monitor as a string (the caller prints it): a header with the
 * step, loss, total gradient norm and first/last-layer ratio; one bar per layer of log10 ‖g‖ on a
 * shared axis (layers named by an active verdict are marked); the activation probes; the active
 * verdicts with their top remedies. Plain ASCII unless `ansi`.
 *
 * bar length ∝ (log10 ‖g_l‖ − lo) / (hi − lo), lo/hi the floor/ceiling of the layers' log10 norms
 * @example process.stdout.write(renderHealth(health, { ansi: process.stdout.isTTY }) + '\n');
 */
export function renderHealth(health: GradientHealth, options: RenderOptions = {}): string {
  const width = options.width ?? 40;
  const ansi = options.ansi ?? false;
  const maxLayers = options.maxLayers ?? 32;
  const nRem = options.remedies ?? 3;
  const nRecent = options.recent ?? 5;
  for (const [k, v] of [
    ['width', width],
    ['maxLayers', maxLayers],
    ['remedies', nRem],
    ['recent', nRecent],
  ] as const) {
    if (!Number.isInteger(v) || v < (k === 'width' || k === 'maxLayers' ? 1 : 0))
      throw new ConfigError(
        `renderHealth: option ${k} = ${fmt(v)} is invalid; expected a non-negative integer${k === 'width' || k === 'maxLayers' ? ' >= 1' : ''}`,
      );
  }
  const s = health.state;
  const lines: string[] = [];
  if (s === null || s.checks === 0) return 'gradscope monitor: no check yet';
  const st = s.stats;
  const L = st.layerNames.length;
  const ratio =
    L >= 2 ? (st.layerGradNorm[0] as number) / (st.layerGradNorm[L - 1] as number) : NaN;
  const head = `gradscope monitor  step ${s.lastCheck}  check ${s.checks}  loss ${fmtNum(s.loss)}  |g| ${fmtNum(st.totalGradNorm)}  |dp|/|p| ${fmtNum(st.totalUpdateRatio)}  first/last ${fmtNum(ratio)}`;
  lines.push(ansi ? `${BOLD}${head}${RESET}` : head);
  const active = health.activeVerdicts().filter((v) => v.status === 'started');
  const flagged = new Set<string>();
  for (const v of active) for (const l of v.layers) flagged.add(l);
  // shared log10 axis
  let lo = Infinity;
  let hi = -Infinity;
  for (let l = 0; l < L; l++) {
    const x = Math.log10(st.layerGradNorm[l] as number);
    if (Number.isFinite(x)) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  if (!Number.isFinite(lo)) {
    lo = -1;
    hi = 1;
  }
  lo = Math.floor(lo);
  hi = Math.max(Math.ceil(hi), lo + 1);
  const nameW = Math.min(16, Math.max(5, ...st.layerNames.map((n) => n.length)));
  lines.push(
    `${pad('layer', nameW)}  log10 |g|  ${pad(String(lo), width - String(hi).length)}${hi}`,
  );
  const shown: number[] = [];
  if (L <= maxLayers) for (let l = 0; l < L; l++) shown.push(l);
  else {
    const headN = Math.ceil(maxLayers / 2);
    for (let l = 0; l < headN; l++) shown.push(l);
    for (let l = L - (maxLayers - headN); l < L; l++) shown.push(l);
  }
  let prev = -1;
  for (const l of shown) {
    if (l !== prev + 1) lines.push(`${pad('…', nameW)}  (${l - prev - 1} layers)`);
    prev = l;
    const name = st.layerNames[l] as string;
    const n = st.layerGradNorm[l] as number;
    const x = Math.log10(n);
    const len = Number.isFinite(x) ? Math.max(1, Math.round(((x - lo) / (hi - lo)) * width)) : 0;
    const bar = Number.isFinite(x)
      ? (ansi ? '█' : '#').repeat(len)
      : Number.isNaN(n)
        ? 'NaN'
        : n === 0
          ? '(0)'
          : 'Inf';
    const flag = flagged.has(name);
    const mark = flag ? (ansi ? `${RED}<${RESET}` : '<') : ' ';
    const colored = ansi && Number.isFinite(x) ? `${flag ? RED : GREEN}${bar}${RESET}` : bar;
    lines.push(
      `${pad(name, nameW)}  ${pad(fmtNum(n), 9)}  ${colored}${' '.repeat(Math.max(0, width - len))} ${mark}`,
    );
  }
  if (health.probes.length > 0) {
    lines.push('activations:');
    for (const p of health.probes) {
      if (!p.observed) continue;
      const extra =
        p.kind === 'relu'
          ? `dead ${fmtNum(100 * p.deadFraction)}% (batch ${fmtNum(100 * p.batchDeadFraction)}%)`
          : `sat ${fmtNum(100 * p.saturation)}%  slope ${fmtNum(100 * p.gain)}%`;
      lines.push(
        `  ${pad(`${p.kind} ${p.module}`, nameW + 8)} mean ${pad(fmtNum(p.mean), 8)} std ${pad(fmtNum(p.std), 8)} ${extra}`,
      );
    }
  }
  if (active.length === 0)
    lines.push(ansi ? `${GREEN}no active verdict${RESET}` : 'no active verdict');
  else {
    lines.push('verdicts:');
    for (const v of active) {
      lines.push(`${sevMark(v, ansi)} ${v.kind} @${v.step}: ${v.message}`);
      for (const r of v.remedies.slice(0, nRem)) lines.push(`      ${r.rank}. ${r.text}`);
    }
  }
  const past = health.verdicts.filter((v) => !active.includes(v)).slice(-nRecent);
  if (past.length > 0 && nRecent > 0) {
    lines.push('earlier:');
    for (const v of past)
      lines.push(`  ${v.status === 'resolved' ? '-' : '*'} ${v.kind} @${v.step}: ${v.message}`);
  }
  return lines.join('\n');
}
