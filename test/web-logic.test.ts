import { describe, expect, it } from 'vitest';
import { tensor, valueAndGrad, type Tensor } from '../src/index.js';
import { LAB_FIELDS, applyRemedy, toConfig } from '../web/src/lab/config.js';
import { LabEngine } from '../web/src/lab/engine.js';
import type { Verdict } from '../web/src/lab/monitor-types.js';
import { Racer } from '../web/src/race/racer.js';
import { readRace, writeRace } from '../web/src/race/race-settings.js';
import { SURFACES, surfaceById, surfaceLoss, surfaceValue } from '../web/src/race/surfaces.js';
import { readValues } from '../web/src/ui/settings.js';
import { parseRunFiles } from '../web/src/viewer/parse.js';

/**
 * The playground's DOM-free logic in Node: the race's surfaces and racers, the URL form of the
 * settings, how remedies rewrite the lab's configuration, the run-file reader, and the lab's
 * training engine with the gradient-health monitor.
 */

const SO = { kappa: 50, rotate: true };

describe('race surfaces', () => {
  it('autograd gradients of every surface match central differences (float64)', () => {
    const points: [number, number][] = [
      [-1.2, 1],
      [0.3, -0.7],
      [2.1, 1.4],
    ];
    for (const s of SURFACES) {
      for (const [u0, v0] of points) {
        const [u, v] = s.id === 'cliff' ? [u0 + 5, v0 - 2] : [u0, v0];
        const [, [g]] = valueAndGrad((p: Tensor) => surfaceLoss(s, p, SO))(
          tensor([u, v], { dtype: 'float64' }),
        );
        const h = 1e-6;
        const fd = [
          (surfaceValue(s, u + h, v, SO) - surfaceValue(s, u - h, v, SO)) / (2 * h),
          (surfaceValue(s, u, v + h, SO) - surfaceValue(s, u, v - h, SO)) / (2 * h),
        ];
        const gd = Array.from((g as Tensor).data);
        for (let i = 0; i < 2; i++)
          expect(Math.abs((gd[i] as number) - (fd[i] as number))).toBeLessThanOrEqual(
            1e-6 * Math.max(1, Math.abs(fd[i] as number)),
          );
      }
    }
  });

  it('has its minimum where the formula says, and Pascanu et al.’s wall where E1 puts it', () => {
    expect(surfaceValue(surfaceById('rosenbrock'), 1, 1, SO)).toBe(0);
    expect(surfaceValue(surfaceById('beale'), 3, 0.5, SO)).toBe(0);
    expect(surfaceValue(surfaceById('quadratic'), 0, 0, SO)).toBe(0);
    expect(surfaceValue(surfaceById('rastrigin'), 0, 0, SO)).toBeCloseTo(0, 12);
    // E1: along w = 5, E(−2.7) > 0.3 and E(−2.6) < 0.02 (the wall sits at b* ≈ −2.61235).
    const cliff = surfaceById('cliff');
    expect(surfaceValue(cliff, 5, -2.7, SO)).toBeGreaterThan(0.3);
    expect(surfaceValue(cliff, 5, -2.6, SO)).toBeLessThan(0.02);
  });

  it('runs gradient descent on ½(x² + κy²) exactly: y shrinks by |1 − lr·κ| per step, and diverges past lr = 2/κ', () => {
    const s = surfaceById('quadratic');
    const so = { kappa: 100, rotate: false };
    const tx = { schedule: 'constant', gamma: 1, clip: 'none', clipValue: 1, steps: 20 } as const;
    const stable = new Racer({ opt: 'sgd', hypers: { lr: 0.015 } }, tx, s, so, [0, 1], 20);
    while (stable.status === 'running') stable.step();
    // y_t = (1 − 0.015·100)^t = (−0.5)^t
    expect(stable.point[1]).toBeCloseTo((-0.5) ** 20, 15);
    const unstable = new Racer(
      { opt: 'sgd', hypers: { lr: 0.021 } },
      { ...tx, steps: 2000 },
      s,
      so,
      [0, 1],
      2000,
    );
    while (unstable.status === 'running') unstable.step();
    expect(['escaped', 'diverged']).toContain(unstable.status);
  });
});

describe('settings in the URL', () => {
  it('round-trips the race through URL parameters', () => {
    const s = readRace(
      new URLSearchParams(
        'surface=quadratic&kappa=250&rotate=1&steps=300&clip=norm&clipv=0.5&sx=0.25&sy=-1.5&n=2&o0=nesterov&o0.lr=0.002&o0.momentum=0.95&o1=lion&o1.lr=0.0003&o1.b1=0.8&o1.b2=0.99',
      ),
    );
    expect(s.values['kappa']).toBe(250);
    expect(s.values['rotate']).toBe(true);
    expect(s.start).toEqual([0.25, -1.5]);
    expect(s.racers).toEqual([
      { opt: 'nesterov', hypers: { lr: 0.002, momentum: 0.95 } },
      { opt: 'lion', hypers: { lr: 0.0003, b1: 0.8, b2: 0.99 } },
    ]);
    const p = new URLSearchParams();
    writeRace(s, p);
    expect(readRace(p)).toEqual(s);
  });

  it('falls back to defaults for unknown values and clamps numbers to their range', () => {
    const s = readRace(new URLSearchParams('surface=nope&steps=-5&n=99&o0=bogus'));
    expect(s.values['surface']).toBe('rosenbrock');
    expect(s.values['steps']).toBe(1);
    expect(s.racers).toHaveLength(6);
    expect(s.racers[0]?.opt).toBe('adam');
    expect(s.start).toEqual([-1.2, 1]);
  });

  it('keeps the lab consistent: sequence tasks get a recurrent network, 2-D sets an MLP', () => {
    const seq = toConfig(
      readValues(LAB_FIELDS, new URLSearchParams('data=addition&arch=mlp&depth=9')),
    );
    expect(seq.arch).toBe('rnn');
    expect(seq.depth).toBe(4);
    const toy = toConfig(readValues(LAB_FIELDS, new URLSearchParams('data=moons&arch=lstm')));
    expect(toy.arch).toBe('mlp');
  });
});

describe('remedies', () => {
  const base = toConfig(
    readValues(LAB_FIELDS, new URLSearchParams('data=spiral&depth=10&act=sigmoid')),
  );
  it('maps the monitor’s actions onto the lab’s settings', () => {
    const r = applyRemedy(base, {
      action: 'activation',
      from: 'sigmoid',
      to: 'relu',
      layers: ['0'],
    });
    expect(r.config?.act).toBe('relu');
    expect(r.config?.init).toBe('heNormal');
    expect(
      applyRemedy(base, { action: 'clip', kind: 'globalNorm', maxNorm: 1.8 }).config,
    ).toMatchObject({ clip: 'byGlobalNorm', clipv: 1.8 });
    expect(applyRemedy(base, { action: 'lr', factor: 0.1 }).config?.lr).toBeCloseTo(0.001, 12);
    expect(
      applyRemedy(base, { action: 'normalization', kind: 'layerNorm', layers: ['0'] }).config?.norm,
    ).toBe('layer');
    expect(
      applyRemedy(base, { action: 'architecture', kind: 'residual', layers: ['0'] }).config
        ?.residual,
    ).toBe(true);
    expect(applyRemedy(base, { action: 'schedule', kind: 'healthAwareDecay' }).config?.sched).toBe(
      'healthAware',
    );
  });

  it('refuses what the lab cannot express, with a reason', () => {
    const r = applyRemedy(base, { action: 'stableOp', op: 'log' });
    expect(r.config).toBeNull();
    expect('reason' in r && r.reason.length > 0).toBe(true);
    expect(
      applyRemedy(base, { action: 'architecture', kind: 'lstm', layers: ['0'] }).config,
    ).toBeNull();
  });
});

describe('run viewer files', () => {
  it('reads metrics, per-layer norms, verdicts (object or string remedies) and results; skips bad lines', () => {
    const metrics = [
      '{"step":1,"epoch":0,"loss":2.3,"lr":0.1,"time":0.1,"metrics":{},"gradNorms":{"0":1e-6,"2":0.5}}',
      '{"step":2,"epoch":0,"loss":"NaN","lr":0.1,"time":0.2,"metrics":{"val.accuracy":0.5},"gradNorms":{"0":"Infinity","2":0.4}}',
      '{"step":3,"lo',
    ].join('\n');
    const monitor = JSON.stringify({
      kind: 'exploding',
      status: 'started',
      step: 2,
      layers: ['2'],
      severity: 'critical',
      message: 'spike',
      evidence: {},
      remedies: [
        {
          rank: 1,
          text: 'clip',
          why: 'Pascanu 2013',
          action: { action: 'clip', kind: 'globalNorm', maxNorm: 1 },
        },
      ],
    });
    const result = JSON.stringify({
      experiment: 'he-init',
      pass: false,
      criteria: [{ name: 'loss', expected: '< 1.38', measured: 1.5, pass: false }],
      verdicts: [
        {
          run: 'xavier',
          kind: 'vanishing',
          step: 40,
          layers: ['0'],
          severity: 'warning',
          message: 'ratio 1e-7',
          remedies: ['He init'],
        },
      ],
    });
    const d = parseRunFiles([
      { name: 'metrics.jsonl', text: metrics },
      { name: 'monitor.jsonl', text: monitor },
      { name: 'result.json', text: result },
    ]);
    // Read by the library's parser (report.parseJsonlLog): the metrics object's fields by name.
    expect(d.series.get('loss')?.map((l) => [l.run, l.values.map(String)])).toEqual([
      ['run', ['2.3', 'NaN']],
    ]);
    expect(d.series.get('val.accuracy')).toEqual([{ run: 'run', steps: [2], values: [0.5] }]);
    expect(d.series.has('epoch')).toBe(false);
    expect(d.health[0]?.layers.map((l) => [l.name, l.gradNorm])).toEqual([
      ['0', [1e-6, Infinity]],
      ['2', [0.5, 0.4]],
    ]);
    expect(d.verdicts.map((v) => [v.kind, v.step, v.remedies[0]?.text])).toEqual([
      ['exploding', 2, 'clip'],
      ['vanishing', 40, 'He init'],
    ]);
    expect(d.results[0]).toMatchObject({
      experiment: 'he-init',
      pass: false,
      criteria: [{ name: 'loss', measured: '1.5', pass: false }],
    });
    expect(d.files[0]?.detail).toContain('1 line is not valid JSON');
  });

  it("keeps two runs' metrics apart, and a run's metrics and monitor loss apart (the merging bug)", () => {
    // Before: one "loss" series [1,2,3,1,2,3] with a line from step 3 back to step 1, and the
    // monitor's loss at step 2 merged into it.
    const metrics = '{"step":1,"loss":2}\n{"step":2,"loss":1.5}\n{"step":3,"loss":1}\n';
    const monitor =
      '{"type":"stats","step":2,"check":1,"loss":1.6,"nonFinite":0,"layers":[{"name":"0","gradNorm":0.01}]}\n';
    const d = parseRunFiles([
      { name: 'a/metrics.jsonl', text: metrics },
      { name: 'a/monitor.jsonl', text: monitor },
      { name: 'b/metrics.jsonl', text: metrics },
    ]);
    expect(d.runs).toEqual(['a', 'b']);
    expect(d.series.get('loss')?.map((l) => [l.run, l.steps])).toEqual([
      ['a', [1, 2, 3]],
      ['b', [1, 2, 3]],
    ]);
    expect(d.series.get('loss (monitor)')?.map((l) => [l.run, l.steps])).toEqual([['a', [2]]]);
    expect(d.health.map((hr) => [hr.run, hr.source, hr.layers[0]?.gradNorm])).toEqual([
      ['a', 'a/monitor.jsonl', [0.01]],
    ]);
  });
});

describe('lab engine (the worker’s training loop, in Node)', () => {
  it('diagnoses a 10-layer sigmoid MLP as vanishing, and its first remedy trains', async () => {
    const cfg = toConfig(
      readValues(
        LAB_FIELDS,
        new URLSearchParams('data=spiral&depth=10&width=32&act=sigmoid&opt=adam&lr=0.01&seed=1'),
      ),
    );
    const verdicts: Verdict[] = [];
    const sick = await LabEngine.create(cfg, (v) => verdicts.push(v));
    expect(sick.info.layers).toHaveLength(11);
    for (let i = 0; i < 40 && !verdicts.some((v) => v.kind === 'vanishing'); i++) sick.trainStep();
    const vanishing = verdicts.find((v) => v.kind === 'vanishing');
    expect(vanishing?.layers[0]).toBe('0');
    // The engine's per-layer norms are the monitor's: the first layer's is orders below the last's.
    expect((sick.layerNorms[0] as number) / (sick.layerNorms[10] as number)).toBeLessThan(1e-3);
    const fix = applyRemedy(cfg, (vanishing as Verdict).remedies[0]!.action);
    if (fix.config === null) throw new Error(fix.reason);
    const healthy = await LabEngine.create(fix.config, (v) => verdicts.push(v));
    for (let i = 0; i < 300; i++) healthy.trainStep();
    expect(healthy.evaluate().acc).toBeGreaterThan(0.8);
  });

  it('trains an RNN on the adding problem and reports the decision-free info', async () => {
    const cfg = toConfig(
      readValues(
        LAB_FIELDS,
        new URLSearchParams('data=addition&arch=gru&T=15&width=16&batch=16&steps=30'),
      ),
    );
    const e = await LabEngine.create(cfg, () => undefined);
    expect(e.info.kind).toBe('regression');
    expect(e.boundary()).toBeNull();
    const r = e.trainStep();
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(Number.isNaN(r.acc)).toBe(true);
  });
});
