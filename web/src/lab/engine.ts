// The lab's training engine: builds the dataset, the network and the transformation chain
// (monitor first) from a LabConfig, and trains step by step. DOM-free: it runs in the Web
// Worker and in Node tests alike.
import {
  ConfigError,
  argmax,
  data,
  narrow,
  nn,
  noGrad,
  optim,
  reshape,
  schedule,
  softmax,
  tensor,
  train,
  Rng,
  type Tensor,
} from '../../../src/index.js';
import type { GradientTransformation } from '../../../src/optim/types.js';
import type { InitSpec } from '../../../src/init/initializer.js';
import type { ActivationName } from '../../../src/nn/activations.js';
import { buildClip, buildSchedule } from '../ui/transform-menus.js';
import { isSequence, isToy2d, type LabConfig } from './config.js';
import { gradientHealth, type GradientHealth } from './monitor-api.js';
import type { Verdict } from './monitor-types.js';

/** A probed activation module. */
export interface ProbeInfo {
  module: string;
  kind: string;
  layer: string;
}

/** What the UI needs to know once the run is built. */
export interface RunInfo {
  layers: string[];
  probes: ProbeInfo[];
  numParams: number;
  numClasses: number;
  inputDim: number;
  kind: 'classification' | 'regression';
  /** Plot bounds of 2-D sets [x0, x1, y0, y1], and their points (x, y, label). */
  bounds: [number, number, number, number] | null;
  points: { x: Float32Array; y: Int32Array } | null;
  description: string;
}

/** A batch of the lab's data: inputs and class labels or regression targets. */
interface LabBatch {
  x: Tensor;
  y: Tensor | Int32Array;
}

/** One step's numbers. */
export interface StepResult {
  loss: number;
  /** Batch accuracy (NaN for regression). */
  acc: number;
  lr: number;
  clipped: boolean;
  nonFinite: boolean;
}

/** The recurrent network of the sequence tasks: RNN/LSTM/GRU stack, then a linear head on the last step. */
class SequenceNet extends nn.Module {
  readonly rnn: nn.RNN | nn.LSTM | nn.GRU;
  readonly head: nn.Linear;

  constructor(
    cell: 'rnn' | 'lstm' | 'gru',
    input: number,
    hidden: number,
    layers: number,
    out: number,
    init: InitSpec | undefined,
    recurrentInit: InitSpec | undefined,
    rng: Rng,
  ) {
    super();
    const o = {
      numLayers: layers,
      rng,
      ...(init ? { init } : {}),
      ...(recurrentInit ? { recurrentInit } : {}),
    };
    const Cell = cell === 'lstm' ? nn.LSTM : cell === 'gru' ? nn.GRU : nn.RNN;
    this.rnn = this.registerModule('rnn', new Cell(input, hidden, o));
    this.head = this.registerModule('head', new nn.Linear(hidden, out, { rng }));
  }

  forward(x: Tensor): Tensor {
    const { output } = this.rnn.forward(x);
    const T = output.shape[0] as number;
    const last = narrow(output, 0, T - 1, 1);
    return this.head.forward(reshape(last, [output.shape[1] as number, output.shape[2] as number]));
  }
}

function initSpec(name: string): InitSpec | undefined {
  return name === 'default' ? undefined : (name as InitSpec);
}

/** The learning-rate schedule of the config, from the schedule registry (health-aware decay is a separate transformation). */
function lrSchedule(c: LabConfig): schedule.Schedule | number {
  // A constant lr stays a number (the optimizers' plain path); health-aware decay is chained.
  if (c.sched === 'constant' || c.sched === 'healthAware') return c.lr;
  return buildSchedule(c.sched, { lr: c.lr, steps: c.steps, gamma: c.gamma });
}

/** A lab menu entry as a registered optimizer (optim/registry.ts) with its preset options. */
interface LabOptimizer {
  readonly optimizer: optim.OptimizerName;
  readonly options: (c: LabConfig) => Record<string, unknown>;
}

const NONE = (): Record<string, unknown> => ({});

/** The lab's optimizer menu ids: each names a registered optimizer, lr and weight decay added. */
const LAB_OPTIMIZERS: Readonly<Record<string, LabOptimizer>> = {
  sgd: { optimizer: 'sgd', options: NONE },
  momentum: { optimizer: 'sgd', options: (c) => ({ momentum: c.mom }) },
  nesterov: {
    optimizer: 'sgd',
    options: (c) => ({ momentum: Math.max(c.mom, 1e-6), nesterov: true }),
  },
  ema: { optimizer: 'emaMomentum', options: (c) => ({ beta: Math.min(c.mom, 0.999) }) },
  adagrad: { optimizer: 'adagrad', options: NONE },
  rmsprop: { optimizer: 'rmsprop', options: NONE },
  adam: { optimizer: 'adam', options: NONE },
  adamw: { optimizer: 'adamw', options: NONE },
  lion: { optimizer: 'lion', options: NONE },
};

function optimizerOf(c: LabConfig): GradientTransformation<unknown> {
  const entry = LAB_OPTIMIZERS[c.opt];
  // An unknown id is an error, not silently Adam.
  if (entry === undefined)
    throw new ConfigError(
      `lab: opt = ${JSON.stringify(c.opt)} is not a known optimizer; expected one of ${Object.keys(LAB_OPTIMIZERS).join(', ')}`,
    );
  return optim.createOptimizer(entry.optimizer, {
    ...entry.options(c),
    lr: lrSchedule(c),
    weightDecay: c.wd,
  });
}

function clipOf(c: LabConfig): GradientTransformation<unknown> | null {
  return buildClip(c.clip, c.clipv);
}

/** Grid side of the decision-boundary image. */
export const BOUNDARY_GRID = 72;

/** A training run of the lab. */
export class LabEngine {
  readonly info: RunInfo;
  readonly health: GradientHealth;
  readonly model: nn.Module;
  step = 0;
  /** Per-layer ‖g‖ at the last check (layers in `info.layers` order). */
  readonly layerNorms: Float64Array;
  /** Per-probe saturation (tanh/sigmoid) or dead fraction (ReLU) at the last check. */
  readonly saturation: Float64Array;
  private readonly opt: optim.Optimizer<unknown>;
  private readonly rng: Rng;
  private readonly loader: data.DataLoader | null;
  private iter: Iterator<data.Batch> | null = null;
  private readonly evalSet: data.Dataset | null;
  /** The library's training loop, stepped one `next()` per trainStep (from the worker's frames). */
  private readonly loop: Generator<train.LoopStep<LabBatch>, train.LoopEnd>;
  /** The last step's network output (for its accuracy). */
  private out: Tensor | null = null;

  private constructor(
    readonly config: LabConfig,
    model: nn.Module,
    dataset: data.Dataset | null,
    evalSet: data.Dataset | null,
    info: Omit<RunInfo, 'layers' | 'probes' | 'numParams'>,
    onVerdict: (v: Verdict) => void,
  ) {
    this.model = model;
    this.rng = new Rng(config.seed + 1);
    this.evalSet = evalSet;
    this.loader = dataset
      ? new data.DataLoader(dataset, {
          batchSize: Math.min(config.batch, dataset.length),
          seed: config.seed + 2,
        })
      : null;
    this.health = gradientHealth({ model, onVerdict, lr: config.lr });
    const parts: GradientTransformation<unknown>[] = [
      this.health as GradientTransformation<unknown>,
    ];
    const cl = clipOf(config);
    if (cl) parts.push(cl);
    parts.push(optimizerOf(config));
    if (config.sched === 'healthAware')
      parts.push(schedule.healthAwareDecay() as GradientTransformation<unknown>);
    let tx: GradientTransformation<unknown> = optim.chain(...parts);
    if (config.skipnf) tx = optim.skipNonFinite(tx) as GradientTransformation<unknown>;
    this.opt = new optim.Optimizer(model, tx);
    this.health.setLr(() => this.opt.lr);
    this.loop = train.trainLoop<LabBatch>({
      optimizer: this.opt,
      monitor: this.health,
      steps: Infinity,
      next: () => this.batch(),
      loss: ({ x, y }) => {
        this.model.train();
        this.out = this.model.forward(x);
        return this.lossOf(this.out, y);
      },
    });
    const st = this.health.state;
    const layers = st ? [...st.stats.layerNames] : [];
    const probes = this.health.probes.map((p) => ({
      module: p.module,
      kind: p.kind,
      layer: p.layer,
    }));
    this.layerNorms = new Float64Array(layers.length).fill(NaN);
    this.saturation = new Float64Array(probes.length).fill(NaN);
    this.info = { ...info, layers, probes, numParams: model.numParameters() };
    this.health.onStats((s, h) => {
      this.layerNorms.set(s.stats.layerGradNorm.subarray(0, this.layerNorms.length));
      h.probes.forEach((p, i) => {
        if (i < this.saturation.length)
          this.saturation[i] = p.kind === 'relu' ? p.deadFraction : p.saturation;
      });
    });
  }

  /**
   * Builds data, network and chain. MNIST comes from `loadMnist` (the worker fetches the site's
   * digit files; Node tests pass `data.loadMnist`), the only async part.
   */
  static async create(
    c: LabConfig,
    onVerdict: (v: Verdict) => void,
    loadMnist?: () => Promise<data.MnistSplit>,
  ): Promise<LabEngine> {
    const rng = new Rng(c.seed);
    const init = initSpec(c.init);
    if (isSequence(c.data)) {
      const I = c.data === 'addition' ? 2 : 6;
      const out = c.data === 'addition' ? 1 : 4;
      const cell = c.arch === 'mlp' ? 'rnn' : c.arch;
      const model = new SequenceNet(
        cell,
        I,
        c.width,
        c.depth,
        out,
        init,
        c.rinit === 'orthogonal' ? 'orthogonal' : undefined,
        rng,
      );
      return new LabEngine(
        c,
        model,
        null,
        null,
        {
          numClasses: out,
          inputDim: I,
          kind: c.data === 'addition' ? 'regression' : 'classification',
          bounds: null,
          points: null,
          description: `${cell.toUpperCase()} ${c.depth}×${c.width} on ${c.data === 'addition' ? 'the adding problem' : 'temporal order'}, T = ${c.T}`,
        },
        onVerdict,
      );
    }
    let train: data.Dataset;
    let evalSet: data.Dataset;
    let bounds: RunInfo['bounds'] = null;
    let points: RunInfo['points'] = null;
    let numClasses: number;
    if (c.data === 'mnist') {
      if (!loadMnist) throw new Error('MNIST needs a loader (none was given)');
      const split = await loadMnist();
      train = split.train;
      evalSet = subset(split.test, 1000);
      numClasses = 10;
    } else {
      const set = data.toy2d(c.data as data.Toy2dName, c.seed, {
        numSamples: c.data === 'spiral' ? 100 : 300,
      });
      train = set;
      evalSet = set;
      numClasses = set.numClasses;
      bounds = boundsOf(set.x);
      points = { x: Float32Array.from(set.x), y: set.y };
    }
    const inputDim = train.featureShape.reduce((a, b) => a * b, 1);
    const sizes = [inputDim, ...Array.from({ length: c.depth }, () => c.width), numClasses];
    const model = nn.mlp({
      sizes,
      activation: c.act as ActivationName,
      init,
      norm: c.norm,
      residual: c.residual,
      rng,
    });
    return new LabEngine(
      c,
      model,
      train,
      evalSet,
      {
        numClasses,
        inputDim,
        kind: 'classification',
        bounds,
        points,
        description: `MLP ${sizes.join('-')} (${c.act}${c.norm !== 'none' ? `, ${c.norm}Norm` : ''}${c.residual ? ', residual' : ''}) on ${isToy2d(c.data) ? `${c.data} (${train.length} points)` : `MNIST (${train.length} training digits)`}`,
      },
      onVerdict,
    );
  }

  /** The next batch as (x, y). */
  private batch(): LabBatch {
    const c = this.config;
    if (!this.loader) {
      const b =
        c.data === 'addition'
          ? data.addition(c.batch, c.T, this.rng, { jitterLength: false })
          : data.temporalOrder(c.batch, c.T, this.rng);
      const x = tensor(b.x as Float32Array, { shape: b.xShape });
      const y = b.y instanceof Int32Array ? b.y : tensor(b.y as Float32Array, { shape: b.yShape });
      return { x, y };
    }
    let r = this.iter?.next();
    if (!r || r.done) {
      this.iter = this.loader[Symbol.iterator]();
      r = this.iter.next();
    }
    const b = r.value as data.Batch;
    return { x: b.x, y: b.y };
  }

  private lossOf(out: Tensor, y: Tensor | Int32Array): Tensor {
    return y instanceof Int32Array ? nn.crossEntropy(out, y) : nn.mse(out, y);
  }

  /** One training step (one step of the library's trainLoop). */
  trainStep(): StepResult {
    const r = this.loop.next();
    if (r.done === true) throw new Error('LabEngine: the training loop has ended');
    const { batch, loss, lr, events } = r.value;
    this.step = r.value.step;
    return {
      loss,
      acc: batch.y instanceof Int32Array ? accuracy(this.out as Tensor, batch.y) : NaN,
      lr: lr ?? this.config.lr,
      clipped: Boolean(events.clipped),
      nonFinite: Boolean(events.nonFinite),
    };
  }

  /** Loss and accuracy on the evaluation set (fresh fixed batch for sequence tasks). */
  evaluate(): { loss: number; acc: number } {
    const c = this.config;
    this.model.eval();
    try {
      return noGrad(() => {
        if (!this.evalSet) {
          const r = new Rng(c.seed + 99);
          const b =
            c.data === 'addition'
              ? data.addition(256, c.T, r, { jitterLength: false })
              : data.temporalOrder(256, c.T, r);
          const x = tensor(b.x as Float32Array, { shape: b.xShape });
          const out = this.model.forward(x);
          if (b.y instanceof Int32Array)
            return { loss: this.lossOf(out, b.y).item(), acc: accuracy(out, b.y) };
          return {
            loss: this.lossOf(out, tensor(b.y as Float32Array, { shape: b.yShape })).item(),
            acc: NaN,
          };
        }
        const s = this.evalSet;
        const x = tensor(s.x as Float32Array, { shape: [s.length, ...s.featureShape] });
        const out = this.model.forward(x);
        const y = s.y as Int32Array;
        return { loss: this.lossOf(out, y).item(), acc: accuracy(out, y) };
      });
    } finally {
      this.model.train();
    }
  }

  /** The predicted class and its probability (0–255) on a grid over the 2-D set's bounds. */
  boundary(): { cls: Uint8Array; conf: Uint8Array; side: number } | null {
    const b = this.info.bounds;
    if (!b) return null;
    const G = BOUNDARY_GRID;
    const grid = new Float32Array(2 * G * G);
    for (let j = 0; j < G; j++) {
      for (let i = 0; i < G; i++) {
        const k = j * G + i;
        grid[2 * k] = b[0] + ((i + 0.5) / G) * (b[1] - b[0]);
        grid[2 * k + 1] = b[3] - ((j + 0.5) / G) * (b[3] - b[2]);
      }
    }
    this.model.eval();
    try {
      return noGrad(() => {
        const out = this.model.forward(tensor(grid, { shape: [G * G, 2] }));
        const p = softmax(out, -1).data;
        const K = out.shape[1] as number;
        const cls = new Uint8Array(G * G);
        const conf = new Uint8Array(G * G);
        for (let k = 0; k < G * G; k++) {
          let best = 0;
          let bp = -1;
          for (let c = 0; c < K; c++) {
            const v = p[k * K + c] as number;
            if (v > bp) {
              bp = v;
              best = c;
            }
          }
          cls[k] = best;
          conf[k] = Number.isFinite(bp) ? Math.round(255 * bp) : 0;
        }
        return { cls, conf, side: G };
      });
    } finally {
      this.model.train();
    }
  }
}

function accuracy(out: Tensor, y: Int32Array): number {
  const pred = argmax(out, -1).data;
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : NaN;
}

function boundsOf(x: ArrayLike<number>): [number, number, number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < x.length; i += 2) {
    x0 = Math.min(x0, x[i] as number);
    x1 = Math.max(x1, x[i] as number);
    y0 = Math.min(y0, x[i + 1] as number);
    y1 = Math.max(y1, x[i + 1] as number);
  }
  const mx = 0.1 * (x1 - x0 || 1);
  const my = 0.1 * (y1 - y0 || 1);
  return [x0 - mx, x1 + mx, y0 - my, y1 + my];
}

function subset(s: data.Dataset, n: number): data.Dataset {
  const m = Math.min(n, s.length);
  const f = s.featureShape.reduce((a, b) => a * b, 1);
  return {
    x: s.x.subarray(0, m * f),
    featureShape: s.featureShape,
    y: (s.y as Int32Array).subarray(0, m),
    numClasses: s.numClasses ?? 10,
    length: m,
  };
}
