import type { HealthState } from './state.js';

/**
 * One change of the monitor's state shape: a field added at `path`, and the value it takes in a
 * state saved before (so that a run resumed from such a checkpoint goes on as it would have).
 */
export interface StateAddition {
  /** Keys from the state's root to the added field. */
  readonly path: readonly string[];
  /** The change that added it (commit and date), for the record. */
  readonly since: string;
  /** Its value in a state saved before, given this optimizer's fresh state. */
  value(fresh: HealthState): unknown;
}

/**
 * The additions to the gradient-health state since checkpoints of it were first written, oldest
 * first: {@link upgradeHealthState} fills each one a checkpoint lacks. A change of the state's
 * shape adds its entry here.
 */
export const STATE_ADDITIONS: readonly StateAddition[] = [
  {
    // the update of the snapshot step as the optimizer's fused step measured it (StepContext
    // .updateNorms); its last entry says where that update is, and the monitor of before always
    // copied the parameters: −1, "in the snapshot" (the rest is unread then)
    path: ['stats', 'updateSums'],
    since: 'f2e793c, 2026-12-07 (monitor reads the update from adam’s fused step)',
    value: (fresh) => new Float64Array(fresh.stats.updateSums.length).fill(-1),
  },
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * The monitor's GradientTransformation.upgrade: a checkpoint's state saved before one of the
 * {@link STATE_ADDITIONS} gets that field with its value for such a state (in place; anything
 * else is left for Optimizer.loadStateDict's compatibility check to judge).
 * @example const state = upgradeHealthState(deserializeState(saved), health.state!);
 */
export function upgradeHealthState(loaded: unknown, fresh: HealthState): unknown {
  if (!isRecord(loaded)) return loaded;
  for (const a of STATE_ADDITIONS) {
    let at: Record<string, unknown> | null = loaded;
    for (let i = 0; i < a.path.length - 1 && at !== null; i++) {
      const next: unknown = at[a.path[i] as string];
      at = isRecord(next) ? next : null;
    }
    const key = a.path[a.path.length - 1] as string;
    if (at !== null && !(key in at)) at[key] = a.value(fresh);
  }
  return loaded;
}
