import { ConfigError, ShapeError, fmt } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** A batch's targets as the data loader yields them: class labels or a float tensor. */
export type Targets = Tensor | Int32Array;

/**
 * A metric averaged over samples: `sum(output, target)` returns the SUM of the per-sample
 * values over the batch (e.g. the number of correct predictions), so that the training loop can
 * average exactly over an epoch or an evaluation set (Σ sums / Σ samples) whatever the batch sizes.
 */
export interface Metric {
  /** Name in logs and summaries ("accuracy" → "train.accuracy", "val.accuracy"). */
  readonly name: string;
  /** Whether larger is better (for early stopping's mode 'auto'). */
  readonly higherIsBetter: boolean;
  /** Sum of the per-sample values over the batch (output [B, …], B samples). */
  sum(output: Tensor, target: Targets): number;
}

/** Names of the built-in metrics. */
export type MetricName = 'accuracy';

function targetAt(target: Targets, i: number): number {
  return target instanceof Tensor ? (target.data[i] as number) : (target[i] as number);
}

function targetLength(target: Targets): number {
  return target instanceof Tensor ? target.size : target.length;
}

/**
 * Classification accuracy: the fraction of samples whose prediction equals the target. For
 * scores [B, C] with C ≥ 2 the prediction is argmax over C (first maximum on ties, as
 * torch.argmax) and the target a class index; for one logit per sample ([B] or [B, 1]) the
 * prediction is 1 when the logit is > 0 (probability > ½) and the target is 0 or 1.
 *
 * accuracy = (1/N) Σᵢ [ŷᵢ = yᵢ]
 *
 * @example fit(model, opt, loader, { epochs: 3, metrics: [accuracy] })
 */
export const accuracy: Metric = {
  name: 'accuracy',
  higherIsBetter: true,
  sum(output: Tensor, target: Targets): number {
    const b = output.shape[0] ?? 1;
    const c = output.ndim === 1 ? 1 : output.size / Math.max(b, 1);
    if (output.ndim === 0 || (output.ndim > 2 && c !== 1) || targetLength(target) !== b) {
      throw new ShapeError(
        `accuracy: expected scores [B, C] (or one logit per sample) and B targets, got output shape ${fmt(output.shape)} and ${targetLength(target)} targets`,
      );
    }
    const z = output.data;
    let correct = 0;
    if (c === 1) {
      for (let i = 0; i < b; i++) {
        const pred = (z[i] as number) > 0 ? 1 : 0;
        if (pred === targetAt(target, i)) correct++;
      }
      return correct;
    }
    for (let i = 0; i < b; i++) {
      const o = i * c;
      let best = 0;
      let bestV = z[o] as number;
      for (let k = 1; k < c; k++) {
        const v = z[o + k] as number;
        // NaN scores never win, so a NaN row predicts class 0 rather than crashing.
        if (v > bestV || (Number.isNaN(bestV) && !Number.isNaN(v))) {
          best = k;
          bestV = v;
        }
      }
      if (best === targetAt(target, i)) correct++;
    }
    return correct;
  },
};

const BUILT_IN: Record<MetricName, Metric> = { accuracy };

/**
 * Resolves metric specs (a built-in name or a {@link Metric}) and checks that names are unique.
 * @example resolveMetrics(['accuracy']) // [accuracy]
 */
export function resolveMetrics(specs: readonly (MetricName | Metric)[] | undefined): Metric[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs))
    throw new ConfigError(`metrics must be an array of names or Metric objects, got ${fmt(specs)}`);
  const out: Metric[] = [];
  for (const s of specs) {
    if (typeof s === 'string') {
      const m = (BUILT_IN as Record<string, Metric | undefined>)[s];
      if (m === undefined) {
        throw new ConfigError(
          `metrics: unknown metric ${fmt(s)}; expected one of ${fmt(Object.keys(BUILT_IN))} or a Metric object`,
        );
      }
      out.push(m);
    } else if (
      s !== null &&
      typeof s === 'object' &&
      typeof s.name === 'string' &&
      typeof s.sum === 'function'
    ) {
      out.push(s);
    } else {
      throw new ConfigError(
        `metrics: ${fmt(s)} is neither a metric name nor a Metric ({ name, higherIsBetter, sum })`,
      );
    }
  }
  const names = out.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined || names.includes('loss')) {
    throw new ConfigError(`metrics: names must be unique and not "loss", got ${fmt(names)}`);
  }
  return out;
}
