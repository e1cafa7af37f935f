import { describe, expect, it } from 'vitest';
import { isResident } from '../kernels/memory.js';
import { loadWasmKernels } from '../kernels/wasm/loader.js';
import { Linear } from '../nn/linear.js';
import { mlp } from '../nn/mlp.js';
import { Sequential } from '../nn/sequential.js';
import { tensor } from '../tensor/creation.js';
import { adam } from './adam.js';
import { Optimizer } from './optimizer.js';

const live = (): number => loadWasmKernels().residentStats().liveBytes;

/** Every typed array in an optimizer state (plain objects and arrays). */
function arraysOf(x: unknown, out: (Float32Array | Float64Array)[] = []): typeof out {
  if (x instanceof Float32Array || x instanceof Float64Array) out.push(x);
  else if (Array.isArray(x)) for (const v of x) arraysOf(v, out);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) arraysOf(v, out);
  return out;
}

// E12's full size: a 10-layer MLP on MNIST, 784 → 9 × 128 → 10 (233 866 parameters); its
// arenas and Adam's two moments take 3.7 MB of resident memory, so without freeing the 18th
// such model in one process no longer fits the 64 MiB budget (bb16516: plain arrays, and Adam
// runs ~5× slower on copies).
const E12_SIZES = [784, 128, 128, 128, 128, 128, 128, 128, 128, 128, 10];

describe('dispose: memory with an owner', () => {
  it('100 E12-sized models with Adam, built and disposed in turn, are all resident', () => {
    const before = live();
    let residentModels = 0;
    for (let i = 0; i < 100; i++) {
      const model = mlp({ sizes: E12_SIZES, activation: 'sigmoid', seed: i });
      const opt = new Optimizer(model, adam({ lr: 1e-3 }));
      const a = model.arena();
      const moments = arraysOf(opt.state);
      expect(moments.length).toBeGreaterThanOrEqual(2 * model.parameters().length);
      if (isResident(a.params) && isResident(a.grads) && moments.every(isResident))
        residentModels++;
      model.zeroGrad();
      opt.step();
      opt.dispose();
      model.dispose();
    }
    expect(residentModels).toBe(100);
    expect(live()).toBe(before);
  });

  it('restoring a checkpoint keeps Adam moments resident, with the checkpoint values', () => {
    const model = mlp({ sizes: [64, 32, 10], seed: 5 });
    const opt = new Optimizer(model, adam({ lr: 1e-3 }));
    const a = model.arena();
    for (let k = 0; k < a.grads.length; k++) a.grads[k] = Math.sin(k);
    opt.step();
    const saved = JSON.parse(JSON.stringify(opt.stateDict())) as ReturnType<typeof opt.stateDict>;
    const before = arraysOf(opt.state).map((m) => Array.from(m));
    opt.step();
    opt.loadStateDict(saved);
    const after = arraysOf(opt.state);
    // bb16516: the restored moments were plain arrays (Adam's wasm step then copies every step).
    expect(after.every(isResident)).toBe(true);
    expect(after.map((m) => Array.from(m))).toEqual(before);
    opt.dispose();
    model.dispose();
  });

  it('after dispose the parameters, the module and the optimizer refuse to be used', () => {
    const model = new Sequential(new Linear(3, 2, { seed: 1 }));
    const opt = new Optimizer(model, adam({ lr: 0.1 }));
    const w = model.parameters()[0]!;
    const sd = model.stateDict();
    model.dispose();
    opt.dispose();
    model.dispose(); // idempotent
    opt.dispose();
    expect(model.isDisposed).toBe(true);
    expect(() => w.data).toThrow(/parameter "0.weight" was disposed with its module/);
    expect(() => w.grad).toThrow(/was disposed with its module/);
    expect(() => model.forward(tensor([[1, 2, 3]]))).toThrow(/was disposed/);
    expect(() => model.namedParameters()).toThrow(/arena: this module was disposed/);
    expect(() => opt.step()).toThrow(/Optimizer.step: this optimizer was disposed/);
    // The copy taken before dispose() is intact.
    expect(sd['0.weight']!.data.length).toBe(6);
  });

  it('disposing a submodule whose parameters are a window of the root arena throws', () => {
    const inner = new Linear(4, 4, { seed: 2 });
    const model = new Sequential(inner, new Linear(4, 1, { seed: 3 }));
    model.arena();
    expect(() => inner.dispose()).toThrow(/lives in the arena of an enclosing model/);
    expect(inner.isDisposed).toBe(false);
    model.dispose();
    expect(inner.isDisposed).toBe(true);
  });

  it('a never-packed module disposes too (its parameters are its own arrays)', () => {
    const layer = new Linear(2, 2, { seed: 4 });
    layer.dispose();
    expect(() => layer.weight.data).toThrow(/disposed/);
  });
});
