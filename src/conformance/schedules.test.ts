import { describe, it, expect } from 'vitest';
import { ConfigError, DataError } from '../errors.js';
import { runScheduleConformance } from './schedules.js';
import { readBundledReference } from './reference-node.js';

interface RefCase {
  name: string;
  schedule: string;
  options: Record<string, unknown>;
  lrs: number[];
  metrics?: number[];
}
const ref = readBundledReference<{ schedules: RefCase[] }>('torch-optim-reference.json');
const copy = (): RefCase[] => JSON.parse(JSON.stringify(ref.schedules)) as RefCase[];

describe('runScheduleConformance', () => {
  it('passes all 14 schedule cases of the PyTorch reference at float64 rtol 1e-10', () => {
    const results = runScheduleConformance(ref.schedules);
    expect(results).toHaveLength(14);
    for (const r of results) {
      expect(r.section).toBe('schedules');
      expect(r.steps).toBe(60);
      expect(r.rtol).toBe(1e-10);
      expect({ name: r.name, pass: r.pass }).toEqual({ name: r.name, pass: true });
      expect(r.maxRelErr).toBeLessThanOrEqual(1e-10);
    }
    expect(results.map((r) => r.name)).toEqual(ref.schedules.map((c) => c.name));
  });

  it('detects an error just above the float64 tolerance, which float32 tolerates', () => {
    const cases = copy();
    const c = cases.find((x) => x.name === 'cosine') as RefCase;
    c.lrs[7] = (c.lrs[7] as number) * (1 + 1e-8);
    const r64 = runScheduleConformance(cases).find((r) => r.name === 'cosine');
    expect(r64?.pass).toBe(false);
    expect(r64?.worstStep).toBe(7);
    expect(r64?.maxRelErr).toBeGreaterThan(9e-9);
    const r32 = runScheduleConformance(cases, { dtype: 'float32' }).find(
      (r) => r.name === 'cosine',
    );
    expect(r32?.pass).toBe(true);
    expect(r32?.rtol).toBe(1e-5);
  });

  it('feeds reduceOnPlateau metrics[t] with step t: a shifted metric sequence fails', () => {
    const cases = copy().filter((x) => x.schedule === 'reduceOnPlateau');
    const m = cases[0]?.metrics as number[];
    m.unshift(m[0] as number); // report every metric one step late
    m.pop();
    expect(runScheduleConformance(cases)[0]?.pass).toBe(false);
  });

  it('rejects an unknown schedule, an unknown option and stray fields with clear errors', () => {
    const base = copy().find((x) => x.name === 'step') as RefCase;
    expect(() => runScheduleConformance([{ ...base, schedule: 'warmRestarts' }])).toThrow(
      ConfigError,
    );
    expect(() => runScheduleConformance([{ ...base, schedule: 'warmRestarts' }])).toThrow(
      /case "step": unknown schedule "warmRestarts"; known: .*cosineWarmRestarts/,
    );
    expect(() =>
      runScheduleConformance([{ ...base, options: { ...base.options, lastEpoch: -1 } }]),
    ).toThrow(/case "step": schedule\.step: unknown option "lastEpoch"/);
    expect(() =>
      runScheduleConformance([{ ...base, options: { ...base.options, stepSize: 0 } }]),
    ).toThrow(/case "step".*stepSize.*got 0/);
    expect(() => runScheduleConformance([{ ...base, metrics: [1] }])).toThrow(
      /metrics.*only applies to reduceOnPlateau/,
    );
    expect(() => runScheduleConformance([{ ...base, dtype: 'float64' }])).toThrow(
      /unknown field "dtype"/,
    );
  });

  it('rejects malformed input as DataError', () => {
    expect(() => runScheduleConformance({ schedules: [] })).toThrow(DataError);
    const base = copy().find((x) => x.name === 'step') as RefCase;
    expect(() => runScheduleConformance([{ ...base, lrs: [0.1, 'x'] }])).toThrow(
      /lrs must be an array of finite numbers/,
    );
    const plateau = copy().find((x) => x.name === 'plateau') as RefCase;
    expect(() => runScheduleConformance([{ ...plateau, metrics: [1, 2] }])).toThrow(
      /metrics has 2 values for 60 lrs/,
    );
  });
});
