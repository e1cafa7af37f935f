// The race's optimizers as gradscope gradient transformations, built from plain settings
// (which is what the URL holds).
import { optim, type schedule } from '../../../src/index.js';
import { buildClip, buildSchedule } from '../ui/transform-menus.js';
import type { GradientTransformation } from '../../../src/optim/types.js';

/** Optimizer identifiers in the race. */
export type OptId =
  | 'sgd'
  | 'ema'
  | 'momentum'
  | 'nesterov'
  | 'adagrad'
  | 'rmsprop'
  | 'adam'
  | 'adamw'
  | 'amsgrad'
  | 'lion';

/** Hyper-parameter names a racer may carry. */
export type HyperName = 'lr' | 'beta' | 'momentum' | 'alpha' | 'b1' | 'b2' | 'wd';

/** One hyper-parameter's control. */
export interface HyperSpec {
  readonly name: HyperName;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly def: number;
}

/** An optimizer's menu entry. */
export interface OptSpec {
  readonly id: OptId;
  readonly label: string;
  readonly hypers: readonly HyperSpec[];
}

const LR_MAX = 10;
const lr = (def: number): HyperSpec => ({
  name: 'lr',
  label: 'learning rate',
  min: 0,
  max: LR_MAX,
  step: 1e-5,
  def,
});
const b1: HyperSpec = { name: 'b1', label: 'β₁', min: 0, max: 0.9999, step: 0.001, def: 0.9 };
const b2 = (def: number): HyperSpec => ({
  name: 'b2',
  label: 'β₂',
  min: 0,
  max: 0.99999,
  step: 0.0001,
  def,
});
const mom: HyperSpec = {
  name: 'momentum',
  label: 'momentum μ',
  min: 0,
  max: 0.999,
  step: 0.01,
  def: 0.9,
};

/** The optimizers of the race, in menu order. */
export const OPTIMIZERS: readonly OptSpec[] = [
  { id: 'sgd', label: 'SGD (plain gradient descent)', hypers: [lr(1e-3)] },
  {
    id: 'ema',
    label: 'EMA momentum (v = βv + (1−β)g)',
    hypers: [lr(1e-3), { name: 'beta', label: 'β', min: 0, max: 0.999, step: 0.01, def: 0.9 }],
  },
  { id: 'momentum', label: 'Classical momentum', hypers: [lr(5e-4), mom] },
  { id: 'nesterov', label: 'Nesterov momentum', hypers: [lr(5e-4), mom] },
  { id: 'adagrad', label: 'AdaGrad', hypers: [lr(0.1)] },
  {
    id: 'rmsprop',
    label: 'RMSProp',
    hypers: [
      lr(1e-3),
      { name: 'alpha', label: 'α (decay)', min: 0, max: 0.9999, step: 0.001, def: 0.99 },
    ],
  },
  { id: 'adam', label: 'Adam', hypers: [lr(0.01), b1, b2(0.999)] },
  {
    id: 'adamw',
    label: 'AdamW',
    hypers: [
      lr(0.01),
      b1,
      b2(0.999),
      { name: 'wd', label: 'weight decay', min: 0, max: 1, step: 0.001, def: 0.01 },
    ],
  },
  { id: 'amsgrad', label: 'AMSGrad', hypers: [lr(0.01), b1, b2(0.999)] },
  { id: 'lion', label: 'Lion', hypers: [lr(1e-3), b1, b2(0.99)] },
];

/** The spec of an optimizer id (Adam for an unknown one). */
export function optSpec(id: string): OptSpec {
  return OPTIMIZERS.find((o) => o.id === id) ?? (OPTIMIZERS[6] as OptSpec);
}

/** A racer's optimizer settings: its id and its hyper-parameter values. */
export interface OptSettings {
  opt: OptId;
  hypers: Partial<Record<HyperName, number>>;
}

/** Settings shared by all racers. */
export interface RaceTxSettings {
  /** A registered schedule (src/schedule/registry.ts), multiplying each racer's own lr. */
  schedule: string;
  /** Decay factor of the step (per third of the run) and exponential (per step) schedules. */
  gamma: number;
  /** `none` or a registered clipping rule (src/clip/registry.ts). */
  clip: string;
  clipValue: number;
  /** Total steps of the race (the cosine/one-cycle horizon). */
  steps: number;
}

/** A hyper-parameter of a racer, or its default. */
export function hyper(s: OptSettings, name: HyperName): number {
  const v = s.hypers[name];
  if (v !== undefined) return v;
  const spec = optSpec(s.opt).hypers.find((h) => h.name === name);
  return spec?.def ?? 0;
}

/** The learning rate as a gradscope schedule of the racer's base lr, from the schedule registry. */
export function makeSchedule(base: number, t: RaceTxSettings): schedule.Schedule {
  return buildSchedule(t.schedule, { lr: base, steps: t.steps, gamma: t.gamma });
}

/** A racer id as a registered optimizer (optim/registry.ts): preset options and which hyper-parameter fills which option. */
interface RacePreset {
  readonly optimizer: optim.OptimizerName;
  readonly fixed?: Readonly<Record<string, unknown>>;
  readonly hypers: Readonly<Partial<Record<HyperName, string>>>;
}

/** The race's optimizer ids (every OptId must have one: a missing id does not compile). */
const PRESETS: Readonly<Record<OptId, RacePreset>> = {
  sgd: { optimizer: 'sgd', hypers: {} },
  ema: { optimizer: 'emaMomentum', hypers: { beta: 'beta' } },
  momentum: { optimizer: 'sgd', hypers: { momentum: 'momentum' } },
  nesterov: { optimizer: 'sgd', fixed: { nesterov: true }, hypers: { momentum: 'momentum' } },
  adagrad: { optimizer: 'adagrad', hypers: {} },
  rmsprop: { optimizer: 'rmsprop', hypers: { alpha: 'alpha' } },
  adam: { optimizer: 'adam', hypers: { b1: 'b1', b2: 'b2' } },
  adamw: { optimizer: 'adamw', hypers: { b1: 'b1', b2: 'b2', wd: 'weightDecay' } },
  amsgrad: { optimizer: 'adam', fixed: { amsgrad: true }, hypers: { b1: 'b1', b2: 'b2' } },
  lion: { optimizer: 'lion', hypers: { b1: 'b1', b2: 'b2' } },
};

/** The optimizer alone. */
function optimizer(s: OptSettings, lrs: schedule.Schedule): GradientTransformation<unknown> {
  const preset = PRESETS[s.opt];
  const options: Record<string, unknown> = { ...preset.fixed, lr: lrs };
  for (const [h, key] of Object.entries(preset.hypers)) options[key] = hyper(s, h as HyperName);
  return optim.createOptimizer(preset.optimizer, options);
}

/**
 * The racer's full transformation: clipping (seeing the raw gradient) then the optimizer with
 * its lr schedule. Throws gradscope's ConfigError for invalid hyper-parameters.
 */
export function makeTransformation(
  s: OptSettings,
  t: RaceTxSettings,
): GradientTransformation<unknown> {
  const opt = optimizer(s, makeSchedule(hyper(s, 'lr'), t));
  const c = buildClip(t.clip, t.clipValue);
  return c === null ? opt : optim.chain(c, opt);
}
