// `npx tsx bench/adam.ts`: ns per parameter per Adam step over 1M float32 parameters, next to
// PyTorch's torch.optim.Adam (foreach and single-tensor, one thread) measured in the same run by
// bench/adam_torch.py (Debian python3-torch; OPENBLAS_CORETYPE unset for that run).
//
//   --params N      parameters (default 1 000 000, in 4 tensors)
//   --steps N       timed steps per repetition (default 30; best of 5 repetitions)
//   --rounds N      alternate the gradscope and PyTorch measurements N times and keep each one's
//                   best (default 3: on a shared machine the minimum is the robust statistic)
//   --no-torch      skip the PyTorch run
//   --long          also check the heap-flatness claim: 100 000 Adam steps through
//                   Optimizer.step over --long-params (default 10 000) parameters, heapUsed
//                   sampled after a forced GC every 10 000 steps
//
// Prints a markdown table and writes bench/results/adam.json (atomically).
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  Optimizer,
  adam,
  applyUpdates,
  chain,
  scaleByAdam,
  scaleByLearningRate,
  type GradientTransformation,
  type Params,
} from '../src/optim/index.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor } from '../src/tensor/tensor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const num = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const P = num('params', 1_000_000);
const STEPS = num('steps', 30);
const ROUNDS = num('rounds', 3);
const REPEATS = 5;
const TENSORS = 4;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function makeParams(total: number, seed: number): Params {
  const rng = new Rng(seed);
  const per = Math.floor(total / TENSORS);
  const params: Params = {};
  for (let i = 0; i < TENSORS; i++) {
    const n = i === TENSORS - 1 ? total - per * (TENSORS - 1) : per;
    const p = new Tensor(rng.fillNormal(new Float32Array(n)), [n], true);
    p.grad = new Tensor(rng.fillNormal(new Float32Array(n), 0, 1e-2), [n]);
    params[`layer${i}.weight`] = p;
  }
  return params;
}

/** Best-of-REPEATS ns per parameter per step. */
function nsPerParam(step: () => void, total: number): number {
  for (let i = 0; i < 10; i++) step();
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    for (let s = 0; s < STEPS; s++) step();
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best / STEPS / total;
}

/** The whole facade: copy of .grad, the transformation, applyUpdates. */
function benchOptimizer(tx: GradientTransformation<unknown>): number {
  const opt = new Optimizer(makeParams(P, 1), tx);
  return nsPerParam(() => opt.step(), P);
}

/** The transformation and applyUpdates alone, on the gradient buffers in place (no copy). */
function benchTx(tx: GradientTransformation<unknown>): number {
  const params = makeParams(P, 1);
  const grads: Params = {};
  for (const [k, p] of Object.entries(params)) grads[k] = p.grad as Tensor;
  let state = tx.init(params);
  return nsPerParam(() => {
    const r = tx.update(grads, state, params);
    state = r[1];
    applyUpdates(params, r[0]);
  }, P);
}

const variants: { name: string; run: () => number }[] = [
  {
    name: 'gradscope Optimizer.step(adam) (copy .grad + fused Adam + apply)',
    run: () => benchOptimizer(adam({ lr: 1e-3 })),
  },
  {
    name: 'gradscope adam() transformation + applyUpdates',
    run: () => benchTx(adam({ lr: 1e-3 })),
  },
  {
    name: 'gradscope chain(scaleByAdam, scaleByLearningRate) + applyUpdates',
    run: () => benchTx(chain(scaleByAdam(), scaleByLearningRate(1e-3))),
  },
];

const best = new Map<string, number>();
const keep = (name: string, ns: number): void => {
  best.set(name, Math.min(best.get(name) ?? Infinity, ns));
};
let torch: Record<string, unknown> | null = null;
for (let round = 0; round < ROUNDS; round++) {
  for (const v of variants) keep(v.name, v.run());
  if (flag('no-torch')) continue;
  const env = { ...process.env };
  delete env['OPENBLAS_CORETYPE'];
  const script = path.join(here, 'adam_torch.py');
  const r = spawnSync(
    '/usr/bin/python3',
    [script, '--params', String(P), '--steps', String(STEPS), '--repeats', String(REPEATS)],
    { env, encoding: 'utf8' },
  );
  if (r.status !== 0) {
    console.error(
      `PyTorch run failed (apt-get install -y python3-torch libopenblas0-openmp):\n${r.stderr}`,
    );
    continue;
  }
  torch = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
  const version = String(torch['torch']);
  keep(`PyTorch ${version} Adam foreach (1 thread)`, torch['nsPerParamForeach'] as number);
  keep(
    `PyTorch ${version} Adam single-tensor (1 thread)`,
    torch['nsPerParamSingleTensor'] as number,
  );
}
const rows = [...best].map(([name, ns]) => ({ name, ns }));

const load = os.loadavg().map((l) => l.toFixed(1));
console.log(
  `\nAdam step, ${P.toLocaleString('en')} float32 parameters in ${TENSORS} tensors, best of ` +
    `${ROUNDS} rounds × ${REPEATS} × ${STEPS} steps (${os.cpus()[0]?.model ?? 'cpu'}, ` +
    `Node ${process.version}, load average ${load.join(' ')})\n`,
);
console.log('| implementation | ns / parameter / step |');
console.log('|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.ns.toFixed(2)} |`);

let long: Record<string, unknown> | null = null;
if (flag('long')) {
  const LP = num('long-params', 10_000);
  const LSTEPS = 100_000;
  const opt = new Optimizer(makeParams(LP, 2), adam({ lr: 1e-3 }));
  for (let i = 0; i < 1000; i++) opt.step();
  gc();
  const samples: number[] = [process.memoryUsage().heapUsed];
  const t0 = performance.now();
  for (let s = 1; s <= LSTEPS; s++) {
    opt.step();
    if (s % 10_000 === 0) {
      gc();
      samples.push(process.memoryUsage().heapUsed);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const growth = (samples[samples.length - 1] as number) - (samples[0] as number);
  long = { params: LP, steps: LSTEPS, seconds, heapUsedSamples: samples, heapGrowthBytes: growth };
  console.log(
    `\nLong run: ${LSTEPS.toLocaleString('en')} Adam steps over ${LP.toLocaleString('en')} ` +
      `parameters in ${seconds.toFixed(1)} s; heapUsed after a forced GC every 10 000 steps ` +
      `(KiB): ${samples.map((b) => (b / 1024).toFixed(0)).join(', ')}; growth ${(growth / 1024).toFixed(1)} KiB`,
  );
}

const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'adam.json');
const tmp = `${file}.${process.pid}.tmp`;
const result = {
  params: P,
  steps: STEPS,
  repeats: REPEATS,
  rounds: ROUNDS,
  node: process.version,
  cpu: os.cpus()[0]?.model,
  loadAverage: os.loadavg(),
  rows,
  torch,
  long,
};
writeFileSync(tmp, JSON.stringify(result, null, 2));
renameSync(tmp, file);
