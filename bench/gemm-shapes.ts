// The native float32 GEMM on the exact shapes the bench workloads run (issue 22): every GEMM of
// one training step of W1, W3, W4, W5 and W6 (forward and backward, with their transposes and
// beta), timed in CPU time of this process on one thread, as GFLOP/s and as a fraction of this
// core's 256-bit FMA peak (bench/peak/native-peak.ts), next to PyTorch's torch.mm / addmm on the
// same shapes and layouts (bench/gemm_shapes_torch.py, one thread, CPU time). The per-workload
// line sums calls × time: the GEMM time of one step on each side.
//   npx tsx bench/gemm-shapes.ts [W1,W3,W4,W5,W6] [--no-torch] [--ms 40] [--baseline other.node]
// --baseline times another build of the addon (e.g. main's build/Release/gradscope_native.node,
// copied aside) on the same shapes, interleaved round by round with this one: a before/after.
// Shapes come from bench/workloads/spec.ts and the op code: ops/linear.ts + native/src/
// layers_tmpl.h (linear: y = x·Wᵀ (0,1); dx = gz·W (0,0); dW = gzᵀ·x (1,0)), ops/recurrent.ts
// (RNN/LSTM: input projection, per-step recurrent GEMMs, dW_hh/dW_ih), layers_tmpl.h's
// convolution (per image: W·cols; dW = gz·colsᵀ; dx = Wᵀ·gz) and ops/attention.ts (W5's batched
// Q·Kᵀ and P·V, 64 per step). Plain GEMMs: the linear epilogue (bias, ReLU) is not included.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { setThreads } from '../src/kernels/index.js';
import type { NativeAddon } from '../src/kernels/native/addon.js';
import { loadNativeKernels, nativeStatus } from '../src/kernels/native/loader.js';
import { Rng } from '../src/tensor/rng.js';
import { measureNativePeak } from './peak/native-peak.js';
import { torchEnv } from './suite/child.js';
import { workloadSpec } from './workloads/spec.js';

/** One GEMM of a workload step: C[m×n] = op(A)·op(B) + beta·C, `calls` times per step. */
interface Shape {
  workload: string;
  what: string;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  beta: 0 | 1;
  calls: number;
}

function sh(
  workload: string,
  what: string,
  t: 'NN' | 'NT' | 'TN',
  m: number,
  n: number,
  k: number,
  calls = 1,
  beta: 0 | 1 = 0,
): Shape {
  return { workload, what, transA: t === 'TN', transB: t === 'NT', m, n, k, beta, calls };
}

/** A fused linear layer [rows, inF] → outF: forward, dx (when the input needs it) and dW. */
function linearShapes(
  w: string,
  name: string,
  rows: number,
  inF: number,
  outF: number,
  dx: boolean,
): Shape[] {
  const out = [sh(w, `${name} fwd x·Wᵀ`, 'NT', rows, outF, inF)];
  if (dx) out.push(sh(w, `${name} dx=gz·W`, 'NN', rows, inF, outF));
  out.push(sh(w, `${name} dW=gzᵀ·x`, 'TN', outF, inF, rows));
  return out;
}

function workloadShapes(id: string): Shape[] {
  if (id === 'W1') {
    const s = workloadSpec('W1');
    if (s.model.kind !== 'mlp') throw new Error('W1 is an MLP');
    const z = s.model.sizes;
    const out: Shape[] = [];
    for (let l = 0; l + 1 < z.length; l++)
      out.push(
        ...linearShapes(
          'W1',
          `L${l + 1} ${z[l]}→${z[l + 1]}`,
          s.batch,
          z[l] as number,
          z[l + 1] as number,
          l > 0,
        ),
      );
    return out;
  }
  if (id === 'W3' || id === 'W6') {
    const s = workloadSpec(id);
    if (s.model.kind !== 'rnn') throw new Error(`${id} is an RNN`);
    const { inputSize: i, hiddenSize: h, seqLen: t } = s.model;
    const b = s.batch;
    const g = s.model.cell === 'lstm' ? 4 * h : h;
    return [
      sh(id, 'input proj x·W_ihᵀ', 'NT', t * b, g, i),
      sh(id, 'recurrent h·W_hhᵀ (+=)', 'NT', b, g, h, t - 1, 1),
      sh(id, 'back dh=dG·W_hh', 'NN', b, h, g, t - 1),
      sh(id, 'dW_hh=dGᵀ·h', 'TN', g, h, (t - 1) * b),
      sh(id, 'dW_ih=dGᵀ·x', 'TN', g, i, t * b),
      ...linearShapes(id, `fc ${h}→${s.classes}`, b, h, s.classes, true),
    ];
  }
  if (id === 'W4') {
    const s = workloadSpec('W4');
    if (s.model.kind !== 'cnn') throw new Error('W4 is a CNN');
    const { image, channels, kernel: kk, pool, classes } = s.model;
    const [c1, c2] = channels;
    const p1 = image * image;
    const p2 = (image / pool) ** 2;
    const k1 = kk * kk;
    const k2 = c1 * kk * kk;
    const flat = c2 * (image / pool / pool) ** 2;
    const b = s.batch;
    return [
      sh('W4', 'conv1 fwd W·cols', 'NN', c1, p1, k1, b),
      sh('W4', 'conv1 dW=gz·colsᵀ (+=)', 'NT', c1, k1, p1, b, 1),
      sh('W4', 'conv2 fwd W·cols', 'NN', c2, p2, k2, b),
      sh('W4', 'conv2 dW=gz·colsᵀ (+=)', 'NT', c2, k2, p2, b, 1),
      sh('W4', 'conv2 dx=Wᵀ·gz', 'TN', k2, p2, c2, b),
      ...linearShapes('W4', `fc ${flat}→${classes}`, b, flat, classes, true),
    ];
  }
  if (id === 'W5') {
    const s = workloadSpec('W5');
    if (s.model.kind !== 'gpt') throw new Error('W5 is a GPT');
    const { embed: e, layers, heads, context, vocab } = s.model;
    const rows = s.batch * context;
    const hd = e / heads;
    const bh = s.batch * heads * layers;
    return [
      ...linearShapes('W5', `qkv ${e}→${3 * e}`, rows, e, 3 * e, true).map((x) => ({
        ...x,
        calls: layers,
      })),
      ...linearShapes('W5', `out ${e}→${e}`, rows, e, e, true).map((x) => ({
        ...x,
        calls: layers,
      })),
      ...linearShapes('W5', `linear1 ${e}→${4 * e}`, rows, e, 4 * e, true).map((x) => ({
        ...x,
        calls: layers,
      })),
      ...linearShapes('W5', `linear2 ${4 * e}→${e}`, rows, 4 * e, e, true).map((x) => ({
        ...x,
        calls: layers,
      })),
      ...linearShapes('W5', `head ${e}→${vocab}`, rows, e, vocab, true),
      sh('W5', 'attn S=Q·Kᵀ', 'NT', context, context, hd, bh),
      sh('W5', 'attn O=P·V', 'NN', context, hd, context, bh),
      sh('W5', 'attn dP=dO·Vᵀ', 'NT', context, context, hd, bh),
      sh('W5', 'attn dV=Pᵀ·dO', 'TN', context, hd, context, bh),
      sh('W5', 'attn dQ=dS·K', 'NN', context, hd, context, bh),
      sh('W5', 'attn dK=dSᵀ·Q', 'TN', context, hd, context, bh),
    ];
  }
  throw new Error(
    `gemm-shapes: unknown workload ${JSON.stringify(id)} (expected W1, W3, W4, W5 or W6)`,
  );
}

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * Best CPU seconds per call of the native GEMM on one shape for each addon (this build, then a
 * baseline build when given), over 7 rounds of ≥ ms/2 each, the addons interleaved round by
 * round (so that a busy machine slows both alike).
 */
function timeNative(addons: NativeAddon[], s: Shape, ms: number): number[] {
  const rng = new Rng(s.m * 7 + s.n * 3 + s.k);
  const a = rng.fillNormal(new Float32Array(s.m * s.k));
  const b = rng.fillNormal(new Float32Array(s.k * s.n));
  const c = new Float32Array(s.m * s.n);
  const call = (ad: NativeAddon): void =>
    ad.gemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, 0, b, 0, s.beta, c, 0);
  const first = addons[0] as NativeAddon;
  for (const ad of addons) call(ad);
  let reps = 1;
  for (;;) {
    const t0 = cpuMs();
    for (let r = 0; r < reps; r++) call(first);
    if (cpuMs() - t0 >= ms / 8) break;
    reps *= 2;
  }
  const t1 = cpuMs();
  for (let r = 0; r < reps; r++) call(first);
  reps = Math.max(1, Math.ceil((reps * ms) / 2 / Math.max(cpuMs() - t1, 1e-3)));
  const best = addons.map(() => Infinity);
  for (let round = 0; round < 7; round++)
    addons.forEach((ad, i) => {
      const t0 = cpuMs();
      for (let r = 0; r < reps; r++) call(ad);
      best[i] = Math.min(best[i] as number, (cpuMs() - t0) / 1000 / reps);
    });
  return best;
}

function timeTorch(shapes: Shape[], ms: number): (number | null)[] | string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-gemm-shapes-'));
  try {
    const file = path.join(dir, 'shapes.json');
    writeFileSync(file, JSON.stringify(shapes));
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gemm_shapes_torch.py');
    const r = spawnSync('/usr/bin/python3', [script, file, String(ms)], {
      env: torchEnv(1).env,
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    if (r.status !== 0)
      return `PyTorch failed: ${(r.stderr || String(r.error)).trim().split('\n').pop() ?? ''}`;
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as (number | null)[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
// the workload list: the first argument that is neither an option nor an option's value
const ids = (
  args.find((x, i) => !x.startsWith('--') && !['--ms', '--baseline'].includes(args[i - 1] ?? '')) ??
  'W1,W3,W4,W5,W6'
).split(',');
const withTorch = !args.includes('--no-torch');
const msArg = args.indexOf('--ms');
const ms = msArg >= 0 ? Number(args[msArg + 1]) : 40;
const baseArg = args.indexOf('--baseline');
const baselinePath = baseArg >= 0 ? args[baseArg + 1] : undefined;

const st = nativeStatus();
const addon = loadNativeKernels();
if (addon === undefined) {
  console.log(`gemm-shapes: the native addon is not loaded (${st.loaded ? '' : st.reason})`);
  process.exit(1);
}
setThreads(1);
const peakR = measureNativePeak();
const peak = peakR.ok ? peakR.fma256 : NaN;
const shapes = ids.flatMap(workloadShapes);
const baseline =
  baselinePath === undefined
    ? undefined
    : (createRequire(import.meta.url)(path.resolve(baselinePath)) as NativeAddon);
const timed = shapes.map((s) => timeNative(baseline ? [addon, baseline] : [addon], s, ms));
const native = timed.map((t) => t[0] as number);
const base = timed.map((t) => t[1] ?? NaN);
const torch = withTorch ? timeTorch(shapes, ms) : 'not run (--no-torch)';
const torchT = typeof torch === 'string' ? null : torch;

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
console.log(
  `native float32 GEMM, 1 thread, CPU time; 256-bit FMA peak of this core ${f(peak)} GFLOP/s` +
    (typeof torch === 'string' ? `; PyTorch: ${torch}` : '; PyTorch 1 thread (torch.mm/addmm)'),
);
const bh = baseline ? ' baseline GFLOP/s | native ÷ baseline |' : '';
console.log(
  `| workload | GEMM | op | M×N×K | calls | native GFLOP/s | % peak | PyTorch GFLOP/s | native ÷ PyTorch |${bh}`,
);
console.log(`|---|---|---|---|---:|---:|---:|---:|---:|${baseline ? '---:|---:|' : ''}`);
const totals = new Map<string, { flop: number; nat: number; tor: number; base: number }>();
shapes.forEach((s, i) => {
  const flop = 2 * s.m * s.n * s.k;
  const tn = native[i] as number;
  const tt = torchT?.[i] ?? NaN;
  const gn = flop / tn / 1e9;
  const gt = flop / tt / 1e9;
  const tb = base[i] as number;
  const op = `${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}${s.beta ? ' β=1' : ''}`;
  const bc = baseline ? ` ${f(flop / tb / 1e9)} | ${f(tb / tn, 2)} |` : '';
  console.log(
    `| ${s.workload} | ${s.what} | ${op} | ${s.m}×${s.n}×${s.k} | ${s.calls} | ${f(gn)} | ${f((100 * gn) / peak, 0)} | ${f(gt)} | ${f(gn / gt, 2)} |${bc}`,
  );
  const t = totals.get(s.workload) ?? { flop: 0, nat: 0, tor: 0, base: 0 };
  t.flop += flop * s.calls;
  t.nat += tn * s.calls;
  t.tor += tt * s.calls;
  t.base += tb * s.calls;
  totals.set(s.workload, t);
});
console.log(
  `\n| workload | GEMM GFLOP per step | native ms/step | GFLOP/s | PyTorch ms/step | GFLOP/s |${baseline ? ' baseline ms/step |' : ''}`,
);
console.log(`|---|---:|---:|---:|---:|---:|${baseline ? '---:|' : ''}`);
for (const [w, t] of totals)
  console.log(
    `| ${w} | ${f(t.flop / 1e9, 3)} | ${f(t.nat * 1e3, 2)} | ${f(t.flop / t.nat / 1e9)} | ${f(t.tor * 1e3, 2)} | ${f(t.flop / t.tor / 1e9)} |${baseline ? ` ${f(t.base * 1e3, 2)} |` : ''}`,
  );
