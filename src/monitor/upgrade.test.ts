import { describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/index.js';
import { DataLoader, gaussianMixture, type Batch } from '../data/index.js';
import { crossEntropy, mlp } from '../nn/index.js';
import {
  Optimizer,
  adam,
  chain,
  serializeState,
  sgd,
  skipNonFinite,
  type GradientTransformation,
  type OptimizerStateDict,
} from '../optim/index.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';
import { statsRecord, toJsonLine } from './records.js';
import { STATE_ADDITIONS } from './upgrade.js';

// Checkpoints of the monitor's state saved before a change of its shape (monitor/upgrade.ts)
// load through Optimizer.loadStateDict, wherever the monitor sits (the composites forward
// GradientTransformation.upgrade). The old checkpoint is made here from a current one, by
// removing what was added: before f2e793c the state had no `stats.updateSums`, and the monitor
// always copied the parameters for the update ratio, which is what it does today in front of
// SGD (no fused step that measures its update) — so a run of that kind, saved without the field
// and resumed, must give the uninterrupted run's records and state bit for bit.

const data = gaussianMixture({ numClasses: 3, dim: 8, numSamples: 256 }, 5);
const batches: Batch[] = [];
for (const b of new DataLoader(data, { batchSize: 32, seed: 1, dropLast: true })) batches.push(b);

type Wrap = (
  h: GradientHealth,
  tail: GradientTransformation<unknown>,
) => GradientTransformation<unknown>;

function setup(wrap: Wrap, tail: () => GradientTransformation<unknown>) {
  const net = mlp({ sizes: [8, 16, 16, 3], activation: 'relu', seed: 0, dtype: 'float32' });
  const health = gradientHealth();
  const opt = new Optimizer(net, wrap(health, tail()));
  const lines: string[] = [];
  health.onStats((s) => lines.push(toJsonLine(statsRecord(s, { params: true }))));
  const train = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const b = batches[i % batches.length] as Batch;
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
      loss.backward();
      opt.step({ loss: loss.item() });
    }
  };
  return { net, health, opt, lines, train };
}

/** The monitor's state inside a checkpoint's JSON state, found by its `stats.paramNames`. */
function monitorStates(
  json: unknown,
  out: Record<string, unknown>[] = [],
): Record<string, unknown>[] {
  if (Array.isArray(json)) for (const x of json) monitorStates(x, out);
  else if (json !== null && typeof json === 'object') {
    const rec = json as Record<string, unknown>;
    const stats = rec['stats'];
    if (stats !== null && typeof stats === 'object' && 'paramNames' in stats) out.push(rec);
    else for (const v of Object.values(rec)) monitorStates(v, out);
  }
  return out;
}

/** A checkpoint as the monitor before f2e793c wrote it: no stats.updateSums. */
function withoutUpdateSums(dict: OptimizerStateDict): OptimizerStateDict {
  const old = JSON.parse(JSON.stringify(dict)) as OptimizerStateDict;
  const found = monitorStates(old.state);
  expect(found).toHaveLength(1);
  const stats = (found[0] as { stats: Record<string, unknown> }).stats;
  expect('updateSums' in stats).toBe(true);
  delete stats['updateSums'];
  return old;
}

const plain: Wrap = (h, tail) => chain(h, byGlobalNorm(1), tail);
const wrapped: Wrap = (h, tail) => skipNonFinite(chain(h, byGlobalNorm(1), tail));
const sgdTail = (): GradientTransformation<unknown> =>
  sgd({ lr: 0.05, momentum: 0.9 }) as GradientTransformation<unknown>;

describe('a monitor checkpoint in the shape before stats.updateSums (f2e793c)', () => {
  it('the addition is listed with the value an older state takes', () => {
    expect(STATE_ADDITIONS.map((a) => a.path.join('.'))).toContain('stats.updateSums');
  });

  it.each([
    ['chain(monitor, clip, sgd)', plain],
    ['skipNonFinite(chain(monitor, clip, sgd))', wrapped],
  ] as const)(
    '%s: saved at step 9 (a parameter snapshot pending) and resumed, the uninterrupted run bit for bit',
    (_name, wrap) => {
      const a = setup(wrap, sgdTail);
      a.train(0, 9);
      const old = withoutUpdateSums(a.opt.stateDict());
      const weights = a.net.stateDict();
      a.train(9, 25);

      const b = setup(wrap, sgdTail);
      // without the upgrade: "loadStateDict: state[0].stats keys differ: missing in the checkpoint [updateSums]"
      b.net.loadStateDict(weights);
      b.opt.loadStateDict(old);
      expect(b.health.state?.step).toBe(9);
      b.train(9, 25);
      expect(b.lines).toEqual(a.lines.slice(9));
      // the same state, bit for bit (the upgraded field sits last in the object: key order aside)
      expect(serializeState(b.opt.state)).toEqual(serializeState(a.opt.state));
      // the update ratio was read from the snapshot of step 9 at step 10
      expect(Number.isFinite(b.health.state?.stats.totalUpdateRatio)).toBe(true);
    },
  );

  it('in front of adam (which measures its update today) the old checkpoint resumes from its snapshot', () => {
    const adamTail = (): GradientTransformation<unknown> =>
      adam({ lr: 1e-2 }) as GradientTransformation<unknown>;
    const a = setup(plain, adamTail);
    a.train(0, 9);
    // what the monitor of before held at step 9: the parameters copied into the snapshot
    const old = withoutUpdateSums(a.opt.stateDict());
    const state = monitorStates(old.state)[0] as { stats: Record<string, unknown> };
    state.stats['snapshot'] = serializeState(
      Float32Array.from(Object.values(a.net.namedParameters()).flatMap((p) => Array.from(p.data))),
    );
    const weights = a.net.stateDict();
    a.train(9, 12);
    const b = setup(plain, adamTail);
    b.net.loadStateDict(weights);
    b.opt.loadStateDict(old);
    b.train(9, 12);
    // the same update ratio at step 10, read from the snapshot instead of adam's sums (the same bits)
    expect(b.lines).toEqual(a.lines.slice(9));
  });

  it('the upgrade fills only what was added: another missing key is still an error naming it', () => {
    const a = setup(plain, sgdTail);
    a.train(0, 3);
    const old = withoutUpdateSums(a.opt.stateDict());
    const state = monitorStates(old.state)[0] as { stats: Record<string, unknown> };
    delete state.stats['gradNorm'];
    const b = setup(plain, sgdTail);
    expect(() => b.opt.loadStateDict(old)).toThrow(
      /keys differ: missing in the checkpoint \[gradNorm\]/,
    );
  });
});
