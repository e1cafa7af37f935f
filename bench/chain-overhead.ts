// `npm run bench:chain` (npx tsx bench/chain-overhead.ts): the product's composition
// chain(gradientHealth(), byGlobalNorm(1), adam) against a bare adam, one Optimizer.step over 1M
// float32 parameters (4 tensors, resident like a model's arena), in the same process, monitor with
// its defaults (gradient statistics every step, parameter norms and update ratios every 10th).
// Issue 14's criterion: the chain's step ≤ 1.3× the bare step. The chain runs the monitor and the
// clip on the gradients themselves, one shared statistics pass (Kernels.gradStats), and folds the
// clip's factor into Adam's fused step (gradScale); before, it copied the gradients and made
// separate JS passes for the monitor, the norm and the scaling (6.4–7.2×). The gradient pass is
// the sum-only one (Σg² and the NaN/Inf count) unless an onStats subscriber wants max |g| and
// the zeros. Each composition is timed against the bare step in interleaved A/B rounds.
//
//   --w1         W1's parameters instead (MLP 784-256-256-10: 269 322 in 6 tensors, issue 22's
//                W1m), on 1 kernel thread as bench/w1m.ts runs it
//   --params N   parameters (default 1 000 000; ignored with --w1)
//   --steps N    timed steps per repetition (default 20; best of 5 repetitions)
//   --rounds N   alternate bare / chain N times, keep each one's best and every round's ratio
//                (default 5: on a shared machine the minimum is the robust statistic)
//   --cycles N   then time every step on its own over N monitor cycles of 10 steps and keep the
//                minimum per phase of the cycle (default 30; robust when the machine is loaded)
//
// Prints a markdown table and writes bench/results/chain-overhead.json (atomically).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { byGlobalNorm } from '../src/clip/index.js';
import { allocArray, isResident, releaseArray } from '../src/kernels/memory.js';
import { setThreads, threadsInfo } from '../src/kernels/threads.js';
import { gradientHealth } from '../src/monitor/index.js';
import {
  Optimizer,
  adam,
  chain,
  type GradientTransformation,
  type Params,
} from '../src/optim/index.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor } from '../src/tensor/tensor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const num = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const W1 = args.includes('--w1');
// W1's layers (bench/workloads/spec.ts): [out, in] weights and their biases
const W1_SHAPES = [[256, 784], [256], [256, 256], [256], [10, 256], [10]];
const P = W1 ? 269_322 : num('params', 1_000_000);
if (W1) setThreads(1);
const STEPS = num('steps', 20);
const ROUNDS = num('rounds', 5);
const CYCLES = num('cycles', 30);
const REPEATS = 5;
const TENSORS = 4;

function makeParams(seed: number): Params {
  const rng = new Rng(seed);
  if (W1) {
    const params: Params = {};
    W1_SHAPES.forEach((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const p = new Tensor(rng.fillNormal(allocArray('float32', n) as Float32Array, 0, 0.05), shape, true); // prettier-ignore
      p.grad = new Tensor(rng.fillNormal(allocArray('float32', n) as Float32Array, 0, 1e-2), shape); // prettier-ignore
      params[`${2 * (i >> 1)}.${i % 2 === 0 ? 'weight' : 'bias'}`] = p;
    });
    return params;
  }
  const per = Math.floor(P / TENSORS);
  const params: Params = {};
  for (let i = 0; i < TENSORS; i++) {
    const n = i === TENSORS - 1 ? P - per * (TENSORS - 1) : per;
    const p = new Tensor(rng.fillNormal(allocArray('float32', n) as Float32Array), [n], true);
    p.grad = new Tensor(rng.fillNormal(allocArray('float32', n) as Float32Array, 0, 1e-2), [n]);
    params[`layer${i}.weight`] = p;
  }
  return params;
}

// The bare step stays built for the whole run; each composition is built, timed against it in
// interleaved A/B rounds, then disposed (Optimizer.dispose and the arrays given back), so every
// variant is resident: the 64 MiB resident budget holds the bare variant's 16 MiB (parameters,
// gradients, Adam's moments) plus one composition's 20 MiB (the same and the monitor's 4 MiB
// parameter snapshot), not four variants at once (before, the fourth silently was not resident).
interface Variant {
  name: string;
  opt: Optimizer<unknown>;
  params: Params;
}
const build = (name: string, tx: GradientTransformation<unknown>): Variant => {
  const params = makeParams(1);
  const opt = new Optimizer(params, tx);
  // warm-up: the monitor's code runs optimized (W1's steps are short enough for the first
  // rounds to time the compiler otherwise)
  for (let i = 0; i < 300; i++) opt.step();
  return { name, opt, params };
};
const dispose = (v: Variant): void => {
  v.opt.dispose();
  for (const p of Object.values(v.params)) {
    releaseArray(p.data);
    if (p.grad !== null) releaseArray(p.grad.data);
  }
};
/** Every float32 array in an optimizer state (Adam's moments, the monitor's snapshot). */
function arraysOf(x: unknown, out: Float32Array[] = []): Float32Array[] {
  if (x instanceof Float32Array) out.push(x);
  else if (x !== null && typeof x === 'object' && !(x instanceof Tensor))
    for (const v of Object.values(x)) arraysOf(v, out);
  return out;
}
const residentOf = (v: Variant): boolean =>
  Object.values(v.params).every(
    (p) => isResident(p.data) && p.grad !== null && isResident(p.grad.data),
  ) && arraysOf(v.opt.state).every((a) => a.length === 0 || isResident(a));

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** Best-of-REPEATS ns per parameter per step, wall clock and CPU time. */
function nsPerParam(opt: Optimizer<unknown>): { wall: number; cpu: number } {
  for (let i = 0; i < 5; i++) opt.step();
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const c0 = cpuUs();
    const t0 = process.hrtime.bigint();
    for (let s = 0; s < STEPS; s++) opt.step();
    wall = Math.min(wall, Number(process.hrtime.bigint() - t0));
    cpu = Math.min(cpu, (cpuUs() - c0) * 1000);
  }
  return { wall: wall / STEPS / P, cpu: cpu / STEPS / P };
}

interface Result {
  name: string;
  resident: boolean;
  /** Best of batches, ns/param: the bare step's in the same rounds, then this variant's. */
  bare: number;
  ns: number;
  cpuBare: number;
  cpu: number;
  /** This variant ÷ bare, round by round (interleaved A/B). */
  ratios: number[];
  /** Mean of the per-phase minima over the monitor's 10-step cycle, bare and this variant. */
  phaseBare: number;
  phase: number;
}

const CYCLE = 10;
const bare = build('Optimizer.step(adam)', adam({ lr: 1e-3 }) as GradientTransformation<unknown>);
const bareResident = residentOf(bare);
function measure(v: Variant): Result {
  let bareBest = Infinity;
  let best = Infinity;
  let cpuBare = Infinity;
  let cpu = Infinity;
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = nsPerParam(bare.opt);
    const b = nsPerParam(v.opt);
    bareBest = Math.min(bareBest, a.wall);
    best = Math.min(best, b.wall);
    cpuBare = Math.min(cpuBare, a.cpu);
    cpu = Math.min(cpu, b.cpu);
    ratios.push(b.wall / a.wall);
  }
  // The same comparison robust to preemption on a loaded machine: every step timed on its own,
  // the minimum kept per phase of the monitor's 10-step cycle (parameters read at phase 0, the
  // snapshot taken at phase 9), the step cost the mean of the 10 phase minima; A and B
  // alternate cycle by cycle.
  const mins = [bare, v].map(() => new Float64Array(CYCLE).fill(Infinity));
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    [bare, v].forEach((x, i) => {
      const m = mins[i] as Float64Array;
      for (let s = 0; s < CYCLE; s++) {
        const phase = x.opt.stepCount % CYCLE;
        const t0 = process.hrtime.bigint();
        x.opt.step();
        const t = Number(process.hrtime.bigint() - t0);
        if (t < (m[phase] as number)) m[phase] = t;
      }
    });
  }
  const [phaseBare, phase] = mins.map((m) => m.reduce((x, y) => x + y, 0) / CYCLE / P) as [
    number,
    number,
  ];
  return {
    name: v.name,
    resident: residentOf(v) && bareResident,
    bare: bareBest,
    ns: best,
    cpuBare,
    cpu,
    ratios,
    phaseBare,
    phase,
  };
}

const compositions: [string, () => GradientTransformation<unknown>][] = [
  [
    'Optimizer.step(chain(gradientHealth(), byGlobalNorm(1), adam))',
    () =>
      chain(
        gradientHealth(),
        byGlobalNorm(1),
        adam({ lr: 1e-3 }),
      ) as GradientTransformation<unknown>,
  ],
  // The parts, to attribute the overhead.
  [
    'Optimizer.step(chain(byGlobalNorm(1), adam))',
    () => chain(byGlobalNorm(1), adam({ lr: 1e-3 })) as GradientTransformation<unknown>,
  ],
  [
    'Optimizer.step(chain(gradientHealth(), adam))',
    () => chain(gradientHealth(), adam({ lr: 1e-3 })) as GradientTransformation<unknown>,
  ],
];
const results: Result[] = [];
for (const [name, make] of compositions) {
  const v = build(name, make());
  results.push(measure(v));
  dispose(v);
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(
  `\n${P.toLocaleString('en')} float32 parameters${W1 ? ' (W1)' : ''}, ${threadsInfo().backend}, ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]?.toFixed(1)}\n`,
);
console.log(
  '| step ÷ bare adam (same run, interleaved) | phase minima | best of batches | median of rounds | CPU time | resident |',
);
console.log('|---|---:|---:|---:|---:|---|');
for (const r of results)
  console.log(
    `| ${r.name} | ${(r.phase / r.phaseBare).toFixed(2)}× (${r.phase.toFixed(3)} / ${r.phaseBare.toFixed(3)} ns) | ${(r.ns / r.bare).toFixed(2)}× | ${median(r.ratios).toFixed(2)}× | ${(r.cpu / r.cpuBare).toFixed(2)}× | ${r.resident ? 'yes' : 'no'} |`,
  );
const crit = results[0] as Result;
const phaseRatio = crit.phase / crit.phaseBare;
const bestRatio = crit.ns / crit.bare;
console.log(
  `\ncriterion (issue 14) chain(gradientHealth(), byGlobalNorm(1), adam) ≤ 1.3× bare adam: phase minima ${phaseRatio.toFixed(2)}× ${phaseRatio <= 1.3 ? 'pass' : 'FAIL'}; best of batches ${bestRatio.toFixed(2)}×, per-round ${crit.ratios.map((r) => r.toFixed(2)).join(', ')}`,
);

const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, W1 ? 'chain-overhead-w1.json' : 'chain-overhead.json');
const tmp = `${file}.${process.pid}.tmp`;
writeFileSync(
  tmp,
  JSON.stringify(
    {
      params: P,
      steps: STEPS,
      rounds: ROUNDS,
      cycles: CYCLES,
      load: os.loadavg()[0],
      results,
      ratioPhaseMinima: phaseRatio,
      ratioBest: bestRatio,
    },
    null,
    2,
  ) + '\n',
);
renameSync(tmp, file);
