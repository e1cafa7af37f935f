import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { addition } from '../src/data/addition.js';
import { loadMnist } from '../src/data/mnist.js';
import { gradientHealth } from '../src/monitor/gradient-health.js';
import { logHealthToJsonl } from '../src/monitor/jsonl-writer-node.js';
import { replay } from '../src/monitor/replay.js';
import type { Verdict } from '../src/monitor/types.js';
import { activation, type ActivationName } from '../src/nn/activations.js';
import { mlp } from '../src/nn/mlp.js';
import { encodeSafetensors, tensorEntry, type SafetensorsEntry } from '../src/nn/safetensors.js';
import type { TensorModule } from '../src/nn/sequential.js';
import { crossEntropy } from '../src/ops/index.js';
import { chain } from '../src/optim/chain.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { sgd } from '../src/optim/sgd.js';
import { Tensor } from '../src/tensor/tensor.js';

// The PyTorch hook (python/gradscope_torch.py) against gradscope's own monitor: the same records
// from the same weights and batches, and gradscope's detectors replayed over PyTorch runs (E12's
// vanishing baseline and its ReLU + He remedy, E13's tanh RNN with spectral radius 3). Needs
// /usr/bin/python3 with torch (Debian python3-torch, installed by .ci/run); skipped otherwise.

const PYTHON = '/usr/bin/python3';
const RUNS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../python/tests/torch_runs.py',
);

function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error !== undefined) return `${PYTHON} not found`;
  return r.status === 0 ? null : `${PYTHON} cannot import torch (apt-get install python3-torch)`;
}
const missing = torchMissing();
if (missing !== null) console.warn(`test/pytorch-hook.test.ts skipped: ${missing}`);

const dir = mkdtempSync(path.join(tmpdir(), 'gs-pyhook-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a bundle, runs one command of python/tests/torch_runs.py, returns its monitor log and result. */
function runTorch(
  cmd: 'crosscheck' | 'mlp' | 'rnn',
  name: string,
  tensors: Map<string, SafetensorsEntry>,
  metadata: Record<string, string>,
): { log: string; losses: (number | string)[]; firstNonFinite: number } {
  const bundle = path.join(dir, `${name}.safetensors`);
  writeFileSync(bundle, encodeSafetensors(tensors, metadata));
  const out = path.join(dir, name);
  const r = spawnSync(PYTHON, [RUNS, cmd, bundle, out], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`torch_runs.py ${cmd} failed (${r.status}):\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`torch_runs.py ${cmd} printed no RESULT:\n${r.stdout}`);
  const res = JSON.parse(line.slice(7)) as { losses: (number | string)[]; firstNonFinite: number };
  return { log: readFileSync(path.join(out, 'records.jsonl'), 'utf8'), ...res };
}

function entry(
  dtype: 'F32' | 'F64' | 'I32',
  shape: number[],
  data: ArrayBufferView,
): SafetensorsEntry {
  return { dtype, shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function lines(log: string): Record<string, unknown>[] {
  return log
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Compares two records field by field: the same keys, equal strings and booleans, numbers within
 * `rtol` relative (|a − b| ≤ rtol·max(|a|, |b|)). Returns the mismatches and the largest relative
 * difference seen.
 */
function compare(
  a: unknown,
  b: unknown,
  rtol: number,
  at: string,
  out: { bad: string[]; worst: number },
): void {
  if (typeof a === 'number' && typeof b === 'number') {
    const d = Math.abs(a - b);
    const rel = d === 0 ? 0 : d / Math.max(Math.abs(a), Math.abs(b));
    out.worst = Math.max(out.worst, rel);
    if (rel > rtol) out.bad.push(`${at}: ${a} vs ${b} (relative ${rel.toExponential(2)})`);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) {
      out.bad.push(`${at}: keys ${ka.join(',')} vs ${kb.join(',')}`);
      return;
    }
    for (const k of ka)
      compare(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        rtol,
        `${at}.${k}`,
        out,
      );
    return;
  }
  if (a !== b) out.bad.push(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

function started(verdicts: readonly Verdict[]): Verdict[] {
  return verdicts.filter((v) => v.status === 'started');
}

describe.skipIf(missing !== null)(
  `PyTorch hook (python/gradscope_torch.py)${missing === null ? '' : ` — skipped: ${missing}`}`,
  () => {
    it('cross-check: gradscope and PyTorch from the same float64 weights and batches write the same records for 20 steps (1e-9 relative) and replay to identical verdicts', async () => {
      // 10 Linear layers (784 → 24 × 9 → 10): 7 sigmoid, then ReLU and tanh, so every probe kind
      // is recorded; the sigmoid stack makes the early gradients vanish, so both runs have a verdict
      const sizes = [784, ...Array<number>(9).fill(24), 10];
      const acts: ActivationName[] = [...Array<ActivationName>(7).fill('sigmoid'), 'relu', 'tanh'];
      let a = 0;
      const net = mlp({
        sizes,
        activation: () => activation(acts[a++ % acts.length] as ActivationName) as TensorModule,
        dtype: 'float64',
        seed: 7,
      });
      const steps = 20;
      const batch = 32;
      const lr = 0.1;
      const { train } = await loadMnist({ dtype: 'float64' });
      const x = (train.x as Float64Array).slice(0, steps * batch * 784);
      const y = (train.y as Int32Array).slice(0, steps * batch);
      const tensors = new Map<string, SafetensorsEntry>();
      for (const [n, t] of Object.entries(net.namedParameters())) {
        const e = tensorEntry(t);
        tensors.set(n, { ...e, bytes: e.bytes.slice() });
      }
      tensors.set('x', entry('F64', [steps * batch, 784], x));
      tensors.set('y', entry('I32', [steps * batch], y));

      // gradscope: the monitor first in the chain, every check logged with per-parameter stats
      const gsDir = path.join(dir, 'crosscheck-gradscope');
      const health = gradientHealth({ model: net, lr });
      const stop = logHealthToJsonl(health, gsDir, { params: true });
      const opt = new Optimizer(net, chain(health, sgd({ lr, momentum: 0.9 })));
      net.train();
      const gsLosses: number[] = [];
      for (let s = 0; s < steps; s++) {
        const xb = new Tensor(x.subarray(s * batch * 784, (s + 1) * batch * 784), [batch, 784]);
        opt.zeroGrad();
        const loss = crossEntropy(net.forward(xb), y.subarray(s * batch, (s + 1) * batch));
        loss.backward();
        gsLosses.push(loss.item());
        opt.step({ loss: loss.item() });
      }
      stop();

      const pt = runTorch('crosscheck', 'crosscheck-torch', tensors, {
        sizes: JSON.stringify(sizes),
        activations: acts.join(','),
        lr: String(lr),
        momentum: '0.9',
        batch: String(batch),
        steps: String(steps),
      });
      const gsLog = readFileSync(path.join(gsDir, 'monitor.jsonl'), 'utf8');
      const gs = lines(gsLog);
      const py = lines(pt.log);
      const gsStats = gs.filter((r) => r['type'] === 'stats');
      const pyStats = py.filter((r) => r['type'] === 'stats');
      expect(pyStats).toHaveLength(steps);
      expect(gsStats).toHaveLength(steps);

      // the header: same parameters, layers and sampling; framework says who wrote it
      const gh = gs[0] as Record<string, unknown>;
      const ph = py[0] as Record<string, unknown>;
      expect(ph['framework']).toBe('pytorch');
      expect(ph['model']).toMatchObject({
        name: 'Sequential',
        numParameters: Object.values(net.namedParameters()).reduce((n, t) => n + t.size, 0),
      });
      expect(gh['framework']).toBe('gradscope');
      for (const k of ['type', 'format', 'version', 'params', 'layers', 'every'])
        expect(ph[k], `header.${k}`).toEqual(gh[k]);

      const out = { bad: [] as string[], worst: 0 };
      for (let i = 0; i < steps; i++) compare(gsStats[i], pyStats[i], 1e-9, `stats[${i}]`, out);
      console.log(
        `cross-check: largest relative difference over ${steps} records: ${out.worst.toExponential(2)}`,
      );
      expect(out.bad.slice(0, 10)).toEqual([]);

      // the same detectors over both logs: the same verdicts (kind, step, layers, remedies; evidence to 1e-9)
      // (the PyTorch log's remedies are phrased for PyTorch; compared in gradscope's phrasing,
      // then checked to name PyTorch code by default)
      const vg = replay(gsLog).verdicts;
      const vp = replay(pt.log, { framework: 'gradscope' }).verdicts;
      expect(
        replay(pt.log)
          .verdicts.flatMap((v) => v.remedies.map((r) => r.text))
          .some((t) => /\bnn\.|torch\./.test(t)),
      ).toBe(true);
      expect(vg.length).toBeGreaterThan(0);
      console.log(
        `cross-check verdicts: ${vg.map((v) => `${v.kind} at ${v.step} (${v.layers.join(' ')})`).join('; ')}`,
      );
      expect(vp.map((v) => [v.kind, v.status, v.step, v.layers, v.severity])).toEqual(
        vg.map((v) => [v.kind, v.status, v.step, v.layers, v.severity]),
      );
      const ev = { bad: [] as string[], worst: 0 };
      vg.forEach((v, i) => compare(v, vp[i], 1e-9, `verdict[${i}]`, ev));
      expect(ev.bad).toEqual([]);
      // and replaying gradscope's own log gives its live verdicts
      expect(vg).toEqual([...health.verdicts]);

      // the hook's default sampling: per-parameter statistics on checks 1, 11, 21, …, activation
      // probes on checks 1, 5, 9, … (the others say `observed: false`), everything else at every
      // check as above
      const sampledLog = readFileSync(
        path.join(dir, 'crosscheck-torch-default', 'records.jsonl'),
        'utf8',
      );
      const sampled = lines(sampledLog).filter((r) => r['type'] === 'stats');
      expect(sampled.map((r) => r['params'] !== undefined)).toEqual(
        pyStats.map((_, i) => i % 10 === 0),
      );
      const observed = (r: Record<string, unknown>): boolean[] =>
        (r['activations'] as { observed: boolean }[]).map((a) => a.observed);
      expect(sampled.map((r) => observed(r).every((o) => o))).toEqual(
        pyStats.map((_, i) => i % 4 === 0),
      );
      const sp = { bad: [] as string[], worst: 0 };
      sampled.forEach((r, i) => {
        const full = { ...pyStats[i] };
        const mine = { ...r };
        if (r['params'] === undefined) delete full['params'];
        if (i % 4 !== 0) {
          expect(observed(r).some((o) => o)).toBe(false);
          delete full['activations'];
          delete mine['activations'];
        }
        compare(mine, full, 0, `sampled[${i}]`, sp);
      });
      expect(sp.bad).toEqual([]);
      // the gradient-norm verdicts are the same; the probe verdicts count probed checks (the
      // full log's deadUnits at update 20, after 20 all-zero checks, needs 80 updates here)
      const probeKinds = new Set(['deadUnits', 'saturated']);
      expect(replay(sampledLog, { framework: 'gradscope' }).verdicts).toEqual(
        vp.filter((v) => !probeKinds.has(v.kind)),
      );
    });

    it('E12 baseline in PyTorch (10-layer sigmoid MLP, standard init, SGD momentum): `vanishing` naming the early layers within 20 updates', async () => {
      const { train } = await loadMnist();
      const n = 8000;
      const tensors = new Map<string, SafetensorsEntry>([
        ['x', entry('F32', [n, 784], (train.x as Float32Array).subarray(0, n * 784))],
        ['y', entry('I32', [n], (train.y as Int32Array).subarray(0, n))],
      ]);
      // E12's demo size (src/experiments/vanishing.ts): width 64, batch 64, lr 0.05, momentum 0.9
      const settings = { width: '64', hidden: '9', lr: '0.05', batch: '64', seed: '0' };
      const base = runTorch('mlp', 'e12-sigmoid', tensors, {
        ...settings,
        activation: 'sigmoid',
        init: 'standard',
        steps: '20',
      });
      const header = lines(base.log)[0] as { layers: string[] };
      const last = header.layers[header.layers.length - 1];
      expect(header.layers).toEqual(['0', '2', '4', '6', '8', '10', '12', '14', '16', '18']);
      const v = started(replay(base.log).verdicts).find((x) => x.kind === 'vanishing');
      expect(v, 'a vanishing verdict').toBeDefined();
      if (v?.kind !== 'vanishing') return;
      console.log(
        `E12 PyTorch: vanishing at update ${v.step}, layers ${v.layers.join(' ')}, first/last ratio ${v.evidence.ratio.toExponential(2)}`,
      );
      expect(v.step).toBeLessThanOrEqual(20);
      expect(v.layers[0]).toBe('0');
      expect(v.layers).not.toContain(last);
      expect(v.evidence.ratio).toBeLessThan(1e-6);

      const remedy = runTorch('mlp', 'e12-relu-he', tensors, {
        ...settings,
        activation: 'relu',
        init: 'heNormal',
        steps: '500',
      });
      const r = replay(remedy.log);
      expect(r.checks).toBe(500);
      expect(remedy.firstNonFinite).toBe(-1);
      expect(started(r.verdicts).map((x) => `${x.kind} at ${x.step}: ${x.message}`)).toEqual([]);
    });

    it('E13 tanh RNN with recurrent spectral radius 3 in PyTorch: `exploding` from the gradient norm before any non-finite step', () => {
      const steps = 20;
      const T = 50;
      const B = 16;
      const xs = new Float32Array(steps * T * B * 2);
      const ys = new Float32Array(steps * B);
      for (let s = 0; s < steps; s++) {
        // the batches of src/monitor/exploding.test.ts
        const b = addition(B, T, 100 + s, { jitterLength: false });
        xs.set(b.x, s * T * B * 2);
        ys.set(b.y as Float32Array, s * B);
      }
      const run = runTorch(
        'rnn',
        'e13-rnn',
        new Map([
          ['x', entry('F32', [steps, T, B, 2], xs)],
          ['y', entry('F32', [steps, B, 1], ys)],
        ]),
        { hidden: '32', radius: '3', lr: '0.01', steps: String(steps), seed: '21' },
      );
      const header = lines(run.log)[0] as { layers: string[] };
      expect(header.layers).toEqual(['rnn.l0', 'head']);
      const v = started(replay(run.log).verdicts).find((x) => x.kind === 'exploding');
      expect(v, 'an exploding verdict').toBeDefined();
      if (v?.kind !== 'exploding') return;
      console.log(
        `E13 PyTorch (ρ = 3): exploding at update ${v.step} (${v.evidence.trigger}, ‖g‖ ${v.evidence.totalNorm.toExponential(2)}); first non-finite loss at ${run.firstNonFinite}`,
      );
      expect(['spike', 'growth', 'ceiling']).toContain(v.evidence.trigger);
      if (run.firstNonFinite > 0) expect(v.step).toBeLessThan(run.firstNonFinite);
      expect(v.layers[0]).toBe('rnn.l0');
    });
  },
);
