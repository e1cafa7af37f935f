// `npx tsx bench/lstm-gates.ts [--baseline DIR]`: CPU time of one LSTM and one GRU training step
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
//   --kernels K  js | wasm | auto (default auto)
import path from 'node:path';

type Lib = typeof import('../src/index.js');

interface Options {
  baseline: string | null;
  rounds: number;
  steps: number;
  kernels: 'js' | 'wasm' | 'auto';
}

function parse(argv: string[]): Options {
  const o: Options = { baseline: null, rounds: 7, steps: 5, kernels: 'auto' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`lstm-gates: ${flag} needs a value`);
    if (flag === '--baseline') o.baseline = path.resolve(v);
    else if (flag === '--rounds') o.rounds = Number(v);
    else if (flag === '--steps') o.steps = Number(v);
    else if (flag === '--kernels' && (v === 'js' || v === 'wasm' || v === 'auto')) o.kernels = v;
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

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
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
