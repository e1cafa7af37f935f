import { describe, expect, it } from 'vitest';
import { EXIT } from '../args.js';
import { panelCommand, type PanelJson } from './panel.js';
import { loadPanel, scorePanel } from './panel-run.js';

describe('gradscope panel', () => {
  it('the bundled panel: ≥ 15 healthy and ≥ 15 broken runs, each broken one with a step budget', () => {
    const p = loadPanel('panel/panel.json');
    const healthy = p.entries.filter((e) => e.label === 'healthy');
    const broken = p.entries.filter((e) => e.label !== 'healthy');
    expect(healthy.length).toBeGreaterThanOrEqual(15);
    expect(broken.length).toBeGreaterThanOrEqual(15);
    for (const e of broken) expect(e.within).toBeGreaterThanOrEqual(1);
  });

  it('a healthy and a broken run (quick): confirmed, no false alarm, the labelled verdict in time', async () => {
    const lines: string[] = [];
    const code = await panelCommand(
      {
        positionals: [],
        flags: { only: 'healthy/moons-sigmoid-sgd,broken/gauss-logistic-lr-high', json: true },
      },
      (s) => lines.push(s),
      { progress: { write: () => true } },
    );
    const res = JSON.parse(lines.join('\n')) as PanelJson;
    expect(code).toBe(EXIT.ok);
    expect(res.runs.map((r) => [r.name, r.confirmed, r.pass])).toEqual([
      ['healthy/moons-sigmoid-sgd', true, true],
      ['broken/gauss-logistic-lr-high', true, true],
    ]);
    const osc = res.runs[1];
    expect(osc?.timeToVerdict).toBeLessThanOrEqual(30);
    expect(res.score.falseAlarms).toBe(0);
    const k = res.score.kinds.find((x) => x.kind === 'oscillation');
    expect([k?.precision, k?.recall]).toEqual([1, 1]);
  });

  it('scores: an unconfirmed run counts nowhere; a kind outside label/also is a false positive', () => {
    const base = {
      config: 'x.json',
      within: 10,
      cause: 'c',
      measures: {} as never,
      unconfirmed: [],
      timeToVerdict: 3,
      pass: true,
    };
    const s = scorePanel([
      {
        ...base,
        name: 'a',
        label: 'exploding',
        confirmed: true,
        wrong: [],
        verdicts: [{ kind: 'exploding', step: 3, message: '' }],
      },
      {
        ...base,
        name: 'b',
        label: 'healthy',
        within: null,
        confirmed: true,
        wrong: ['exploding'],
        timeToVerdict: null,
        pass: false,
        verdicts: [{ kind: 'exploding', step: 5, message: '' }],
      },
      { ...base, name: 'c', label: 'vanishing', confirmed: false, wrong: [], verdicts: [] },
    ]);
    expect(s.falseAlarms).toBe(1);
    expect(s.unconfirmed).toBe(1);
    const e = s.kinds.find((k) => k.kind === 'exploding');
    expect([e?.truePositives, e?.falsePositives, e?.precision, e?.recall]).toEqual([1, 1, 0.5, 1]);
  });
});
