import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Params } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth } from './gradient-health.js';
import { logHealthToJsonl } from './node.js';
import { statsRecord, toJsonLine, verdictRecord } from './records.js';
import { renderHealth } from './render.js';

/** Three layers; layer "0" gets a gradient 1e-9 of the last one's, so vanishing starts at check 10 (step 10). */
function vanishingRun(steps: number) {
  const params: Params = {
    '0.weight': new Tensor(new Float64Array([1, 1, 1, 1]), [2, 2]),
    '0.bias': new Tensor(new Float64Array([0, 0]), [2]),
    '2.weight': new Tensor(new Float64Array([1, 1]), [1, 2]),
    '4.weight': new Tensor(new Float64Array([1]), [1, 1]),
  };
  const grads: Params = {
    '0.weight': new Tensor(new Float64Array([1e-9, 0, 0, 0]), [2, 2]),
    '0.bias': new Tensor(new Float64Array([0, 0]), [2]),
    '2.weight': new Tensor(new Float64Array([1e-3, 0]), [1, 2]),
    '4.weight': new Tensor(new Float64Array([1]), [1, 1]),
  };
  // detail: the JSON-record test below reads max |g| and the zero fraction from the state
  // without an onStats subscriber (by default they are measured only for one)
  const h = gradientHealth({ detail: true });
  let s = h.init(params);
  for (let i = 0; i < steps; i++) s = h.update(grads, s, params, { loss: 2 - i / 100 })[1];
  return h;
}

describe('outputs', () => {
  it('renders plain text bars of log10 ‖g‖ per layer and the verdict lines', () => {
    const h = vanishingRun(12);
    const text = renderHealth(h, { width: 20 });
    // no ANSI escapes in plain mode
    expect(text).not.toMatch(/\u001b\[/);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^gradscope monitor {2}step 12 {2}check 12 {2}loss 1\.89/);
    // axis from floor(log10 1e-9) = −9 to 0: layer 0 gets 1 char, layer 2 (1e-3) 12, layer 4 (1) 20
    const bar = (name: string): number =>
      (lines.find((l) => l.startsWith(`${name} `)) ?? '').split('#').length - 1;
    expect(bar('0')).toBe(1);
    expect(bar('2')).toBe(Math.round((6 / 9) * 20));
    expect(bar('4')).toBe(20);
    expect(text).toContain('vanishing @10');
    expect(
      lines
        .find((l) => l.startsWith('0 '))
        ?.trimEnd()
        .endsWith('<'),
    ).toBe(true);
    expect(renderHealth(h, { ansi: true })).toMatch(/\u001b\[/);
    expect(renderHealth(gradientHealth())).toBe('gradscope monitor: no check yet');
  });

  it('JSON records: per-layer stats with NaN as null, verdicts with their remedies', () => {
    const h = vanishingRun(12);
    const s = h.state;
    expect(s).not.toBeNull();
    if (s === null) return;
    const rec = statsRecord(s, { params: true });
    expect(rec.step).toBe(12); // the 12th update (steps count from 1)
    expect(rec.layers.map((l) => l.name)).toEqual(['0', '2', '4']);
    expect(rec.layers[2]?.gradNorm).toBe(1);
    expect(rec.params?.[0]).toMatchObject({ name: '0.weight', gradNorm: 1e-9, zeroFraction: 0.75 });
    const line = toJsonLine(rec);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(rec)));
    const v = h.verdicts[0];
    expect(v?.kind).toBe('vanishing');
    if (v === undefined) return;
    const back = JSON.parse(toJsonLine(verdictRecord(v))) as {
      type: string;
      kind: string;
      remedies: { action: { action: string } }[];
    };
    expect(back.type).toBe('verdict');
    expect(back.kind).toBe('vanishing');
    expect(back.remedies.length).toBe(v.remedies.length);
    // Issue 15: non-finite numbers are explicit (json-encode.ts), no longer null.
    expect(toJsonLine({ x: NaN, y: Infinity, z: -Infinity })).toBe(
      '{"x":"NaN","y":"Infinity","z":"-Infinity"}\n',
    );
  });

  it('summary(): per-layer gradient norms per checked step and the verdict list', () => {
    const h = vanishingRun(30);
    const sum = h.summary();
    expect(sum.steps).toBe(30);
    expect(sum.checkedSteps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(sum.layers.map((l) => l.name)).toEqual(['0', '2', '4']);
    expect(sum.layers[0]?.gradNorm.every((x) => x === 1e-9)).toBe(true);
    expect(sum.firstLastRatio[29]).toBe(1e-9);
    expect(sum.verdicts.map((v) => v.kind)).toEqual(['vanishing']);
    expect(sum.active).toEqual(['vanishing']);
  });

  it('the Node writer appends one JSON line per check and per verdict', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-monitor-'));
    try {
      const params: Params = {
        '0.weight': new Tensor(new Float64Array([1, 1]), [2]),
        '1.weight': new Tensor(new Float64Array([1]), [1]),
      };
      const grads: Params = {
        '0.weight': new Tensor(new Float64Array([1e-9, 0]), [2]),
        '1.weight': new Tensor(new Float64Array([1]), [1]),
      };
      const h = gradientHealth();
      const stop = logHealthToJsonl(h, path.join(dir, 'run'));
      let s = h.init(params);
      for (let i = 0; i < 11; i++) s = h.update(grads, s, params, { loss: 1 })[1];
      stop();
      const lines = readFileSync(path.join(dir, 'run', 'monitor.jsonl'), 'utf8')
        .trimEnd()
        .split('\n');
      const recs = lines.map((l) => JSON.parse(l) as { type: string; step: number });
      // 11 stats lines, and the vanishing verdict (check 10, step 10) written before that check's stats
      expect(recs.filter((r) => r.type === 'stats')).toHaveLength(11);
      expect(recs.filter((r) => r.type === 'verdict').map((r) => r.step)).toEqual([10]);
      // a second writer appends, never truncates
      const stop2 = logHealthToJsonl(h, path.join(dir, 'run'));
      s = h.update(grads, s, params, { loss: 1 })[1];
      stop2();
      expect(
        readFileSync(path.join(dir, 'run', 'monitor.jsonl'), 'utf8')
          .trimEnd()
          .split('\n'),
      ).toHaveLength(lines.length + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
