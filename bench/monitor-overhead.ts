// `npx tsx bench/monitor-overhead.ts [runs] [steps]`: cost of the gradient-health monitor on the W1
// network (MLP 784-256-256-10, ReLU, He init, batch 128, Adam lr 1e-3, real MNIST digits), with a
// check on every step. Four variants trained from the same init on the same cached batches:
//   baseline   Optimizer(net, adam)
//   stats      chain(gradientHealth(), adam)                    — gradient statistics every step,
//                                                                 parameter norms/update ratio every 10th
//   full       chain(gradientHealth({ model: net }), adam)      — the same plus activation probes
//   allParams  chain(gradientHealth({ model: net, paramEvery: 1 }), adam) — parameters read every step too
// Runs are interleaved (baseline, stats, full, baseline, …) so machine load hits all variants
// alike; steps/s is the median over runs. Also reported: CPU time per step (process.cpuUsage, far
// less sensitive than wall time to other processes on a shared machine) and the monitor's own
// time per step (inside its update).
// Prints a markdown table and writes bench/results/monitor-overhead.json (atomically).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataLoader, loadMnist } from '../src/data/index.js';
import { gradientHealth } from '../src/monitor/index.js';
import { crossEntropy, mlp } from '../src/nn/index.js';
import { Optimizer, adam, chain } from '../src/optim/index.js';
import type { GradientTransformation, Params, StepContext } from '../src/optim/types.js';
import { Tensor } from '../src/tensor/tensor.js';

const runs = Number(process.argv[2] ?? 7);
const steps = Number(process.argv[3] ?? 40);
const here = path.dirname(fileURLToPath(import.meta.url));

const { train } = await loadMnist();
const loader = new DataLoader(train, {
  batchSize: 128,
  seed: 1,
  dropLast: true,
  reuseBuffers: false,
});
const batches: { x: Tensor; y: Int32Array }[] = [];
for (const b of loader) {
  batches.push({ x: b.x, y: b.y as Int32Array });
  if (batches.length === steps) break;
}

type Variant = 'baseline' | 'stats' | 'full' | 'allParams';
const variants: Variant[] = ['baseline', 'stats', 'full', 'allParams'];

/** Wraps a transformation to time its update. */
function timed<S>(tx: GradientTransformation<S>, acc: { ms: number }): GradientTransformation<S> {
  return {
    init: (p: Params) => tx.init(p),
    update(u: Params, s: S, p: Params, ctx?: StepContext): [Params, S] {
      const t0 = performance.now();
      const r = tx.update(u, s, p, ctx);
      acc.ms += performance.now() - t0;
      return r;
    },
  };
}

function makeRun(v: Variant): { step: (i: number) => void; monitorMs: { ms: number } } {
  const net = mlp({
    sizes: [784, 256, 256, 10],
    activation: 'relu',
    init: 'heNormal',
    biasInit: 'zeros',
    seed: 0,
  });
  const monitorMs = { ms: 0 };
  const tx =
    v === 'baseline'
      ? adam({ lr: 1e-3 })
      : chain(
          timed(
            gradientHealth(
              v === 'full'
                ? { model: net }
                : v === 'allParams'
                  ? { model: net, paramEvery: 1 }
                  : {},
            ),
            monitorMs,
          ),
          adam({ lr: 1e-3 }),
        );
  const opt = new Optimizer(net, tx as GradientTransformation<unknown>);
  return {
    monitorMs,
    step(i: number) {
      const b = batches[i % batches.length] as { x: Tensor; y: Int32Array };
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(b.x), b.y);
      loss.backward();
      opt.step({ loss: loss.item() });
    },
  };
}

const rates: Record<Variant, number[]> = { baseline: [], stats: [], full: [], allParams: [] };
const cpuMs: Record<Variant, number[]> = { baseline: [], stats: [], full: [], allParams: [] };
const monitorPerStep: Record<Variant, number[]> = {
  baseline: [],
  stats: [],
  full: [],
  allParams: [],
};
for (let r = 0; r < runs; r++) {
  const order = variants.map((_, i) => variants[(i + r) % variants.length] as Variant);
  for (const v of order) {
    const run = makeRun(v);
    for (let i = 0; i < 5; i++) run.step(i); // warm-up (JIT, arena packing)
    run.monitorMs.ms = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) run.step(i);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    rates[v].push((steps * 1000) / ms);
    cpuMs[v].push((c.user + c.system) / 1000 / steps);
    monitorPerStep[v].push(run.monitorMs.ms / steps);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const base = median(rates.baseline);
const baseCpu = median(cpuMs.baseline);
const rows = variants.map((v) => {
  const sps = median(rates[v]);
  const msStep = 1000 / sps;
  const mon = median(monitorPerStep[v]);
  const cpu = median(cpuMs[v]);
  return {
    variant: v,
    stepsPerSecond: sps,
    msPerStep: msStep,
    slowdownPct: (base / sps - 1) * 100,
    cpuMsPerStep: cpu,
    cpuSlowdownPct: (cpu / baseCpu - 1) * 100,
    monitorMsPerStep: mon,
    monitorSharePct: (mon / msStep) * 100,
  };
});
const dash = (r: { variant: Variant }, text: string): string =>
  r.variant === 'baseline' ? '—' : text;
const lines = [
  `W1 (MLP 784-256-256-10, batch 128, Adam), check every step; median of ${runs} interleaved runs of ${steps} steps; ${os.cpus()[0]?.model ?? 'unknown CPU'} ×${os.cpus().length}, Node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}`,
  '',
  '| variant | steps/s | ms/step | slowdown (wall) | CPU ms/step | slowdown (CPU) | monitor ms/step (inside update) | monitor share of wall step |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.variant} | ${r.stepsPerSecond.toFixed(2)} | ${r.msPerStep.toFixed(1)} | ${dash(r, `${r.slowdownPct.toFixed(1)}%`)} | ${r.cpuMsPerStep.toFixed(1)} | ${dash(r, `${r.cpuSlowdownPct.toFixed(1)}%`)} | ${dash(r, r.monitorMsPerStep.toFixed(2))} | ${dash(r, `${r.monitorSharePct.toFixed(1)}%`)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);

const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'monitor-overhead.json');
const tmp = `${file}.${process.pid}.tmp`;
writeFileSync(
  tmp,
  `${JSON.stringify({ benchmark: 'monitor-overhead', date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', loadAverage: os.loadavg()[0], runs, steps, rows, raw: { rates, cpuMs, monitorPerStep } }, null, 2)}\n`,
);
renameSync(tmp, file);
