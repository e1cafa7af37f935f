import { describe, expect, it } from 'vitest';
import { loadMnist } from '../data/mnist.js';
import { smooth, thin } from './internal/flagship-common.js';
import { MLP_ARMS, mnistSubset } from './internal/flagship-mlp.js';
import { VANISHING_SIZES, vanishingExperiment } from './vanishing.js';

describe('E12 vanishing helpers', () => {
  it('thin keeps every k-th point and the last; smooth is a running mean over the window', () => {
    expect(thin([1, 2, 3, 4, 5, 6], 2)).toEqual([1, 3, 5, 6]);
    expect(thin([1, 2, 3, 4, 5], 2)).toEqual([1, 3, 5]);
    // window 2: [1], [1, 3], [3, 5], [5, 7] -> 1, 2, 4, 6
    expect(smooth([1, 3, 5, 7], 2)).toEqual([1, 2, 4, 6]);
  });

  it('mnistSubset cuts both splits to prefixes with the same pixels and labels', async () => {
    const { train, test } = await loadMnist();
    const size = VANISHING_SIZES.quick;
    const sub = mnistSubset(train, test, size);
    expect(sub.train.length).toBe(size.trainSize);
    expect(sub.test.length).toBe(size.testSize);
    expect(Array.from(sub.train.x.subarray(784 * 7, 784 * 8))).toEqual(
      Array.from(train.x.subarray(784 * 7, 784 * 8)),
    );
    expect(sub.test.y[11]).toBe(test.y[11]);
  });

  it('the arms cover the catalogue: a sigmoid baseline with the standard init, four remedies, the PyTorch controls', () => {
    const base = MLP_ARMS.filter((a) => a.role === 'baseline');
    expect(base).toHaveLength(1);
    expect(base[0]).toMatchObject({
      activation: 'sigmoid',
      norm: 'none',
      residual: false,
      optimizer: 'sgd',
    });
    // no init named: PyTorch's default U(±1/√fanIn), the catalogue's standard init
    expect(base[0]?.init).toBeUndefined();
    expect(MLP_ARMS.filter((a) => a.role === 'remedy').map((a) => a.id)).toEqual([
      'tanh-xavier',
      'relu-he',
      'sigmoid-batchnorm',
      'sigmoid-residual',
    ]);
    expect(VANISHING_SIZES.full.arms).toEqual(MLP_ARMS.map((a) => a.id));
    expect(VANISHING_SIZES.full.width).toBeGreaterThanOrEqual(128);
  });
});

describe('E12 vanishing (quick)', () => {
  it('the baseline is diagnosed `vanishing` on its early layers and every remedy trains without it', async () => {
    const r = await vanishingExperiment.run({
      quick: true,
      seeds: vanishingExperiment.defaultSeeds.quick,
    });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    expect(r.mode).toBe('quick');
    expect(r.experiment).toBe('vanishing');
    // The verdict records come from the monitor: the baseline's vanishing verdict, first layer first.
    const v = r.verdicts.find((x) => x.kind === 'vanishing');
    expect(v?.run).toMatch(/^sigmoid \+ standard init/);
    expect(v?.layers[0]).toBe('0');
    expect(v?.remedies.length).toBeGreaterThanOrEqual(3);
    // One heatmap per arm, plus accuracy, ratio and loss.
    const ids = r.charts.map((c) => c.id);
    for (const id of VANISHING_SIZES.quick.arms) expect(ids).toContain(`heatmap-${id}`);
    expect(ids).toEqual(expect.arrayContaining(['accuracy', 'first-last-ratio', 'loss']));
    expect(r.runs).toHaveLength(VANISHING_SIZES.quick.arms.length);
    expect(JSON.parse(JSON.stringify(r)).criteria).toHaveLength(r.criteria.length);
  }, 120_000);
});
