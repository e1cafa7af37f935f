import { deadUnits } from './detectors/dead-units.js';
import { exploding } from './detectors/exploding.js';
import { lossSpike } from './detectors/loss-spike.js';
import { nonFinite } from './detectors/non-finite.js';
import { notLearning } from './detectors/not-learning.js';
import { oscillation } from './detectors/oscillation.js';
import { plateau } from './detectors/plateau.js';
import { saddle } from './detectors/saddle.js';
import { saturated } from './detectors/saturated.js';
import { vanishing } from './detectors/vanishing.js';

/**
 * The detector table: one row per verdict kind, in the order a check runs them (model-wide
 * detectors first, then per activation probe the probe detectors). The verdict kinds, the
 * verdict and evidence types, the thresholds with their defaults and ranges, the state's
 * episodes and running statistics and the `detectors` option all derive from it: a new kind is
 * its detector file, its test and one line here.
 */
export const DETECTORS = {
  nonFinite,
  exploding,
  vanishing,
  lossSpike,
  plateau,
  oscillation,
  saddle,
  saturated,
  deadUnits,
  notLearning,
} as const;

/** The table's type. */
export type DetectorTable = typeof DETECTORS;

/** Every verdict kind, in the order lists for humans show them (by the detectors' rank). */
export const VERDICT_KINDS: readonly (keyof DetectorTable)[] = (
  Object.keys(DETECTORS) as (keyof DetectorTable)[]
).sort((a, b) => DETECTORS[a].rank - DETECTORS[b].rank);
