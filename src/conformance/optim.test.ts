import { describe, expect, it } from 'vitest';
import { runOptimConformance, type ConformanceResult } from './optim.js';
import { readBundledReference } from './reference-node.js';

const file = readBundledReference('torch-optim-reference.json');

function summary(rs: ConformanceResult[]): string {
  return rs
    .filter((r) => !r.pass)
    .map(
      (r) =>
        `${r.section}/${r.name}: abs ${r.maxAbsErr}, rel ${r.maxRelErr}${r.error ? `, ${r.error}` : ''}`,
    )
    .join('\n');
}

describe('torch-optim-reference.json (PyTorch 1.13)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`all 20 optimizer and 8 clipping cases pass in ${dtype}`, () => {
      const results = runOptimConformance(file, dtype);
      expect(results.filter((r) => r.section === 'optimizers')).toHaveLength(20);
      expect(results.filter((r) => r.section === 'clipping')).toHaveLength(8);
      expect(summary(results)).toBe('');
      const tol = dtype === 'float64' ? 1e-10 : 1e-5;
      for (const r of results) expect(r.maxRelErr).toBeLessThanOrEqual(tol);
    });
  }
});

describe('runOptimConformance on other files', () => {
  const base = file as {
    optimizers: Record<string, unknown>[];
    clipping: Record<string, unknown>[];
  };
  const one = (patch: Record<string, unknown>) => ({
    optimizers: [{ ...base.optimizers[0], ...patch }],
  });

  it('fails a case with a clear message on an unknown optimizer or option (never ignores it)', () => {
    const [a] = runOptimConformance(one({ optimizer: 'adafactor' }), 'float64');
    expect(a?.pass).toBe(false);
    expect(a?.error).toMatch(/unknown optimizer "adafactor"; expected one of .*adam/);
    const [b] = runOptimConformance(one({ options: { lr: 0.1, nesterovv: true } }), 'float64');
    expect(b?.error).toMatch(/sgd: unknown option "nesterovv"/);
    const [c] = runOptimConformance({ clipping: [{ ...base.clipping[0], foo: 1 }] }, 'float64');
    expect(c?.error).toMatch(/unknown option "foo"/);
    const [d] = runOptimConformance(
      { clipping: [{ ...base.clipping[0], kind: 'agc' }] },
      'float64',
    );
    expect(d?.error).toMatch(/unknown clipping kind "agc"/);
  });

  it('maps snake_case and betas, drops implementation flags, and detects wrong expectations', () => {
    const adamCase = base.optimizers.find((c) => c['name'] === 'adam_wd') as Record<
      string,
      unknown
    >;
    const opts = adamCase['options'] as Record<string, unknown>;
    const snake = {
      ...adamCase,
      options: {
        lr: opts['lr'],
        betas: opts['betas'],
        eps: opts['eps'],
        weight_decay: opts['weightDecay'],
        foreach: true,
      },
    };
    const [ok] = runOptimConformance({ optimizers: [snake] }, 'float64');
    expect(ok?.pass).toBe(true);
    const wrong = { ...adamCase, options: { ...opts, lr: (opts['lr'] as number) * 1.001 } };
    const [bad] = runOptimConformance({ optimizers: [wrong] }, 'float64');
    expect(bad?.pass).toBe(false);
    expect(bad?.error).toBeUndefined();
  });

  it('reports malformed data, and runs schedules only through the hook', () => {
    const [m] = runOptimConformance(one({ params0: [[1, 2]] }), 'float64');
    expect(m?.error).toMatch(/params0 must hold 3 tensors/);
    expect(() => runOptimConformance([], 'float64')).toThrow(/not a reference object/);
    const withSchedules = { schedules: [{ name: 's1' }, { name: 's2' }] };
    expect(runOptimConformance(withSchedules, 'float64')).toEqual([]);
    const seen: string[] = [];
    const rs = runOptimConformance(withSchedules, 'float32', {
      scheduleRunner: (c, dtype) => {
        seen.push(`${(c as { name: string }).name}:${dtype}`);
        return { name: '', pass: true, maxAbsErr: 0, maxRelErr: 0 };
      },
    });
    expect(seen).toEqual(['s1:float32', 's2:float32']);
    expect(rs.map((r) => [r.name, r.section, r.pass])).toEqual([
      ['s1', 'schedules', true],
      ['s2', 'schedules', true],
    ]);
  });
});
