import type { GradientTransformation, Params, StepContext } from '../optim/types.js';
import { ConfigError } from '../errors.js';
import { ResultPair, scaleUpdatesInPlace } from './scale-updates.js';
import { checkOptionKeys, choiceOption, numberOption } from './validate.js';

/** Options of {@link healthAwareDecay}. */
export interface HealthAwareDecayOptions {
  /** Multiplier of the scale on a faulty step, in (0, 1) (default 0.5). */
  factor?: number;
  /** Floor of the scale, in (0, 1] (default 0.01). */
  minScale?: number;
  /** Multiplicative recovery per healthy step, > 1 (default 1.05 — from 0.5 back to 1 in 15
   * healthy steps). Excludes `recoverySteps`. */
  recovery?: number;
  /** Linear recovery: back to 1 in this many healthy steps after the last decay, an integer >= 1.
   * Excludes `recovery`. */
  recoverySteps?: number;
  /** Healthy steps after a decay during which the scale stays put, an integer >= 0 (default 0). */
  cooldown?: number;
  /** How a step whose gradients were clipped (and not otherwise faulty) counts: 'hold' (neither
   * faulty nor healthy: no decay, no recovery, no cooldown progress), 'healthy' or 'decay'.
   * Default 'hold'. */
  onClipped?: 'hold' | 'healthy' | 'decay';
}

/** State of {@link healthAwareDecay} (plain numbers). */
export interface HealthAwareDecayState {
  /** Current multiplier of the updates, in [minScale, 1]. */
  scale: number;
  /** Healthy steps left before recovery starts. */
  cooldownLeft: number;
  /** Linear recovery only: recovery steps left until the scale is 1 again. */
  recoveryLeft: number;
  /** Linear recovery only: scale gained per recovery step, (1 − scale after the decay) / recoverySteps. */
  increment: number;
  /** Faulty steps (decays) seen so far. */
  decays: number;
}

/**
 * gradscope's health-aware lr decay: cut the effective lr as soon as the gradients misbehave,
 * then give it back gradually while they stay healthy. Per step, reading ctx.events:
 * - faulty (spike or nonFinite, or clipped with onClipped 'decay'): scale ← max(scale · factor,
 *   minScale), cooldownLeft ← cooldown, and the linear recovery restarts from the new scale;
 * - clipped with onClipped 'hold': nothing changes;
 * - healthy: if cooldownLeft > 0 it counts down; otherwise scale ← min(1, scale · recovery)
 *   (multiplicative), or scale ← 1 − increment · recoveryLeft after recoveryLeft −= 1 (linear,
 *   exactly 1 after recoverySteps steps);
 * then the updates are multiplied by the scale, so the faulty step itself is already damped.
 *
 * Placement: after the monitor and clipping (which raise the events) and after the optimizer
 * (where updates are −lr·direction), e.g. chain(gradientHealth(), clip.byGlobalNorm(1),
 * optim.adam({ lr }), healthAwareDecay()). Unlike {@link reduceOnPlateau}, which waits `patience`
 * reports of a loss that stopped improving and never raises the lr again, this reacts within the
 * step to gradient health (not to the loss) and recovers once the gradients are healthy again.
 *
 * @example
 * const tx = optim.chain(monitor.gradientHealth(), clip.byGlobalNorm(1), optim.adam({ lr: 1e-3 }),
 *   healthAwareDecay({ factor: 0.5, recoverySteps: 100 }));
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks",
 * ICML 2013 — the exploding-gradient spikes this reacts to (the rule itself is gradscope's own).
 */
export function healthAwareDecay(
  options: HealthAwareDecayOptions = {},
): GradientTransformation<HealthAwareDecayState> {
  const fn = 'schedule.healthAwareDecay';
  checkOptionKeys(fn, options, [
    'factor',
    'minScale',
    'recovery',
    'recoverySteps',
    'cooldown',
    'onClipped',
  ]);
  const factor = numberOption(
    fn,
    'factor',
    options.factor,
    { min: 0, max: 1, minExclusive: true, maxExclusive: true },
    0.5,
  );
  const minScale = numberOption(
    fn,
    'minScale',
    options.minScale,
    { min: 0, max: 1, minExclusive: true },
    0.01,
  );
  if (options.recovery !== undefined && options.recoverySteps !== undefined) {
    throw new ConfigError(
      `${fn}: options recovery (multiplicative) and recoverySteps (linear) exclude each other, got recovery ${options.recovery} and recoverySteps ${options.recoverySteps}`,
    );
  }
  const linear = options.recoverySteps !== undefined;
  const recovery = linear
    ? 1
    : numberOption(fn, 'recovery', options.recovery, { min: 1, minExclusive: true }, 1.05);
  const recoverySteps = linear
    ? numberOption(fn, 'recoverySteps', options.recoverySteps, { integer: true, min: 1 })
    : 0;
  const cooldown = numberOption(fn, 'cooldown', options.cooldown, { integer: true, min: 0 }, 0);
  const onClipped = choiceOption(
    fn,
    'onClipped',
    options.onClipped,
    ['hold', 'healthy', 'decay'],
    'hold',
  );

  const out = new ResultPair<HealthAwareDecayState>();
  return {
    init(): HealthAwareDecayState {
      return { scale: 1, cooldownLeft: 0, recoveryLeft: 0, increment: 0, decays: 0 };
    },
    update(
      updates: Params,
      state: HealthAwareDecayState,
      _params: Params,
      ctx?: StepContext,
    ): [Params, HealthAwareDecayState] {
      const ev = ctx?.events;
      const clipped = ev?.clipped === true;
      const faulty =
        ev?.spike === true || ev?.nonFinite === true || (clipped && onClipped === 'decay');
      if (faulty) {
        state.scale = Math.max(state.scale * factor, minScale);
        state.cooldownLeft = cooldown;
        state.decays += 1;
        if (linear) {
          state.recoveryLeft = recoverySteps;
          state.increment = (1 - state.scale) / recoverySteps;
        }
      } else if (!(clipped && onClipped === 'hold')) {
        if (state.cooldownLeft > 0) {
          state.cooldownLeft -= 1;
        } else if (state.scale < 1) {
          if (linear) {
            state.recoveryLeft = Math.max(0, state.recoveryLeft - 1);
            // Recomputed from the counter rather than accumulated, so it lands on exactly 1.
            state.scale = state.recoveryLeft === 0 ? 1 : 1 - state.increment * state.recoveryLeft;
          } else {
            state.scale = Math.min(1, state.scale * recovery);
          }
        }
      }
      scaleUpdatesInPlace(updates, state.scale);
      return out.set(updates, state);
    },
  };
}
