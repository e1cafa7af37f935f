import { AutogradError } from '../errors.js';
import { BufferPool, withBufferPool, type BufferPoolStats } from '../tensor/buffer-pool.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** The arenas whose steps are running, innermost last. */
const running: StepArena[] = [];

/** @internal The arena whose step is running, or null (the backward sweep reports tapes to it). */
export function currentStepArena(): StepArena | null {
  return running.length === 0 ? null : (running[running.length - 1] as StepArena);
}

/**
 * Buffer reuse across training steps, so that a steady-state step allocates (almost) nothing —
 * tfjs's `tidy` scope on PyTorch's caching allocator, with the autograd tape deciding what is
 * dead. Inside {@link StepArena.step}, every op output and gradient (`allocData`) comes from the
 * arena's size-keyed {@link BufferPool}, and buffers go back to it at two moments that are
 * provably safe:
 *
 * 1. **During backward** — an intermediate gradient the sweep made is given back as soon as the
 *    VJP that consumed it has run and no other pending gradient shares its memory (never: the
 *    seed, a gradient of `gradients()`'s targets, a gradient a leaf's hook saw, anything of a
 *    `createGraph` pass). Users never see these tensors.
 * 2. **At the start of the next step** (or {@link StepArena.flush}) — the outputs of the ops
 *    recorded on every tape that a backward inside the step consumed (`retainGraph` off) go back,
 *    with the buffers ops declared as saved for their VJP only (`record`'s `saved`).
 *    They stay readable until then: the loss, the logits a metric reads after the step, the tape
 *    `traceNonFinite` walks. Excluded: the tape's root (the loss), what `step`'s callback returns
 *    (a tensor, or tensors in an array or a plain object), and whatever {@link StepArena.keep}
 *    marked — including every tensor sharing memory with one of those (views, `detach()`).
 *
 * The contract: a tensor made by a recorded op inside a step and used after the next step began
 * must be returned or kept (e.g. a hidden state carried across steps: `arena.keep(h.detach())`).
 * Leaves, constants an op read, parameters, optimizer state and anything computed without grad
 * are never recycled (nor is a recorded view of one: the check is by ArrayBuffer).
 * Buffers are zero-filled when reused, so the bits are those of a run without an arena.
 *
 * Used by `trainLoop` (option `arena`), `fit` (option `reuseBuffers`), `gradscope train` and the
 * bench runner.
 * @example
 * const arena = new StepArena();
 * for (const b of batches) arena.step(() => { opt.zeroGrad(); const l = loss(b); l.backward(); opt.step(); });
 */
export class StepArena {
  /** The size-keyed cache the steps draw from. */
  readonly pool = new BufferPool();
  private pending: TypedArray[] = [];
  private readonly kept = new WeakSet<ArrayBuffer>();
  private steps = 0;

  /**
   * Runs one training step with buffer reuse: first gives back the previous step's consumed
   * tapes, then runs `fn` with the pool installed. Returns what `fn` returns (its tensors are
   * excluded from reuse). Steps do not nest inside one another (a nested step of another arena
   * is fine).
   */
  step<T>(fn: () => T): T {
    if (running.includes(this))
      throw new AutogradError('StepArena.step(): this arena is already in a step');
    this.flush();
    running.push(this);
    let out: T;
    try {
      out = withBufferPool(this.pool, fn);
    } finally {
      running.pop();
    }
    this.steps++;
    this.keepValue(out);
    return out;
  }

  /** Excludes `t` (and every tensor sharing its memory) from reuse for good; returns `t`. */
  keep<T extends Tensor>(t: T): T {
    this.kept.add(t.data.buffer as ArrayBuffer);
    return t;
  }

  /** Gives back the consumed tapes of the last step now (else the next step does it). */
  flush(): void {
    const list = this.pending;
    if (list.length === 0) return;
    this.pending = [];
    for (const d of list) if (!this.kept.has(d.buffer as ArrayBuffer)) this.pool.give(d);
  }

  /** Steps run, and the pool's counters (fresh allocations, reuses, releases). */
  stats(): BufferPoolStats & { steps: number } {
    return { ...this.pool.stats(), steps: this.steps };
  }

  /**
   * @internal Called by the backward sweep after it freed a tape inside this arena's step: the
   * outputs of its recorded ops (not the root) are given back at the next step.
   */
  noteFreedTape(order: readonly Tensor[], root: Tensor): void {
    this.kept.add(root.data.buffer as ArrayBuffer);
    for (const t of order) {
      const node = t.gradFn;
      // a leaf (a parameter, or a tensor the user made with requiresGrad, perhaps in this step)
      // and the constants ops read (batches, masks, detached tensors) are the user's: their
      // memory is never given back, even where a recorded view shares it
      if (node === null) {
        this.kept.add(t.data.buffer as ArrayBuffer);
        continue;
      }
      for (const x of node.inputs) if (!x.requiresGrad) this.kept.add(x.data.buffer as ArrayBuffer);
      if (t !== root) this.pending.push(t.data);
      if (node.saved !== undefined) for (const d of node.saved) this.pending.push(d);
    }
  }

  private keepValue(v: unknown): void {
    if (v instanceof Tensor) this.keep(v);
    else if (Array.isArray(v)) for (const x of v) this.keepValue(x);
    else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      for (const x of Object.values(v)) this.keepValue(x);
  }
}
