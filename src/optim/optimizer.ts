import { ConfigError, DataError, DtypeError, ShapeError, fmt } from '../errors.js';
import { allocData } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { applyUpdates } from './apply-updates.js';
import { adoptBuffers, releaseBuffers } from './buffers.js';
import { namesOf } from './names.js';
import {
  assertStateCompatible,
  deserializeState,
  serializeState,
  type JsonValue,
} from './serialize.js';
import { createStepContext, resetEvents, type StepContextWithEvents } from './step-context.js';
import type {
  GradientTransformation,
  ParamSource,
  Params,
  StepContext,
  StepEvents,
} from './types.js';

/** The JSON-safe checkpoint of an {@link Optimizer} (see {@link serializeState}). */
export interface OptimizerStateDict {
  format: 'gradscope.optimizer';
  version: 1;
  /** Steps taken. */
  step: number;
  /** The transformation's state, serialized bit-exactly. */
  state: JsonValue;
}

function isParamSource(x: unknown): x is ParamSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { namedParameters?: unknown }).namedParameters === 'function'
  );
}

/**
 * The thin facade of the training loop (PyTorch's optimizer API over a gradient transformation):
 * it reads each parameter's `.grad` (a missing grad counts as zeros), runs the transformation on a
 * private copy (so `.grad` still holds the gradients after the step), and adds the resulting
 * updates to the parameters. When the transformation has a fused step (a fused optimizer, or a
 * chain ending in one) and every parameter has a gradient, it runs that instead: the same bits
 * in one pass over memory. A steady-state step allocates nothing.
 *
 * p ← p + tx(g)
 *
 * @example
 * const opt = new Optimizer(model, chain(clip.byGlobalNorm(1), adamw({ lr: 1e-3 })));
 * opt.zeroGrad(); loss.backward(); opt.step({ loss: loss.item() });
 */
export class Optimizer<S = unknown> {
  /** The parameters being optimized, by name. */
  readonly params: Params;
  /** The transformation. */
  readonly tx: GradientTransformation<S>;
  /** The transformation's state (replace it only with a compatible one; see loadStateDict). */
  state: S;
  /** Steps taken. */
  stepCount = 0;
  private readonly names: readonly string[];
  // The private copy of the gradients of the unfused path, allocated at its first use (a fused
  // step never needs it).
  private updates: Params | null = null;
  private readonly ctx: StepContextWithEvents = createStepContext();
  private disposed = false;

  constructor(paramsOrModule: Params | ParamSource, tx: GradientTransformation<S>) {
    if (
      tx === null ||
      typeof tx !== 'object' ||
      typeof tx.init !== 'function' ||
      typeof tx.update !== 'function'
    ) {
      throw new ConfigError(
        `Optimizer: tx = ${fmt(tx)} is not a GradientTransformation (an object with init and update)`,
      );
    }
    const params = isParamSource(paramsOrModule)
      ? paramsOrModule.namedParameters()
      : paramsOrModule;
    if (params === null || typeof params !== 'object') {
      throw new ConfigError(
        `Optimizer: params = ${fmt(params)} is invalid; expected a record name → Tensor or a module with namedParameters()`,
      );
    }
    const names = Object.keys(params);
    if (names.length === 0)
      throw new ConfigError(
        'Optimizer: got an empty parameter list; expected at least one parameter',
      );
    for (const n of names) {
      const p = params[n];
      if (!(p instanceof Tensor))
        throw new ConfigError(`Optimizer: parameter ${fmt(n)} = ${fmt(p)} is not a Tensor`);
    }
    this.params = params;
    this.names = namesOf(params);
    this.tx = tx;
    this.state = tx.init(params);
  }

  /** Zeroes every parameter's `.grad` in place (or sets it to null, as PyTorch's set_to_none). */
  zeroGrad(setToNull = false): void {
    for (const n of this.names) (this.params[n] as Tensor).zeroGrad(setToNull);
  }

  /**
   * One optimization step from the current `.grad`s. `ctx` carries the loss and metrics for
   * transformations that read them; the step's events are returned (the same record every step,
   * also copied into `ctx.events` when given).
   */
  step(ctx?: StepContext): Readonly<StepEvents> {
    if (this.disposed) {
      throw new ConfigError('Optimizer.step: this optimizer was disposed (Optimizer.dispose())');
    }
    const c = this.ctx;
    c.loss = ctx?.loss;
    c.metrics = ctx?.metrics;
    resetEvents(c.events);
    const names = this.names;
    if (this.tx.applyInPlace !== undefined && this.allGradsPresent()) {
      this.state = this.tx.applyInPlace(this.params, this.state, c);
      this.stepCount++;
      if (ctx?.events !== undefined) Object.assign(ctx.events, c.events);
      return c.events;
    }
    const updates = this.updatesBuffer();
    for (let k = 0; k < names.length; k++) {
      const n = names[k] as string;
      const p = this.params[n] as Tensor;
      const u = (updates[n] as Tensor).data;
      const g = p.grad;
      if (g === null) {
        u.fill(0);
        continue;
      }
      if (g.size !== p.size)
        throw new ShapeError(
          `Optimizer.step: grad of ${fmt(n)} has ${g.size} elements but the parameter has ${p.size}`,
        );
      if (g.dtype !== p.dtype)
        throw new DtypeError(
          `Optimizer.step: grad of ${fmt(n)} is ${g.dtype} but the parameter is ${p.dtype}`,
        );
      u.set(g.data);
    }
    const r = this.tx.update(updates, this.state, this.params, c);
    this.state = r[1];
    applyUpdates(this.params, r[0]);
    this.stepCount++;
    if (ctx?.events !== undefined) Object.assign(ctx.events, c.events);
    return c.events;
  }

  /** The updates buffer of the unfused path (allocated once, at its first use). */
  private updatesBuffer(): Params {
    if (this.updates === null) {
      const updates: Params = {};
      for (const n of this.names) {
        const p = this.params[n] as Tensor;
        updates[n] = new Tensor(allocData(p.dtype, p.size), p.shape);
      }
      this.updates = updates;
    }
    return this.updates;
  }

  /** True when every parameter has a gradient of its own size and dtype (the fused path's precondition). */
  private allGradsPresent(): boolean {
    const names = this.names;
    for (let k = 0; k < names.length; k++) {
      const p = this.params[names[k] as string] as Tensor;
      const g = p.grad;
      if (g === null || g.size !== p.size || g.dtype !== p.dtype) return false;
    }
    return true;
  }

  /**
   * Frees the state's buffers now (optimizer moments in the wasm kernels' memory go back to the
   * kernels' memory owner for the next model) instead of when the garbage collector gets to them.
   * Afterwards `step()` throws and the state's typed arrays are dangling; `stateDict()` first if
   * the state must outlive the optimizer. Idempotent. The parameters are not touched (see
   * Module.dispose for those).
   * @example opt.dispose(); model.dispose();
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    releaseBuffers(this.state);
  }

  /** The learning rate of the next step, found through the chain (undefined if none has one). */
  get lr(): number | undefined {
    return this.tx.currentLr?.(this.state);
  }

  /** The events of the last step. */
  get events(): Readonly<StepEvents> {
    return this.ctx.events;
  }

  /** A JSON-safe checkpoint of the optimizer (bit-exact, including NaN/Inf in the state). */
  stateDict(): OptimizerStateDict {
    return {
      format: 'gradscope.optimizer',
      version: 1,
      step: this.stepCount,
      state: serializeState(this.state),
    };
  }

  /**
   * Restores a checkpoint made by {@link stateDict} (after JSON round trip or not). The state must
   * fit this optimizer's (same transformation and parameters) once the transformation has
   * upgraded a state saved by an older version (GradientTransformation.upgrade, e.g. the
   * gradient-health monitor's): a DataError names the first mismatching path otherwise.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const d = dict as unknown as Record<string, unknown>;
    if (d === null || typeof d !== 'object' || d['format'] !== 'gradscope.optimizer') {
      throw new DataError(
        `loadStateDict: not an optimizer checkpoint (format = ${fmt(d?.['format'])}; expected "gradscope.optimizer")`,
      );
    }
    if (d['version'] !== 1)
      throw new DataError(
        `loadStateDict: checkpoint version ${fmt(d['version'])} is not supported; expected 1`,
      );
    const step = d['step'];
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0)
      throw new DataError(`loadStateDict: step = ${fmt(step)} is not a non-negative integer`);
    const saved = deserializeState(d['state']);
    // a state saved by an older version, in the shape of today's (GradientTransformation.upgrade)
    const loaded = this.tx.upgrade === undefined ? saved : this.tx.upgrade(saved, this.state);
    assertStateCompatible(this.state, loaded);
    // Into the buffers in place: they stay where the memory owner put them (resident moments).
    this.state = adoptBuffers(this.state, loaded) as S;
    this.stepCount = step;
    this.tx.restore?.(this.state);
  }
}
