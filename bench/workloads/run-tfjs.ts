// TensorFlow.js runner, cpu backend (`@tensorflow/tfjs`, plain JS) or wasm backend
// (`@tensorflow/tfjs-backend-wasm`, XNNPACK, SIMD, single-threaded binary: Node has no Web Workers).
// The model is written with tf ops on tf.variables in TensorFlow's layouts (dense kernels [in, out],
// NHWC convolutions), gradients by tf.variableGrads, updates by tf.train.adam / tf.train.momentum
// (the same update rules as PyTorch's Adam and SGD-with-momentum), global-norm clipping by hand
// with PyTorch's formula.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Bundle } from './bundle.js';
import { linearChwToHwcIn, oihwToHwio, transpose2d } from './convert.js';
import type { RunRequest, Trainer } from './protocol.js';
import { sizeOfShape, type WorkloadSpec } from './spec.js';

const require = createRequire(import.meta.url);

type Tf = typeof TF;

async function loadTf(backend: 'cpu' | 'wasm'): Promise<{ tf: Tf; version: string }> {
  let tf: Tf;
  try {
    tf = require('@tensorflow/tfjs') as Tf;
  } catch (e) {
    throw new Error(
      `@tensorflow/tfjs is not installed (${(e as Error).message.split('\n')[0]}); run npm install`,
    );
  }
  if (backend === 'cpu') {
    if (!(await tf.setBackend('cpu')) || tf.getBackend() !== 'cpu')
      throw new Error(`tf.setBackend('cpu') failed (backend is ${tf.getBackend()})`);
    await tf.ready();
    return { tf, version: `tfjs ${tf.version.tfjs} (cpu backend, 1 thread)` };
  }
  let wasm: { setWasmPaths(p: string): void; version_wasm: string };
  try {
    wasm = require('@tensorflow/tfjs-backend-wasm') as typeof wasm;
  } catch (e) {
    throw new Error(
      `@tensorflow/tfjs-backend-wasm is not installed (${(e as Error).message.split('\n')[0]}); run npm install`,
    );
  }
  // The non-threaded SIMD binary, read from node_modules (no fetch in Node).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  wasm.setWasmPaths(`${path.join(path.dirname(pkg), 'dist')}${path.sep}`);
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm')
    throw new Error(`tf.setBackend('wasm') failed (backend is ${tf.getBackend()})`);
  await tf.ready();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return {
    tf,
    version: `tfjs ${tf.version.tfjs} (wasm backend ${wasm.version_wasm}, ${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`,
  };
}

/** The initial value of each parameter in TensorFlow's layout, with its shape. */
function tfLayouts(bundle: Bundle): Map<string, { data: Float32Array; shape: number[] }> {
  const spec = bundle.spec;
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const p of spec.params) {
    const d = bundle.f32(p.name);
    const s = p.shape;
    if (s.length === 1) out.set(p.name, { data: d.slice(), shape: [...s] });
    else if (s.length === 4) {
      const [o, i, kh, kw] = s as [number, number, number, number];
      out.set(p.name, { data: oihwToHwio(d, o, i, kh, kw), shape: [kh, kw, i, o] });
    } else {
      const [rows, cols] = s as [number, number];
      const m = spec.model;
      if (m.kind === 'cnn' && p.name === '7.weight') {
        const c = m.channels[1];
        const hw = m.image / m.pool / m.pool;
        out.set(p.name, { data: linearChwToHwcIn(d, rows, c, hw, hw), shape: [cols, rows] });
      } else out.set(p.name, { data: transpose2d(d, rows, cols), shape: [cols, rows] });
    }
  }
  return out;
}

function makeOptimizer(tf: Tf, spec: WorkloadSpec): TF.Optimizer {
  const o = spec.optimizer;
  return o.kind === 'adam'
    ? tf.train.adam(o.lr, o.b1, o.b2, o.eps)
    : tf.train.momentum(o.lr, o.momentum);
}

/** Builds the TensorFlow.js trainer (backend from req.system). */
export async function tfjsTrainer(
  bundle: Bundle,
  req: RunRequest,
): Promise<{ trainer: Trainer; version: string; notes: string[] }> {
  if (req.threads !== 1) throw new Error('TensorFlow.js runs single-threaded in Node (n/a)');
  if (bundle.spec.monitor === true)
    throw new Error('n/a: this runner has no gradient-health monitor (W1m)');
  const { tf, version } = await loadTf(req.system === 'tfjs-wasm' ? 'wasm' : 'cpu');
  const spec = bundle.spec;
  const init = tfLayouts(bundle);
  const vars = new Map<string, TF.Variable>();
  for (const [name, v] of init) vars.set(name, tf.variable(tf.tensor(v.data, v.shape), true, name));
  const varList = [...vars.values()];
  const V = (name: string): TF.Variable => vars.get(name)!;

  // Batches as tf tensors, built once (not timed): x in the model's layout, y one-hot.
  const xAll = bundle.f32('x');
  const yAll = bundle.i32('y');
  const per = sizeOfShape(spec.xShape);
  const m = spec.model;
  if (m.kind === 'gpt')
    throw new Error('n/a: this runner has no Transformer (attention, LayerNorm) implementation');
  const xs: TF.Tensor[] = [];
  const ys: TF.Tensor[] = [];
  for (let k = 0; k < spec.distinctBatches; k++) {
    const xk = xAll.subarray(k * per, (k + 1) * per);
    // The CNN's input has one channel, so NCHW [B, 1, H, W] and NHWC [B, H, W, 1] are the same bits.
    const shape = m.kind === 'cnn' ? [spec.batch, m.image, m.image, 1] : [...spec.xShape];
    xs.push(tf.tensor(xk, shape));
    const yk = tf.tensor1d(yAll.subarray(k * spec.batch, (k + 1) * spec.batch), 'int32');
    ys.push(tf.oneHot(yk, spec.classes).toFloat());
    yk.dispose();
  }

  const logitsOf = (x: TF.Tensor): TF.Tensor => {
    switch (m.kind) {
      case 'mlp': {
        let h = x;
        const L = m.sizes.length - 1;
        for (let l = 0; l < L; l++) {
          h = tf.add(tf.matMul(h, V(`${2 * l}.weight`)), V(`${2 * l}.bias`));
          if (l < L - 1) h = m.activation === 'relu' ? tf.relu(h) : tf.tanh(h);
        }
        return h;
      }
      case 'rnn': {
        const { seqLen: T, inputSize: I, hiddenSize: H } = m;
        const B = spec.batch;
        // Input projection of all time steps in one GEMM (as PyTorch's nn.RNN does).
        const bias = tf.add(V('rnn.bias_ih_l0'), V('rnn.bias_hh_l0'));
        const proj = tf.add(tf.matMul(tf.reshape(x, [T * B, I]), V('rnn.weight_ih_l0')), bias);
        if (m.cell === 'lstm') {
          // PyTorch's nn.LSTM: gate columns i, f, g, o; h0 = c0 = 0.
          const steps = tf.unstack(tf.reshape(proj, [T, B, 4 * H]));
          let h: TF.Tensor | null = null;
          let c: TF.Tensor | null = null;
          for (let t = 0; t < T; t++) {
            const z =
              h === null ? steps[t]! : tf.add(steps[t]!, tf.matMul(h, V('rnn.weight_hh_l0')));
            const [i, f, g, o] = tf.split(z, 4, 1) as [TF.Tensor, TF.Tensor, TF.Tensor, TF.Tensor];
            const ig = tf.mul(tf.sigmoid(i), tf.tanh(g));
            c = c === null ? ig : tf.add(tf.mul(tf.sigmoid(f), c), ig);
            h = tf.mul(tf.sigmoid(o), tf.tanh(c));
          }
          return tf.add(tf.matMul(h!, V('fc.weight')), V('fc.bias'));
        }
        const steps = tf.unstack(tf.reshape(proj, [T, B, H]));
        let h = tf.tanh(steps[0]!); // h0 = 0
        for (let t = 1; t < T; t++)
          h = tf.tanh(tf.add(steps[t]!, tf.matMul(h, V('rnn.weight_hh_l0'))));
        return tf.add(tf.matMul(h, V('fc.weight')), V('fc.bias'));
      }
      case 'cnn': {
        const block = (h: TF.Tensor4D, w: string, b: string): TF.Tensor4D =>
          tf.maxPool(
            tf.relu(tf.add(tf.conv2d(h, V(w) as TF.Tensor4D, 1, 'same'), V(b))) as TF.Tensor4D,
            m.pool,
            m.pool,
            'valid',
          ) as TF.Tensor4D;
        const h = block(block(x as TF.Tensor4D, '0.weight', '0.bias'), '3.weight', '3.bias');
        const flat = tf.reshape(h, [spec.batch, -1]);
        return tf.add(tf.matMul(flat, V('7.weight')), V('7.bias'));
      }
    }
  };
  const lossOf = (k: number): TF.Scalar =>
    tf.neg(tf.mean(tf.sum(tf.mul(ys[k]!, tf.logSoftmax(logitsOf(xs[k]!))), 1))) as TF.Scalar;

  let opt = makeOptimizer(tf, spec);
  const clipNorm = spec.clipNorm;
  const trainer: Trainer = {
    reset() {
      for (const [name, v] of init) {
        const t = tf.tensor(v.data, v.shape);
        V(name).assign(t);
        t.dispose();
      }
      opt.dispose();
      opt = makeOptimizer(tf, spec);
    },
    step(i) {
      const k = i % spec.distinctBatches;
      const { value, grads } = tf.variableGrads(() => lossOf(k), varList);
      let g: TF.NamedTensorMap = grads;
      if (clipNorm !== null) {
        g = tf.tidy(() => {
          const names = Object.keys(grads);
          const total = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))));
          // PyTorch's clip_grad_norm_: g · min(1, c / (‖g‖ + 1e-6)).
          const coef = tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipNorm), tf.add(total, 1e-6)));
          const out: TF.NamedTensorMap = {};
          for (const n of names) out[n] = tf.mul(grads[n]!, coef);
          return out;
        });
        tf.dispose(grads);
      }
      opt.applyGradients(g);
      const loss = (value.dataSync() as Float32Array)[0] as number;
      value.dispose();
      tf.dispose(g);
      return loss;
    },
  };
  return { trainer, version, notes: [] };
}
