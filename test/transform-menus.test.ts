import { describe, expect, it } from 'vitest';
import { CLIP_REGISTRY } from '../src/clip/registry.js';
import { ConfigError } from '../src/errors.js';
import { SCHEDULE_REGISTRY } from '../src/schedule/registry.js';
import { LAB_FIELDS, toConfig } from '../web/src/lab/config.js';
import { LabEngine } from '../web/src/lab/engine.js';
import { makeSchedule, makeTransformation } from '../web/src/race/optimizers.js';
import { RACE_FIELDS } from '../web/src/race/race-settings.js';
import { readValues, type Field } from '../web/src/ui/settings.js';
import {
  buildClip,
  buildSchedule,
  clipMenu,
  scheduleMenu,
  usesGamma,
} from '../web/src/ui/transform-menus.js';

/**
 * The playground's schedule and clipping pickers come from the library's registries (issue 14:
 * one declaration per transformation): every registered entry is offered by the lab's and the
 * race's pickers and builds through its registry builder; an unknown name is a ConfigError.
 */

const SCHEDULES = Object.keys(SCHEDULE_REGISTRY);
const CLIPS = Object.keys(CLIP_REGISTRY);
const RUN = { lr: 0.1, steps: 90, gamma: 0.5 };

function options(fields: readonly Field[], key: string): string[] {
  const f = fields.find((x) => x.key === key);
  if (f?.kind !== 'select') throw new Error(`no select field ${key}`);
  return f.options.map(([v]) => v);
}

describe('playground pickers from the registries', () => {
  it('offers every registered schedule and clipping rule in the lab and the race', () => {
    expect(scheduleMenu().map(([v]) => v)).toEqual(SCHEDULES);
    expect(clipMenu().map(([v]) => v)).toEqual(['none', ...CLIPS]);
    // The lab adds health-aware decay (a transformation of its own, not a schedule).
    expect(options(LAB_FIELDS, 'sched')).toEqual([...SCHEDULES, 'healthAware']);
    expect(options(RACE_FIELDS, 'sched')).toEqual(SCHEDULES);
    expect(options(LAB_FIELDS, 'clip')).toEqual(['none', ...CLIPS]);
    expect(options(RACE_FIELDS, 'clip')).toEqual(['none', ...CLIPS]);
  });

  it.each(SCHEDULES)(
    'builds the %s schedule with the base lr and a finite lr at every step',
    (name) => {
      const s = buildSchedule(name, RUN);
      for (let t = 0; t <= RUN.steps; t++) {
        expect(Number.isFinite(s(t))).toBe(true);
        expect(s(t)).toBeGreaterThanOrEqual(0);
      }
    },
  );

  it('fills the base lr, the run length and the presets as the registry entry says', () => {
    // cosine: baseLr 0.1, tMax 90 → lr(45) = 0.1·(1 + cos(π/2))/2 = 0.05, lr(90) = 0.
    const cos = buildSchedule('cosine', RUN);
    expect(cos(45)).toBeCloseTo(0.05, 12);
    expect(cos(90)).toBeCloseTo(0, 12);
    // step: stepSize 30, γ 0.5 → 0.1 before step 30, 0.05 from 30, 0.025 from 60.
    const step = buildSchedule('step', RUN);
    expect([step(29), step(30), step(60)]).toEqual([0.1, 0.05, 0.025]);
    // warmupCosine: peak 0.1 reached at warmup = 9 steps (10% of 90).
    expect(buildSchedule('warmupCosine', RUN)(9)).toBeCloseTo(0.1, 12);
    // γ is read by the step, multi-step and exponential presets only (the pickers show it then).
    expect(SCHEDULES.filter(usesGamma)).toEqual(['step', 'multiStep', 'exponential']);
    // The race's makeSchedule is the same builder.
    expect(
      makeSchedule(0.1, { schedule: 'step', gamma: 0.5, clip: 'none', clipValue: 1, steps: 90 })(
        30,
      ),
    ).toBe(0.05);
  });

  it.each(CLIPS)('builds the %s clipping rule', (name) => {
    const c = buildClip(name, 1);
    expect(c).not.toBeNull();
    expect(typeof c?.update).toBe('function');
  });

  it('throws a ConfigError naming an unknown schedule or clip instead of falling back', () => {
    expect(() => buildSchedule('cosin', RUN)).toThrow(ConfigError);
    expect(() => buildSchedule('cosin', RUN)).toThrow(
      /schedule = "cosin" is not a registered schedule; expected one of constant/,
    );
    expect(() => buildClip('norm', 1)).toThrow(/clip = "norm" is not a registered clipping rule/);
    expect(buildClip('none', 1)).toBeNull();
    const tx = { schedule: 'bogus', gamma: 1, clip: 'none', clipValue: 1, steps: 10 };
    expect(() => makeTransformation({ opt: 'sgd', hypers: {} }, tx)).toThrow(ConfigError);
    expect(() =>
      makeTransformation(
        { opt: 'sgd', hypers: {} },
        { ...tx, schedule: 'constant', clip: 'bogus' },
      ),
    ).toThrow(/clip = "bogus"/);
  });

  it('the lab engine rejects an unknown schedule or clip', async () => {
    const cfg = toConfig(readValues(LAB_FIELDS, new URLSearchParams('steps=20&batch=8')));
    await expect(LabEngine.create({ ...cfg, sched: 'bogus' }, () => undefined)).rejects.toThrow(
      /schedule = "bogus"/,
    );
    await expect(LabEngine.create({ ...cfg, clip: 'bogus' }, () => undefined)).rejects.toThrow(
      /clip = "bogus"/,
    );
    const ok = await LabEngine.create(
      { ...cfg, sched: 'oneCycle', clip: 'zClip', clipv: 2.5 },
      () => undefined,
    );
    expect(Number.isFinite(ok.trainStep().loss)).toBe(true);
  });
});
