// "A fast wrong answer does not count": every system's loss at fixed steps of the same run from
// the same initial weights on the same batches is compared with the reference system's.
//
// Tolerance. At step 1 the loss is a forward pass of identical float32 weights on identical data,
// so systems differ only by summation order: ~1e-6 relative; 1e-4 is allowed. After k updates the
// float32 rounding differences are amplified by training (Adam normalises tiny gradients to
// ±lr-sized steps, ReLU kinks flip), so the allowance grows with the step: rtol(k) = 1e-4 + 2e-4·k,
// capped at 2e-2, plus an absolute 1e-4 for losses near zero (W1 reaches ~0.01 in 200 steps). A
// wrong update rule (no bias correction, wrong momentum, no clipping, a sign or layout error) moves
// the loss by several percent within 10 steps and fails.

/** One compared step. */
export interface LossPoint {
  step: number;
  reference: number;
  value: number;
  /** |value − reference|. */
  absDiff: number;
  /** Allowed |value − reference| at this step. */
  tol: number;
  pass: boolean;
}

/** The comparison of one system with the reference. */
export interface LossCheck {
  /** true: all points within tolerance; false: some point not; null: nothing to compare. */
  pass: boolean | null;
  points: LossPoint[];
  /** Largest |Δloss| over the whole common trajectory (information). */
  maxAbsDiff: number;
  /** Steps compared over (the shorter trajectory's length). */
  commonSteps: number;
}

/** Allowed |Δloss| at step k (1-based) for a reference loss `ref`. */
export function lossTolerance(step: number, ref: number): number {
  return Math.min(2e-2, 1e-4 + 2e-4 * step) * Math.abs(ref) + 1e-4;
}

function point(reference: readonly number[], losses: readonly number[], step: number): LossPoint {
  const r = reference[step - 1] as number;
  const v = losses[step - 1] as number;
  const absDiff = Math.abs(v - r);
  const tol = lossTolerance(step, r);
  return { step, reference: r, value: v, absDiff, tol, pass: Number.isFinite(v) && absDiff <= tol };
}

/** Compares `losses` with `reference` (both 1-based trajectories) at `checkpoints`. */
export function checkLosses(
  reference: readonly number[],
  losses: readonly number[],
  checkpoints: readonly number[],
): LossCheck {
  const common = Math.min(reference.length, losses.length);
  let maxAbsDiff = 0;
  for (let i = 0; i < common; i++)
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs((losses[i] as number) - (reference[i] as number)));
  const steps = checkpoints.filter((s) => s <= common);
  // The last common step counts too when a trajectory was cut short by the time budget.
  if (common > 0 && !steps.includes(common)) steps.push(common);
  const points = steps.sort((a, b) => a - b).map((s) => point(reference, losses, s));
  return {
    pass: points.length === 0 ? null : points.every((p) => p.pass),
    points,
    maxAbsDiff,
    commonSteps: common,
  };
}
