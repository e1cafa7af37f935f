import { describe, expect, it } from 'vitest';
import * as gs from '../index.js';
import { gradcheckCases } from '../ops/gradcheck-table.js';
import * as o from '../ops/index.js';
import { allocationCounts } from '../tensor/buffer-pool.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { registerGradHook } from './grad-hooks.js';
import { noGrad } from './grad-mode.js';
import { StepArena } from './step-arena.js';

const snap = (t: Tensor): number[] => Array.from(t.data);

/** Steps run with buffer reuse; `steps` calls of `step(k)`, in `arena` or not. */
function run<T>(arena: StepArena | null, steps: number, step: (k: number) => T): T[] {
  const out: T[] = [];
  for (let k = 0; k < steps; k++) out.push(arena === null ? step(k) : arena.step(() => step(k)));
  return out;
}

describe('StepArena: the same bits with and without buffer reuse', () => {
  it('every op of the gradcheck table: outputs and gradients, through a shared, warm pool', () => {
    const arena = new StepArena();
    // One pass per case and arena setting; the arena's pool is shared by every case, so buffers
    // of one op's tape are reused by the next ops (and by their VJPs' scratch and gradients).
    const once = (withArena: boolean): number[][][] =>
      gradcheckCases(7).map(({ f, inputs }) => {
        const made = inputs();
        const body = (): number[][] => {
          const xs = made.map((x) => new Tensor(x.data.slice(), x.shape, true));
          const y = f(...xs);
          const w = new Tensor(new Float64Array(y.size), y.shape);
          new Rng(3).fillUniform(w.data, -1, 1);
          const loss = o.sum(o.mul(y, w));
          loss.backward();
          return [snap(y), ...xs.map((x) => snap(x.grad as Tensor))];
        };
        // three steps each: the later ones run on reused buffers
        const r = withArena ? run(arena, 3, body) : run(null, 3, body);
        expect(r[1]).toEqual(r[0]);
        return r[2] as number[][];
      });
    const plain = once(false);
    const reused = once(true);
    expect(arena.stats().reused).toBeGreaterThan(100);
    for (let i = 0; i < plain.length; i++) expect(reused[i]).toEqual(plain[i]);
  });

  /** Trains `make()` with Adam on fixed batches; returns the parameters and per-step allocations. */
  function train(
    make: () => gs.nn.Module<[Tensor], Tensor>,
    batch: () => { x: Tensor; y: Int32Array },
    arena: StepArena | null,
    steps = 5,
  ): { params: number[][]; losses: number[]; bytesPerStep: number[] } {
    const model = make();
    const opt = new gs.optim.Optimizer(model, gs.optim.adam({ lr: 1e-2 }));
    const { x, y } = batch();
    const bytesPerStep: number[] = [];
    const losses = run(arena, steps, () => {
      const a0 = allocationCounts().bytes;
      opt.zeroGrad();
      const out = model.forward(x);
      const logits = out.ndim === 3 ? out.reshape([y.length, out.shape[2] as number]) : out;
      const loss = gs.nn.crossEntropy(logits, y);
      loss.backward();
      const v = loss.item();
      opt.step({ loss: v });
      bytesPerStep.push(allocationCounts().bytes - a0);
      return v;
    });
    return { params: model.parameters().map(snap), losses, bytesPerStep };
  }

  const images = (): { x: Tensor; y: Int32Array } => {
    const x = new Tensor(new Float32Array(4 * 1 * 8 * 8), [4, 1, 8, 8]);
    new Rng(1).fillUniform(x.data, -1, 1);
    return { x, y: Int32Array.from([0, 1, 2, 1]) };
  };
  const models: [
    string,
    () => gs.nn.Module<[Tensor], Tensor>,
    () => { x: Tensor; y: Int32Array },
  ][] = [
    [
      'MLP',
      () => gs.nn.mlp({ sizes: [12, 16, 16, 3], activation: 'relu', seed: 0 }),
      () => {
        const x = new Tensor(new Float32Array(5 * 12), [5, 12]);
        new Rng(2).fillUniform(x.data, -1, 1);
        return { x, y: Int32Array.from([0, 1, 2, 0, 1]) };
      },
    ],
    [
      'CNN (conv, relu, max-pool, linear)',
      () =>
        new gs.nn.Sequential(
          new gs.nn.Conv2d(1, 3, 3, { padding: 1, seed: 0 }),
          new gs.nn.ReLU(),
          new gs.nn.MaxPool2d(2),
          new gs.nn.Flatten(),
          new gs.nn.Linear(3 * 4 * 4, 3, { seed: 0 }),
        ) as unknown as gs.nn.Module<[Tensor], Tensor>,
      images,
    ],
    [
      'LSTM into a linear head',
      () => {
        class Net extends gs.nn.Module<[Tensor], Tensor> {
          readonly rnn = this.registerModule('rnn', new gs.nn.LSTM(4, 6, { seed: 0 }));
          readonly fc = this.registerModule('fc', new gs.nn.Linear(6, 3, { seed: 0 }));
          forward(x: Tensor): Tensor {
            return this.fc.forward(this.rnn.forward(x).hLast.reshape([2, 6]));
          }
        }
        return new Net();
      },
      () => {
        const x = new Tensor(new Float32Array(5 * 2 * 4), [5, 2, 4]);
        new Rng(4).fillUniform(x.data, -1, 1);
        return { x, y: Int32Array.from([2, 0]) };
      },
    ],
  ];

  for (const [name, make, batch] of models) {
    it(`${name}: same parameters after 5 Adam steps; a steady-state step reuses its buffers`, () => {
      const plain = train(make, batch, null);
      const reused = train(make, batch, new StepArena());
      expect(reused.losses).toEqual(plain.losses);
      expect(reused.params).toEqual(plain.params);
      const before = plain.bytesPerStep[4] as number;
      expect(before).toBeGreaterThan(1000);
      // Steps 3..5: the MLP makes only the scalar loss and the backward's scalar seed anew. What
      // else stays is forward scratch that ops keep for their VJP without declaring it (`record`'s
      // saved: the LSTM's cell states) or that a kernel makes for one call (the JS kernels' im2col
      // columns): large next to these toy layers, nothing on the bench workloads (W1, W3, W4).
      for (const b of reused.bytesPerStep.slice(2))
        expect(b).toBeLessThanOrEqual(name === 'MLP' ? 16 : before / 2);
    });
  }

  it('GPT (embeddings, attention, layer norm, GELU, dropout): same bits; most bytes reused', () => {
    const make = (): gs.nn.Module<[Tensor], Tensor> =>
      gs.nn.gpt({
        vocab: 11,
        context: 6,
        layers: 2,
        heads: 2,
        embed: 8,
        dropout: 0.1,
        seed: 0,
        dtype: 'float32',
      }) as unknown as gs.nn.Module<[Tensor], Tensor>;
    const batch = (): { x: Tensor; y: Int32Array } => {
      const ids = Array.from({ length: 12 }, (_, i) => (i * 7) % 11);
      return {
        x: new Tensor(Float32Array.from(ids), [2, 6]),
        y: Int32Array.from(ids.map((v) => (v + 1) % 11)),
      };
    };
    const plain = train(make, batch, null);
    const reused = train(make, batch, new StepArena());
    expect(reused.losses).toEqual(plain.losses);
    expect(reused.params).toEqual(plain.params);
    // What stays is scratch the forward keeps for a VJP without declaring it (`record`'s saved).
    expect(reused.bytesPerStep[4] as number).toBeLessThan((plain.bytesPerStep[4] as number) / 4);
  });
});

describe('StepArena: escaped tensors are never overwritten', () => {
  const layer = (): { w: Tensor; x: Tensor } => {
    const w = new Tensor(new Float64Array(12), [4, 3], true);
    new Rng(5).fillUniform(w.data, -1, 1);
    const x = new Tensor(new Float64Array(8), [2, 4]);
    new Rng(6).fillUniform(x.data, -1, 1);
    return { w, x };
  };
  /** A step that builds and frees a tape of the same shapes (it reuses any free buffer). */
  const churn = (w: Tensor, x: Tensor): void => {
    const h = o.tanh(o.matmul(o.mul(x, 3), w));
    o.sum(o.mul(h, h)).backward();
  };

  it("keeps the step's return value, the loss, and kept tensors; recycles the rest", () => {
    const arena = new StepArena();
    const { w, x } = layer();
    let loss: Tensor | null = null;
    let internal: Tensor | null = null;
    let carried: Tensor | null = null;
    const returned = arena.step(() => {
      const z = o.matmul(x, w);
      const h = o.tanh(z);
      internal = z;
      carried = arena.keep(h.detach()); // e.g. a hidden state carried to the next step
      loss = o.sum(o.mul(h, h));
      loss.backward();
      return h;
    });
    const r0 = snap(returned);
    const c0 = snap(carried as unknown as Tensor);
    const l0 = (loss as unknown as Tensor).item();
    const i0 = snap(internal as unknown as Tensor);
    for (let k = 0; k < 4; k++) arena.step(() => churn(w, x));
    expect(snap(returned)).toEqual(r0);
    expect(snap(carried as unknown as Tensor)).toEqual(c0);
    expect((loss as unknown as Tensor).item()).toBe(l0);
    // The contract: an intermediate neither returned nor kept went back to the pool (and the
    // next steps' matmul of 3x overwrote it).
    expect(snap(internal as unknown as Tensor)).not.toEqual(i0);
  });

  it('a leaf or a constant made in the step is not recycled through a tape tensor sharing it', () => {
    const arena = new StepArena();
    const { w, x } = layer();
    let leaf: Tensor | null = null;
    let d: Tensor | null = null;
    arena.step(() => {
      const l = new Tensor(o.mul(x, 1).data, [2, 4], true); // pool memory, a leaf
      const v = o.reshape(l, [2, 4]); // a recorded view: a tape tensor sharing the leaf's memory
      const h = o.tanh(o.matmul(v, w));
      const dh = h.detach(); // the user's constant, sharing h's memory
      o.sum(o.mul(h, dh)).backward();
      leaf = l;
      d = dh;
    });
    const l0 = snap(leaf as unknown as Tensor);
    const d0 = snap(d as unknown as Tensor);
    for (let k = 0; k < 4; k++) arena.step(() => churn(w, x));
    expect(snap(leaf as unknown as Tensor)).toEqual(l0);
    expect(snap(d as unknown as Tensor)).toEqual(d0);
  });

  it('returned arrays and objects of tensors are kept too', () => {
    const arena = new StepArena();
    const { w, x } = layer();
    const out = arena.step(() => {
      const a = o.tanh(o.matmul(x, w));
      const b = o.sigmoid(o.matmul(x, w));
      o.sum(o.mul(a, b)).backward();
      return { pair: [a, b] };
    });
    const s = out.pair.map(snap);
    for (let k = 0; k < 3; k++) arena.step(() => churn(w, x));
    expect(out.pair.map(snap)).toEqual(s);
  });

  it("gradients()' results, gradients a hook saw, and the user's seed are never reused", () => {
    const arena = new StepArena();
    const { w, x } = layer();
    const seen: Tensor[] = [];
    const dispose = registerGradHook(w, (g) => {
      seen.push(g);
    });
    let gx: Tensor | null = null;
    let seed: Tensor | null = null;
    let hid: Tensor | null = null;
    arena.step(() => {
      const xx = new Tensor(x.data.slice(), x.shape, true);
      const h = o.tanh(o.matmul(xx, w));
      hid = h;
      gx = gradients(o.sum(o.mul(h, h)), [h], { retainGraph: true })[0] ?? null;
      seed = noGrad(() => o.mul(h, 2)); // made in the step, without grad: never recycled
      h.backward(seed);
    });
    dispose();
    const g0 = snap(gx as unknown as Tensor);
    const s0 = snap(seed as unknown as Tensor);
    const h0 = seen.map(snap);
    expect(h0.length).toBe(1);
    for (let k = 0; k < 4; k++) arena.step(() => churn(w, x));
    expect(snap(gx as unknown as Tensor)).toEqual(g0);
    expect(snap(seed as unknown as Tensor)).toEqual(s0);
    expect(seen.map(snap)).toEqual(h0);
    expect(hid).not.toBeNull();
  });

  it('a createGraph pass: the graph gradient left in .grad survives a backward through it', () => {
    const arena = new StepArena();
    const { w, x } = layer();
    let g1: Tensor | null = null;
    let hv: Tensor | null = null;
    arena.step(() => {
      o.sum(o.exp(o.matmul(x, w))).backward(undefined, { createGraph: true });
      g1 = w.grad as Tensor; // a tensor of the graph: the next tape holds it
      hv = gradients(o.sum(o.mul(g1, g1)), [w])[0] ?? null; // frees that tape
    });
    const g0 = snap(g1 as unknown as Tensor);
    const h0 = snap(hv as unknown as Tensor);
    w.zeroGrad(true); // the later steps accumulate into a new .grad
    for (let k = 0; k < 4; k++) arena.step(() => churn(w, x));
    expect(snap(g1 as unknown as Tensor)).toEqual(g0);
    expect(snap(hv as unknown as Tensor)).toEqual(h0);
  });

  it('a retained graph is not recycled: a second backward still sees its tape', () => {
    const arena = new StepArena();
    const { w, x } = layer();
    let y: Tensor | null = null;
    arena.step(() => {
      y = o.sum(o.exp(o.matmul(x, w)));
      (y as Tensor).backward(undefined, { retainGraph: true });
    });
    const g1 = snap(w.grad as Tensor);
    for (let k = 0; k < 2; k++) arena.step(() => churn(w, x));
    w.zeroGrad(true);
    (y as unknown as Tensor).backward();
    expect(snap(w.grad as unknown as Tensor)).toEqual(g1);
  });

  it('a step inside a step of the same arena throws; the pool is uninstalled after a throw', () => {
    const arena = new StepArena();
    expect(() => arena.step(() => arena.step(() => 0))).toThrow(/already in a step/);
    expect(() =>
      arena.step(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(gs.activeBufferPool()).toBeNull();
  });
});
