// `npx tsx bench/resident-churn.ts [--models N] [--no-dispose]`: builds N (default 100) E12-sized
// models (10-layer MLP 784 → 9 × 128 → 10, 233 866 float32 parameters) one after another in one
// process, each with Adam, and compares the ns per parameter of an Optimizer.step on the first
// model and on the last one, measured alternately (best of 7 rounds of 30 steps each) so that
// both see the same machine load. With dispose() (the default) models 2..N−1 are disposed after
// use and the last one is resident like the first; with --no-dispose they are kept (no garbage
// collection can help, as in a sweep that keeps its results), the resident budget runs out at
// the 18th model and the last one falls back to copies. For the closing note of issue 14.
// --rounds N (default 7) batches of 30 steps; --single N (default 400) single steps per model,
// alternately, whose minimum is the estimate to trust on a loaded machine.
import { isResident } from '../src/kernels/memory.js';
import { mlp } from '../src/nn/mlp.js';
import { Optimizer, adam } from '../src/optim/index.js';
import { Rng } from '../src/tensor/rng.js';

const args = process.argv.slice(2);
const num = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MODELS = num('models', 100);
const ROUNDS = num('rounds', 7);
const SINGLE = num('single', 400);
const DISPOSE = !args.includes('--no-dispose');
const SIZES = [784, 128, 128, 128, 128, 128, 128, 128, 128, 128, 10];

/** Every typed array in an optimizer state (Adam's moments). */
function arraysOf(x: unknown, out: Float32Array[] = []): Float32Array[] {
  if (x instanceof Float32Array) out.push(x);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) arraysOf(v, out);
  return out;
}

interface Built {
  opt: Optimizer;
  n: number;
  resident: boolean;
  dispose(): void;
}

function build(i: number): Built {
  const model = mlp({ sizes: SIZES, activation: 'sigmoid', seed: i });
  const opt = new Optimizer(model, adam({ lr: 1e-3 }));
  const a = model.arena();
  const rng = new Rng(i);
  for (let k = 0; k < a.grads.length; k++) a.grads[k] = rng.normal() * 1e-2;
  opt.step();
  const resident =
    isResident(a.params) && isResident(a.grads) && arraysOf(opt.state).every((m) => isResident(m));
  return {
    opt,
    n: a.params.length,
    resident,
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
  };
}

/** ns per parameter of 30 steps. */
function time(b: Built): number {
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < 30; s++) b.opt.step();
  return Number(process.hrtime.bigint() - t0) / 30 / b.n;
}

const first = build(1);
for (let s = 0; s < 200; s++) first.opt.step(); // warm-up (JIT)
const kept: Built[] = [];
let residentCount = 1;
for (let i = 2; i < MODELS; i++) {
  const b = build(i);
  if (b.resident) residentCount++;
  if (DISPOSE) b.dispose();
  else kept.push(b);
}
const last = build(MODELS);
if (last.resident) residentCount++;
for (let s = 0; s < 50; s++) last.opt.step();
let bestFirst = Infinity;
let bestLast = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  bestFirst = Math.min(bestFirst, time(first));
  bestLast = Math.min(bestLast, time(last));
}
// Robust to preemption on a loaded machine: single steps, alternately, the minimum of each.
let minFirst = Infinity;
let minLast = Infinity;
const one = (b: Built): number => {
  const t0 = process.hrtime.bigint();
  b.opt.step();
  return Number(process.hrtime.bigint() - t0) / b.n;
};
for (let r = 0; r < SINGLE; r++) {
  minFirst = Math.min(minFirst, one(first));
  minLast = Math.min(minLast, one(last));
}
console.log(`${MODELS} E12-sized models, ${DISPOSE ? 'disposed after use' : 'kept alive'}:`);
console.log(`resident: ${residentCount} of ${MODELS}`);
console.log(
  `| model | resident | ns/param (best of ${ROUNDS} × 30 steps) | ns/param (min of ${SINGLE} single steps) |`,
);
console.log(`|---:|:---:|---:|---:|`);
console.log(
  `| 1 | ${first.resident ? 'yes' : 'no'} | ${bestFirst.toFixed(2)} | ${minFirst.toFixed(2)} |`,
);
console.log(
  `| ${MODELS} | ${last.resident ? 'yes' : 'no'} | ${bestLast.toFixed(2)} (${(bestLast / bestFirst).toFixed(2)}× model 1) | ${minLast.toFixed(2)} (${(minLast / minFirst).toFixed(2)}× model 1) |`,
);
