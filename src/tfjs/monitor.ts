import type {
  CustomCallbackArgs,
  LayersModel,
  Logs,
  NamedTensorMap,
  Optimizer,
  Scalar,
  Tensor as TfTensor,
  Variable,
} from '@tensorflow/tfjs';
import { ConfigError, fmt } from '../errors.js';
import { ActivationProbes } from '../monitor/activation-probe.js';
import { DETECTORS } from '../monitor/detector-table.js';
import {
  RECORD_FORMAT,
  RECORD_VERSION,
  statsRecord,
  toJsonLine,
  verdictRecord,
  type HeaderRecord,
} from '../monitor/records.js';
import { createReplayer, type Replayer } from '../monitor/replay.js';
import { addProbe, createHealthStateFor, type HealthState } from '../monitor/state.js';
import { createStatsFor, measureGradients } from '../monitor/stats.js';
import { resolveThresholds, type HealthThresholds } from '../monitor/thresholds.js';
import type { Verdict, VerdictKind } from '../monitor/types.js';
import type { Params } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { tfLayout, type TfLayout, type TfLayer } from './layout.js';

/** Options of {@link tfjsMonitor}. */
export interface TfjsMonitorOptions {
  /** The model (a tf.LayersModel, e.g. tf.sequential); its layers run from input to output. */
  model: LayersModel;
  /** Node: the run directory to write the records to (created; the file is appended to). */
  out?: string;
  /** File name in `out` (default 'records.jsonl'). */
  file?: string;
  /** Any environment: called with each record as one JSONL line (with its newline). */
  onRecord?: (line: string) => void;
  /** Called for each verdict as it is raised. */
  onVerdict?: (verdict: Verdict) => void;
  /** The learning rate (default: read from the optimizer's getConfig().learningRate). */
  lr?: number | (() => number | undefined);
  /** Overrides of the detector thresholds (monitor.DEFAULT_THRESHOLDS). */
  thresholds?: Partial<HealthThresholds>;
  /** Detectors on or off by kind (default: all but the opt-in lossSpike). */
  detectors?: Partial<Record<VerdictKind, boolean>>;
  /** Also raise 'resolved' verdicts (default false). */
  emitResolved?: boolean;
}

/** The TF.js monitor: the records of every step and the monitor's verdicts, live. */
export interface TfjsMonitor {
  /**
   * A `model.fit` callback: `model.fit(x, y, { callbacks: [gs.callback()] })`. While fit runs,
   * the model's optimizer's `applyGradients` is wrapped to read each step's gradients and weights
   * before the update (fit exposes no gradients otherwise); the step's record is completed with
   * the batch loss at `onBatchEnd`.
   */
  callback(): CustomCallbackArgs;
  /**
   * One step of a custom training loop: `optimizer.computeGradients(f, varList)`, the record
   * (gradients and weights before the update, activations of the forward pass), then
   * `optimizer.applyGradients`. Returns the loss and the verdicts raised at this step.
   */
  trainStep(optimizer: Optimizer, f: () => Scalar, varList?: Variable[]): StepResult;
  /**
   * Records a step whose gradients you computed yourself (e.g. `optimizer.computeGradients`):
   * call it before `applyGradients`. Activations are probed on forward passes run with
   * `{training: true}` since the last step.
   */
  observe(grads: NamedTensorMap, loss: number, lr?: number): Verdict[];
  /** Every verdict so far (remedies phrased for TF.js). */
  readonly verdicts: readonly Verdict[];
  /** Steps recorded. */
  readonly steps: number;
  /** Removes the layer patches and closes the records file. */
  close(): void;
}

/** What {@link TfjsMonitor.trainStep} returns. */
export interface StepResult {
  loss: number;
  verdicts: Verdict[];
}

type Sink = { write(record: object, line: string): void; close(): void };

/** The Node writer of `out` (loaded only when `out` is given, so that browsers never load node:fs). */
async function fileSink(dir: string, file: string): Promise<Sink> {
  const url = new URL('../monitor/jsonl-writer-node.js', import.meta.url).href;
  let mod: typeof import('../monitor/jsonl-writer-node.js');
  try {
    mod = (await import(
      /* @vite-ignore */ url
    )) as typeof import('../monitor/jsonl-writer-node.js');
  } catch (e) {
    throw new ConfigError(
      `tfjsMonitor: option out needs Node's file system (${(e as Error).message}); in a browser pass onRecord instead`,
    );
  }
  const w = mod.createJsonlWriter(dir, file);
  return {
    write: (record) => w.append(record as Record<string, unknown>),
    close: () => w.close(),
  };
}

function readLr(optimizer: Optimizer | null): number {
  const c = optimizer?.getConfig() as { learningRate?: unknown } | undefined;
  return typeof c?.learningRate === 'number' ? c.learningRate : NaN;
}

function named(grads: NamedTensorMap | { name: string; tensor: TfTensor }[]): NamedTensorMap {
  if (!Array.isArray(grads)) return grads;
  const out: NamedTensorMap = {};
  for (const g of grads) out[g.name] = g.tensor;
  return out;
}

/**
 * The gradient-health monitor for TensorFlow.js models: writes the same records as gradscope's
 * own monitor (format "gradscope.monitor", framework "tfjs"; docs/records.md) and raises the same
 * verdicts live, by feeding each record to the monitor's detector table (`createReplayer`) — the
 * statistics come from the same code too (`measureGradients`, the activation probes). So
 * `gradscope diagnose runs/x` later gives exactly the verdicts seen during training.
 *
 * Limits: `model.fit` does not expose gradients, so the callback wraps the optimizer's
 * `applyGradients` while fit runs (the gradient it sees is the one the optimizer applies); every
 * step is measured (gradients, weights and activations are read back with dataSync, which costs
 * a GPU→CPU copy per tensor on the WebGL backend); activations are probed on layers whose output
 * is a ReLU, tanh or sigmoid (a Dense layer's `activation`, Activation and ReLU layers).
 * @example
 * const gs = await tfjsMonitor({ model, out: 'runs/e12-tfjs' });
 * await model.fit(xs, ys, { epochs: 1, batchSize: 32, callbacks: [gs.callback()] });
 * gs.close(); // then: gradscope diagnose runs/e12-tfjs
 */
export async function tfjsMonitor(options: TfjsMonitorOptions): Promise<TfjsMonitor> {
  if (options === null || typeof options !== 'object')
    throw new ConfigError(`tfjsMonitor: options = ${fmt(options)} is not an object`);
  const { model } = options;
  if (model === undefined)
    throw new ConfigError('tfjsMonitor: option model is missing; expected a tf.LayersModel');
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out === ''))
    throw new ConfigError(`tfjsMonitor: option out = ${fmt(options.out)} is not a directory path`);
  const sinks: Sink[] = [];
  if (options.out !== undefined)
    sinks.push(await fileSink(options.out, options.file ?? 'records.jsonl'));
  if (options.onRecord !== undefined) {
    const fn = options.onRecord;
    sinks.push({ write: (_r, line) => fn(line), close: () => undefined });
  }
  const th = resolveThresholds(options.thresholds);
  const enabled = Object.fromEntries(
    Object.entries(DETECTORS).map(([k, d]) => [
      k,
      options.detectors?.[k as VerdictKind] ?? (d as { optIn?: boolean }).optIn !== true,
    ]),
  ) as Record<VerdictKind, boolean>;

  let layout: TfLayout | null = null;
  let s: HealthState | null = null;
  let replayer: Replayer | null = null;
  const probes = new ActivationProbes();
  probes.armed = false;
  const patched: { layer: TfLayer; call: TfLayer['call'] }[] = [];
  const verdicts: Verdict[] = [];
  let lines = 0;
  let inStep = false;
  let pending = false;

  const write = (record: object): void => {
    lines++;
    const line = toJsonLine(record as Record<string, unknown>);
    for (const k of sinks) k.write(record, line);
  };

  /** Lays out the model (its weights exist once it is built), patches the probed layers, writes the header. */
  const start = (): HealthState => {
    if (s !== null) return s;
    layout = tfLayout(model);
    const specs = layout.params.map((p) => ({
      name: p.name,
      shape: p.shape,
      dtype: p.dtype === 'float32' ? ('float32' as const) : ('float64' as const),
    }));
    s = createHealthStateFor(createStatsFor(specs, false, true), th);
    const state = s;
    for (const pr of layout.probes) {
      const probe = probes.add(pr.layer.name, pr.kind, pr.paramLayer);
      addProbe(state, probe);
      const layer = pr.layer;
      const call = layer.call;
      patched.push({ layer, call });
      layer.call = function (this: TfLayer, inputs, kwargs) {
        const out = call.call(this, inputs, kwargs);
        if (inStep || kwargs?.['training'] === true) {
          const t = Array.isArray(out) ? out[0] : out;
          if (t !== undefined) probes.record(probe, t.dataSync(), t.shape[t.shape.length - 1] ?? 1);
        }
        return out;
      };
    }
    probes.armed = true;
    const header: HeaderRecord = {
      type: 'header',
      format: RECORD_FORMAT,
      version: RECORD_VERSION,
      framework: 'tfjs',
      model: {
        name: model.name,
        numParameters: specs.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
        summary: layout.summary,
      },
      params: layout.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: p.dtype })),
      layers: [...state.stats.layerNames],
      every: 1,
      thresholds: { ...th },
      detectors: { ...enabled },
      emitResolved: options.emitResolved ?? false,
    };
    write(header);
    replayer = createReplayer(header);
    return state;
  };

  /** The measure half: gradients and weights before the update (the snapshot gives the last update). */
  const measure = (grads: NamedTensorMap): void => {
    const state = start();
    const lay = layout as TfLayout;
    const st = state.stats;
    const g: Params = {};
    const p: Params = {};
    for (const q of lay.params) {
      const gt = grads[q.tfName];
      const n = q.shape.reduce((a, b) => a * b, 1);
      g[q.name] = new Tensor(
        gt === undefined ? new Float32Array(n) : Float32Array.from(gt.dataSync()),
        q.shape,
      );
      p[q.name] = new Tensor(Float32Array.from(q.read().dataSync()), q.shape);
    }
    const step = state.step + 1;
    const withUpdate = st.snapshotStep === step - 1;
    const gradOfUpdate = withUpdate ? st.snapshotGradNorm : NaN;
    measureGradients(st, g, p, {
      withUpdate,
      takeSnapshot: true,
      prevValid: false,
      readParams: true,
    });
    st.updateGradNorm = gradOfUpdate;
    st.snapshotStep = step;
    st.snapshotGradNorm = st.totalGradNorm;
    state.step = step;
    pending = true;
  };

  /** The record of the measured step, with its loss; its verdicts from the detector table. */
  const finish = (loss: number, lr: number): Verdict[] => {
    const state = s as HealthState;
    pending = false;
    probes.finalize(th.deadWindow, state.probes);
    state.checks++;
    state.lastCheck = state.step;
    state.loss = loss;
    state.lr = lr;
    state.finite = state.stats.totalNonFinite > 0 || !Number.isFinite(loss) ? 0 : 1;
    const rec = statsRecord(state, { params: true, probes: probes.probes });
    write(rec);
    const raised = (replayer as Replayer).push(rec, lines);
    for (const v of raised) {
      verdicts.push(v);
      write(verdictRecord(v));
      options.onVerdict?.(v);
    }
    return raised;
  };

  const lrOf = (optimizer: Optimizer | null): number => {
    const v = typeof options.lr === 'function' ? options.lr() : options.lr;
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : readLr(optimizer);
  };

  // a built model is laid out and its activations hooked now, so the first step's forward pass
  // is probed whichever way the steps come (fit, trainStep or observe)
  if (model.trainableWeights.length > 0) start();

  const monitor: TfjsMonitor = {
    callback() {
      let original: Optimizer['applyGradients'] | null = null;
      let optimizer: Optimizer | null = null;
      return {
        onTrainBegin: () => {
          start();
          optimizer = (model as { optimizer?: Optimizer }).optimizer ?? null;
          if (optimizer === null)
            throw new ConfigError(
              'gradscope/tfjs callback: the model has no optimizer (compile it first)',
            );
          const apply = optimizer.applyGradients.bind(optimizer);
          original = optimizer.applyGradients;
          optimizer.applyGradients = (vg) => {
            measure(named(vg));
            apply(vg);
          };
        },
        onBatchEnd: (_batch: number, logs?: Logs) => {
          if (!pending) return;
          const loss = logs?.['loss'];
          finish(typeof loss === 'number' ? loss : NaN, lrOf(optimizer));
        },
        onTrainEnd: () => {
          if (optimizer !== null && original !== null) optimizer.applyGradients = original;
          original = null;
        },
      };
    },
    trainStep(optimizer, f, varList) {
      start();
      inStep = true;
      let value: Scalar;
      let grads: NamedTensorMap;
      try {
        ({ value, grads } = optimizer.computeGradients(f, varList));
      } finally {
        inStep = false;
      }
      const loss = value.dataSync()[0] as number;
      measure(grads);
      const raised = finish(loss, lrOf(optimizer));
      optimizer.applyGradients(grads);
      value.dispose();
      for (const t of Object.values(grads)) t.dispose();
      return { loss, verdicts: raised };
    },
    observe(grads, loss, lr) {
      measure(grads);
      return finish(loss, lr !== undefined && lr > 0 ? lr : lrOf(null));
    },
    get verdicts() {
      return verdicts;
    },
    get steps() {
      return s?.step ?? 0;
    },
    close() {
      for (const { layer, call } of patched) layer.call = call;
      patched.length = 0;
      for (const k of sinks) k.close();
      sinks.length = 0;
    },
  };
  return monitor;
}
