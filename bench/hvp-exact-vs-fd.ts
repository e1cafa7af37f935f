// `npx tsx bench/hvp-exact-vs-fd.ts [pairs] [batch]`: exact vs finite-difference Hessian-vector
// products on the E12 network (10-layer sigmoid MLP 784-128×9-10, PyTorch-default init, seed 0)
// with the softmax cross-entropy of `batch` (default 64, E12's) MNIST digits, in float32 (E12's
// dtype) and float64. Three ways to get H·v:
//   exact-once   hvp by reverse-over-reverse from scratch: forward, recorded backward, one backward
//                through the double graph (autograd.hvp; one isolated HVP)
//   exact-reuse  each further HVP on a retained double graph (autograd.hessianOperator.matvec; what
//                Lanczos, Hutchinson and the monitor's probe pay per HVP after the first)
//   fd           central difference of two gradients (autograd.fdHvp's rule, parameters perturbed
//                in place; what the monitor paid before)
// Pairs are interleaved (exact-once, exact-reuse, fd, …) so machine load hits all alike; reported:
// median CPU ms per HVP (process.cpuUsage) and the relative difference ‖Hv_fd − Hv_exact‖/‖Hv_exact‖.
// Prints a markdown table and writes bench/results/hvp-exact-vs-fd.json (atomically).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradients } from '../src/autograd/backward.js';
import { enableGrad } from '../src/autograd/grad-mode.js';
import { hessianOperator, type ParamMap } from '../src/autograd/hvp.js';
import { loadMnist } from '../src/data/index.js';
import { crossEntropy, mlp } from '../src/nn/index.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor } from '../src/tensor/tensor.js';
import type { DType } from '../src/tensor/dtype.js';

const pairs = Number(process.argv[2] ?? 7);
const batch = Number(process.argv[3] ?? 64);
const here = path.dirname(fileURLToPath(import.meta.url));

function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

interface Row {
  dtype: DType;
  params: number;
  exactOnceMs: number;
  exactReuseMs: number;
  fdMs: number;
  fdRelDiff: number;
}

const rows: Row[] = [];
for (const dtype of ['float32', 'float64'] as const) {
  const { train } = await loadMnist({ dtype });
  const net = mlp({
    sizes: [784, ...new Array<number>(9).fill(128), 10],
    activation: 'sigmoid',
    seed: 0,
    dtype,
  });
  const params: ParamMap = net.namedParameters();
  const names = Object.keys(params);
  const list = names.map((k) => params[k] as Tensor);
  const n = list.reduce((s, p) => s + p.size, 0);
  const x = new Tensor(train.x.slice(0, batch * 784), [batch, 784]);
  const y = Int32Array.from(train.y.subarray(0, batch));
  const loss = (): Tensor => crossEntropy(net.forward(x), y);
  const v = new Float64Array(n);
  new Rng(1).fillNormal(v);
  const flat = (ts: readonly Tensor[], out: Float64Array): void => {
    let o = 0;
    for (const t of ts) {
      for (let i = 0; i < t.size; i++) out[o + i] = t.data[i] as number;
      o += t.size;
    }
  };
  // exact-once: one isolated HVP (the single-tensor hvp API on a flat view would copy; time the
  // same three passes on the named parameters instead).
  const exactOnce = (out: Float64Array): void => {
    const H = hessianOperator(loss, params);
    H.matvec(v, out);
  };
  const H = hessianOperator(loss, params);
  const exactReuse = (out: Float64Array): void => H.matvec(v, out);
  const x0 = new Float64Array(n);
  flat(list, x0);
  const fd = (out: Float64Array): void => {
    const u = dtype === 'float64' ? 2 ** -53 : 2 ** -24;
    let xmax = 1;
    let vmax = 0;
    for (let i = 0; i < n; i++) {
      xmax = Math.max(xmax, Math.abs(x0[i] as number));
      vmax = Math.max(vmax, Math.abs(v[i] as number));
    }
    const h = (Math.cbrt(u) * xmax) / vmax;
    const gAt = (s: number, dst: Float64Array): void => {
      let o = 0;
      for (const p of list) {
        for (let i = 0; i < p.size; i++)
          p.data[i] = (x0[o + i] as number) + s * (v[o + i] as number);
        o += p.size;
      }
      flat(
        enableGrad(() => gradients(loss(), list)),
        dst,
      );
    };
    const gp = new Float64Array(n);
    gAt(h, gp);
    gAt(-h, out);
    for (let i = 0; i < n; i++) out[i] = ((gp[i] as number) - (out[i] as number)) / (2 * h);
    let o = 0;
    for (const p of list) {
      for (let i = 0; i < p.size; i++) p.data[i] = x0[o + i] as number;
      o += p.size;
    }
  };
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  exactOnce(a);
  fd(b);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((b[i] as number) - (a[i] as number)) ** 2;
    den += (a[i] as number) ** 2;
  }
  const t = { once: [] as number[], reuse: [] as number[], fd: [] as number[] };
  for (let r = 0; r < pairs; r++) {
    t.once.push(cpuMs(() => exactOnce(a)));
    t.reuse.push(cpuMs(() => exactReuse(a)));
    t.fd.push(cpuMs(() => fd(b)));
  }
  rows.push({
    dtype,
    params: n,
    exactOnceMs: median(t.once),
    exactReuseMs: median(t.reuse),
    fdMs: median(t.fd),
    fdRelDiff: Math.sqrt(num / den),
  });
}

const f = (x: number): string => x.toFixed(1);
console.log(
  `E12 network (784-128×9-10 sigmoid, ${rows[0]?.params} parameters), batch ${batch}, ${pairs} interleaved rounds, median CPU ms per HVP`,
);
console.log(
  '| dtype | exact, from scratch | exact, on a retained graph | finite difference | ‖fd − exact‖/‖exact‖ |',
);
console.log('|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.dtype} | ${f(r.exactOnceMs)} | ${f(r.exactReuseMs)} | ${f(r.fdMs)} | ${r.fdRelDiff.toExponential(1)} |`,
  );
const outDir = path.join(here, 'results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'hvp-exact-vs-fd.json');
writeFileSync(
  `${file}.tmp`,
  JSON.stringify({ pairs, batch, cpus: os.cpus().length, rows }, null, 2),
);
renameSync(`${file}.tmp`, file);
