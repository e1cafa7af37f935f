// gradscope's runner: the public API only, as a user would write the training loop (nn layers,
// loadStateDict with the shared initial weights, optim.Optimizer over chain(clip, adam) or sgd,
// nn.crossEntropy, backward, step). The engine underneath is being optimised; this file must not
// reach below src/index.ts.
import { createRequire } from 'node:module';
import * as gs from '../../src/index.js';
import type { Bundle } from './bundle.js';
import type { RunRequest, Trainer } from './protocol.js';
import { labelsPerBatch, sizeOfShape, type WorkloadSpec } from './spec.js';

type Model = gs.nn.Module<[gs.Tensor], gs.Tensor>;

const pkgVersion = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/** The W3 (W6) network: a tanh RNN (an LSTM) over [T, B, I], its last hidden state into a Linear. */
class RnnClassifier extends gs.nn.Module {
  readonly rnn: gs.nn.RNN | gs.nn.LSTM;
  readonly fc: gs.nn.Linear;
  private readonly batch: number;
  private readonly hidden: number;

  constructor(
    inputSize: number,
    hiddenSize: number,
    classes: number,
    batch: number,
    lstm: boolean,
  ) {
    super();
    const cell = lstm
      ? new gs.nn.LSTM(inputSize, hiddenSize, { seed: 0 })
      : new gs.nn.RNN(inputSize, hiddenSize, { seed: 0 });
    this.rnn = this.registerModule('rnn', cell);
    this.fc = this.registerModule('fc', new gs.nn.Linear(hiddenSize, classes, { seed: 0 }));
    this.batch = batch;
    this.hidden = hiddenSize;
  }

  forward(x: gs.Tensor): gs.Tensor {
    const { hLast } = this.rnn.forward(x);
    return this.fc.forward(hLast.reshape([this.batch, this.hidden]));
  }
}

function buildModel(spec: WorkloadSpec): Model {
  const m = spec.model;
  switch (m.kind) {
    case 'mlp':
      return gs.nn.mlp({ sizes: m.sizes, activation: m.activation, seed: 0 });
    case 'rnn':
      return new RnnClassifier(m.inputSize, m.hiddenSize, m.classes, spec.batch, m.cell === 'lstm');
    case 'gpt':
      return gs.nn.gpt({
        vocab: m.vocab,
        context: m.context,
        layers: m.layers,
        heads: m.heads,
        embed: m.embed,
        norm: 'pre',
        activation: 'geluTanh',
        seed: 0,
        dtype: 'float32',
      }) as unknown as Model;
    case 'cnn': {
      const [c1, c2] = m.channels;
      const flat = c2 * (m.image / m.pool / m.pool) ** 2;
      return new gs.nn.Sequential(
        new gs.nn.Conv2d(1, c1, m.kernel, { padding: m.padding, seed: 0 }),
        new gs.nn.ReLU(),
        new gs.nn.MaxPool2d(m.pool),
        new gs.nn.Conv2d(c1, c2, m.kernel, { padding: m.padding, seed: 0 }),
        new gs.nn.ReLU(),
        new gs.nn.MaxPool2d(m.pool),
        new gs.nn.Flatten(),
        new gs.nn.Linear(flat, m.classes, { seed: 0 }),
      );
    }
  }
}

/** PyTorch's name → gradscope's (RNN parameters are camelCased: weight_ih_l0 → weightIh_l0). */
function gradscopeName(torchName: string): string {
  return torchName.replace(
    /\.(weight|bias)_(ih|hh)_l(\d+)$/,
    (_, kind: string, g: string, k: string) => `.${kind}${g === 'ih' ? 'Ih' : 'Hh'}_l${k}`,
  );
}

function makeTx(spec: WorkloadSpec): gs.optim.GradientTransformation<unknown> {
  const o = spec.optimizer;
  const opt =
    o.kind === 'adam'
      ? gs.optim.adam({ lr: o.lr, b1: o.b1, b2: o.b2, eps: o.eps })
      : gs.optim.sgd({ lr: o.lr, momentum: o.momentum });
  // W1m: the monitor first (its defaults: gradient statistics every step, parameter norms and
  // update ratios every 10th), then the clip, then the optimizer
  if (spec.monitor === true)
    return (
      spec.clipNorm === null
        ? gs.optim.chain(gs.monitor.gradientHealth(), opt)
        : gs.optim.chain(gs.monitor.gradientHealth(), gs.clip.byGlobalNorm(spec.clipNorm), opt)
    ) as gs.optim.GradientTransformation<unknown>;
  return (
    spec.clipNorm === null ? opt : gs.optim.chain(gs.clip.byGlobalNorm(spec.clipNorm), opt)
  ) as gs.optim.GradientTransformation<unknown>;
}

/** The engine's thread control, as far as it exists. */
export interface GradscopeThreads {
  set(n: number): void;
  /** Starts the workers; resolves to the threads large GEMMs then run on. */
  init(): Promise<number>;
  /** Why fewer threads run than asked for, if the engine says. */
  reason(): string | undefined;
}

/**
 * Thread control, if the engine has one (`setThreads` at the top level or in `kernels`): looked up
 * by name so that this runner compiles and runs whether or not the option exists yet. Null when
 * there is none, and then gradscope's 2-thread column is n/a.
 */
export function gradscopeThreads(): GradscopeThreads | null {
  for (const ns of [gs, gs.kernels] as unknown as Record<string, unknown>[]) {
    const set = ns['setThreads'];
    if (typeof set !== 'function') continue;
    const init = ns['initThreads'];
    const info = ns['threadsInfo'];
    return {
      set: (n) => (set as (n: number) => void)(n),
      init: async () =>
        typeof init === 'function' ? await (init as () => Promise<number>)() : Number.NaN,
      reason: () =>
        typeof info === 'function' ? (info as () => { reason?: string })().reason : undefined,
    };
  }
  return null;
}

/**
 * Which kernels gradscope runs here and why, one line (threadsInfo().backend), e.g. 'native
 * (AVX2+FMA, 2 threads)' or 'wasm (native addon not built: no C compiler)'.
 */
export function gradscopeKernels(): string {
  return gs.kernels.threadsInfo().backend;
}

/** Builds gradscope's trainer for the workload in `bundle`. */
export async function gradscopeTrainer(
  bundle: Bundle,
  req: RunRequest,
): Promise<{ trainer: Trainer; version: string; notes: string[] }> {
  const notes: string[] = [];
  const threads = gradscopeThreads();
  if (threads === null) {
    if (req.threads !== 1) throw new Error('the engine has no thread option yet (n/a)');
  } else {
    threads.set(req.threads);
  }
  await gs.initKernels();
  const spec = bundle.spec;
  const model = buildModel(spec);
  const init: Record<string, gs.nn.TensorData> = {};
  for (const p of spec.params)
    init[gradscopeName(p.name)] = { shape: p.shape, data: bundle.f32(p.name) };
  model.loadStateDict(init); // strict: every parameter must be matched by name and shape
  const xs: gs.Tensor[] = [];
  const ys: Int32Array[] = [];
  const x = bundle.f32('x');
  const y = bundle.i32('y');
  const per = sizeOfShape(spec.xShape);
  const perY = labelsPerBatch(spec);
  for (let k = 0; k < spec.distinctBatches; k++) {
    xs.push(new gs.Tensor(x.subarray(k * per, (k + 1) * per), spec.xShape));
    ys.push(y.subarray(k * perY, (k + 1) * perY));
  }
  const classes = spec.classes;
  // GRADSCOPE_ARENA=0 trains without buffer reuse (for A/B runs; the bits are the same)
  const arena = process.env['GRADSCOPE_ARENA'] === '0' ? null : new gs.StepArena();
  let opt = new gs.optim.Optimizer(model, makeTx(spec));
  const trainer: Trainer = {
    reset() {
      model.loadStateDict(init);
      opt = new gs.optim.Optimizer(model, makeTx(spec));
    },
    step(i) {
      const k = i % spec.distinctBatches;
      // one step in the arena: its tape's buffers are reused by the next step (issue 22)
      const body = (): number => {
        opt.zeroGrad();
        const out = model.forward(xs[k]!);
        const logits = out.ndim === 3 ? out.reshape([perY, classes]) : out;
        const loss = gs.nn.crossEntropy(logits, ys[k]!);
        loss.backward();
        const value = loss.item();
        opt.step({ loss: value });
        return value;
      };
      return arena === null ? body() : arena.step(body);
    },
  };
  const wasm = gs.wasmKernelsAvailable();
  if (!wasm) notes.push('WebAssembly kernels unavailable: run `npm run build:wasm`');
  if (threads !== null) {
    const active = await threads.init();
    if (Number.isFinite(active) && active !== req.threads)
      notes.push(
        `asked for ${req.threads} threads, large GEMMs run on ${active} (${threads.reason() ?? 'no reason given'})`,
      );
  }
  const kernels = `kernels ${gs.getKernels()}: ${gradscopeKernels()}${wasm ? '' : ', no wasm'}`;
  const t = `${req.threads} thread${req.threads > 1 ? 's' : ''}`;
  return { trainer, version: `gradscope ${pkgVersion} (src, ${kernels}, ${t})`, notes };
}
