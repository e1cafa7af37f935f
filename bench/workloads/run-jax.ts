// jax-js runner (`@jax-js/jax`, wasm device, single-threaded in Node: it only spawns workers where
// Web Workers exist). The whole training step — loss, gradient (valueAndGrad), global-norm clipping
// and the Adam / SGD-momentum update written out with PyTorch's formulas — is one jit-compiled
// function, as a JAX user would write it. Dense kernels are [in, out]; the CNN stays NCHW with
// OIHW filters (lax.conv's convention, the bundle's own). The loss is read back every step: jax-js
// is lazy, and reading the loss is what makes the step actually run.
import type { Array as JaxArray } from '@jax-js/jax';
import type { Bundle } from './bundle.js';
import { transpose2d } from './convert.js';
import { packageVersion } from './package-version.js';
import type { RunRequest, Trainer } from './protocol.js';
import { sizeOfShape } from './spec.js';

type Jax = typeof import('@jax-js/jax');
type Tree = { [name: string]: JaxArray };

async function loadJax(): Promise<{ jax: Jax; version: string }> {
  // Node 20 has no `navigator`; jax-js reads it while probing devices.
  const g = globalThis as { navigator?: unknown };
  if (g.navigator === undefined) g.navigator = { hardwareConcurrency: 1, userAgent: 'node' };
  let jax: Jax;
  try {
    jax = await import('@jax-js/jax');
  } catch (e) {
    throw new Error(
      `@jax-js/jax is not installed (${(e as Error).message.split('\n')[0]}); run npm install`,
    );
  }
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm'))
    throw new Error(`jax-js: no wasm device (got ${devices.join(', ')})`);
  jax.defaultDevice('wasm');
  const version = packageVersion('@jax-js/jax') ?? '?';
  return { jax, version: `jax-js ${version} (wasm, jit, 1 thread)` };
}

/** Builds the jax-js trainer. */
export async function jaxTrainer(
  bundle: Bundle,
  req: RunRequest,
): Promise<{ trainer: Trainer; version: string; notes: string[] }> {
  if (req.threads !== 1) throw new Error('jax-js runs single-threaded in Node (n/a)');
  if (bundle.spec.monitor === true)
    throw new Error('n/a: this runner has no gradient-health monitor (W1m)');
  const { jax, version } = await loadJax();
  const { numpy: np, nn, lax, tree } = jax;
  const spec = bundle.spec;
  const m = spec.model;
  // Initial weights in jax's layout (kept as host data for reset).
  const init = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const p of spec.params) {
    const d = bundle.f32(p.name);
    if (m.kind === 'gpt' && p.name.endsWith('in_proj_weight')) {
      // PyTorch's packed [3E, E] q/k/v projection as three [E, E] kernels ([in, out]); Adam is
      // elementwise and clipping sums every square, so the split changes no update.
      const E = m.embed;
      const base = p.name.replace('in_proj_weight', '');
      ['q', 'k', 'v'].forEach((w, i) =>
        init.set(`${base}${w}.kernel`, {
          data: transpose2d(d.subarray(i * E * E, (i + 1) * E * E), E, E),
          shape: [E, E],
        }),
      );
    } else if (m.kind === 'gpt' && p.name.endsWith('in_proj_bias')) {
      const E = m.embed;
      const base = p.name.replace('in_proj_bias', '');
      ['q', 'k', 'v'].forEach((w, i) =>
        init.set(`${base}${w}.bias`, { data: d.slice(i * E, (i + 1) * E), shape: [E] }),
      );
    } else if (m.kind === 'gpt' && p.name === 'wpe.weight') {
      init.set(p.name, { data: d.slice(), shape: [...p.shape] }); // [T, E], added as is
    } else if (p.shape.length === 2) {
      const [rows, cols] = p.shape as [number, number];
      init.set(p.name, { data: transpose2d(d, rows, cols), shape: [cols, rows] });
    } else init.set(p.name, { data: d.slice(), shape: [...p.shape] });
  }
  const names = [...init.keys()];
  const fresh = (): Tree => {
    const t: Tree = {};
    for (const [n, v] of init) t[n] = np.array(v.data).reshape(v.shape);
    return t;
  };
  const zerosLike = (): Tree => {
    const t: Tree = {};
    for (const [n, v] of init) t[n] = np.zeros(v.shape);
    return t;
  };

  const xAll = bundle.f32('x');
  const yAll = bundle.i32('y');
  const per = sizeOfShape(spec.xShape);
  const xs: JaxArray[] = [];
  const ys: JaxArray[] = [];
  for (let k = 0; k < spec.distinctBatches; k++) {
    if (m.kind === 'gpt') {
      // Token ids and next-token labels as one-hot rows [B·T, V] (the embedding lookup is the
      // one-hot matrix times wte, whose gradient is the lookup's).
      const n = spec.batch * m.context;
      const ox = new Float32Array(n * m.vocab);
      const oy = new Float32Array(n * m.vocab);
      for (let i = 0; i < n; i++) {
        ox[i * m.vocab + (xAll[k * n + i] as number)] = 1;
        oy[i * m.vocab + (yAll[k * n + i] as number)] = 1;
      }
      xs.push(np.array(ox).reshape([n, m.vocab]));
      ys.push(np.array(oy).reshape([n, m.vocab]));
      continue;
    }
    xs.push(np.array(xAll.slice(k * per, (k + 1) * per)).reshape([...spec.xShape]));
    const oh = new Float32Array(spec.batch * spec.classes);
    for (let b = 0; b < spec.batch; b++)
      oh[b * spec.classes + (yAll[k * spec.batch + b] as number)] = 1;
    ys.push(np.array(oh).reshape([spec.batch, spec.classes]));
  }

  // Every argument is consumed (jax-js' ownership rule): a value used twice is passed as `.ref`.
  const logitsOf = (p: Tree, x: JaxArray): JaxArray => {
    switch (m.kind) {
      case 'mlp': {
        let h = x;
        const L = m.sizes.length - 1;
        for (let l = 0; l < L; l++) {
          h = np.matmul(h, p[`${2 * l}.weight`]!).add(p[`${2 * l}.bias`]!);
          if (l < L - 1) h = m.activation === 'relu' ? nn.relu(h) : np.tanh(h);
        }
        return h;
      }
      case 'rnn': {
        const { seqLen: T, inputSize: I, hiddenSize: H } = m;
        const B = spec.batch;
        const bias = p['rnn.bias_ih_l0']!.add(p['rnn.bias_hh_l0']!);
        const G = m.cell === 'lstm' ? 4 * H : H;
        const proj = np
          .matmul(x.reshape([T * B, I]), p['rnn.weight_ih_l0']!)
          .add(bias)
          .reshape([T, B, G]);
        const steps = np.unstack(proj, 0);
        const whh = p['rnn.weight_hh_l0']!;
        if (m.cell === 'lstm') {
          // PyTorch's nn.LSTM: gate columns i, f, g, o; h0 = c0 = 0.
          let h: JaxArray | null = null;
          let c: JaxArray | null = null;
          for (let t = 0; t < T; t++) {
            const z: JaxArray = h === null ? steps[t]! : steps[t]!.add(np.matmul(h, whh.ref));
            const [i, f, g, o] = np.split(z, 4, 1) as [JaxArray, JaxArray, JaxArray, JaxArray];
            const ig = nn.sigmoid(i).mul(np.tanh(g));
            if (c === null) f.dispose();
            c = c === null ? ig : nn.sigmoid(f).mul(c).add(ig);
            h = nn.sigmoid(o).mul(np.tanh(c.ref));
          }
          c!.dispose();
          whh.dispose();
          return np.matmul(h!, p['fc.weight']!).add(p['fc.bias']!);
        }
        let h = np.tanh(steps[0]!); // h0 = 0
        for (let t = 1; t < T; t++) h = np.tanh(steps[t]!.add(np.matmul(h, whh.ref)));
        whh.dispose();
        return np.matmul(h, p['fc.weight']!).add(p['fc.bias']!);
      }
      case 'cnn': {
        const B = spec.batch;
        const pad: [number, number][] = [
          [m.padding, m.padding],
          [m.padding, m.padding],
        ];
        const block = (
          h: JaxArray,
          w: JaxArray,
          b: JaxArray,
          c: number,
          size: number,
        ): JaxArray => {
          const y = nn.relu(lax.conv(h, w, [1, 1], pad).add(b.reshape([1, c, 1, 1])));
          const s = size / m.pool;
          return y.reshape([B, c, s, m.pool, s, m.pool]).max([3, 5]);
        };
        const [c1, c2] = m.channels;
        let h = block(x, p['0.weight']!, p['0.bias']!, c1, m.image);
        h = block(h, p['3.weight']!, p['3.bias']!, c2, m.image / m.pool);
        return np.matmul(h.reshape([B, -1]), p['7.weight']!).add(p['7.bias']!);
      }
      case 'gpt': {
        // gradscope's nn.gpt (= PyTorch's pre-LN TransformerEncoderLayer stack): x = wte[ids] +
        // wpe; per block x += attn(LN1(x)), x += W2·gelu_tanh(W1·LN2(x)); logits = LN_f(x)·wteᵀ.
        const { context: T, embed: E, heads: N, layers: L } = m;
        const B = spec.batch;
        const H = E / N;
        const ln = (h: JaxArray, w: JaxArray, b: JaxArray): JaxArray =>
          nn.standardize(h, -1, { epsilon: 1e-5 }).mul(w).add(b);
        const dense = (h: JaxArray, name: string): JaxArray =>
          np.matmul(h, p[`${name}.weight`]!).add(p[`${name}.bias`]!);
        const wte = p['wte.weight']!; // [E, V] (transposed)
        let h = np
          .matmul(x, wte.ref.transpose())
          .reshape([B, T, E])
          .add(p['wpe.weight']!)
          .reshape([B * T, E]);
        for (let l = 0; l < L; l++) {
          const b = `h.${l}`;
          const a = ln(h.ref, p[`${b}.norm1.weight`]!, p[`${b}.norm1.bias`]!);
          const proj = (w: string): JaxArray =>
            np
              .matmul(a.ref, p[`${b}.self_attn.${w}.kernel`]!)
              .add(p[`${b}.self_attn.${w}.bias`]!)
              .reshape([B, T, N, H]);
          const q = proj('q');
          const k = proj('k');
          const v = proj('v');
          a.dispose();
          // softmax(q·kᵀ/√H + causal mask)·v per head, [B, N, T, H] (jax-js' dotProductAttention
          // goes through einsum, whose parser needs iterator helpers that Node 20 lacks). The mask
          // adds −1e9 above the diagonal: exp underflows to exactly 0, as PyTorch's −inf.
          const scores = np
            .matmul(q.transpose([0, 2, 1, 3]), k.transpose([0, 2, 3, 1]))
            .mul(1 / Math.sqrt(H))
            .add(np.tri(T).sub(1).mul(1e9));
          const att = np
            .matmul(nn.softmax(scores, -1), v.transpose([0, 2, 1, 3]))
            .transpose([0, 2, 1, 3])
            .reshape([B * T, E]);
          h = h.add(dense(att, `${b}.self_attn.out_proj`));
          const f = ln(h.ref, p[`${b}.norm2.weight`]!, p[`${b}.norm2.bias`]!);
          h = h.add(
            dense(nn.gelu(dense(f, `${b}.linear1`), { approximate: true }), `${b}.linear2`),
          );
        }
        return np.matmul(ln(h, p['ln_f.weight']!, p['ln_f.bias']!), wte);
      }
    }
  };
  const lossFn = (p: Tree, x: JaxArray, y: JaxArray): JaxArray =>
    nn.logSoftmax(logitsOf(p, x), -1).mul(y).sum(-1).mean().neg();

  const o = spec.optimizer;
  const clipNorm = spec.clipNorm;
  // One compiled step: (params, state1, state2, x, y, hyper) → [params, state1, state2, loss].
  // Adam: state1 = m, state2 = v, hyper = [lr/(1−β1ᵗ), √(1−β2ᵗ)] (PyTorch's bias correction:
  // p −= lr/bc1 · m / (√v/√bc2 + ε)); SGD: state1 = momentum buffer, state2 unused.
  const stepFn = jax.jit(
    (p: Tree, s1: Tree, s2: Tree, x: JaxArray, y: JaxArray, hyper: JaxArray) => {
      const [loss, grads] = jax.valueAndGrad(lossFn)(tree.ref(p), x, y);
      let g = grads as Tree;
      if (clipNorm !== null) {
        let total: JaxArray | null = null;
        for (const n of names) {
          const sq = np.square(g[n]!.ref).sum();
          total = total === null ? sq : total.add(sq);
        }
        const coef = np.minimum(np.divide(clipNorm, np.sqrt(total!).add(1e-6)), 1);
        const scaled: Tree = {};
        for (const n of names) scaled[n] = g[n]!.mul(coef.ref);
        coef.dispose();
        g = scaled;
      }
      const np1: Tree = {};
      const ns1: Tree = {};
      const ns2: Tree = {};
      if (o.kind === 'adam') {
        const [a, c] = np.unstack(hyper, 0) as [JaxArray, JaxArray];
        for (const n of names) {
          const gn = g[n]!;
          const mt = s1[n]!.mul(o.b1).add(gn.ref.mul(1 - o.b1));
          const vt = s2[n]!.mul(o.b2).add(np.square(gn).mul(1 - o.b2));
          const upd = mt.ref.mul(a.ref).div(np.sqrt(vt.ref).div(c.ref).add(o.eps));
          np1[n] = p[n]!.sub(upd);
          ns1[n] = mt;
          ns2[n] = vt;
        }
        a.dispose();
        c.dispose();
      } else {
        hyper.dispose();
        for (const n of names) {
          // PyTorch: buf ← μ·buf + g (buf starts at 0, so the first step is buf = g); p ← p − lr·buf.
          const buf = s1[n]!.mul(o.momentum).add(g[n]!);
          np1[n] = p[n]!.sub(buf.ref.mul(o.lr));
          ns1[n] = buf;
          ns2[n] = s2[n]!;
        }
      }
      return [np1, ns1, ns2, loss] as [Tree, Tree, Tree, JaxArray];
    },
  );

  let params = fresh();
  let s1 = zerosLike();
  let s2 = zerosLike();
  let t = 0;
  const trainer: Trainer = {
    reset() {
      tree.dispose(params);
      tree.dispose(s1);
      tree.dispose(s2);
      params = fresh();
      s1 = zerosLike();
      s2 = zerosLike();
      t = 0;
    },
    step(i) {
      const k = i % spec.distinctBatches;
      t++;
      const hyper =
        o.kind === 'adam'
          ? np.array(new Float32Array([o.lr / (1 - o.b1 ** t), Math.sqrt(1 - o.b2 ** t)]))
          : np.array(new Float32Array([0, 0]));
      const [p2, a2, b2, loss] = stepFn(params, s1, s2, xs[k]!.ref, ys[k]!.ref, hyper);
      params = p2;
      s1 = a2;
      s2 = b2;
      const value = loss.item();
      if (loss.refCount > 0) loss.dispose();
      return value;
    },
  };
  return { trainer, version, notes: [] };
}
