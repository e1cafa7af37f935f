import type { Tensor } from '../tensor/tensor.js';
import type { GradStatsCache } from './grad-stats.js';

/**
 * Named tensors: a model's parameters, their gradients, or updates. The keys are the
 * parameter names ("0.weight", "rnn.weightHh"); values are views into the model's arenas.
 */
export type Params = Record<string, Tensor>;

/** What the training loop knows about the current step, passed to every transformation. */
export interface StepContext {
  /** The loss of the batch whose gradients are being transformed. */
  loss?: number;
  /** Named metrics (e.g. validation loss) for transformations that read one. */
  metrics?: Record<string, number>;
  /**
   * Events raised by earlier transformations of the same step (clipping, skipNonFinite, the
   * monitor) and read by later ones (the health-aware lr decay). `chain` resets them each step.
   */
  events?: StepEvents;
  /**
   * The step's gradient statistics (one kernels pass per gradient, shared by the links that read
   * them: the monitor, byGlobalNorm). Set by `chain` only while it runs a link that reads them
   * (`observesOnly` or `scaleOf`), and undefined otherwise; a link outside a chain computes its
   * own. See {@link optim.GradStatsCache}.
   */
  gradStats?: GradStatsCache | undefined;
  /**
   * Offered by `chain` during its fused step when its last link measures the update it makes
   * (`measuresUpdate`, as adam's fused step): a link before it that wants the norms of this
   * step's update (the gradient-health monitor's ‖Δp‖/‖p‖) sets `out` instead of keeping a copy
   * of the parameters. Undefined when nobody measures.
   */
  updateNorms?: UpdateNormsRequest | undefined;
}

/**
 * A link's request for the norms of this step's parameter update (StepContext.updateNorms).
 * `out` has 3P + 1 entries for the P parameters of the params record (in its key order): the
 * fused step writes, for parameter k, Kernels.updateStats(p after, p before)'s Σp², Σ(p − q)²,
 * Σq² to out[3k … 3k + 2] (the same bits as from a copy of the parameters), then 1 to out[3P].
 */
export interface UpdateNormsRequest {
  /** Where to write, or null: nobody asked this step (the chain resets it every step). */
  out: Float64Array | null;
}

/** Signals passed down a chain within one step. */
export interface StepEvents {
  /** A clipping transformation scaled the gradients down this step. */
  clipped?: boolean;
  /** A gradient-norm spike was detected (z-score or ceiling). */
  spike?: boolean;
  /** Gradients held NaN or Inf this step. */
  nonFinite?: boolean;
}

/** Anything that owns named parameters (a Module, or a plain record wrapped). */
export interface ParamSource {
  /** Parameters by name; their `.grad` tensors hold the gradients after backward. */
  namedParameters(): Params;
}

/**
 * The Optax idea: an optimizer, a clipping rule, a schedule, a weight decay and the health
 * monitor are all gradient transformations. `init` creates all state (plain typed data that
 * round-trips through a checkpoint bit-exactly); `update` maps incoming updates (at first the
 * gradients) to outgoing ones and may overwrite the `updates` it is given and the state it owns,
 * so that a steady-state step allocates nothing.
 *
 * @see Babuschkin et al., "The DeepMind JAX Ecosystem" (Optax), 2020.
 */
export interface GradientTransformation<S = unknown> {
  /** Creates the transformation's state for these parameters. */
  init(params: Params): S;
  /** Transforms `updates` (overwriting them is allowed) and returns them with the new state. */
  update(updates: Params, state: S, params: Params, ctx?: StepContext): [Params, S];
  /**
   * The learning rate the next update will use, for transformations that have one (read by the
   * Optimizer facade through chains and wrappers); undefined otherwise.
   */
  currentLr?(state: S): number | undefined;
  /**
   * Told that a checkpoint replaced its state (Optimizer.loadStateDict), for transformations
   * that keep a view of their state between steps (the gradient-health monitor's verdict log).
   * Optional for a leaf; part of the contract for every composite: chain, masked, partition,
   * injectHyperparams, skipNonFinite and multiSteps forward it to their inner transformations
   * with the inner states, so a monitor restores wherever it sits.
   */
  restore?(state: S): void;
  /**
   * Brings this transformation's state as a checkpoint holds it, possibly saved by an older
   * version whose state had another shape, to the current shape; Optimizer.loadStateDict calls it
   * on the deserialized state before checking it against `fresh` (this optimizer's state) and
   * returns what it gets (the argument itself when there is nothing to upgrade; it may be
   * changed in place). Optional for a leaf (the gradient-health monitor has one); part of the
   * contract for every composite, which hands each inner transformation its inner state, as for
   * `restore`. Leave anything it does not recognize as it is: the compatibility check reports it.
   */
  upgrade?(loaded: unknown, fresh: S): unknown;
  /**
   * Optional fused step (a property of the algorithm): reads each parameter's incoming update —
   * the entry of `grads` when given, else the parameter's `.grad` — multiplied by `gradScale[0]`
   * when given, computes its update and adds it to the parameter in one pass over memory
   * (p ← p + update(s·g)), and returns the new state. Must give exactly the same bits,
   * parameters and state, as `update` on a copy of the gradients (scaled as `scaleInPlaceRounded`
   * scales: float32 data by the factor rounded to float32) followed by `applyUpdates` (the float32
   * rounding of every intermediate the unfused chain stores is reproduced), so that which path ran
   * never shows in results or checkpoints. `.grad` is never written; `grads`, when given, belongs
   * to the caller and may be overwritten. The {@link optim.Optimizer | Optimizer} facade uses it
   * when every parameter has a gradient, and `chain` has one exactly when its last link has one.
   */
  applyInPlace?(
    params: Params,
    state: S,
    ctx?: StepContext,
    grads?: Params,
    gradScale?: Float64Array,
  ): S;
  /**
   * Optional: set on a transformation whose `update` never writes the updates and returns them
   * as given (the gradient-health monitor). A chain keeps the step's gradient statistics valid
   * across it, and its fused step runs it on the gradients themselves, without a copy.
   */
  readonly observesOnly?: boolean;
  /**
   * Optional: the global 2-norm this transformation clips its incoming updates to, at most, before
   * any other change (byGlobalNorm of order p ≤ 2: its maxNorm); for a chain, that of its leading
   * clipping links. A chain tells an observing link before it (`boundedAfter`) what the next links
   * will let through. skipNonFinite, multiSteps and injectHyperparams (with the factory's
   * transformation for the initial hyper-parameters) declare their inner transformation's;
   * masked and partition declare none (a clip of some parameters does not bound the others).
   */
  readonly normBound?: number;
  /**
   * Optional, for a link that wants to know the largest gradient norm the optimizer will receive
   * (the monitor): a chain calls it on each link that has it, when it is built, with the
   * `normBound` of the links after that one (Infinity when they clip nothing), and a chain told
   * a bound itself passes it on to its links when nothing but observers and clips follow them.
   * The wrappers skipNonFinite, masked, injectHyperparams and multiSteps forward it to their
   * inner transformation, so a wrapped monitor learns of the clip after it.
   */
  boundedAfter?(bound: number): void;
  /**
   * Optional: set on a transformation whose fused step fills `ctx.updateNorms.out` when a
   * link before it asked (adam, adamw): `chain` then offers the request to its earlier links.
   */
  readonly measuresUpdate?: boolean;
  /**
   * Optional, for a transformation whose update multiplies every entry of the updates by one
   * factor (byGlobalNorm): runs this step's update — state, events — without writing `updates`,
   * and multiplies `factor[0]` by its factor. `update` must equal this followed by
   * `scaleInPlaceRounded` (optim/loops.ts) with the factor. A chain whose earlier links observe only, the
   * last of them possibly scaling, runs its last link's fused step directly on the gradients
   * with this factor as `gradScale` (no copy of the gradients, no scaling pass).
   */
  scaleOf?(
    updates: Params,
    state: S,
    params: Params,
    ctx: StepContext | undefined,
    factor: Float64Array,
  ): S;
}

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;
