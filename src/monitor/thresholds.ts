import { ConfigError, fmt } from '../errors.js';
import { checkNumber, type Range } from '../optim/validate.js';
import type { EpisodeThresholds, ThresholdSpec, ThresholdSpecs } from './detector.js';
import { DETECTORS, type DetectorTable } from './detector-table.js';

/** The thresholds a detector owns. */
export type ThresholdsOf<K extends keyof DetectorTable> = Parameters<
  DetectorTable[K]['patience']
>[0];

/**
 * The detectors' thresholds: those every episode shares and each detector's own (each
 * documented in its detector file, `detectors/*.ts`). Counts are in checks (a check every `every`
 * steps). Where a default comes from a paper it says so; "calibrated" values come from
 * gradscope's own runs (the healthy runs' extremes and the failing runs' values), with room to
 * spare.
 */
export type HealthThresholds = EpisodeThresholds &
  // the intersection of every detector's thresholds (a union turned into an intersection)
  ({ [K in keyof DetectorTable]: (x: ThresholdsOf<K>) => void }[keyof DetectorTable] extends (
    x: infer I,
  ) => void
    ? I
    : never);

const EPISODE_SPECS: ThresholdSpecs<EpisodeThresholds> = {
  resolveAfter: { default: 20, range: { min: 1, integer: true } },
  cooldown: { default: 100, range: { min: 0, integer: true } },
};

/** Every threshold's default and range: the episodes' and each detector's, from the table. */
const SPECS: Record<string, ThresholdSpec> = Object.assign(
  {},
  ...Object.values(DETECTORS).map((d) => d.thresholds),
  EPISODE_SPECS,
) as Record<string, ThresholdSpec>;

/** The documented defaults of {@link HealthThresholds}. */
export const DEFAULT_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze(
  Object.fromEntries(Object.entries(SPECS).map(([k, v]) => [k, v.default])),
) as Readonly<HealthThresholds>;

const RANGES: Record<string, Range> = Object.fromEntries(
  Object.entries(SPECS).map(([k, v]) => [k, v.range]),
);

/**
 * Fills in the defaults and validates every threshold (ConfigError naming the option, the value
 * and the allowed range).
 * @example resolveThresholds({ spikeZ: 5 }).spikeFactor // 10
 */
export function resolveThresholds(
  partial: Partial<HealthThresholds> | undefined,
): HealthThresholds {
  if (partial !== undefined && (partial === null || typeof partial !== 'object')) {
    throw new ConfigError(`gradientHealth: option thresholds = ${fmt(partial)} is not an object`);
  }
  const out: Record<string, number> = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(partial ?? {})) {
    const range = RANGES[key];
    if (range === undefined) {
      throw new ConfigError(
        `gradientHealth: unknown threshold ${fmt(key)}; expected one of ${Object.keys(RANGES).join(', ')}`,
      );
    }
    out[key] = checkNumber(
      'gradientHealth',
      `thresholds.${key}`,
      (partial as Record<string, unknown>)[key],
      DEFAULT_THRESHOLDS[key as keyof HealthThresholds] as number,
      range,
    );
  }
  return out as unknown as HealthThresholds;
}
