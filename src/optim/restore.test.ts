import { describe, expect, it } from 'vitest';
import { gradientHealth } from '../monitor/gradient-health.js';
import { Tensor } from '../tensor/tensor.js';
import { adam } from './adam.js';
import { chain } from './chain.js';
import { injectHyperparams } from './inject-hyperparams.js';
import { masked } from './masked.js';
import { multiSteps } from './multi-steps.js';
import { Optimizer } from './optimizer.js';
import { partition } from './partition.js';
import { skipNonFinite } from './skip-non-finite.js';
import type { GradientTransformation, Params } from './types.js';

// GradientTransformation.restore is part of every composite's contract: a checkpoint restored
// through Optimizer.loadStateDict reaches a transformation that keeps a view of its state (the
// gradient-health monitor) wherever it sits, with its own (inner) state.

/** A leaf that records the states it was told about. */
function spy(): GradientTransformation<{ id: number }> & { seen: unknown[] } {
  const seen: unknown[] = [];
  let next = 0;
  return {
    seen,
    init: () => ({ id: next++ }),
    update: (u, s) => [u, s],
    restore(state) {
      seen.push(state);
    },
  };
}

const params = (): Params => ({
  a: new Tensor(Float64Array.of(1, 2), [2], true),
  b: new Tensor(Float64Array.of(3), [1], true),
});

describe('restore reaches inner transformations through every composite', () => {
  const cases: [
    string,
    (s: GradientTransformation<{ id: number }>) => GradientTransformation<unknown>,
  ][] = [
    ['chain', (s) => chain(s) as GradientTransformation<unknown>],
    ['masked', (s) => masked(s, () => true) as GradientTransformation<unknown>],
    ['partition', (s) => partition({ g: s }, () => 'g') as GradientTransformation<unknown>],
    [
      'injectHyperparams',
      (s) => injectHyperparams(() => s, { lr: 1 }) as GradientTransformation<unknown>,
    ],
    ['skipNonFinite', (s) => skipNonFinite(s) as GradientTransformation<unknown>],
    ['multiSteps', (s) => multiSteps(s, 2) as GradientTransformation<unknown>],
  ];
  it.each(cases)('%s forwards restore with the inner state', (_name, wrap) => {
    const s = spy();
    const tx = wrap(s);
    const p = params();
    const state = tx.init(p);
    tx.restore?.(state);
    expect(s.seen).toHaveLength(1);
    // the inner state handed over is the one inside the composite's state
    expect(JSON.stringify(state)).toContain(JSON.stringify(s.seen[0]));
  });

  it('a monitor inside skipNonFinite(multiSteps(…)) takes the restored state as its own', () => {
    const make = () => {
      const health = gradientHealth();
      return { health, tx: skipNonFinite(multiSteps(chain(health, adam({ lr: 1e-2 })), 1)) };
    };
    const p1 = params();
    const run1 = make();
    const opt1 = new Optimizer(p1, run1.tx);
    for (let s = 0; s < 5; s++) {
      for (const t of Object.values(p1))
        t.grad = new Tensor(new Float64Array(t.size).fill(0.1 * (s + 1)), t.shape);
      opt1.step();
    }
    const run2 = make();
    const opt2 = new Optimizer(params(), run2.tx);
    opt2.loadStateDict(opt1.stateDict());
    // without the wrappers forwarding restore, the monitor would still read its fresh state (step 0)
    expect(run2.health.state?.step).toBe(5);
    expect(run2.health.state?.stats.totalGradNorm).toBe(run1.health.state?.stats.totalGradNorm);
  });
});

// GradientTransformation.upgrade (a checkpoint saved before a change of a state's shape) is
// forwarded like restore: each inner transformation gets its own part of the loaded state and
// its fresh state, and what it returns replaces that part before the compatibility check.

/** A leaf whose state gained `added`: it upgrades a loaded state without it. */
function grown(): GradientTransformation<{ id: number; added: number }> & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    init: () => ({ id: 1, added: 0 }),
    update: (u, s) => [u, s],
    upgrade(loaded, fresh) {
      seen.push(fresh);
      const rec = loaded as Record<string, unknown>;
      if (!('added' in rec)) rec['added'] = 42;
      return loaded;
    },
  };
}

describe('upgrade reaches inner transformations through every composite', () => {
  const cases: [
    string,
    (s: GradientTransformation<{ id: number; added: number }>) => GradientTransformation<unknown>,
  ][] = [
    ['chain', (s) => chain(s) as GradientTransformation<unknown>],
    ['masked', (s) => masked(s, () => true) as GradientTransformation<unknown>],
    ['partition', (s) => partition({ g: s }, () => 'g') as GradientTransformation<unknown>],
    [
      'injectHyperparams',
      (s) => injectHyperparams(() => s, { lr: 1 }) as GradientTransformation<unknown>,
    ],
    ['skipNonFinite', (s) => skipNonFinite(s) as GradientTransformation<unknown>],
    ['multiSteps', (s) => multiSteps(s, 2) as GradientTransformation<unknown>],
    [
      'nested',
      (s) => skipNonFinite(chain(masked(s, () => true))) as GradientTransformation<unknown>,
    ],
  ];
  it.each(cases)(
    '%s: a checkpoint without the added field loads, the field upgraded',
    (_name, wrap) => {
      const leaf = grown();
      const opt = new Optimizer(params(), wrap(leaf));
      // the checkpoint of an older version: the leaf's state without `added`
      const dict = JSON.parse(JSON.stringify(opt.stateDict())) as { state: unknown };
      const strip = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(strip);
        else if (x !== null && typeof x === 'object') {
          const rec = x as Record<string, unknown>;
          if ('added' in rec && 'id' in rec) delete rec['added'];
          else Object.values(rec).forEach(strip);
        }
      };
      strip(dict.state);
      expect(JSON.stringify(dict.state)).not.toContain('"added"');
      opt.loadStateDict(dict as never);
      expect(JSON.stringify(opt.state)).toContain('"added":42');
      // the fresh state handed over is the leaf's own, inside the composite's state
      expect(leaf.seen).toHaveLength(1);
      expect(leaf.seen[0]).toEqual({ id: 1, added: 0 });
    },
  );

  it('a state of another shape is left to the compatibility check (named in its error)', () => {
    const opt = new Optimizer(params(), skipNonFinite(grown()));
    const dict = JSON.parse(JSON.stringify(opt.stateDict())) as { state: Record<string, unknown> };
    delete dict.state['inner'];
    expect(() => opt.loadStateDict(dict as never)).toThrow(
      /keys differ: missing in the checkpoint \[inner\]/,
    );
  });
});
