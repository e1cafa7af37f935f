import { ConfigError, fmt } from '../errors.js';

/** The definition of a loss spike used by E18 (fixed before any run; see {@link lossSpikeEvents}). */
export interface SpikeDefinition {
  /** Trailing window of steps the loss is compared with (this step excluded). */
  window: number;
  /** The loss exceeds the window's mean + z·std … */
  z: number;
  /** … and exceeds that mean by at least rise·|mean|. */
  rise: number;
  /** A spike step opens a new event only when no spike step lies within this many steps before it. */
  gap: number;
}

/** E18's definition: W = 20, z = 4, a rise of at least 5 %, events more than 10 steps apart. */
export const SPIKE_DEFINITION: Readonly<SpikeDefinition> = {
  window: 20,
  z: 4,
  rise: 0.05,
  gap: 10,
};

/**
 * The loss-spike events of a training-loss curve: step t (1-based) is a spike step when
 * loss[t] > mean + z·std of the `window` losses before it (population std) and
 * loss[t] − mean ≥ rise·|mean|; an event is a spike step with no spike step among the `gap`
 * steps before it (one event per excursion). Returns the 1-based steps that open an event.
 * Non-finite losses are spike steps (a divergence is a spike). The same rule as
 * examples/reference/torch_e18_loss_spikes.py.
 * @example lossSpikeEvents([...Array(60).fill(1), 2]) // [61]
 */
export function lossSpikeEvents(
  losses: ArrayLike<number>,
  def: Readonly<SpikeDefinition> = SPIKE_DEFINITION,
): number[] {
  const { window: w, z, rise, gap } = def;
  if (!Number.isInteger(w) || w < 2)
    throw new ConfigError(`lossSpikeEvents: window must be an integer >= 2, got ${fmt(w)}`);
  const events: number[] = [];
  let last = -Infinity;
  for (let t = w; t < losses.length; t++) {
    let sum = 0;
    for (let k = t - w; k < t; k++) sum += losses[k] as number;
    const mean = sum / w;
    let ss = 0;
    for (let k = t - w; k < t; k++) ss += ((losses[k] as number) - mean) ** 2;
    const std = Math.sqrt(ss / w);
    const x = losses[t] as number;
    const spike = !Number.isFinite(x) || (x > mean + z * std && x - mean >= rise * Math.abs(mean));
    if (!spike) continue;
    if (t - last > gap) events.push(t + 1);
    last = t;
  }
  return events;
}

/**
 * The size of each loss-spike event: the largest loss from the event's first step through the
 * `gap` steps after it, over the mean of the `window` losses before the event (so 2 means the
 * loss doubled). `events` are 1-based steps as {@link lossSpikeEvents} returns them; a
 * non-finite loss in the excursion gives Infinity. The same rule as
 * examples/reference/torch_e18_loss_spikes.py.
 * @example spikePeaks([...Array(60).fill(1), 3, 2, 1], [61]) // [3]
 */
export function spikePeaks(
  losses: ArrayLike<number>,
  events: readonly number[],
  def: Readonly<SpikeDefinition> = SPIKE_DEFINITION,
): number[] {
  const { window: w, gap } = def;
  return events.map((e) => {
    const t = e - 1;
    if (!Number.isInteger(t) || t < w || t >= losses.length)
      throw new ConfigError(
        `spikePeaks: event ${fmt(e)} must be a 1-based step in [${w + 1}, ${losses.length}]`,
      );
    let sum = 0;
    for (let k = t - w; k < t; k++) sum += losses[k] as number;
    const mean = sum / w;
    let peak = -Infinity;
    for (let k = t; k <= Math.min(t + gap, losses.length - 1); k++) {
      const x = losses[k] as number;
      peak = Number.isFinite(x) ? Math.max(peak, x) : Infinity;
    }
    return peak / mean;
  });
}
