// `npx tsx bench/lstm-gates.ts [--baseline DIR]`: first, CPU time of the gate kernels alone
// (Kernels.lstmGates*/gruGates*, one sequence of T = 50 steps forward and backward, B = 32,
// H = 128, float32) on every backend available here (js, wasm, native), with the speedup over
// the JS reference (issue 22, item 4: the gates on the fast path); then CPU time of one LSTM and one GRU training step
// (forward over the sequence + backward through time, float32, H = 128, T = 50, batch 32,
// I = 128, biases and h0/c0 given) on this tree's ops, and when `--baseline DIR` names another
// checkout of the repository (npm ci and npm run build:wasm done in it, or node_modules and
// src/kernels/wasm/generated copied in), on that tree's too, interleaved A, B, B, A… in one
// process. Issue 14/22: the gate loops moved from ops/recurrent.ts into Kernels entries
// (lstmGates*, gruGates*); this measures what that costs or saves per step.
//
// CPU time (process.cpuUsage, user + system), not wall-clock: on a shared machine the best
// round is the robust statistic; the median of the per-round ratios is printed as well.
//
//   --rounds N   alternations (default 7); each round times --steps steps (default 5)
//   --kernels K  js | wasm | native | auto (default auto), for the training steps
import path from 'node:path';
import { jsKernels } from '../src/kernels/js/backend.js';
import { availableBackends } from '../src/kernels/select.js';
import type { Kernels } from '../src/kernels/types.js';

type Lib = typeof import('../src/index.js');

interface Options {
  baseline: string | null;
  rounds: number;
  steps: number;
  kernels: 'js' | 'wasm' | 'native' | 'auto';
}

function parse(argv: string[]): Options {
  const o: Options = { baseline: null, rounds: 7, steps: 5, kernels: 'auto' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`lstm-gates: ${flag} needs a value`);
    if (flag === '--baseline') o.baseline = path.resolve(v);
    else if (flag === '--rounds') o.rounds = Number(v);
    else if (flag === '--steps') o.steps = Number(v);
    else if (flag === '--kernels' && (v === 'js' || v === 'wasm' || v === 'native' || v === 'auto'))
      o.kernels = v;
    else throw new Error(`lstm-gates: unknown flag or value ${flag} ${v}`);
  }
  return o;
}

const [T, B, I, H] = [50, 32, 128, 128];

/** One cell's training step (forward + backward) on `lib`, as a closure over its inputs. */
function stepOf(lib: Lib, cell: 'lstm' | 'gru'): () => void {
  const gates = cell === 'lstm' ? 4 : 3;
  const opt = { dtype: 'float32' as const, requiresGrad: true };
  const x = lib.randn([T, B, I], 1, opt);
  const wIh = lib.normal([gates * H, I], 0, 0.08, 2, opt);
  const wHh = lib.normal([gates * H, H], 0, 0.08, 3, opt);
  const bIh = lib.randn([gates * H], 4, opt);
  const bHh = lib.randn([gates * H], 5, opt);
  const h0 = lib.randn([B, H], 6, opt);
  const c0 = lib.randn([B, H], 7, opt);
  return () => {
    const out =
      cell === 'lstm'
        ? lib.lstm(x, wIh, wHh, bIh, bHh, h0, c0).output
        : lib.gru(x, wIh, wHh, bIh, bHh, h0).output;
    lib.backward(lib.sum(out));
  };
}

function cpuMs(run: () => void, steps: number): number {
  const t0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) run();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000 / steps;
}

/** One sequence of gate steps (forward t = 0…T−1, then backward) on backend k, as a closure. */
function gateSequence(k: Kernels, cell: 'lstm' | 'gru'): () => void {
  const G = cell === 'lstm' ? 4 : 3;
  const [bh, bg] = [B * H, B * G * H];
  const pre = Float32Array.from({ length: T * bg }, (_, i) => Math.sin(i * 0.7) * 3);
  const gates = new Float32Array(T * bg);
  const hs = new Float32Array(T * bh);
  const cs = new Float32Array(T * bh);
  const hp = Float32Array.from({ length: bg }, (_, i) => Math.cos(i * 0.3));
  const bHh = Float32Array.from({ length: G * H }, (_, i) => Math.sin(i) * 0.1);
  const gh = Float32Array.from({ length: T * bh }, (_, i) => Math.sin(i * 0.1) * 0.01);
  const [dh, dc] = [new Float32Array(bh), new Float32Array(bh)];
  const [dG, dHP] = [new Float32Array(T * bg), new Float32Array(T * bg)];
  const fl = { gates, gatesOffset: 0, cPrev: null as Float32Array | null, cPrevOffset: 0, c: cs, cOffset: 0, h: hs, hOffset: 0, B, H }; // prettier-ignore
  const bl = { gates, gatesOffset: 0, c: cs, cOffset: 0, cPrev: null as Float32Array | null, cPrevOffset: 0, gh, ghOffset: 0, dh, dc, dG, dGOffset: 0, B, H }; // prettier-ignore
  const fg = { gates, gatesOffset: 0, hp, bHh, hn: cs, hnOffset: 0, hPrev: null as Float32Array | null, hPrevOffset: 0, h: hs, hOffset: 0, B, H }; // prettier-ignore
  const bg2 = { gates, gatesOffset: 0, hn: cs, hnOffset: 0, hPrev: null as Float32Array | null, hPrevOffset: 0, gh, ghOffset: 0, dh, dXP: dG, dHP, dOffset: 0, B, H }; // prettier-ignore
  return () => {
    gates.set(pre);
    dh.fill(0);
    dc.fill(0);
    for (let t = 0; t < T; t++) {
      const prev = t > 0 ? (cell === 'lstm' ? cs : hs) : null;
      if (cell === 'lstm') {
        Object.assign(fl, { gatesOffset: t * bg, cPrev: prev, cPrevOffset: (t - 1) * bh, cOffset: t * bh, hOffset: t * bh }); // prettier-ignore
        k.lstmGatesForward(fl);
      } else {
        Object.assign(fg, { gatesOffset: t * bg, hnOffset: t * bh, hPrev: prev, hPrevOffset: (t - 1) * bh, hOffset: t * bh }); // prettier-ignore
        k.gruGatesForward(fg);
      }
    }
    for (let t = T - 1; t >= 0; t--) {
      if (cell === 'lstm') {
        Object.assign(bl, { gatesOffset: t * bg, cOffset: t * bh, cPrev: t > 0 ? cs : null, cPrevOffset: (t - 1) * bh, ghOffset: t * bh, dGOffset: t * bg }); // prettier-ignore
        k.lstmGatesBackward(bl);
      } else {
        Object.assign(bg2, { gatesOffset: t * bg, hnOffset: t * bh, hPrev: t > 0 ? hs : null, hPrevOffset: (t - 1) * bh, ghOffset: t * bh, dOffset: t * bg }); // prettier-ignore
        k.gruGatesBackward(bg2);
      }
    }
  };
}

/** The gate kernels alone on every available backend, interleaved, best of rounds. */
function gateKernels(o: Options): void {
  for (const cell of ['lstm', 'gru'] as const) {
    const runs = availableBackends().map((k) => ({ k, run: gateSequence(k, cell), best: Infinity })); // prettier-ignore
    for (const r of runs) r.run(); // warm-up
    for (let round = 0; round < o.rounds; round++)
      for (const r of round % 2 === 0 ? runs : [...runs].reverse())
        r.best = Math.min(r.best, cpuMs(r.run, o.steps));
    const js = runs.find((r) => r.k === jsKernels)?.best ?? Number.NaN;
    console.log(`\n${cell} gate kernels alone: T=${T} B=${B} H=${H} float32, forward + backward, CPU ms per sequence`); // prettier-ignore
    for (const r of runs)
      console.log(`  ${r.k.impl}: best ${r.best.toFixed(2)} ms (${(js / r.best).toFixed(1)}× the JS reference)`); // prettier-ignore
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  gateKernels(o);
  const trees: [string, Lib][] = [['this tree', await import('../src/index.js')]];
  if (o.baseline !== null) {
    const base = (await import(path.join(o.baseline, 'src/index.ts'))) as Lib;
    trees.unshift([`baseline ${o.baseline}`, base]);
  }
  for (const cell of ['lstm', 'gru'] as const) {
    const runs = trees.map(([name, lib]) => {
      lib.kernels.setKernels(o.kernels);
      lib.setDefaultDtype('float32');
      return { name, lib, run: stepOf(lib, cell), best: Infinity, all: [] as number[] };
    });
    for (const r of runs) r.run(); // warm-up
    for (let round = 0; round < o.rounds; round++) {
      // A, B then B, A: neither tree always runs first.
      for (const r of round % 2 === 0 ? runs : [...runs].reverse()) {
        r.lib.kernels.setKernels(o.kernels);
        const ms = cpuMs(r.run, o.steps);
        r.best = Math.min(r.best, ms);
        r.all.push(ms);
      }
    }
    console.log(
      `\n${cell}: T=${T} B=${B} I=${I} H=${H} float32, kernels=${o.kernels}, CPU ms/step`,
    );
    for (const r of runs) console.log(`  ${r.name}: best ${r.best.toFixed(1)} ms`);
    if (runs.length === 2) {
      const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
      const ratios = a.all.map((v, i) => (b.all[i] as number) / v).sort((p, q) => p - q);
      const median = ratios[Math.floor(ratios.length / 2)] as number;
      console.log(
        `  this/baseline: best ${(b.best / a.best).toFixed(3)}, median of rounds ${median.toFixed(3)}`,
      );
    }
  }
}

await main();
