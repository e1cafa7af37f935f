import { noGrad } from '../autograd/grad-mode.js';
import { DataLoader } from '../data/data-loader.js';
import type { Dataset } from '../data/dataset.js';
import { ConfigError, fmt } from '../errors.js';
import type { Module } from '../nn/module.js';
import { crossEntropy } from '../ops/losses.js';
import type { Tensor } from '../tensor/tensor.js';
import { resolveMetrics, type Metric, type MetricName, type Targets } from './metrics.js';

/** A loss: the model's output and the batch's targets to a scalar tensor (mean over the batch). */
export type LossFn = (output: Tensor, target: Targets) => Tensor;

/**
 * The default loss: softmax cross-entropy on class labels, mean over the batch.
 * L = −(1/B) Σᵢ log softmax(zᵢ)[yᵢ]
 * @example fit(model, opt, data, { epochs: 1, batchSize: 32, lossFn: defaultLoss })
 */
export const defaultLoss: LossFn = (output, target) => crossEntropy(output, target);

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Loss to average (default cross-entropy). */
  lossFn?: LossFn;
  /** Metrics to average (names or Metric objects). */
  metrics?: readonly (MetricName | Metric)[];
  /** Batch size when `data` is a Dataset (default 1000). */
  batchSize?: number;
}

/** What {@link evaluate} returns. */
export interface EvaluateResult {
  /** Sample-weighted mean of the batch losses. */
  loss: number;
  /** Each metric averaged over the samples, by name. */
  metrics: Record<string, number>;
  /** Samples evaluated. */
  samples: number;
}

/** @internal The evaluation loader for `data`: a DataLoader as is, a Dataset in order (no shuffling). */
export function evalLoaderFor(
  data: DataLoader | Dataset,
  batchSize: number,
  what: string,
): DataLoader {
  if (data instanceof DataLoader) return data;
  if (data === null || typeof data !== 'object' || !('x' in data) || !('y' in data)) {
    throw new ConfigError(`${what} must be a DataLoader or a Dataset, got ${fmt(data)}`);
  }
  return new DataLoader(data, { batchSize, shuffle: false });
}

/**
 * Evaluates a model on data in evaluation mode without recording gradients (PyTorch's
 * `model.eval()` + `torch.no_grad()`), then restores every module's previous mode. A DataLoader is
 * read from its current position to the end of its epoch (a whole epoch when at its start).
 *
 * loss = Σ_b B_b·L_b / Σ_b B_b,   metric = Σ_b sum_b / Σ_b B_b
 *
 * @example const { loss, metrics } = evaluate(model, test, { metrics: ['accuracy'] }); metrics.accuracy
 */
export function evaluate(
  model: Module<[Tensor], Tensor>,
  data: DataLoader | Dataset,
  options: EvaluateOptions = {},
): EvaluateResult {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError(`evaluate: batchSize must be a positive integer, got ${fmt(batchSize)}`);
  }
  const lossFn = options.lossFn ?? defaultLoss;
  if (typeof lossFn !== 'function')
    throw new ConfigError(`evaluate: lossFn must be a function, got ${fmt(lossFn)}`);
  const metrics = resolveMetrics(options.metrics);
  const loader = evalLoaderFor(data, batchSize, 'evaluate: data');
  return evaluateWith(model, loader, lossFn, metrics);
}

/** @internal {@link evaluate} with resolved arguments (used by fit). */
export function evaluateWith(
  model: Module<[Tensor], Tensor>,
  loader: DataLoader,
  lossFn: LossFn,
  metrics: readonly Metric[],
): EvaluateResult {
  // Per-module modes, so that a deliberately frozen submodule (a BatchNorm kept in eval mode)
  // stays as it was.
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    return noGrad(() => {
      let lossSum = 0;
      let samples = 0;
      const sums = new Float64Array(metrics.length);
      for (const batch of loader) {
        const out = model.forward(batch.x);
        lossSum += lossFn(out, batch.y).item() * batch.size;
        for (let k = 0; k < metrics.length; k++)
          sums[k] = (sums[k] as number) + (metrics[k] as Metric).sum(out, batch.y);
        samples += batch.size;
      }
      const result: Record<string, number> = {};
      metrics.forEach(
        (m, k) => (result[m.name] = samples > 0 ? (sums[k] as number) / samples : NaN),
      );
      return { loss: samples > 0 ? lossSum / samples : NaN, metrics: result, samples };
    });
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}
