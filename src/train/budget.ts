import { BudgetError, ConfigError, fmt } from '../errors.js';
import type { DataConfig, ModelConfig, TaskInfo, Toy2dDataConfig, TrainConfig } from './config.js';
import { mixtureOptions, taskOf } from './config.js';

/**
 * Resource budgets: every size and count of a config or the CLI is turned into an estimate of
 * memory and time *before* anything is allocated, and refused with a {@link BudgetError} when the
 * estimate is over the budget. The estimates are deliberately optimistic (lower bounds: 4 live
 * copies of each parameter, activations of one batch, a compute rate of 5 GFLOP/s), so a
 * refused config would certainly not have fit; the error names the field, the estimate and the
 * flag that raises the limit (`--max-memory 8GiB`, `--max-time 48h`). One module, used by the
 * config builder (buildTrainRun) and the CLI (train, run --seeds, newton --max-iter).
 */

/** Memory and time limits. */
export interface Budget {
  /** Bytes the run may allocate (default 4 GiB). */
  maxBytes: number;
  /** Seconds the run may take (default 24 h). */
  maxSeconds: number;
}

/** The default budget: 4 GiB and 24 hours. */
export const DEFAULT_BUDGET: Readonly<Budget> = { maxBytes: 4 * 2 ** 30, maxSeconds: 24 * 3600 };

/** One estimated cost, attributed to the config field (or flag) that drives it. */
export interface Estimate {
  /** The field or flag, e.g. `model.hidden`, `data.classes`, `--seeds`. */
  field: string;
  /** Its value, as written. */
  value: unknown;
  /** Estimated bytes. */
  bytes: number;
  /** Estimated seconds. */
  seconds: number;
  /** What the estimate counts, e.g. "1.0e12 parameters × 4 copies × 4 B". */
  detail: string;
}

/** Assumed compute rate for time estimates (optimistic: two cores, wasm SIMD). */
const FLOPS_PER_SECOND = 5e9;
/** Assumed fixed cost of one optimizer step (optimistic). */
const SECONDS_PER_STEP = 2e-5;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * Bytes in binary units, 3 significant digits.
 * @example formatBytes(3 * 2 ** 30) // '3.00 GiB'
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toPrecision(3)} ${UNITS[i]}`;
}

/**
 * Seconds as a short duration.
 * @example formatSeconds(90000) // '25.0 h'
 */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (s < 60) return `${s.toPrecision(3)} s`;
  if (s < 3600) return `${(s / 60).toPrecision(3)} min`;
  if (s < 86400 * 3) return `${(s / 3600).toPrecision(3)} h`;
  if (s < 86400 * 365 * 3) return `${(s / 86400).toPrecision(3)} days`;
  return `${(s / (86400 * 365)).toPrecision(3)} years`;
}

/**
 * Parses a memory size: a number of bytes with an optional unit (B, KB, MB, GB, TB: powers of
 * 1000; KiB, MiB, GiB, TiB: powers of 1024; K/M/G/T alone are binary). Throws a ConfigError
 * naming `what`.
 * @example parseBytes('8GiB') // 8589934592
 */
export function parseBytes(text: string, what = '--max-memory'): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgtp]?)(i?)(b?)\s*$/i.exec(text);
  const bad = (): never => {
    throw new ConfigError(
      `${what} = ${fmt(text)} is invalid; expected a size such as 512MiB, 8GiB or 1.5TB`,
    );
  };
  if (m === null) return bad();
  const v = Number(m[1]);
  const prefix = (m[2] ?? '').toLowerCase();
  const power = ' kmgtp'.indexOf(prefix === '' ? ' ' : prefix);
  const decimal = prefix !== '' && m[3] === '' && (m[4] ?? '') !== '';
  const n = v * (decimal ? 1000 : 1024) ** power;
  if (!Number.isFinite(n) || n <= 0) return bad();
  return n;
}

/**
 * Parses a duration: seconds, or a number with s, min, h or d.
 * @example parseSeconds('48h') // 172800
 */
export function parseSeconds(text: string, what = '--max-time'): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(s|m|min|h|d)?\s*$/i.exec(text);
  const scale: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400 };
  const n = m === null ? NaN : Number(m[1]) * (scale[(m[2] ?? 's').toLowerCase()] ?? NaN);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(
      `${what} = ${fmt(text)} is invalid; expected a duration such as 90s, 30min, 48h or 7d`,
    );
  return n;
}

/** A suggested flag value comfortably above `need` (a round binary size). */
function suggestBytes(need: number): string {
  const gib = need / 2 ** 30;
  if (gib < 1) return `${Math.ceil((need * 1.25) / 2 ** 20)}MiB`;
  if (gib < 1024) return `${Math.ceil(gib * 1.25)}GiB`;
  return `${Math.ceil((gib * 1.25) / 1024)}TiB`;
}

function suggestSeconds(need: number): string {
  return `${Math.ceil((need * 1.25) / 3600)}h`;
}

/**
 * Throws a {@link BudgetError} when the estimates together need more memory or time than the
 * budget, naming the largest contributor, the estimate and the flag that raises the limit.
 * @example checkBudget([{ field: '--seeds', value: 1e8, bytes: 8e8, seconds: 5e6, detail: '…' }]);
 */
export function checkBudget(estimates: readonly Estimate[], budget: Budget = DEFAULT_BUDGET): void {
  const bytes = estimates.reduce((s, x) => s + x.bytes, 0);
  const seconds = estimates.reduce((s, x) => s + x.seconds, 0);
  const over: string[] = [];
  if (!(bytes <= budget.maxBytes)) {
    const top = estimates.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    over.push(
      `${top.field} = ${fmt(top.value)} needs an estimated ${formatBytes(bytes)} of memory (${top.detail}), over the budget of ${formatBytes(budget.maxBytes)}; make it smaller or raise the limit with --max-memory ${suggestBytes(bytes)}`,
    );
  }
  if (!(seconds <= budget.maxSeconds)) {
    const top = estimates.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    over.push(
      `${top.field} = ${fmt(top.value)} needs an estimated ${formatSeconds(seconds)} or more (${top.detail}), over the time budget of ${formatSeconds(budget.maxSeconds)}; make it smaller or raise the limit with --max-time ${suggestSeconds(seconds)}`,
    );
  }
  // Memory first (what cannot even be allocated), then time.
  if (over.length > 0) throw new BudgetError(over.join('; also '));
}

/** Characters of the bundled names (data/first-names-en.txt), boundaries included: 59,169. */
const NAMES_CHARS = 59169;

function e(n: number): string {
  return n >= 1e5 ? n.toExponential(1) : String(n);
}

/** Parameter count, activation floats per sample and flops per sample (forward) of a model. */
function modelCost(
  m: ModelConfig,
  task: TaskInfo,
): { params: number; acts: number; flops: number; field: string; value: unknown } {
  if (m.name === 'mlp') {
    const sizes = m.sizes ?? [task.inputShape[0] ?? 1, ...(m.hidden ?? []), task.outputSize];
    let params = 0;
    let acts = 0;
    for (let i = 1; i < sizes.length; i++) {
      params += ((sizes[i - 1] as number) + 1) * (sizes[i] as number);
      acts += sizes[i] as number;
    }
    const field = m.sizes !== undefined ? 'model.sizes' : 'model.hidden';
    return { params, acts, flops: 2 * params, field, value: m.sizes ?? m.hidden ?? [] };
  }
  if (m.name === 'cnn') {
    const k = m.kernelSize ?? 5;
    let side = 28;
    let c = 1;
    let params = 0;
    let acts = 0;
    let flops = 0;
    for (const out of m.channels) {
      const p = c * out * k * k + out;
      params += p;
      acts += out * side * side;
      flops += 2 * p * side * side;
      if ((m.pool ?? 'max') !== 'none') side = Math.floor(side / 2);
      c = out;
    }
    const sizes = [c * side * side, ...(m.hidden ?? []), task.outputSize];
    for (let i = 1; i < sizes.length; i++) {
      const p = ((sizes[i - 1] as number) + 1) * (sizes[i] as number);
      params += p;
      flops += 2 * p;
      acts += sizes[i] as number;
    }
    return { params, acts, flops, field: 'model.channels', value: m.channels };
  }
  if (m.name === 'gpt') {
    // Per block: attention 4E² + 4E, feed-forward 2·E·F + F + E, two norms 4E; embeddings V·E +
    // T·E (the vocabulary, unknown before the data is read, counted as 256). Forward flops per
    // window: 2 × the block weights × T, plus attention's 4·T²·E per block.
    const E = m.embed;
    const F = m.ffn ?? 4 * E;
    const T = m.context;
    const V = task.outputSize > 0 ? task.outputSize : 256;
    const block = 4 * E * E + 4 * E + 2 * E * F + F + E + 4 * E;
    const params = m.layers * block + V * E + T * E + ((m.tieWeights ?? true) ? 0 : V * E);
    return {
      params,
      acts: T * m.layers * (12 * E + F + m.heads * T) + T * V,
      flops: 2 * (m.layers * block + V * E) * T + 4 * m.layers * T * T * E,
      field: 'model.embed',
      value: E,
    };
  }
  const gates = m.name === 'lstm' ? 4 : m.name === 'gru' ? 3 : 1;
  const h = m.hiddenSize;
  const layers = m.numLayers ?? 1;
  const T = task.inputShape[0] ?? 1;
  let params = 0;
  let inSize = task.inputShape[1] ?? 1;
  for (let l = 0; l < layers; l++) {
    params += gates * h * (inSize + h + 2);
    inSize = h;
  }
  params += (h + 1) * task.outputSize;
  return {
    params,
    acts: T * layers * gates * h * 2,
    flops: 2 * params * T,
    field: 'model.hiddenSize',
    value: h,
  };
}

/** Estimated bytes of the generated (or loaded) data set, with the fields that size it. */
function dataCost(
  d: DataConfig,
  task: TaskInfo,
  bytesPer: number,
  loaded?: LoadedData,
): { bytes: number; field: string; value: unknown; detail: string } {
  const feat = task.inputShape.reduce((a, b) => a * b, 1);
  if (d.name === 'file') {
    // The file's own size is checked by its reader before it is read; here, what it held.
    const total = loaded === undefined ? 0 : loaded.train + loaded.test;
    return {
      bytes: total * (feat * bytesPer + 8 * Math.max(1, task.outputSize)),
      field: 'data.path',
      value: d.path,
      detail:
        loaded === undefined
          ? 'a data file (checked when it is read)'
          : `${e(total)} samples × ${feat} features`,
    };
  }
  if (d.name === 'names') {
    // The names' ~59,000 characters as windows of the context (every stride-th), x and y.
    const T = task.inputShape[0] ?? 32;
    const n = Math.ceil(NAMES_CHARS / (d.stride ?? 1));
    return {
      bytes: n * T * bytesPer * 2 + NAMES_CHARS * 16,
      field: 'data.stride',
      value: d.stride ?? 1,
      detail: `${e(n)} windows × ${T} tokens, inputs and targets`,
    };
  }
  if (d.name === 'mnist') {
    const n = d.numSamples ?? 8000;
    const m = d.testSamples ?? 2000;
    // The mnist package's digits are fixed: 10,000 samples, whatever the counts.
    return {
      bytes: 10000 * 784 * (bytesPer + 8),
      field: n >= m ? 'data.numSamples' : 'data.testSamples',
      value: Math.max(n, m),
      detail: '10,000 MNIST digits',
    };
  }
  if (d.name === 'gaussianMixture') {
    const mo = mixtureOptions(d);
    const total = mo.numSamples + (d.testSamples ?? Math.max(1, Math.round(mo.numSamples / 4)));
    const big = mo.dim > mo.numSamples ? ['data.dim', mo.dim] : ['data.numSamples', total];
    return {
      bytes: total * (mo.dim * bytesPer * 2 + 8),
      field: big[0] as string,
      value: big[1],
      detail: `${e(total)} samples × ${e(mo.dim)} features`,
    };
  }
  if (task.sequence) {
    const s = d as { numSamples?: number; testSamples?: number; T: number };
    const total = (s.numSamples ?? 1000) + (s.testSamples ?? 200);
    // The generator's time-major batch and the sample-major copy of it.
    const bytes = total * feat * bytesPer * 2 + total * 8;
    const big = s.T * 10 > total ? ['data.T', s.T] : ['data.numSamples', total];
    return {
      bytes,
      field: big[0] as string,
      value: big[1],
      detail: `${e(total)} sequences × T = ${e(s.T)} × ${task.inputShape[1] ?? 1} inputs, 2 copies`,
    };
  }
  const t = d as Toy2dDataConfig;
  const n = t.numSamples ?? (t.name === 'spiral' ? 100 : 200);
  const m = t.testSamples ?? Math.max(1, Math.round(n / 4));
  const k = t.name === 'spiral' ? (t.classes ?? 3) : 1;
  const total = (n + m) * k;
  const big = k > n ? ['data.classes', k] : ['data.numSamples', n];
  return {
    // Points, labels and the generator's temporaries.
    bytes: total * (feat * bytesPer * 3 + 16),
    field: big[0] as string,
    value: big[1],
    detail:
      k > 1
        ? `${e(n + m)} points per class × ${e(k)} classes`
        : `${e(total)} points × ${feat} features`,
  };
}

/** What a data file held, once read (data "file"): its task and sample counts. */
export interface LoadedData {
  /** The task with the file's sizes (taskOf with what the reader told). */
  task: TaskInfo;
  /** Training samples. */
  train: number;
  /** Test samples. */
  test: number;
}

/**
 * The estimates of a validated train config: the data set, the parameters (weights, gradients
 * and two optimizer moments: 4 copies), one batch of activations (values and gradients) and the
 * training time. Pure and cheap: nothing is built.
 * @example checkBudget(estimateTrainConfig(config));
 */
export function estimateTrainConfig(
  config: TrainConfig,
  steps?: number,
  loaded?: LoadedData,
): Estimate[] {
  const t = config.train;
  const bytesPer = (t.dtype ?? 'float32') === 'float64' ? 8 : 4;
  const base = loaded?.task ?? taskOf(config.data);
  // Token data: a window is model.context tokens long, known from the model section.
  const task =
    base.tokens === true && base.inputShape.length === 0 && config.model.name === 'gpt'
      ? { ...base, inputShape: [config.model.context] }
      : base;
  const data = dataCost(config.data, task, bytesPer, loaded);
  const model = modelCost(config.model, task);
  const batch = Math.max(t.batchSize ?? 32, t.evalBatchSize ?? 0);
  const nTrain = loaded?.train ?? trainSamples(config.data);
  const batchesPerEpoch = Math.ceil(nTrain / (t.batchSize ?? 32));
  const totalSteps =
    steps ??
    Math.min(
      t.steps ?? Infinity,
      (t.epochs ?? (t.steps === undefined ? 1 : Infinity)) * batchesPerEpoch,
    );
  const stepFlops = 3 * model.flops * (t.batchSize ?? 32);
  const stepsField =
    steps !== undefined ? '--steps' : t.steps !== undefined ? 'train.steps' : 'train.epochs';
  return [
    { field: data.field, value: data.value, bytes: data.bytes, seconds: 0, detail: data.detail },
    {
      field: model.field,
      value: model.value,
      bytes: model.params * bytesPer * 4,
      seconds: 0,
      detail: `${e(model.params)} parameters × 4 copies × ${bytesPer} B`,
    },
    {
      field: 'train.batchSize',
      value: batch,
      bytes: batch * model.acts * bytesPer * 3,
      seconds: 0,
      detail: `${batch} samples × ${e(model.acts)} activations × 3 copies × ${bytesPer} B`,
    },
    {
      field: stepsField,
      value: steps ?? t.steps ?? t.epochs ?? 1,
      bytes: 0,
      seconds: totalSteps * (SECONDS_PER_STEP + stepFlops / FLOPS_PER_SECOND),
      detail: `${e(totalSteps)} steps × ${e(stepFlops)} flops at ${FLOPS_PER_SECOND / 1e9} GFLOP/s`,
    },
  ];
}

function trainSamples(d: DataConfig): number {
  // A data file not read yet: its size is checked by its reader (1 is a lower bound).
  if (d.name === 'file') return 1;
  if (d.name === 'names') return Math.ceil(NAMES_CHARS / (d.stride ?? 1));
  if (d.name === 'mnist') return Math.min(d.numSamples ?? 8000, 8000);
  if (d.name === 'gaussianMixture') return mixtureOptions(d).numSamples;
  if (taskOf(d).sequence) return (d as { numSamples?: number }).numSamples ?? 1000;
  const t = d as Toy2dDataConfig;
  return (
    (t.numSamples ?? (t.name === 'spiral' ? 100 : 200)) *
    (t.name === 'spiral' ? (t.classes ?? 3) : 1)
  );
}

/**
 * Checks a count given on the command line (`--seeds`, `--max-iter`) against the budget, with a
 * lower bound of its cost per unit. Throws a {@link BudgetError} naming the flag.
 * @example checkCount('--seeds', 1e8, { bytes: 64, seconds: 0.05, unit: 'seed' }); // throws: ≥ 57.9 days
 */
export function checkCount(
  flag: string,
  n: number,
  per: { bytes: number; seconds: number; unit: string },
  budget: Budget = DEFAULT_BUDGET,
): void {
  checkBudget(
    [
      {
        field: flag,
        value: n,
        bytes: n * per.bytes,
        seconds: n * per.seconds,
        detail: `at least ${per.seconds} s and ${per.bytes} B per ${per.unit}`,
      },
    ],
    budget,
  );
}
