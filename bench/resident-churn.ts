// `npx tsx bench/resident-churn.ts [--models N] [--no-dispose]`: builds N (default 100) E12-sized
// models (10-layer MLP 784 → 9 × 128 → 10, 233 866 float32 parameters) one after another in one
// process, each with Adam, and prints the ns per parameter of an Optimizer.step for model 1,
// 18, 19, 50 and N, and whether its arenas and moments were resident. With dispose() (the
// default) every model stays resident and runs at model 1's speed; with --no-dispose (and no
// garbage collection in between, as in a tight sweep) the resident budget runs out at the 18th
// model and the later ones fall back to copies. For the closing note of issue 14; expect noise
// on a shared machine (best of 10 repetitions of 30 steps).
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
const DISPOSE = !args.includes('--no-dispose');
const SIZES = [784, 128, 128, 128, 128, 128, 128, 128, 128, 128, 10];
const MEASURED = new Set([1, 18, 19, 50, MODELS]);
/** Every typed array in an optimizer state (Adam's moments). */
function arraysOf(x: unknown, out: Float32Array[] = []): Float32Array[] {
  if (x instanceof Float32Array) out.push(x);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) arraysOf(v, out);
  return out;
}
const keep: unknown[] = []; // with --no-dispose, the models stay reachable (no GC backstop)

console.log(`| model | resident | ns/param (Optimizer.step, adam) |`);
console.log(`|---:|:---:|---:|`);
let first = 0;
for (let i = 1; i <= MODELS; i++) {
  const model = mlp({ sizes: SIZES, activation: 'sigmoid', seed: i });
  const opt = new Optimizer(model, adam({ lr: 1e-3 }));
  const a = model.arena();
  const rng = new Rng(i);
  for (let k = 0; k < a.grads.length; k++) a.grads[k] = rng.normal() * 1e-2;
  if (MEASURED.has(i)) {
    const n = a.params.length;
    for (let s = 0; s < 100; s++) opt.step(); // warm-up (JIT)
    let best = Infinity;
    for (let r = 0; r < 10; r++) {
      const t0 = process.hrtime.bigint();
      for (let s = 0; s < 30; s++) opt.step();
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 30 / n);
    }
    if (i === 1) first = best;
    const moments = arraysOf(opt.state).every((m) => isResident(m));
    const resident = isResident(a.params) && isResident(a.grads) && moments;
    console.log(
      `| ${i} | ${resident ? 'yes' : 'no'} | ${best.toFixed(2)} (${(best / first).toFixed(2)}×) |`,
    );
  }
  if (DISPOSE) {
    opt.dispose();
    model.dispose();
  } else keep.push(model, opt);
}
