// Markdown rendering of the suite's report.
import type { BenchReport, Criterion, WorkloadReport } from './types.js';

const SYSTEM_LABEL: Record<string, string> = {
  gradscope: 'gradscope',
  'gradscope-wasm': 'gradscope (wasm)',
  'tfjs-cpu': 'tfjs-cpu',
  'tfjs-wasm': 'tfjs-wasm',
  'jax-js': 'jax-js',
  torch: 'PyTorch',
};

const f = (x: number | null | undefined, d = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);
/** A rate: `digits` decimals from 10 up, three significant digits below (0.0183). */
const rate = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? 'n/a'
    : x >= 10
      ? x.toFixed(digits)
      : x.toPrecision(3);
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function verdict(c: Criterion): string {
  return c.pass === null ? 'n/a' : c.pass ? 'PASS' : '**FAIL**';
}

function workloadTable(w: WorkloadReport): string[] {
  const L: string[] = [];
  const last = w.steps;
  L.push(`### ${w.id} — ${w.title}`);
  L.push('');
  L.push(
    `${w.steps} steps per repetition${w.steps !== w.specSteps ? ` (scaled from ${w.specSteps})` : ''}, batch ${w.batch}; ` +
      `data ${w.dataSha256.slice(0, 12)}…; loss reference: ${w.reference}.`,
  );
  L.push('');
  L.push(
    `| system | threads | steps/s | samples/s | gradscope ÷ system | peak RSS MiB | loss@1 | loss@${Math.min(10, last)} | loss@${last} | same loss (max \\|Δloss\\|) | version / notes |`,
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const r of w.rows) {
    const name = SYSTEM_LABEL[r.system] ?? r.system;
    const o = r.outcome;
    if (!o.ok) {
      const na = o.error.startsWith('n/a');
      L.push(
        `| ${name} | ${r.threads} | ${na ? 'n/a' : '**failed**'} | | | | | | | | ${esc(o.error)} |`,
      );
      continue;
    }
    const at = (s: number): string => f(o.losses[s - 1], 5);
    const lc = r.lossCheck;
    const same =
      lc === null
        ? 'reference'
        : lc.pass === null
          ? 'n/a'
          : `${lc.pass ? 'pass' : '**FAIL**'} (${lc.maxAbsDiff.toExponential(1)}${lc.commonSteps < last ? ` over ${lc.commonSteps} step${lc.commonSteps > 1 ? 's' : ''}` : ''})`;
    const notes = [o.version, ...o.notes].map(esc).join('; ');
    L.push(
      `| ${name} | ${r.threads} | ${rate(o.stepsPerSec)} | ${rate(o.samplesPerSec, 0)} | ${r.gradscopeRatio === null ? '—' : `${r.gradscopeRatio.toFixed(2)}×`} | ${f(o.peakRssMiB, 0)} | ${at(1)} | ${at(Math.min(10, last))} | ${at(last)} | ${same} | ${notes} |`,
    );
  }
  L.push('');
  return L;
}

/** The report as markdown. */
export function renderMarkdown(r: BenchReport): string {
  const L: string[] = [];
  L.push(`# gradscope benchmark suite (issue #7) — ${r.date}`);
  L.push('');
  L.push(
    `${r.host.cpu}, ${r.host.logicalCpus} logical CPUs, Node ${r.host.node}; load average ${r.host.loadAverageStart.map((x) => x.toFixed(1)).join(' ')} at start, ` +
      `${r.host.loadAverageEnd.map((x) => x.toFixed(1)).join(' ')} at end; ${(r.durationSec / 60).toFixed(1)} min.`,
  );
  L.push('');
  const o = r.options;
  L.push(
    `Options: reps ${String(o['reps'])}, steps × ${String(o['stepsScale'])}, threads ${String(o['threads'])}, budget ${String(o['budgetSec'])} s per system and workload, ` +
      `sections ${String(o['only'])}, systems ${String(o['systems'])}. Steps/s = median over the timed repetitions, each from the ` +
      `shared initial weights with a fresh optimizer, after a warm-up run of the same steps that also gives the loss trajectory; ` +
      `the loss is read back every step by every system. "gradscope ÷ system" uses gradscope at the same thread count.`,
  );
  L.push('');
  if (!r.acceptanceGrade)
    L.push('**Not acceptance-grade:** scaled step counts or fewer than 3 repetitions.', '');
  L.push('## Peers', '');
  L.push('| system | version | note |', '|---|---|---|');
  for (const p of r.peers)
    L.push(`| ${p.system} | ${p.version ?? '**missing**'} | ${esc(p.note)} |`);
  L.push('');
  for (const n of r.notes) L.push(`- ${n}`);
  L.push('');
  if (r.acceptance.length > 0) {
    L.push('## Acceptance (issue #7)', '');
    L.push('| criterion | target | measured | result | note |', '|---|---|---|---|---|');
    for (const c of r.acceptance)
      L.push(
        `| ${esc(c.text)} | ${c.target} | ${esc(c.measured)} | ${verdict(c)} | ${esc(c.note)} |`,
      );
    L.push('');
  }
  if (r.workloads.length > 0) {
    L.push('## Training workloads', '');
    for (const w of r.workloads) L.push(...workloadTable(w));
  }
  if (r.gemm) {
    const g = r.gemm;
    L.push('## GEMM (float32, C = A·B, N×N; GFLOP/s = 2N³ / median time)', '');
    L.push(`| N | ${g.columns.map((c) => c.label).join(' | ')} |`);
    L.push(`|---:|${g.columns.map(() => '---:').join('|')}|`);
    for (const row of g.rows)
      L.push(`| ${row.n} | ${g.columns.map((c) => f(row.gflops[c.key])).join(' | ')} |`);
    L.push('');
    L.push(
      'gradscope and tfjs-wasm columns from bench/gemm.ts (gradscope through the copying entry used by the ops, and with operands already in wasm memory); results read back to JS for tfjs-wasm and jax-js.',
    );
    if (g.scaling) {
      const m = g.scaling;
      L.push(
        '',
        `Machine scaling (bench/peak/gemm-solo.ts, N = 1024, operands in wasm memory): one single-thread process alone ${f(m.alone)} GFLOP/s; two at once ${f(m.pair[0])} + ${f(m.pair[1])} = ${f(m.pair[0] + m.pair[1])} GFLOP/s, ${m.ratio.toFixed(2)}× — the ceiling of a 2-thread speedup on this machine in this run.`,
      );
    }
    for (const e of g.errors) L.push(`- **${esc(e)}**`);
    L.push('');
  }
  if (r.adam) {
    const a = r.adam;
    L.push(
      `## Adam update over ${a.params.toLocaleString('en')} parameters (bench/adam.ts; ns per parameter per step, lower is better)`,
      '',
    );
    L.push('| implementation | ns / parameter / step |', '|---|---:|');
    for (const x of a.rows) L.push(`| ${esc(x.name)} | ${x.ns.toFixed(2)} |`);
    for (const e of a.errors) L.push(`- **${esc(e)}**`);
    L.push('');
  }
  if (r.memory) {
    const m = r.memory;
    L.push(
      `## W1 memory (gradscope, ${m.steps.toLocaleString('en')} steps, RSS sampled every ${(m.steps / 10).toLocaleString('en')})`,
      '',
    );
    if (m.error !== null) L.push(`**failed:** ${esc(m.error)}`);
    else {
      L.push(`| step | ${m.samples.map((s) => s.step).join(' | ')} |`);
      L.push(`|---|${m.samples.map(() => '---:').join('|')}|`);
      L.push(`| RSS MiB | ${m.samples.map((s) => s.rssMiB.toFixed(1)).join(' | ')} |`);
      L.push(`| heapUsed MiB | ${m.samples.map((s) => s.heapUsedMiB.toFixed(1)).join(' | ')} |`);
      L.push('');
      L.push(
        `Growth from step ${m.steps / 10} to ${m.steps}: ${f(m.growthPct, 2)}% (${f(m.stepsPerSec)} steps/s).`,
      );
    }
    L.push('');
  }
  return `${L.join('\n')}\n`;
}
