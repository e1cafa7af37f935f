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
 * One check of an episode: whether the condition holds, at which step, and the detector's
 * de-duplication rule. Hot callers keep one object and overwrite its fields before each call
 * (as `GemmCall` in src/kernels), so a check allocates nothing.
 */
export interface EpisodeCheck {
  /** Whether the detector's condition holds at this check. */
  condition: boolean;
  /** The training step of the check. */
  step: number;
  /** Consecutive checks with the condition on before a verdict starts. */
  patience: number;
  /** Consecutive checks with the condition off before the active episode resolves. */
  resolveAfter: number;
  /** Checks after resolving during which no new episode may start. */
  cooldown: number;
}

/** A fresh check object for a caller to reuse (all numbers 0, condition false). @example const check = createEpisodeCheck(); */
export function createEpisodeCheck(): EpisodeCheck {
  return { condition: false, step: 0, patience: 0, resolveAfter: 0, cooldown: 0 };
}

/**
 * Advances an episode by one check. Returns {@link EPISODE_START}, {@link EPISODE_RESOLVE} or
 * {@link EPISODE_NONE}.
 * @example
 * const check = { condition: cond, step, patience: 10, resolveAfter: 20, cooldown: 100 };
 * if (advanceEpisode(e, check) === EPISODE_START) emit(...);
 */
export function advanceEpisode(e: Episode, check: EpisodeCheck): number {
  const { condition, step, patience, resolveAfter, cooldown } = check;
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
