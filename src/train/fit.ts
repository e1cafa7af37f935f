import { DataLoader, type Batch } from '../data/data-loader.js';
import type { Dataset } from '../data/dataset.js';
import { ConfigError, DataError, fmt } from '../errors.js';
import { StepArena } from '../autograd/step-arena.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { JsonValue } from '../optim/serialize.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Callback, TrainingControl } from './callback.js';
import { loopControl, trainLoop } from './loop.js';
import { CheckpointError } from './checkpoint-error.js';
import { encodeCheckpoint } from './checkpoint-binary.js';
import { captureCheckpoint, prepareRestore, type Checkpoint } from './checkpoint.js';
import { defaultLoss, evalLoaderFor, evaluateWith, type LossFn } from './evaluate.js';
import type { EvalRecord, FitSummary } from './fit-summary.js';
import { resolveMetrics, type Metric, type MetricName } from './metrics.js';
import { ProgressReporter, type ProgressMode } from './progress.js';
import { toJsonSafe, type MetricsRecord, type RunLog } from './run-log.js';
import { decodeJsonNumber } from '../json-encode.js';

/** Training data: a DataLoader (used as is, its position advances) or a Dataset (batched by fit). */
export type FitData = DataLoader | Dataset;

/** Options of {@link fit}. */
export interface FitOptions {
  /** Train until this many epochs are complete (counted from the start of the run, across resumes). */
  epochs?: number;
  /** Train until this many steps are taken (across resumes). With `epochs` too, whichever comes first. */
  steps?: number;
  /** Batch size when `data` is a Dataset (required then). */
  batchSize?: number;
  /** Shuffle when `data` is a Dataset (default true). */
  shuffle?: boolean;
  /** Shuffle seed when `data` is a Dataset (default 0). */
  seed?: number;
  /** Evaluation data (evaluated in eval mode without gradients). */
  evalData?: FitData;
  /** Batch size when `evalData` is a Dataset (default 1000). */
  evalBatchSize?: number;
  /** Evaluate every N steps, or at the end of every epoch ('epoch', the default). */
  evalEvery?: number | 'epoch';
  /** Metrics besides the loss, on training epochs and evaluations (e.g. ['accuracy']). */
  metrics?: readonly (MetricName | Metric)[];
  /** Loss of (output, targets) (default cross-entropy on class labels). */
  lossFn?: LossFn;
  /** Callbacks, called in order. */
  callbacks?: readonly Callback[];
  /**
   * Where to record the run: a directory path (Node only: config.json, metrics.jsonl,
   * summary.json, checkpoint.json, written atomically) or a {@link RunLog}.
   */
  runDir?: string | RunLog;
  /** Replace the run files of an existing non-empty run directory (default false: refuse). */
  overwrite?: boolean;
  /** Extra configuration recorded in config.json under "user". */
  config?: Record<string, unknown>;
  /** Steps between metrics records (and progress lines). Default: about 10 per epoch. */
  logEvery?: number;
  /** Save a checkpoint to the run directory every N steps (default 0: only at the end). */
  checkpointEvery?: number;
  /**
   * Also save a checkpoint when this many seconds have passed since the last one (default 0:
   * off; `gradscope train` uses 60). The steps it lands on depend on the clock, the training
   * does not: resuming from any of them gives the same bits.
   */
  checkpointEverySeconds?: number;
  /**
   * Stops the run between two steps when aborted (Ctrl-C): the checkpoint and the summary are
   * written (callbacks' onTrainEnd is not called: the run is paused, not ended), the summary says
   * `interrupted`, and `resumeFrom` the checkpoint continues it bit-identically. fit yields to
   * the event loop about every 50 ms while a signal is given, so that signal handlers run.
   */
  signal?: AbortSignal;
  /**
   * Reuse the buffers of each step's tape in the next step (a {@link StepArena}; issue 22): the
   * same bits, almost no allocation and garbage collection per step. Safe for models whose
   * forward keeps no tensor it computed beyond the step (every layer of nn; a custom module that
   * caches an output across steps must not use it). Default false; `gradscope train` turns it on.
   */
  reuseBuffers?: boolean;
  /**
   * The gradient-health monitor of the optimizer's chain (or anything with `watch(loss)`): it is
   * given each loss tensor, so that a non-finite step names the op that made the NaN.
   */
  monitor?: {
    /** Called with each step's loss tensor after backward (traces a non-finite loss to its op). */
    watch(loss: Tensor): void;
  } | null;
  /** Save a checkpoint at the end of training when there is a run directory (default true). */
  saveCheckpoint?: boolean;
  /** Continue from a checkpoint (a file path — Node only — or a parsed {@link Checkpoint}). */
  resumeFrom?: string | Checkpoint;
  /**
   * Accept NaN or ±Infinity in the weights and optimizer state of `resumeFrom` (default false:
   * such a checkpoint is refused, naming the first non-finite entry).
   */
  allowNonFinite?: boolean;
  /**
   * Terminal progress: 'auto' (bar on a TTY, lines otherwise; default), 'bar', 'lines',
   * 'silent', or a {@link ProgressReporter} of the caller's (the CLI's, with its colours and
   * stream; `write` and `silent` are then ignored).
   */
  log?: ProgressMode | ProgressReporter;
  /** Shorthand for log: 'silent'. */
  silent?: boolean;
  /** Where progress text goes (default process.stdout / console). */
  write?: (text: string) => void;
}

/** The fit loop's own state, saved in checkpoints so that a resumed run continues exactly. */
interface FitState {
  epochBase: number;
  lossSum: number;
  samples: number;
  metricSums: number[];
  nonFiniteSteps: number;
  lastEvalStep: number;
  lastMetrics: Record<string, number>;
  callbacks: (JsonValue | null)[];
}

function positiveInt(name: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new ConfigError(
      `fit: ${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${fmt(v)}`,
    );
  }
  return v;
}

function isThenable(v: unknown): v is Promise<unknown> {
  return (
    v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
  );
}

/** Adds the dataset indices to a loss's complaint about targets[i] (the batch row). */
function explainTargetError(e: DataError, batch: Batch, step: number): DataError {
  const m = /targets\[(\d+)\]/.exec(e.message);
  const row = m ? Number(m[1]) : -1;
  const where =
    row >= 0 && row < batch.indices.length
      ? ` (batch row ${row} is dataset sample ${batch.indices[row]})`
      : '';
  return new DataError(`fit: step ${step}: ${e.message}${where}`);
}

/**
 * Trains a model: for each batch, zero the gradients, forward in training mode, loss, backward,
 * `optimizer.step({ loss })`; evaluates in eval mode without gradients every `evalEvery` steps
 * or epoch; calls the callbacks (which may stop training); reports progress; records the run
 * (config, a metrics line per logged step, summary, checkpoints) when given a run directory;
 * and can resume from a checkpoint bit-identically (parameters, buffers, optimizer state, data
 * order, dropout masks, counters). `epochs` and `steps` are totals for the whole run, so a
 * resumed `fit` with the same options finishes the original plan.
 *
 * A checkpoint given in `resumeFrom` is verified (checksum, and that it fits the model,
 * optimizer and data) before anything is changed or written.
 *
 * @example
 * const { train, test } = await loadMnist();
 * const model = mlp({ sizes: [784, 128, 10], seed: 0 });
 * const opt = new Optimizer(model, adam({ lr: 1e-3 }));
 * const summary = await fit(model, opt, train, { epochs: 3, batchSize: 64, evalData: test, metrics: ['accuracy'] });
 * summary.metrics['val.accuracy'];
 */
export async function fit(
  model: Module<[Tensor], Tensor>,
  optimizer: Optimizer<unknown>,
  data: FitData,
  options: FitOptions,
): Promise<FitSummary> {
  const t0 = performance.now();
  if (options === null || typeof options !== 'object')
    throw new ConfigError(`fit: options must be an object, got ${fmt(options)}`);
  if (options.epochs === undefined && options.steps === undefined) {
    throw new ConfigError('fit: give epochs or steps (or both): how long to train');
  }
  const maxEpochs = options.epochs === undefined ? Infinity : positiveInt('epochs', options.epochs);
  const maxSteps = options.steps === undefined ? Infinity : positiveInt('steps', options.steps);
  const lossFn = options.lossFn ?? defaultLoss;
  if (typeof lossFn !== 'function')
    throw new ConfigError(`fit: lossFn must be a function, got ${fmt(lossFn)}`);
  const metrics = resolveMetrics(options.metrics);
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks) || callbacks.some((c) => c === null || typeof c !== 'object')) {
    throw new ConfigError(
      `fit: callbacks must be an array of callback objects, got ${fmt(callbacks)}`,
    );
  }
  const own = new Set(Object.values(model.namedParameters()));
  const foreign = Object.keys(optimizer.params).filter(
    (n) => !own.has(optimizer.params[n] as Tensor),
  );
  if (foreign.length > 0) {
    throw new ConfigError(
      `fit: the optimizer's parameters ${fmt(foreign)} are not parameters of this model; build the optimizer with new Optimizer(model, tx)`,
    );
  }
  const evalEvery = options.evalEvery ?? 'epoch';
  if (evalEvery !== 'epoch') positiveInt('evalEvery', evalEvery);
  const checkpointEvery = positiveInt('checkpointEvery', options.checkpointEvery ?? 0, true);
  const ckptSeconds = options.checkpointEverySeconds ?? 0;
  if (typeof ckptSeconds !== 'number' || !(ckptSeconds >= 0) || ckptSeconds === Infinity)
    throw new ConfigError(
      `fit: checkpointEverySeconds must be a non-negative number of seconds, got ${fmt(ckptSeconds)}`,
    );
  const signal = options.signal;

  // Loaders (building one from a Dataset validates every sample: NaN/Inf or bad labels throw a
  // DataError naming the sample).
  let loader: DataLoader;
  if (data instanceof DataLoader) {
    loader = data;
  } else if (data !== null && typeof data === 'object' && 'x' in data && 'y' in data) {
    if (options.batchSize === undefined)
      throw new ConfigError(
        'fit: batchSize is required when data is a Dataset (or pass a DataLoader)',
      );
    positiveInt('batchSize', options.batchSize);
    loader = new DataLoader(data, {
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
      seed: options.seed ?? 0,
    });
  } else {
    throw new ConfigError(`fit: data must be a DataLoader or a Dataset, got ${fmt(data)}`);
  }
  if (loader.length === 0) {
    throw new ConfigError(
      `fit: the data loader yields no batches (${loader.numSamples} samples, batchSize ${loader.batchSize}, dropLast ${loader.dropLast})`,
    );
  }
  const evalLoader =
    options.evalData === undefined
      ? null
      : evalLoaderFor(
          options.evalData,
          positiveInt('evalBatchSize', options.evalBatchSize ?? 1000),
          'fit: evalData',
        );
  const logEvery = positiveInt(
    'logEvery',
    options.logEvery ?? Math.max(1, Math.round(loader.length / 10)),
  );
  const progress =
    options.log instanceof ProgressReporter
      ? options.log
      : new ProgressReporter({
          mode: options.silent === true ? 'silent' : (options.log ?? 'auto'),
          ...(options.write === undefined ? {} : { write: options.write }),
          every: logEvery,
        });

  // 1. Verify the checkpoint (nothing changes yet).
  let ckpt: Checkpoint | null = null;
  let applyCheckpoint: (() => void) | null = null;
  let savedFit: FitState | null = null;
  if (options.resumeFrom !== undefined) {
    let source = 'checkpoint';
    if (typeof options.resumeFrom === 'string') {
      source = options.resumeFrom;
      const { readCheckpoint } = await importNode<typeof import('./checkpoint-node.js')>(
        'resumeFrom',
        './checkpoint-node.js',
      );
      ckpt = readCheckpoint(options.resumeFrom);
    } else {
      ckpt = options.resumeFrom;
    }
    applyCheckpoint = prepareRestore(
      ckpt,
      { model, optimizer, loader, ...(evalLoader ? { evalLoader } : {}) },
      source,
      { allowNonFinite: options.allowNonFinite === true },
    );
    savedFit = checkFitState(ckpt.fit, metrics.length, source);
  }

  // 2. Open the run log (refuses a non-empty directory unless overwrite or resuming).
  let runLog: RunLog | null = null;
  if (options.runDir !== undefined) {
    if (typeof options.runDir === 'string') {
      const { RunDir } = await importNode<typeof import('./run-dir-node.js')>(
        'runDir',
        './run-dir-node.js',
      );
      runLog = RunDir.open(options.runDir, {
        overwrite: options.overwrite === true,
        resume: ckpt !== null,
      });
    } else if (
      options.runDir !== null &&
      typeof options.runDir === 'object' &&
      typeof options.runDir.appendMetrics === 'function'
    ) {
      runLog = options.runDir;
    } else {
      throw new ConfigError(
        `fit: runDir must be a directory path or a RunLog, got ${fmt(options.runDir)}`,
      );
    }
  } else if (checkpointEvery > 0 || ckptSeconds > 0) {
    throw new ConfigError(
      `fit: ${checkpointEvery > 0 ? 'checkpointEvery' : 'checkpointEverySeconds'} needs a runDir to write the checkpoints to`,
    );
  }

  // 3. Apply the checkpoint.
  let step = 0;
  let st: FitState = {
    epochBase: loader.epoch,
    lossSum: 0,
    samples: 0,
    metricSums: metrics.map(() => 0),
    nonFiniteSteps: 0,
    lastEvalStep: -1,
    lastMetrics: {},
    callbacks: [],
  };
  if (ckpt !== null && applyCheckpoint !== null) {
    applyCheckpoint();
    step = ckpt.step;
    if (savedFit !== null) {
      st = savedFit;
      if (savedFit.callbacks.length === callbacks.length) {
        callbacks.forEach((c, i) => {
          const s = savedFit?.callbacks[i];
          if (s !== null && s !== undefined && c.loadState) c.loadState(s);
        });
      } else if (savedFit.callbacks.length > 0) {
        progress.message(
          `fit: the checkpoint has states for ${savedFit.callbacks.length} callbacks but ${callbacks.length} were given; callback states not restored`,
        );
      }
    }
    runLog?.truncateAfter?.(step);
  }
  const startStep = step;
  const resumedFromStep = ckpt !== null ? ckpt.step : null;

  const loopCtl = loopControl();
  const control: TrainingControl = {
    model,
    optimizer,
    stop: (reason: string) => loopCtl.stop(reason),
    get stopped() {
      return loopCtl.stopped;
    },
    get stopReason() {
      return loopCtl.stopReason;
    },
  };
  const call = async (fn: () => void | Promise<void>): Promise<void> => {
    const r = fn();
    if (isThenable(r)) await r;
  };

  const epochsDone = (): number => loader.epoch - st.epochBase;
  // Batches of the current epoch already taken: every batch but an epoch's last is full.
  const remaining =
    (maxEpochs - epochsDone()) * loader.length - Math.ceil(loader.index / loader.batchSize);
  const totalSteps = Math.min(maxSteps, step + remaining);
  runLog?.writeConfig(
    toJsonSafe({
      format: 'gradscope.run',
      version: 1,
      startedAt: new Date().toISOString(),
      resumedFromStep,
      model: {
        class: model.constructor.name,
        numParameters: model.numParameters(),
        parameters: model.arena().offsets.map((s) => ({ name: s.name, shape: s.shape })),
        dtype: model.arena().dtype,
      },
      optimizer: { class: optimizer.constructor.name, lr: optimizer.lr ?? null },
      data: {
        samples: loader.numSamples,
        batchSize: loader.batchSize,
        batchesPerEpoch: loader.length,
        shuffle: loader.shuffle,
        dropLast: loader.dropLast,
      },
      evalData: evalLoader
        ? { samples: evalLoader.numSamples, batchSize: evalLoader.batchSize }
        : null,
      options: {
        epochs: options.epochs ?? null,
        steps: options.steps ?? null,
        evalEvery,
        logEvery,
        checkpointEvery,
        checkpointEverySeconds: ckptSeconds,
        metrics: metrics.map((m) => m.name),
        lossFn: options.lossFn ? options.lossFn.name || 'custom' : 'crossEntropy',
        callbacks: callbacks.length,
      },
      user: options.config ?? null,
    }),
  );

  const evalHistory: EvalRecord[] = [];
  const runEval = async (): Promise<Record<string, number>> => {
    if (evalLoader === null) return {};
    const r = evaluateWith(model, evalLoader, lossFn, metrics);
    const m: Record<string, number> = { 'val.loss': r.loss };
    for (const [k, v] of Object.entries(r.metrics)) m[`val.${k}`] = v;
    Object.assign(st.lastMetrics, m);
    st.lastEvalStep = step;
    const info = { step, epoch: epochsDone(), metrics: m };
    evalHistory.push({ step, epoch: info.epoch, metrics: { ...m } });
    progress.evaluation(step, m);
    for (const c of callbacks) if (c.onEval) await call(() => c.onEval?.(info, control));
    return m;
  };
  const trainMetrics = (): Record<string, number> => {
    const m: Record<string, number> = {
      'train.loss': st.samples > 0 ? st.lossSum / st.samples : NaN,
    };
    metrics.forEach(
      (mt, k) =>
        (m[`train.${mt.name}`] = st.samples > 0 ? (st.metricSums[k] as number) / st.samples : NaN),
    );
    return m;
  };
  const fitStateJson = (): JsonValue =>
    ({
      ...st,
      lastMetrics: toJsonSafe(st.lastMetrics),
      lossSum: toJsonSafe(st.lossSum),
      metricSums: st.metricSums.map((v) => toJsonSafe(v)),
      callbacks: callbacks.map((c) => (c.state ? c.state() : null)),
    }) as JsonValue;
  const writeCheckpoint = (): void => {
    if (runLog?.writeCheckpoint === undefined) return;
    const c = captureCheckpoint({
      model,
      optimizer,
      loader,
      ...(evalLoader ? { evalLoader } : {}),
      step,
      fit: fitStateJson(),
    });
    runLog.writeCheckpoint(encodeCheckpoint(c));
  };

  progress.start(totalSteps, step, logEvery);
  model.train();
  for (const c of callbacks) if (c.onTrainBegin) await call(() => c.onTrainBegin?.(control));

  let finalLoss = NaN;
  let epochT0 = performance.now();
  let epochIndex = 0;
  let batchIndex = 0;
  const fwd: { out: Tensor | null } = { out: null };
  // The one training step (src/train/loop.ts); fit adds epochs, evaluation, logging, checkpoints.
  const reuse = options.reuseBuffers ?? false;
  if (typeof reuse !== 'boolean')
    throw new ConfigError(`fit: reuseBuffers must be true or false, got ${fmt(reuse)}`);
  const loop = trainLoop<Batch>({
    optimizer,
    arena: reuse ? new StepArena() : null,
    monitor: options.monitor ?? null,
    control: loopCtl,
    startStep: step,
    steps: maxSteps,
    next: () => {
      epochIndex = epochsDone();
      batchIndex = Math.ceil(loader.index / loader.batchSize);
      return loader.nextBatch();
    },
    loss: (batch, s) => {
      const out = model.forward(batch.x);
      fwd.out = out;
      let lossT: Tensor;
      try {
        lossT = lossFn(out, batch.y);
      } catch (e) {
        if (e instanceof DataError) throw explainTargetError(e, batch, s);
        throw e;
      }
      if (lossT.size !== 1) {
        throw new ConfigError(
          `fit: lossFn must return a scalar (one-element) tensor, got shape ${fmt(lossT.shape)}`,
        );
      }
      return lossT;
    },
  });
  let interrupted = false;
  let lastYield = performance.now();
  let lastCheckpointAt = performance.now();
  while (loopCtl.stopReason === null && step < maxSteps && epochsDone() < maxEpochs) {
    if (signal !== undefined) {
      if (performance.now() - lastYield >= 50) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (signal.aborted) {
        interrupted = true;
        break;
      }
    }
    const next = loop.next();
    if (next.done === true) break;
    const { batch, loss, lr, events, nonFinite } = next.value;
    step = next.value.step;
    finalLoss = loss;
    if (nonFinite) st.nonFiniteSteps++;
    st.lossSum += loss * batch.size;
    st.samples += batch.size;
    for (let k = 0; k < metrics.length; k++) {
      st.metricSums[k] =
        (st.metricSums[k] as number) + (metrics[k] as Metric).sum(fwd.out as Tensor, batch.y);
    }
    const stepInfo = {
      step,
      epoch: epochIndex,
      batch: batchIndex,
      size: batch.size,
      loss,
      lr,
      nonFinite,
      events,
    };
    for (const c of callbacks) if (c.onStep) await call(() => c.onStep?.(stepInfo, control));
    progress.step(step, loss, lr, epochIndex);

    const logged: Record<string, number> = {};
    const epochEnded = epochsDone() > epochIndex;
    if (epochEnded) {
      const tm = trainMetrics();
      Object.assign(st.lastMetrics, tm);
      Object.assign(logged, tm);
      st.lossSum = 0;
      st.samples = 0;
      st.metricSums = metrics.map(() => 0);
      if (evalLoader !== null && (evalEvery === 'epoch' || step % evalEvery === 0))
        Object.assign(logged, await runEval());
      const timeMs = performance.now() - epochT0;
      epochT0 = performance.now();
      progress.epoch(epochsDone(), { ...tm, ...pick(st.lastMetrics, 'val.') }, timeMs);
      const info = { epoch: epochsDone(), step, metrics: { ...tm }, timeMs };
      for (const c of callbacks) if (c.onEpoch) await call(() => c.onEpoch?.(info, control));
    } else if (evalLoader !== null && evalEvery !== 'epoch' && step % evalEvery === 0) {
      Object.assign(logged, await runEval());
    }
    const last = loopCtl.stopped || step >= maxSteps || epochsDone() >= maxEpochs;
    if (last && evalLoader !== null && st.lastEvalStep !== step)
      Object.assign(logged, await runEval());
    if (runLog !== null && (step % logEvery === 0 || Object.keys(logged).length > 0 || last)) {
      runLog.appendMetrics(record(step, epochIndex, loss, lr, performance.now() - t0, logged));
    }
    // The last step's checkpoint is written after the callbacks' onTrainEnd, below.
    const endWrites = last && options.saveCheckpoint !== false;
    if (endWrites) continue;
    const now = performance.now();
    if (
      (checkpointEvery > 0 && step % checkpointEvery === 0) ||
      (ckptSeconds > 0 && now - lastCheckpointAt >= ckptSeconds * 1000)
    ) {
      writeCheckpoint();
      lastCheckpointAt = performance.now();
    }
  }
  progress.end();
  const stopReason = interrupted ? `interrupted at step ${step}` : loopCtl.stopReason;

  const elapsed = performance.now() - t0;
  const stepsThisRun = step - startStep;
  const partial = st.samples > 0 ? trainMetrics() : {};
  const summary: FitSummary = {
    steps: step,
    stepsThisRun,
    epochs: epochsDone(),
    finalLoss,
    metrics: { ...st.lastMetrics, ...partial },
    evalHistory,
    timeMs: elapsed,
    stepsPerSecond: elapsed > 0 ? (stepsThisRun * 1000) / elapsed : 0,
    stoppedEarly: stopReason !== null && !interrupted,
    stopReason,
    interrupted,
    nonFiniteSteps: st.nonFiniteSteps,
    resumedFromStep,
  };
  if (stopReason !== null) progress.message(`stopped: ${stopReason}`);
  if (interrupted) {
    // Paused, not ended: the checkpoint holds the state after step `step`, untouched by
    // end-of-training callbacks (e.g. early stopping's best-weights restore).
    if (runLog !== null) {
      writeCheckpoint();
      runLog.writeSummary(toJsonSafe(summary));
    }
    return summary;
  }
  for (const c of callbacks) if (c.onTrainEnd) await call(() => c.onTrainEnd?.(summary, control));
  if (runLog !== null) {
    if (options.saveCheckpoint !== false) writeCheckpoint();
    runLog.writeSummary(toJsonSafe(summary));
  }
  return summary;
}

function pick(m: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (k.startsWith(prefix)) out[k] = v;
  return out;
}

function record(
  step: number,
  epoch: number,
  loss: number,
  lr: number | undefined,
  ms: number,
  metrics: Record<string, number>,
): MetricsRecord {
  return {
    step,
    epoch,
    loss,
    lr: lr ?? null,
    time: Math.round(ms) / 1000,
    metrics: { ...metrics },
  };
}

async function importNode<T>(option: string, specifier: string): Promise<T> {
  // The specifier is a variable so that browser bundlers do not follow it into node:fs; in Node
  // (tsc output, tsx, vitest) it resolves next to this file.
  const url = new URL(specifier, import.meta.url).href;
  try {
    return (await import(/* @vite-ignore */ url)) as T;
  } catch (e) {
    throw new ConfigError(
      `fit: ${option} given as a path needs Node's file system (${(e as Error).message}); in a browser pass a RunLog / a parsed Checkpoint instead`,
    );
  }
}

function num(v: unknown): number {
  return decodeJsonNumber(v) ?? NaN;
}

function checkFitState(v: JsonValue | null, nMetrics: number, source: string): FitState {
  const bad = (what: string): never => {
    throw new CheckpointError(`${source}: fit state ${what}`);
  };
  // fit writes its loop state into every checkpoint; without it a resume cannot be exact.
  if (v === null)
    return bad(
      'is null; expected the loop state fit() saves (was this checkpoint saved outside fit?)',
    );
  if (typeof v !== 'object' || Array.isArray(v)) return bad(`is ${fmt(v)}; expected an object`);
  const r = v as Record<string, JsonValue>;
  const ints = ['epochBase', 'samples', 'nonFiniteSteps', 'lastEvalStep'] as const;
  for (const k of ints)
    if (typeof r[k] !== 'number' || !Number.isInteger(r[k]))
      bad(`${k} = ${fmt(r[k])} is not an integer`);
  const sums = r['metricSums'];
  if (!Array.isArray(sums) || sums.length !== nMetrics) {
    bad(
      `has ${Array.isArray(sums) ? sums.length : 'no'} metric sums but fit was given ${nMetrics} metrics (use the same metrics to resume)`,
    );
  }
  const last = r['lastMetrics'];
  const lastMetrics: Record<string, number> = {};
  if (last !== null && typeof last === 'object' && !Array.isArray(last)) {
    for (const [k, x] of Object.entries(last)) lastMetrics[k] = num(x);
  }
  const cbs = r['callbacks'];
  return {
    epochBase: r['epochBase'] as number,
    lossSum: num(r['lossSum']),
    samples: r['samples'] as number,
    metricSums: (sums as JsonValue[]).map(num),
    nonFiniteSteps: r['nonFiniteSteps'] as number,
    lastEvalStep: r['lastEvalStep'] as number,
    lastMetrics,
    callbacks: Array.isArray(cbs) ? cbs : [],
  };
}
