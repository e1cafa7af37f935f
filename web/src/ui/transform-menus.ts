// The playground's schedule and clipping pickers, read from the library's registries
// (src/schedule/registry.ts, src/clip/registry.ts): every registered entry is offered and built
// through its registry builder. What the playground adds is only how a picker's single value
// and the run's length fill each entry's options; those tables are keyed by the registry's
// name type, so a new registry entry does not compile until the playground says how to fill it.
// An unknown name is a ConfigError, never a silent fallback. DOM-free.
import { ConfigError } from '../../../src/errors.js';
import type { GradientTransformation } from '../../../src/optim/types.js';
import { CLIP_REGISTRY, type ClipName } from '../../../src/clip/registry.js';
import { SCHEDULE_REGISTRY, type ScheduleName } from '../../../src/schedule/registry.js';
import type { Schedule } from '../../../src/schedule/types.js';

/** A picker option: its value and its label. */
export type MenuOption = readonly [string, string];

/** What a schedule is built from: the base learning rate, the run's length and a decay factor. */
export interface RunShape {
  /** Base learning rate (fills the registry entry's `base` option). */
  readonly lr: number;
  /** Training steps (fills the entry's `length` option, and sets warm-up and step sizes). */
  readonly steps: number;
  /** Decay factor of the step, multi-step and exponential schedules. */
  readonly gamma: number;
}

type Options = Record<string, unknown>;

/**
 * How the playground fills each registered schedule beyond its base lr and length: options a
 * fraction of the run, and a label for the picker.
 */
const SCHEDULE_PRESETS: Readonly<
  Record<ScheduleName, { label: string; options: (r: RunShape, total: number) => Options }>
> = {
  constant: { label: 'constant', options: () => ({}) },
  step: {
    label: 'step decay (×γ every third of the run)',
    options: (r, n) => ({ stepSize: Math.max(1, Math.round(n / 3)), gamma: r.gamma }),
  },
  multiStep: {
    label: 'multi-step (×γ at ⅓ and ⅔)',
    options: (r, n) => ({
      milestones: [Math.round(n / 3), Math.round((2 * n) / 3)],
      gamma: r.gamma,
    }),
  },
  exponential: { label: 'exponential (×γ per step)', options: (r) => ({ gamma: r.gamma }) },
  inverseTime: {
    label: 'inverse time (halved at ⅓ of the run)',
    options: (_, n) => ({ decayRate: 1, decaySteps: Math.max(1, Math.round(n / 3)) }),
  },
  inverseSqrt: { label: 'inverse square root', options: () => ({}) },
  polynomial: { label: 'polynomial to 0', options: () => ({}) },
  cosine: { label: 'cosine to 0', options: () => ({}) },
  cosineWarmRestarts: {
    label: 'cosine warm restarts (every ¼ of the run)',
    options: (_, n) => ({ t0: Math.max(1, Math.round(n / 4)) }),
  },
  linear: {
    label: 'linear warm-up (⅓ → 1 over 10% of the run)',
    options: (_, n) => ({ totalIters: Math.max(1, Math.round(n / 10)) }),
  },
  warmupCosine: {
    label: 'warm-up (10%) + cosine',
    options: (_, n) => ({ init: 0, warmup: Math.max(1, Math.round(n / 10)) }),
  },
  oneCycle: { label: 'one-cycle', options: () => ({}) },
  cyclic: {
    label: 'cyclic (lr to 10·lr, 4 cycles)',
    options: (r, n) => ({ maxLr: 10 * r.lr, stepSizeUp: Math.max(1, Math.round(n / 8)) }),
  },
};

/**
 * Which option of each registered clipping rule the picker's threshold fills (`null`: the rule
 * adapts its own threshold and the value is not used).
 */
const CLIP_THRESHOLD: Readonly<Record<ClipName, { label: string; field: string | null }>> = {
  byGlobalNorm: { label: 'by global norm', field: 'maxNorm' },
  byNorm: { label: 'by norm (per tensor)', field: 'maxNorm' },
  byValue: { label: 'by value', field: 'clipValue' },
  byBlockRms: { label: 'by block RMS', field: 'threshold' },
  agc: { label: 'adaptive (AGC)', field: 'clipping' },
  autoClip: { label: 'AutoClip (percentile, adaptive)', field: null },
  zClip: { label: 'ZClip (z-score)', field: 'zThreshold' },
  spikeClip: { label: 'spike clip (SPAM)', field: 'threshold' },
};

/** Schedules whose preset reads the decay factor γ. */
const GAMMA: ReadonlySet<string> = new Set<ScheduleName>(['step', 'multiStep', 'exponential']);

function isSchedule(name: string): name is ScheduleName {
  return Object.hasOwn(SCHEDULE_REGISTRY, name);
}

function isClip(name: string): name is ClipName {
  return Object.hasOwn(CLIP_REGISTRY, name);
}

/** Whether the playground's preset of a schedule uses {@link RunShape.gamma} (to show the γ control). @example usesGamma('step') // true */
export function usesGamma(name: string): boolean {
  return GAMMA.has(name);
}

/**
 * The schedule picker: every registered schedule, in registry order, then `extra` (options a
 * page builds itself, such as the lab's health-aware decay).
 * @example select('sched', 'Schedule', scheduleMenu(), 'constant')
 */
export function scheduleMenu(extra: readonly MenuOption[] = []): MenuOption[] {
  const names = Object.keys(SCHEDULE_REGISTRY) as ScheduleName[];
  return [...names.map((n): MenuOption => [n, SCHEDULE_PRESETS[n].label]), ...extra];
}

/**
 * The clipping picker: `none`, then every registered clipping rule in registry order.
 * @example select('clip', 'Gradient clipping', clipMenu(), 'none')
 */
export function clipMenu(): MenuOption[] {
  const names = Object.keys(CLIP_REGISTRY) as ClipName[];
  return [['none', 'none'], ...names.map((n): MenuOption => [n, CLIP_THRESHOLD[n].label])];
}

/**
 * Builds the schedule a picker names through its registry entry: the base lr fills the entry's
 * `base` option, the run's length its `length` option, the rest comes from the playground's preset.
 * Throws a ConfigError naming the value for a name that is not registered.
 * @example buildSchedule('cosine', { lr: 0.1, steps: 100, gamma: 0.1 })(50) // 0.05
 */
export function buildSchedule(name: string, run: RunShape): Schedule {
  if (!isSchedule(name))
    throw new ConfigError(
      `schedule = ${JSON.stringify(name)} is not a registered schedule; expected one of ${Object.keys(SCHEDULE_REGISTRY).join(', ')}`,
    );
  const spec: { base: string; length?: string; build(o: Options): Schedule } =
    SCHEDULE_REGISTRY[name];
  const total = Math.max(1, run.steps);
  const options: Options = { ...SCHEDULE_PRESETS[name].options(run, total), [spec.base]: run.lr };
  if (spec.length !== undefined) options[spec.length] = name === 'oneCycle' ? total + 1 : total;
  return spec.build(options);
}

/**
 * Builds the clipping rule a picker names through its registry entry, the threshold filling
 * the option the rule clips at; `none` gives null. Throws a ConfigError naming the value for a
 * name that is not registered.
 * @example buildClip('byGlobalNorm', 1) // clip.byGlobalNorm(1)
 */
export function buildClip(name: string, threshold: number): GradientTransformation<unknown> | null {
  if (name === 'none') return null;
  if (!isClip(name))
    throw new ConfigError(
      `clip = ${JSON.stringify(name)} is not a registered clipping rule; expected none or one of ${Object.keys(CLIP_REGISTRY).join(', ')}`,
    );
  const field = CLIP_THRESHOLD[name].field;
  const spec: { build(o: Options): GradientTransformation<unknown> } = CLIP_REGISTRY[name];
  return spec.build(field === null ? {} : { [field]: threshold });
}
