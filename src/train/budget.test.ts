import { describe, expect, it } from 'vitest';
import { BudgetError } from '../errors.js';
import {
  checkBudget,
  checkCount,
  estimateTrainConfig,
  formatBytes,
  parseBytes,
  parseSeconds,
} from './budget.js';
import { buildTrainRun } from './config-build.js';
import { parseTrainConfig, type TrainConfig } from './config.js';

const base = {
  model: { name: 'mlp', hidden: [16] },
  data: { name: 'moons' },
  optimizer: { name: 'sgd', lr: 0.1 },
  train: { epochs: 1 },
};
const cfg = (patch: Record<string, unknown>): TrainConfig =>
  parseTrainConfig({ ...base, ...patch } as unknown as TrainConfig);

describe('resource budgets', () => {
  it('parses sizes and durations', () => {
    expect(parseBytes('8GiB')).toBe(8 * 2 ** 30);
    expect(parseBytes('512M')).toBe(512 * 2 ** 20);
    expect(parseBytes('1.5TB')).toBe(1.5e12);
    expect(parseSeconds('48h')).toBe(172800);
    expect(parseSeconds('90')).toBe(90);
    expect(() => parseBytes('lots')).toThrow(/--max-memory = "lots" is invalid/);
    expect(() => parseSeconds('-1h')).toThrow(/--max-time/);
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
  });

  it('counts parameters exactly for an MLP: (2+1)·16 + (16+1)·2 = 82', () => {
    const est = estimateTrainConfig(cfg({}));
    const params = est.find((e) => e.field === 'model.hidden');
    // 82 parameters × 4 copies (weights, gradients, two moments) × 4 bytes.
    expect(params?.bytes).toBe(82 * 4 * 4);
  });

  it('refuses absurd sizes before allocating, naming the field, the estimate and the flag', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { model: { name: 'mlp', hidden: [1e6, 1e6] } },
        /^model\.hidden = \[1000000, 1000000\] needs an estimated 14\.6 TiB.*--max-memory 19TiB/,
      ],
      [
        { data: { name: 'moons', numSamples: 1e9 } },
        /^data\.numSamples = 1000000000 needs an estimated .* GiB.*--max-memory/,
      ],
      [
        { data: { name: 'spiral', classes: 1e7 } },
        /^data\.classes = 10000000 needs an estimated .*--max-memory/,
      ],
      [
        { model: { name: 'lstm', hiddenSize: 16 }, data: { name: 'temporalOrder', T: 1e6 } },
        /^data\.T = 1000000 needs an estimated .*--max-memory/,
      ],
      [
        { train: { steps: 1e12 } },
        /^train\.steps = 1000000000000 needs an estimated .* or more.*--max-time/,
      ],
    ];
    for (const [patch, re] of cases) {
      const c = cfg(patch);
      expect(() => checkBudget(estimateTrainConfig(c))).toThrow(re);
      await expect(buildTrainRun(c)).rejects.toThrow(BudgetError);
    }
  });

  it('a raised budget lets the same estimate through', () => {
    const est = estimateTrainConfig(cfg({ data: { name: 'moons', numSamples: 1e8 } }));
    expect(() => checkBudget(est)).toThrow(BudgetError);
    expect(() => checkBudget(est, { maxBytes: 2 ** 40, maxSeconds: 1e9 })).not.toThrow();
  });

  it('checks CLI counts: 1e8 seeds at ≥ 0.05 s each is 57.9 days', () => {
    expect(() => checkCount('--seeds', 1e8, { bytes: 16, seconds: 0.05, unit: 'seed' })).toThrow(
      /^--seeds = 100000000 needs an estimated 57\.9 days or more.*--max-time 1737h/,
    );
    expect(() =>
      checkCount('--seeds', 10, { bytes: 16, seconds: 0.05, unit: 'seed' }),
    ).not.toThrow();
  });
});
