import { clearAnomaly, firstAnomaly, isAnomalyEnabled } from '../autograd/anomaly.js';
import { ConfigError, fmt } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type {
  GradientTransformation,
  Params,
  StepContext,
  UpdateNormsRequest,
} from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  ActivationProbes,
  defaultClassifier,
  type ActivationClassifier,
  type ActivationKind,
  type ActivationProbe,
} from './activation-probe.js';
import { CurvatureProbe, type CurvatureOptions } from './curvature.js';
import { activeOf, readLog, runDetectors, type DetectEnv } from './detect.js';
import { DETECTORS } from './detector-table.js';
import type { NonFiniteAnomaly, NonFiniteOrigin } from './detectors/non-finite.js';
import { DecimatingSeries } from './history.js';
import { layerOf } from './layers.js';
import type { HeaderRecord } from './records.js';
import { addProbe, createHealthState, recurrentCells, type HealthState } from './state.js';
import { measureGradients, quickNonFinite, snapshotParams, type MeasureOptions } from './stats.js';
import { resolveThresholds, type HealthThresholds } from './thresholds.js';
import { traceNonFinite } from './trace-non-finite.js';
import { upgradeHealthState } from './upgrade.js';
import type { Verdict, VerdictKind } from './types.js';
import type { DeclaredContext } from './remedies.js';

/** A learning rate, or where to read the current one (e.g. `() => opt.lr`). */
export type LrSource = number | (() => number | undefined);

/** Options of {@link gradientHealth}. */
export interface GradientHealthOptions {
  /** Measure every k-th step (default 1). Non-finite gradients are caught on every step regardless. */
  every?: number;
  /** Attach activation probes to this model at init (same as calling `attach(model)`). */
  model?: AnyModule;
  /** Decides which modules are probed and as what (default: nn's ReLU, Tanh and Sigmoid). */
  classify?: ActivationClassifier;
  /** Measure ‖Δp‖/‖p‖ of the updates (keeps one copy of the parameters; default true). */
  updateRatio?: boolean;
  /**
   * Read the parameters (‖p‖ per parameter and layer, and the update ratio ‖Δp‖/‖p‖ of the step
   * before) on every `paramEvery`-th check only (default 10; 1 = every check). Gradient
   * statistics and every detector run on every check; between parameter reads the detectors use
   * the last ‖p‖, which moves by ~1e-3 per step. On the W1 network (784-256-256-10, Adam) reading
   * the parameters costs about as much as reading the gradients, hence the default (see
   * bench/monitor-overhead.ts).
   */
  paramEvery?: number;
  /**
   * Track cos(g_t, g_{t−1}) for the oscillation detector's gradient signal (one more copy of the
   * gradients and ~30% more time in the statistics pass; default false; needs every = 1).
   */
  direction?: boolean;
  /** The learning rate, for computed remedies ("lower lr to 3e-4"); default: unknown (effective step used). */
  lr?: LrSource;
  /** Overrides of the detector thresholds (see {@link HealthThresholds}). */
  thresholds?: Partial<HealthThresholds>;
  /** Turn detectors off or on, e.g. `{ plateau: false }` (all on by default except the opt-in `lossSpike`; saddle needs `curvature`). */
  detectors?: Partial<Record<VerdictKind, boolean>>;
  /** Curvature probe (top and bottom Hessian eigenvalues) every `curvature.every` checks. */
  curvature?: CurvatureOptions;
  /** Also emit a verdict with status 'resolved' when a condition clears (default false). */
  emitResolved?: boolean;
  /** Points kept per time series of the summary (default 1000; older points are thinned). */
  historyLength?: number;
  /**
   * What the model and the data declare about the run (see {@link DeclaredContext}): with
   * `baselineLoss` (e.g. a character corpus's unigram loss), notLearning also fires when the
   * loss stalls at that input-independent level; `transformerNorm` ranks its remedies.
   */
  declared?: DeclaredContext;
  /** Called for each verdict as it is emitted. */
  onVerdict?: (verdict: Verdict) => void;
  /**
   * Measure max |g| and the fraction of exact zeros per parameter at every check (true), never
   * (false), or by default only at checks that have an `onStats` subscriber (the JSONL record
   * writer is one): they feed the per-parameter records, no detector reads them, and leaving
   * them out halves the SIMD work of the gradient pass. Unmeasured, they read NaN in the state.
   */
  detail?: boolean;
  /** Called after every check with the state (read it, do not keep references to its arrays). */
  onStats?: (state: HealthState, health: GradientHealth) => void;
}

/** Validates gradientHealth's `declared` option (ConfigError naming the field and the value). */
function checkDeclared(d: DeclaredContext | undefined): DeclaredContext {
  if (d === undefined) return {};
  if (d === null || typeof d !== 'object')
    throw new ConfigError(`gradientHealth: option declared = ${fmt(d)} is not an object`);
  const b = d.baselineLoss;
  if (b !== undefined && (typeof b !== 'number' || !(b > 0) || !Number.isFinite(b)))
    throw new ConfigError(
      `gradientHealth: option declared.baselineLoss = ${fmt(b)} is invalid; expected a finite loss > 0`,
    );
  const n = d.transformerNorm;
  if (n !== undefined && n !== 'pre' && n !== 'post')
    throw new ConfigError(
      `gradientHealth: option declared.transformerNorm = ${fmt(n)} is invalid; expected 'pre' or 'post'`,
    );
  if (d.baselineName !== undefined && typeof d.baselineName !== 'string')
    throw new ConfigError(
      `gradientHealth: option declared.baselineName = ${fmt(d.baselineName)} is not a string`,
    );
  return { ...d };
}

/** The per-layer and per-activation time series and the verdicts of a run, for reports. */
export interface HealthSummary {
  /** Steps seen and checks made. */
  steps: number;
  checks: number;
  /** Steps of the stored points (thinned evenly when a run is long). */
  checkedSteps: number[];
  /** Per layer in depth order: gradient norm and update ratio at each stored point. */
  layers: { name: string; gradNorm: number[]; updateRatio: number[] }[];
  /** Global series at the stored points. */
  totalGradNorm: number[];
  loss: number[];
  firstLastRatio: number[];
  /** Per activation probe: its own stored points. */
  activations: {
    module: string;
    kind: ActivationKind;
    layer: string;
    steps: number[];
    mean: number[];
    saturation: number[];
    gain: number[];
    deadFraction: number[];
  }[];
  /** Every verdict emitted, in order. */
  verdicts: Verdict[];
  /** Kinds currently active. */
  active: VerdictKind[];
}

/** The monitor: a gradient transformation (place it first in a chain) with probes, verdicts and callbacks. */
export interface GradientHealth extends GradientTransformation<HealthState> {
  /** The options' thresholds, resolved (with `clipNorm` as the chain set it). */
  readonly thresholds: Readonly<HealthThresholds>;
  /** Measure every k-th step. */
  readonly every: number;
  /** Hooks activation probes on `model` (now if initialized, else at init). Returns this. */
  attach(model: AnyModule, classify?: ActivationClassifier): GradientHealth;
  /** Removes the activation probes' hooks. */
  detach(): void;
  /** Gives the monitor this step's loss tensor, so a non-finite step can be traced through the tape. */
  watch(loss: Tensor): void;
  /** Sets where the learning rate is read for computed remedies (e.g. `() => opt.lr`). */
  setLr(lr: LrSource): void;
  /** Subscribes to verdicts; returns the unsubscribe function. */
  onVerdict(fn: (verdict: Verdict) => void): () => void;
  /** Subscribes to per-check statistics; returns the unsubscribe function. */
  onStats(fn: (state: HealthState, health: GradientHealth) => void): () => void;
  /** Every verdict emitted so far. */
  readonly verdicts: readonly Verdict[];
  /** The state of the last init/update (null before init). */
  readonly state: HealthState | null;
  /** The activation probes (empty until attached and initialized). */
  readonly probes: readonly ActivationProbe[];
  /** Verdicts currently active, by kind and layer (the last started verdict of each episode). */
  activeVerdicts(): Verdict[];
  /**
   * Makes `state` (a checkpoint's, already restored into the optimizer) the monitor's current
   * state: its verdict log, active episodes and running statistics are read from it from now
   * on. Optimizer.loadStateDict calls it through the chain.
   */
  restore(state: HealthState): void;
  /** The header of this monitor's record log (parameters, layers, thresholds); needs init. */
  header(framework?: string): HeaderRecord;
  /** The non-finite trace computed at the last check (only when it started a nonFinite verdict), else null. */
  readonly trace: { anomaly: NonFiniteAnomaly | null; origin: NonFiniteOrigin | null } | null;
  /** Per-layer time series and verdicts, for reports. */
  summary(): HealthSummary;
}

/**
 * After this step's snapshot point: asks the optimizer for the norms of the update it is about
 * to make (`norms`, offered by a chain whose last link measures them) or, without an offer,
 * marks the snapshot just taken as where that update is read.
 */
function requestUpdate(st: HealthState['stats'], norms: UpdateNormsRequest | undefined): void {
  const flagAt = st.updateSums.length - 1;
  if (norms === undefined) st.updateSums[flagAt] = -1;
  else {
    st.updateSums[flagAt] = 0;
    norms.out = st.updateSums;
  }
}

/** Which detectors run when `detectors` does not say: all but the opt-in ones. */
const ALL_ON = Object.fromEntries(
  Object.entries(DETECTORS).map(([k, d]) => [k, (d as { optIn?: boolean }).optIn !== true]),
) as Record<VerdictKind, boolean>;

function checkOptions(o: GradientHealthOptions): void {
  const allowed = [
    'every',
    'model',
    'declared',
    'classify',
    'updateRatio',
    'paramEvery',
    'direction',
    'lr',
    'thresholds',
    'detectors',
    'curvature',
    'emitResolved',
    'historyLength',
    'onVerdict',
    'onStats',
    'detail',
  ];
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      throw new ConfigError(
        `gradientHealth: unknown option ${fmt(k)}; expected one of ${allowed.join(', ')}`,
      );
  }
  const every = o.every ?? 1;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1)
    throw new ConfigError(
      `gradientHealth: option every = ${fmt(every)} is invalid; expected an integer >= 1`,
    );
  const pe = o.paramEvery ?? 10;
  if (typeof pe !== 'number' || !Number.isInteger(pe) || pe < 1)
    throw new ConfigError(
      `gradientHealth: option paramEvery = ${fmt(pe)} is invalid; expected an integer >= 1`,
    );
  const hl = o.historyLength ?? 1000;
  if (typeof hl !== 'number' || !Number.isInteger(hl) || hl < 2)
    throw new ConfigError(
      `gradientHealth: option historyLength = ${fmt(hl)} is invalid; expected an integer >= 2`,
    );
  for (const k of ['updateRatio', 'direction', 'emitResolved', 'detail'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean')
      throw new ConfigError(`gradientHealth: option ${k} = ${fmt(o[k])} is not a boolean`);
  }
  if (
    o.lr !== undefined &&
    typeof o.lr !== 'function' &&
    !(typeof o.lr === 'number' && o.lr > 0 && Number.isFinite(o.lr))
  ) {
    throw new ConfigError(
      `gradientHealth: option lr = ${fmt(o.lr)} is invalid; expected a number > 0 or a function returning the current lr`,
    );
  }
  for (const k of ['onVerdict', 'onStats', 'classify'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function')
      throw new ConfigError(`gradientHealth: option ${k} = ${fmt(o[k])} is not a function`);
  }
  if (o.detectors !== undefined) {
    if (o.detectors === null || typeof o.detectors !== 'object')
      throw new ConfigError(
        `gradientHealth: option detectors = ${fmt(o.detectors)} is not an object`,
      );
    for (const [k, v] of Object.entries(o.detectors)) {
      if (!(k in ALL_ON))
        throw new ConfigError(
          `gradientHealth: option detectors.${k} is not a verdict kind; expected one of ${Object.keys(ALL_ON).join(', ')}`,
        );
      if (typeof v !== 'boolean')
        throw new ConfigError(`gradientHealth: option detectors.${k} = ${fmt(v)} is not a boolean`);
    }
  }
}

/**
 * The gradient-health monitor as a gradient transformation. Placed first in a chain it sees the
 * raw gradients; every `every` steps it measures, in one pass over the gradients and parameters,
 * per parameter ‖g‖, rms, the NaN/Inf count and (see option `detail`) max |g| and the fraction
 * of exact zeros; every
 * `paramEvery`-th check also ‖p‖ and the update ratio ‖Δp‖/‖p_before‖ of the step before
 * (measured by the optimizer's fused step while it makes the update when it offers to — adam and
 * adamw in a chain do, see StepContext.updateNorms — else from a snapshot of the parameters
 * taken then, so no optimizer cooperation is needed; the same bits either way); per layer the
 * same norms; globally ‖g‖, the first/last-layer ratio and the loss; with a model attached, each
 * ReLU/tanh/sigmoid output's mean, std, saturation, slope and dead units (forward hooks); and
 * optionally the Hessian's extreme eigenvalues. Detectors turn these into verdicts (vanishing,
 * exploding, nonFinite, saturated, deadUnits, plateau, saddle, oscillation), each emitted once
 * when it starts (see {@link HealthThresholds} for the rules and defaults), with evidence and
 * ranked, machine-readable remedies. A chain tells the monitor the norm a global-norm clip after
 * it bounds the gradients to (threshold `clipNorm`), so that a spike the clip absorbs is not
 * called an explosion. The updates pass through unchanged; the step's events get
 * `nonFinite` and `spike` raised for later links (the health-aware lr decay). Non-finite
 * gradients are caught on every step, also between checks.
 *
 * The statistics pass allocates nothing (all buffers are made at init); a check allocates only
 * when it emits a verdict.
 *
 * @example
 * const health = monitor.gradientHealth({ model, lr: 0.1, onVerdict: (v) => console.log(v.message) });
 * const opt = new optim.Optimizer(model, optim.chain(health, clip.byGlobalNorm(1), optim.sgd({ lr: 0.1 })));
 * // … train; then
 * console.log(monitor.renderHealth(health));
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013.
 * @see Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks", AISTATS 2010.
 */
export function gradientHealth(options: GradientHealthOptions = {}): GradientHealth {
  if (options === null || typeof options !== 'object')
    throw new ConfigError(`gradientHealth: options = ${fmt(options)} is not an object`);
  checkOptions(options);
  const declared = checkDeclared(options.declared);
  const th = resolveThresholds(
    declared.baselineLoss !== undefined && options.thresholds?.notLearningBaseline === undefined
      ? { ...options.thresholds, notLearningBaseline: declared.baselineLoss }
      : options.thresholds,
  );
  // a clip after the monitor in a chain: learned from the chain unless given
  const clipGiven = options.thresholds?.clipNorm !== undefined;
  const every = options.every ?? 1;
  const trackUpdates = options.updateRatio ?? true;
  // parameters are read on updates i ≡ 0 (mod K) (i = step − 1, counted from 0), the snapshot
  // for their update taken on the update before
  const K = every * (options.paramEvery ?? 10);
  const trackDirection = (options.direction ?? false) && every === 1;
  const historyLength = options.historyLength ?? 1000;
  const curvature = options.curvature === undefined ? null : new CurvatureProbe(options.curvature);
  let lrSource: LrSource | undefined = options.lr;
  const verdictFns: ((v: Verdict) => void)[] = options.onVerdict ? [options.onVerdict] : [];
  const statsFns: ((s: HealthState, h: GradientHealth) => void)[] = options.onStats
    ? [options.onStats]
    : [];
  const probes = new ActivationProbes();
  let model: AnyModule | null = null;
  let classify: ActivationClassifier = options.classify ?? defaultClassifier;
  let probesAttached = false;
  let current: HealthState | null = null;
  let watched: Tensor | null = null;
  let gradSeries: DecimatingSeries | null = null;
  let actSeries: DecimatingSeries | null = null;
  const out = resultWriter<HealthState>();

  // the decoded verdict log of `logOf`'s state (decoded again when the state is replaced, as by
  // Optimizer.loadStateDict)
  let logOf: HealthState | null = null;
  let logList: Verdict[] = [];
  const logFor = (s: HealthState): Verdict[] => {
    if (logOf !== s) {
      logList = readLog(s);
      logOf = s;
    }
    return logList;
  };

  // the check's non-finite trace: anomaly mode's record, read at the check, and the tape trace
  // from the watched loss, computed only when a nonFinite verdict asks for it
  let anomaly: NonFiniteAnomaly | null = null;
  let trace: { anomaly: NonFiniteAnomaly | null; origin: NonFiniteOrigin | null } | null = null;
  const env: DetectEnv = {
    enabled: { ...ALL_ON, ...(options.detectors ?? {}) },
    emitResolved: options.emitResolved ?? false,
    recurrentOf: new Map(),
    declared,
    trace() {
      trace ??= { anomaly, origin: watched !== null ? traceNonFinite(watched) : null };
      return trace;
    },
    raise(event) {
      raiseEvent(stepCtx, event);
    },
    emitted(v) {
      for (const fn of verdictFns) fn(v);
    },
    log: logFor,
  };
  let stepCtx: StepContext | undefined;

  const attachProbes = (): void => {
    if (model === null || current === null || probesAttached) return;
    probes.attach(model, current.stats.layerNames, current.stats.layerModules, classify);
    probesAttached = true;
    // a state restored from a checkpoint already has these probes (same model, same order);
    // otherwise the state's probe entries are made anew
    const list = probes.probes;
    const same =
      current.probes.length === list.length &&
      current.probes.every((p, i) => p.module === list[i]?.module && p.kind === list[i]?.kind);
    if (!same) {
      current.probes.length = 0;
      for (const k of Object.keys(current.episodes) as VerdictKind[])
        if (DETECTORS[k].scope === 'probe') current.episodes[k].length = 0;
      for (const p of probes.probes) addProbe(current, p);
    }
    actSeries =
      probes.probes.length > 0
        ? new DecimatingSeries(4 * probes.probes.length, historyLength)
        : null;
  };

  const readLr = (): number => {
    const v = typeof lrSource === 'function' ? lrSource() : lrSource;
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : NaN;
  };

  const record = (s: HealthState): void => {
    const st = s.stats;
    const L = st.layerNames.length;
    if (gradSeries !== null) {
      const o = gradSeries.push(s.step);
      if (o >= 0) {
        const d = gradSeries.data;
        for (let l = 0; l < L; l++) {
          d[o + l] = st.layerGradNorm[l] as number;
          d[o + L + l] = st.layerUpdateRatio[l] as number;
        }
        d[o + 2 * L] = st.totalGradNorm;
        d[o + 2 * L + 1] = s.loss;
        d[o + 2 * L + 2] =
          L >= 2 ? (st.layerGradNorm[0] as number) / (st.layerGradNorm[L - 1] as number) : NaN;
      }
    }
    if (actSeries !== null) {
      const o = actSeries.push(s.step);
      if (o >= 0) {
        const d = actSeries.data;
        const list = probes.probes;
        for (let i = 0; i < list.length; i++) {
          const p = list[i] as ActivationProbe;
          d[o + 4 * i] = p.mean;
          d[o + 4 * i + 1] = p.saturation;
          d[o + 4 * i + 2] = p.gain;
          d[o + 4 * i + 3] = p.deadFraction;
        }
      }
    }
  };

  // measureGradients' options, one record reused by every check (a literal would allocate)
  const measureOptions: MeasureOptions = {
    withUpdate: false,
    takeSnapshot: false,
    prevValid: false,
    readParams: true,
    gradStats: undefined,
    detail: true,
  };
  const detailOption = options.detail;

  /** The measure half of a check (tensors → the state's observation), then the detectors. */
  const check = (
    s: HealthState,
    updates: Params,
    params: Params,
    ctx: StepContext | undefined,
  ): void => {
    const st = s.stats;
    const step = s.step; // this update's number, from 1
    const i = step - 1; // … from 0
    const readParams = i % K === 0;
    // where the update of the step before is (see GradientStats.updateSums): 1 measured by the
    // optimizer, −1 in the snapshot, 0 asked for but not measured (unknown)
    const flagAt = st.updateSums.length - 1;
    const where = st.updateSums[flagAt] as number;
    const withUpdate =
      trackUpdates && readParams && i > 0 && st.snapshotStep === step - 1 && where !== 0;
    const snapshotDue = trackUpdates && (i + 1) % K === 0;
    // the optimizer measures this step's update when it offers to (no copy of the parameters)
    const norms = snapshotDue ? ctx?.updateNorms : undefined;
    const takeSnapshot = snapshotDue && norms === undefined;
    const prevValid = trackDirection && i > 0 && st.prevGradStep === step - 1;
    const gradOfUpdate = withUpdate ? st.snapshotGradNorm : NaN;
    const mo = measureOptions;
    mo.withUpdate = withUpdate;
    mo.updateFromSums = where === 1;
    mo.takeSnapshot = takeSnapshot;
    mo.prevValid = prevValid;
    mo.readParams = readParams || s.checks === 0;
    mo.gradStats = ctx?.gradStats;
    mo.detail = detailOption ?? statsFns.length > 0;
    measureGradients(st, updates, params, mo);
    mo.gradStats = undefined;
    st.updateGradNorm = gradOfUpdate;
    if (trackDirection) st.prevGradStep = step;
    if (snapshotDue) {
      st.snapshotStep = step;
      st.snapshotGradNorm = st.totalGradNorm;
      requestUpdate(st, norms);
    }
    probes.finalize(th.deadWindow, s.probes);
    s.checks++;
    s.lastCheck = step;
    const loss = ctx?.loss;
    s.loss = typeof loss === 'number' ? loss : NaN;
    s.finite =
      st.totalNonFinite > 0 || (typeof loss === 'number' && !Number.isFinite(loss)) ? 0 : 1;
    s.lr = readLr();
    anomaly = isAnomalyEnabled() ? firstAnomaly() : null;
    trace = null;
    if (isAnomalyEnabled()) clearAnomaly();
    if (s.finite === 1 && curvature !== null && (s.checks - 1) % curvature.every === 0) {
      probes.suspended = true;
      try {
        const c = curvature.run(params);
        s.curvatureStep = step;
        s.minEigenvalue = c.minEigenvalue;
        s.maxEigenvalue = c.maxEigenvalue;
        s.curvatureHvps = c.hvps;
        s.minEigenResidual = c.minResidual;
        s.maxEigenResidual = c.maxResidual;
      } finally {
        probes.suspended = false;
      }
    }
    stepCtx = ctx;
    runDetectors(s, th, env);
    stepCtx = undefined;
    record(s);
    for (let k = 0; k < statsFns.length; k++) (statsFns[k] as (typeof statsFns)[number])(s, health);
  };

  const health: GradientHealth = {
    thresholds: th,
    every,
    // update returns the updates as given and never writes them: a chain shares the step's
    // gradient statistics with the links after it and runs it on the gradients without a copy
    observesOnly: true,
    init(params: Params): HealthState {
      if (params === null || typeof params !== 'object')
        throw new ConfigError(
          `gradientHealth.init: params = ${fmt(params)} is not a record of tensors`,
        );
      current = createHealthState(params, th, trackDirection);
      env.recurrentOf = recurrentCells(params, layerOf);
      const L = current.stats.layerNames.length;
      gradSeries = new DecimatingSeries(2 * L + 3, historyLength);
      if (options.model !== undefined && model === null) model = options.model;
      probesAttached = false;
      probes.detach();
      probes.probes.length = 0;
      attachProbes();
      probes.armed = true;
      return current;
    },
    update(
      updates: Params,
      state: HealthState,
      params: Params,
      ctx?: StepContext,
    ): [Params, HealthState] {
      current = state;
      const i = state.step; // updates before this one
      state.step = i + 1;
      let doCheck = i % every === 0;
      if (!doCheck) {
        const loss = ctx?.loss;
        if (
          (typeof loss === 'number' && !Number.isFinite(loss)) ||
          quickNonFinite(state.stats, updates) > 0
        )
          doCheck = true;
      }
      if (doCheck) check(state, updates, params, ctx);
      else if (trackUpdates && (i + 1) % K === 0) {
        const norms = ctx?.updateNorms;
        if (norms === undefined) snapshotParams(state.stats, params);
        state.stats.snapshotStep = i + 1;
        state.stats.snapshotGradNorm = NaN;
        requestUpdate(state.stats, norms);
      }
      probes.armed = (i + 1) % every === 0;
      watched = null;
      return out(updates, state);
    },
    boundedAfter(bound: number): void {
      if (!clipGiven) th.clipNorm = Number.isFinite(bound) && bound > 0 ? bound : 0;
    },
    restore(state: HealthState): void {
      current = state;
      probes.armed = state.step % every === 0;
    },
    // a checkpoint saved before a change of the state's shape (monitor/upgrade.ts)
    upgrade: upgradeHealthState,
    attach(m: AnyModule, cls?: ActivationClassifier): GradientHealth {
      if (
        m === null ||
        typeof m !== 'object' ||
        typeof (m as { namedModules?: unknown }).namedModules !== 'function'
      ) {
        throw new ConfigError(`gradientHealth.attach: model = ${fmt(m)} is not a Module`);
      }
      if (cls !== undefined) classify = cls;
      if (model !== m) {
        probes.detach();
        probes.probes.length = 0;
        probesAttached = false;
      }
      model = m;
      attachProbes();
      return health;
    },
    detach(): void {
      probes.detach();
    },
    watch(loss: Tensor): void {
      watched = loss;
    },
    setLr(lr: LrSource): void {
      if (typeof lr !== 'function' && !(typeof lr === 'number' && lr > 0 && Number.isFinite(lr))) {
        throw new ConfigError(
          `gradientHealth.setLr: lr = ${fmt(lr)} is invalid; expected a number > 0 or a function`,
        );
      }
      lrSource = lr;
    },
    onVerdict(fn) {
      verdictFns.push(fn);
      return () => {
        const i = verdictFns.indexOf(fn);
        if (i >= 0) verdictFns.splice(i, 1);
      };
    },
    onStats(fn) {
      statsFns.push(fn);
      return () => {
        const i = statsFns.indexOf(fn);
        if (i >= 0) statsFns.splice(i, 1);
      };
    },
    get verdicts(): readonly Verdict[] {
      return current === null ? [] : logFor(current);
    },
    get state(): HealthState | null {
      return current;
    },
    get trace() {
      return trace;
    },
    header(framework = 'gradscope'): HeaderRecord {
      if (current === null)
        throw new ConfigError(
          'gradientHealth.header: the monitor has no parameters yet (init first)',
        );
      const st = current.stats;
      return {
        type: 'header',
        format: 'gradscope.monitor',
        version: 1,
        framework,
        params: st.paramNames.map((name, k) => ({
          name,
          shape: [...(st.paramShapes[k] as number[])],
          dtype: st.snapshot instanceof Float32Array ? 'float32' : 'float64',
        })),
        layers: [...st.layerNames],
        every,
        thresholds: { ...th },
        detectors: { ...env.enabled },
        emitResolved: env.emitResolved,
        ...(Object.keys(env.declared).length > 0 ? { declared: { ...env.declared } } : {}),
      };
    },
    get probes(): readonly ActivationProbe[] {
      return probes.probes;
    },
    activeVerdicts(): Verdict[] {
      return current === null ? [] : activeOf(current, logFor(current));
    },
    summary(): HealthSummary {
      const s = current;
      const layerNames = s?.stats.layerNames ?? [];
      const L = layerNames.length;
      const g = gradSeries;
      const a = actSeries;
      return {
        steps: s?.step ?? 0,
        checks: s?.checks ?? 0,
        checkedSteps: g?.stepList() ?? [],
        layers: layerNames.map((name, l) => ({
          name,
          gradNorm: g?.column(l) ?? [],
          updateRatio: g?.column(L + l) ?? [],
        })),
        totalGradNorm: g?.column(2 * L) ?? [],
        loss: g?.column(2 * L + 1) ?? [],
        firstLastRatio: g?.column(2 * L + 2) ?? [],
        activations: probes.probes.map((p, i) => ({
          module: p.module,
          kind: p.kind,
          layer: p.layer,
          steps: a?.stepList() ?? [],
          mean: a?.column(4 * i) ?? [],
          saturation: a?.column(4 * i + 1) ?? [],
          gain: a?.column(4 * i + 2) ?? [],
          deadFraction: a?.column(4 * i + 3) ?? [],
        })),
        verdicts: [...health.verdicts],
        active: [...new Set(health.activeVerdicts().map((v) => v.kind))],
      };
    },
  };
  return health;
}
