import { ConfigError, fmt } from '../errors.js';
import { ReLU, Sigmoid, Tanh } from '../nn/activations.js';
import type { AnyModule, HookHandle } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { ProbeState } from './state.js';

/** The activations whose outputs the monitor understands. */
export type ActivationKind = 'relu' | 'tanh' | 'sigmoid';

/** Maps a module to the activation it applies (null: not probed). */
export type ActivationClassifier = (module: AnyModule, name: string) => ActivationKind | null;

/**
 * Statistics of one activation module's output, accumulated over the forward passes of a checked
 * step (all rows of every batch seen) and finalized at the check.
 */
export interface ActivationProbe {
  /** Dotted path of the activation module ("1"). */
  readonly module: string;
  /** Which activation it is. */
  readonly kind: ActivationKind;
  /** The parameter layer feeding it (the last layer before it in module order; "" if none). */
  readonly layer: string;
  /** Mean of the outputs at the last check. */
  mean: number;
  /** Standard deviation of the outputs at the last check. */
  std: number;
  /** Fraction of saturated outputs (tanh |a| > 0.99; sigmoid a < 0.01 or a > 0.99) at the last check. */
  saturation: number;
  /**
   * Mean slope of the activation at its outputs relative to the steepest slope, at the last check:
   * tanh mean(1 − a²); sigmoid mean(a(1 − a))/¼ (NaN for ReLU). 1 = linear regime, → 0 = saturated.
   */
  gain: number;
  /**
   * Fraction of units (last axis) whose output was 0 on every row of every batch of the last
   * `deadWindow` checks (ReLU; NaN otherwise).
   */
  deadFraction: number;
  /** Fraction of units zero on every row of this check's batches (ReLU; NaN otherwise). */
  batchDeadFraction: number;
  /** Units of the last axis. */
  width: number;
  /** Whether the last check saw any output of this module. */
  observed: boolean;
  /** Initial (first check) mean, for evidence ("mean fell from 0.5 to 0.06"). */
  firstMean: number;
  /** @internal accumulators of the current step */
  acc: {
    sum: number;
    sumSq: number;
    count: number;
    saturated: number;
    slope: number;
    alive: Uint8Array;
  };
}

/**
 * Default classifier: nn's ReLU, Tanh and Sigmoid modules. (Functional activations called inside
 * a module's forward are invisible to hooks; use the module forms to get probes.)
 * @example defaultClassifier(new Tanh(), '1') // 'tanh'
 */
export const defaultClassifier: ActivationClassifier = (m) =>
  m instanceof ReLU ? 'relu' : m instanceof Tanh ? 'tanh' : m instanceof Sigmoid ? 'sigmoid' : null;

/**
 * Output probes on every activation module of a model: forward hooks accumulate mean, std,
 * saturation and per-unit liveness of the outputs while `armed` (the step is going to be checked
 * and the module is in training mode). One pass over each output; the per-unit buffer is
 * allocated once per width.
 *
 * saturation = #{|a| > 0.99} / n (tanh), #{a < 0.01 or a > 0.99} / n (sigmoid);
 * slope = mean(1 − a²) (tanh), mean(4a(1 − a)) (sigmoid); a ReLU unit is dead when 0 on every row
 * @example
 * const probes = new ActivationProbes();
 * probes.attach(net, ['0', '2'], ['0', '2']); net.forward(x); probes.finalize(20);
 * probes.probes[0].deadFraction
 * @see Glorot & Bengio 2010 (saturation); Lu et al., "Dying ReLU and Initialization", 2019.
 */
export class ActivationProbes {
  /** The probes, in module order. */
  readonly probes: ActivationProbe[] = [];
  /** Accumulate only while true (set by the monitor before checked steps). */
  armed = true;
  /** Suspends accumulation (curvature probes run extra forward passes). */
  suspended = false;
  private handles: HookHandle[] = [];

  /**
   * Hooks the activation modules of `model`. `layerModules` are the module paths of the
   * parameter layers in depth order, `layerNames` their names: each activation is credited to
   * the last parameter layer before it in the model's module order.
   */
  attach(
    model: AnyModule,
    layerNames: readonly string[],
    layerModules: readonly string[],
    classify: ActivationClassifier = defaultClassifier,
  ): void {
    if (
      model === null ||
      typeof model !== 'object' ||
      typeof (model as { namedModules?: unknown }).namedModules !== 'function'
    ) {
      throw new ConfigError(`gradientHealth.attach: model = ${fmt(model)} is not a Module`);
    }
    const modules = model.namedModules();
    const order = new Map<string, number>();
    modules.forEach(([name], i) => order.set(name, i));
    for (const [name, m] of modules) {
      const kind = classify(m, name);
      if (kind === null) continue;
      const at = order.get(name) as number;
      let layer = '';
      let best = -1;
      layerModules.forEach((lm, li) => {
        const pos = order.get(lm);
        if (pos !== undefined && pos < at && pos >= best) {
          best = pos;
          layer = layerNames[li] as string;
        }
      });
      const probe = this.add(name, kind, layer);
      this.handles.push(
        m.registerForwardHook((mod, _n, out) => this.observe(probe, mod, out), {
          includeSelf: true,
          leavesOnly: false,
        }),
      );
    }
  }

  /** Removes every hook (the probes keep their last values). */
  detach(): void {
    for (const h of this.handles) h.remove();
    this.handles = [];
  }

  private observe(p: ActivationProbe, mod: AnyModule, out: unknown): void {
    if (!mod.training || !(out instanceof Tensor)) return;
    const w = out.shape.length === 0 ? 1 : (out.shape[out.shape.length - 1] as number);
    this.record(p, out.data, w);
  }

  /**
   * Adds a probe that is fed by {@link ActivationProbes.record} rather than by a module hook: the
   * output of another framework's layer (the TF.js adapter's Dense layers with their activation).
   * @example const p = probes.add('dense_Dense1', 'sigmoid', 'dense_Dense1');
   */
  add(module: string, kind: ActivationKind, layer: string): ActivationProbe {
    const probe: ActivationProbe = {
      module,
      kind,
      layer,
      mean: NaN,
      std: NaN,
      saturation: NaN,
      gain: NaN,
      deadFraction: NaN,
      batchDeadFraction: NaN,
      width: 0,
      observed: false,
      firstMean: NaN,
      acc: { sum: 0, sumSq: 0, count: 0, saturated: 0, slope: 0, alive: new Uint8Array(0) },
    };
    this.probes.push(probe);
    return probe;
  }

  /**
   * Accumulates one output of a probe's activation (its values, rows of `width` units) while
   * armed and not suspended; {@link ActivationProbes.finalize} turns the sums into the check's
   * statistics.
   * @example probes.record(p, output.dataSync(), output.shape[output.shape.length - 1]);
   */
  record(p: ActivationProbe, d: ArrayLike<number>, w: number): void {
    if (!this.armed || this.suspended) return;
    const n = d.length;
    const a = p.acc;
    if (a.alive.length !== w) a.alive = new Uint8Array(w);
    let sum = 0;
    let sq = 0;
    let sat = 0;
    let slope = 0;
    if (p.kind === 'relu') {
      const alive = a.alive;
      for (let i = 0, j = 0; i < n; i++) {
        const v = d[i] as number;
        sum += v;
        sq += v * v;
        if (v !== 0) alive[j] = 1;
        if (++j === w) j = 0;
      }
    } else if (p.kind === 'tanh') {
      for (let i = 0; i < n; i++) {
        const v = d[i] as number;
        sum += v;
        sq += v * v;
        if (v > 0.99 || v < -0.99) sat++;
        slope += 1 - v * v;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = d[i] as number;
        sum += v;
        sq += v * v;
        if (v < 0.01 || v > 0.99) sat++;
        slope += 4 * v * (1 - v);
      }
    }
    a.sum += sum;
    a.sumSq += sq;
    a.count += n;
    a.saturated += sat;
    a.slope += slope;
  }

  /**
   * Turns the accumulators into the probes' statistics for this check and resets them; a ReLU
   * unit counts as dead once it was zero on every sample of `deadWindow` consecutive checks. The
   * readings are also written to `states` (the monitor's state, one entry per probe), which holds
   * the running values (first mean, per-unit runs) so that they survive a checkpoint.
   */
  finalize(deadWindow: number, states: ProbeState[]): void {
    const list = this.probes;
    for (let i = 0; i < list.length; i++) {
      const p = list[i] as ActivationProbe;
      const ps = states[i] as ProbeState;
      const a = p.acc;
      p.observed = a.count > 0;
      ps.observed = p.observed ? 1 : 0;
      if (a.count > 0) {
        const mean = a.sum / a.count;
        p.mean = mean;
        p.std = Math.sqrt(Math.max(0, a.sumSq / a.count - mean * mean));
        p.saturation = p.kind === 'relu' ? NaN : a.saturated / a.count;
        p.gain = p.kind === 'relu' ? NaN : a.slope / a.count;
        p.width = a.alive.length;
        if (p.kind === 'relu') {
          const w = a.alive.length;
          const runs = ps.deadRun;
          if (runs.length !== w) {
            runs.length = 0;
            for (let j = 0; j < w; j++) runs.push(0);
          }
          let deadNow = 0;
          let dead = 0;
          for (let j = 0; j < w; j++) {
            const run = a.alive[j] === 0 ? (runs[j] as number) + 1 : 0;
            runs[j] = run;
            if (run > 0) deadNow++;
            if (run >= deadWindow) dead++;
          }
          p.batchDeadFraction = w > 0 ? deadNow / w : NaN;
          p.deadFraction = w > 0 ? dead / w : NaN;
        }
        if (Number.isNaN(ps.firstMean)) ps.firstMean = mean;
        p.firstMean = ps.firstMean;
        ps.mean = p.mean;
        ps.std = p.std;
        ps.saturation = p.saturation;
        ps.gain = p.gain;
        ps.deadFraction = p.deadFraction;
        ps.width = p.width;
      }
      a.sum = 0;
      a.sumSq = 0;
      a.count = 0;
      a.saturated = 0;
      a.slope = 0;
      a.alive.fill(0);
    }
  }
}
