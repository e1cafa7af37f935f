/**
 * The de-duplication state of one detector (for one layer): a verdict starts after `patience`
 * consecutive checks with the condition on, stays active (no repeat) while it holds, resolves
 * after `resolveAfter` consecutive checks with it off, and may not start again during
 * `cooldown` checks after resolving. Plain numbers, so it round-trips through a checkpoint.
 */
export interface Episode {
  /** Consecutive checks with the condition on. */
  on: number;
  /** Consecutive checks with the condition off. */
  off: number;
  /** 1 while a verdict is active. */
  active: number;
  /** Checks left before a new episode may start. */
  cooldown: number;
  /** Step at which the active episode started (−1 if none). */
  since: number;
  /** Index in the monitor's verdict log of the verdict that started the active episode (−1 if none). */
  verdict: number;
}

/** What {@link advanceEpisode} decided. */
export const EPISODE_NONE = 0;
/** The condition has held for `patience` checks: emit the verdict. */
export const EPISODE_START = 1;
/** The active episode is over. */
export const EPISODE_RESOLVE = 2;

/** A fresh, inactive episode. @example const e = createEpisode(); */
export function createEpisode(): Episode {
  return { on: 0, off: 0, active: 0, cooldown: 0, since: -1, verdict: -1 };
}

/**
 * Advances an episode by one check. Returns {@link EPISODE_START}, {@link EPISODE_RESOLVE} or
 * {@link EPISODE_NONE}.
 * @example if (advanceEpisode(e, cond, 10, 20, 100, step) === EPISODE_START) emit(...)
 */
export function advanceEpisode(
  e: Episode,
  condition: boolean,
  patience: number,
  resolveAfter: number,
  cooldown: number,
  step: number,
): number {
  if (condition) {
    e.on++;
    e.off = 0;
    if (e.active === 0 && e.cooldown <= 0 && e.on >= patience) {
      e.active = 1;
      e.since = step;
      return EPISODE_START;
    }
  } else {
    e.on = 0;
    e.off++;
    if (e.active === 1 && e.off >= resolveAfter) {
      e.active = 0;
      e.cooldown = cooldown;
      e.since = -1;
      return EPISODE_RESOLVE;
    }
  }
  if (e.active === 0 && e.cooldown > 0) e.cooldown--;
  return EPISODE_NONE;
}
