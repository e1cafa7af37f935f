import type { FieldSpecs } from '../optim/field-spec.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation } from '../optim/types.js';
import { checkBoolean, checkEnum, checkKeys, checkNumber } from '../optim/validate.js';
import { globalNormInto, scaleAllAt } from './norms.js';

/** Options of {@link zClip} (the reference implementation's names, camelCase). */
export interface ZClipOptions {
  /** EMA smoothing α in [0, 1) for the mean and variance of the norm. Default 0.97. */
  alpha?: number;
  /** z-score threshold z_thres > 0. Default 2.5. */
  zThreshold?: number;
  /** Steps whose norms initialise the mean and variance (no clipping meanwhile). Default 25. */
  warmupSteps?: number;
  /**
   * 'zscore' (default): clip when z > z_thres, to the level given by `clipOption`;
   * 'percentile': clip to the fixed ceiling μ + z_thres·σ whenever the norm exceeds it.
   */
  mode?: 'zscore' | 'percentile';
  /**
   * zscore mode only: 'adaptiveScaling' (default, the paper's reciprocal clipping) clips to
   * μ + (z_thres²/z)·σ·clipFactor — the larger the spike, the harder the clip; 'mean' clips to μ.
   */
  clipOption?: 'adaptiveScaling' | 'mean';
  /** Multiplier of the adaptive threshold (0.5–0.9 is more aggressive). Default 1. */
  clipFactor?: number;
  /** ε added to σ in the z-score. Default 1e-6. */
  eps?: number;
  /** Optional hard ceiling on the norm, also applied during warm-up. Default none. */
  maxGradNorm?: number;
  /** Do not feed spikes into the EMA. Default false (the clipped norm is fed). */
  skipUpdateOnSpike?: boolean;
}

/** State of {@link zClip}. */
export interface ZClipState {
  /** Steps seen (finite norms). */
  count: number;
  /** Warm-up norms (preallocated). */
  warmup: Float64Array;
  /** Whether the EMA statistics are initialised. */
  initialized: boolean;
  /** EMA mean μ of the (clipped) norm. */
  mean: number;
  /** EMA variance σ² of the (clipped) norm. */
  variance: number;
  /** z-score of the last step's norm (NaN during warm-up). */
  z: number;
  /** The clipping level of the last step (Infinity when none). */
  threshold: number;
  /** Global L2 norm before the last step's clipping. */
  normBefore: number;
  /** … and after it. */
  normAfter: number;
  /** Whether the last step was clipped. */
  clipped: boolean;
  /** Steps clipped so far. */
  clipSteps: number;
  /** Steps detected as spikes (z > z_thres, or above the percentile ceiling). */
  spikeSteps: number;
}

/**
 * The options of zClip with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const Z_CLIP_FIELDS = {
  alpha: { type: 'number', min: 0, max: 1, maxExclusive: true },
  zThreshold: { type: 'number', min: 0, minExclusive: true },
  warmupSteps: { type: 'number', integer: true, min: 1 },
  mode: { type: 'enum', values: ['zscore', 'percentile'] },
  clipOption: { type: 'enum', values: ['adaptiveScaling', 'mean'] },
  clipFactor: { type: 'number', min: 0, minExclusive: true },
  eps: { type: 'number', min: 0 },
  maxGradNorm: { type: 'number', min: 0, minExclusive: true, allowInfinity: true },
  skipUpdateOnSpike: { type: 'boolean' },
} as const satisfies FieldSpecs;

/**
 * ZClip (Kumar et al. 2025): z-score anomaly detection on the global gradient norm against EMA
 * estimates of its mean and variance, initialised from a warm-up window:
 *
 * z_t = (‖g_t‖ − μ)/(σ + ε);  if z_t > z_thres: ‖g‖ → μ + (z_thres²/z_t)·σ  (reciprocal clipping)
 * μ ← αμ + (1 − α)·n_t;  σ² ← ασ² + (1 − α)(n_t − μ)²   (n_t = the norm after clipping)
 *
 * Scaling uses PyTorch's factor c/(‖g‖ + 1e-6). Non-finite norms leave the statistics untouched
 * (use skipNonFinite). Sets ctx.events.spike and ctx.events.clipped.
 *
 * @example chain(clip.zClip({ zThreshold: 2.5, alpha: 0.97 }), adamw({ lr: 3e-4 }))
 * @see Kumar, Owen, Chowdhury & Güra, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training", 2025.
 */
export function zClip(options: ZClipOptions = {}): GradientTransformation<ZClipState> {
  const F = Z_CLIP_FIELDS;
  const o = 'zClip';
  checkKeys(o, options, [
    'alpha',
    'zThreshold',
    'warmupSteps',
    'mode',
    'clipOption',
    'clipFactor',
    'eps',
    'maxGradNorm',
    'skipUpdateOnSpike',
  ]);
  const alpha = checkNumber(o, 'alpha', options.alpha, 0.97, F.alpha);
  const zThr = checkNumber(o, 'zThreshold', options.zThreshold, 2.5, F.zThreshold);
  const warmupSteps = checkNumber(o, 'warmupSteps', options.warmupSteps, 25, F.warmupSteps);
  const mode = checkEnum(o, 'mode', options.mode, 'zscore', F.mode.values);
  const clipOption = checkEnum(
    o,
    'clipOption',
    options.clipOption,
    'adaptiveScaling',
    F.clipOption.values,
  );
  const clipFactor = checkNumber(o, 'clipFactor', options.clipFactor, 1, F.clipFactor);
  const eps = checkNumber(o, 'eps', options.eps, 1e-6, F.eps);
  const maxGradNorm = checkNumber(o, 'maxGradNorm', options.maxGradNorm, Infinity, F.maxGradNorm);
  const skipSpikes = checkBoolean(o, 'skipUpdateOnSpike', options.skipUpdateOnSpike, false);
  const out = resultWriter<ZClipState>();
  const scratch = new Float64Array(3);

  return {
    init: () => ({
      count: 0,
      warmup: new Float64Array(warmupSteps),
      initialized: false,
      mean: 0,
      variance: 0,
      z: NaN,
      threshold: Infinity,
      normBefore: 0,
      normAfter: 0,
      clipped: false,
      clipSteps: 0,
      spikeSteps: 0,
    }),
    update(updates, state, _params, ctx) {
      globalNormInto(updates, 2, scratch, 0);
      const total = scratch[0] as number;
      state.normBefore = total;
      state.normAfter = total;
      state.clipped = false;
      state.z = NaN;
      state.threshold = Infinity;
      if (!Number.isFinite(total)) return out(updates, state);

      let level = Infinity;
      let spike = false;
      if (!state.initialized) {
        state.warmup[state.count] = total;
        if (state.count + 1 >= warmupSteps) {
          let mean = 0;
          for (let i = 0; i < warmupSteps; i++) mean += state.warmup[i] as number;
          mean /= warmupSteps;
          let v = 0;
          for (let i = 0; i < warmupSteps; i++) v += ((state.warmup[i] as number) - mean) ** 2;
          state.mean = mean;
          state.variance = v / warmupSteps;
          state.initialized = true;
        }
      } else {
        const std = Math.sqrt(state.variance);
        if (mode === 'percentile') {
          const ceiling = state.mean + zThr * std;
          if (total > ceiling) {
            level = ceiling;
            spike = true;
          }
        } else {
          const z = (total - state.mean) / (std + eps);
          state.z = z;
          if (z > zThr) {
            spike = true;
            level =
              clipOption === 'mean'
                ? state.mean
                : (state.mean + (zThr * std) / (z / zThr)) * clipFactor;
          }
        }
      }
      const effective = Math.min(level, maxGradNorm);
      if (total > effective) {
        const coef = effective / (total + 1e-6);
        scratch[2] = coef;
        scaleAllAt(updates, scratch, 2);
        state.normAfter = total * coef;
        state.clipped = true;
        state.clipSteps = state.clipSteps + 1;
        raiseEvent(ctx, 'clipped');
      }
      state.threshold = effective;
      if (spike) {
        state.spikeSteps = state.spikeSteps + 1;
        raiseEvent(ctx, 'spike');
      }
      const wasWarmup = state.count < warmupSteps;
      state.count = state.count + 1;
      if (wasWarmup || (spike && skipSpikes)) return out(updates, state);
      const fed = spike ? level : total;
      state.mean = alpha * state.mean + (1 - alpha) * fed;
      state.variance = alpha * state.variance + (1 - alpha) * (fed - state.mean) ** 2;
      return out(updates, state);
    },
  };
}
