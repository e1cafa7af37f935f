import { deserializeState, serializeState } from '../optim/serialize.js';
import type { ActivationKind } from './activation-probe.js';
import type { Detector, EpisodeThresholds } from './detector.js';
import { DETECTORS, VERDICT_KINDS } from './detector-table.js';
import type { NonFiniteAnomaly, NonFiniteOrigin } from './detectors/non-finite.js';
import {
  EPISODE_RESOLVE,
  EPISODE_START,
  advanceEpisode,
  createEpisodeCheck,
  type Episode,
} from './episode.js';
import type { DeclaredContext, RemedyContext } from './remedies.js';
import { recentMedianNorm, ringPush, type HealthState } from './state.js';
import type { HealthThresholds } from './thresholds.js';
import type { Verdict, VerdictKind } from './types.js';

/** What the detector pass needs besides the state: where verdicts and events go. */
export interface DetectEnv {
  /** Detectors switched on. */
  enabled: Readonly<Record<VerdictKind, boolean>>;
  /** Emit a 'resolved' verdict when an episode ends. */
  emitResolved: boolean;
  /** Recurrent cell of each recurrent layer (for the remedies). */
  recurrentOf: ReadonlyMap<string, 'rnn' | 'lstm' | 'gru'>;
  /** What the model and the data declared (for the remedies). */
  declared: DeclaredContext;
  /** The check's trace of a non-finite value (computed only when asked for). */
  trace(): { anomaly: NonFiniteAnomaly | null; origin: NonFiniteOrigin | null };
  /** Raised events (spike, nonFinite), whether or not the detector is enabled. */
  raise(event: 'spike' | 'nonFinite'): void;
  /** Called with each verdict after it was appended to the state's log. */
  emitted(v: Verdict): void;
  /** The state's log as verdicts (cached by the caller). */
  log(s: HealthState): Verdict[];
}

type AnyDetector = Detector<VerdictKind, unknown, unknown, object, object>;

const MODEL: readonly [VerdictKind, AnyDetector][] = (
  Object.entries(DETECTORS) as [VerdictKind, AnyDetector][]
).filter(([, d]) => d.scope === 'model');
const PROBE: readonly [VerdictKind, AnyDetector][] = (
  Object.entries(DETECTORS) as [VerdictKind, AnyDetector][]
).filter(([, d]) => d.scope === 'probe');
const MODEL_KINDS = MODEL.map(([k]) => k);
const MODEL_DETECTORS = MODEL.map(([, d]) => d);
const PROBE_KINDS = PROBE.map(([k]) => k);
const PROBE_DETECTORS = PROBE.map(([, d]) => d);

/** One JSON line of the verdict log (the verdict as serializeState encodes it: NaN/±Inf exact). */
function logLine(v: Verdict): string {
  return `${JSON.stringify(serializeState(v, 'verdict'))}\n`;
}

/**
 * The verdicts of a state's log, decoded (bit-exact).
 * @example readLog(health.state!).length === health.verdicts.length
 */
export function readLog(s: HealthState): Verdict[] {
  if (s.log === '') return [];
  return s.log
    .slice(0, -1)
    .split('\n')
    .map((line) => deserializeState(JSON.parse(line), 'verdict') as Verdict);
}

/**
 * The remedies' context at the current check.
 * @example remedyContext(state, recurrentCells(params, layerOf), trace)
 */
export function remedyContext(
  s: HealthState,
  recurrentOf: ReadonlyMap<string, 'rnn' | 'lstm' | 'gru'>,
  trace: { anomaly: NonFiniteAnomaly | null; origin: NonFiniteOrigin | null },
  declared: DeclaredContext = {},
): RemedyContext {
  const activationOf = new Map<string, ActivationKind>();
  for (const p of s.probes)
    if (p.layer !== '' && !activationOf.has(p.layer)) activationOf.set(p.layer, p.kind);
  const st = s.stats;
  return {
    layerNames: st.layerNames,
    activationOf,
    recurrentOf,
    lr: Number.isFinite(s.lr) && s.lr > 0 ? s.lr : undefined,
    effectiveLr: st.totalUpdateNorm / st.updateGradNorm,
    healthyMedianNorm: recentMedianNorm(s, true, 5),
    anomaly: trace.anomaly,
    origin: trace.origin,
    declared,
  };
}

/** The episode check every detector call fills (one object, no allocation per check). */
const CHECK = createEpisodeCheck();

function runOne(
  kind: VerdictKind,
  d: AnyDetector,
  s: HealthState,
  th: HealthThresholds,
  env: DetectEnv,
  unit: number,
): void {
  if (d.applies !== undefined && !d.applies(s, unit)) return;
  const on = env.enabled[kind];
  if (!on && d.fold === undefined && d.event === undefined) return;
  const running = s.running[kind];
  // a detector that is off and raises no event only folds: its measure is not needed (see
  // Detector.fold; lossSpike, opt-in, would scan its window at every check otherwise)
  const m = on || d.event !== undefined ? d.measure(s, th, running, unit) : null;
  d.fold?.(s, th, running, m);
  if (m !== null && d.event !== undefined) env.raise(d.event);
  if (!on) return;
  const e = s.episodes[kind][unit] as Episode;
  CHECK.condition = m !== null;
  CHECK.step = s.step;
  CHECK.patience = d.patience(th);
  CHECK.resolveAfter = th.resolveAfter;
  CHECK.cooldown = d.cooldown(th as HealthThresholds & EpisodeThresholds);
  const r = advanceEpisode(e, CHECK);
  if (r === EPISODE_RESOLVE) {
    const started = e.verdict >= 0 ? env.log(s)[e.verdict] : undefined;
    e.verdict = -1;
    if (env.emitResolved && started !== undefined) append(s, resolvedVerdict(started, s.step), env);
  } else if (r === EPISODE_START && m !== null) {
    const ctx = remedyContext(
      s,
      env.recurrentOf,
      kind === 'nonFinite' ? env.trace() : NO_TRACE,
      env.declared,
    );
    e.verdict = s.logCount;
    append(s, d.verdict(s, m, th, running, ctx, unit) as Verdict, env);
  }
}

const NO_TRACE = { anomaly: null, origin: null } as const;

function append(s: HealthState, v: Verdict, env: DetectEnv): void {
  env.log(s).push(v);
  s.log += logLine(v);
  s.logCount++;
  env.emitted(v);
}

/**
 * The detector pass of one check, after its measurement: folds a finite check into the shared
 * ring, then runs every detector of the table in order (model-wide ones, then for each probe the
 * probe ones) — measure, fold, episode, verdict. Shared by the live monitor and {@link replay},
 * so both give the same verdicts from the same observations.
 * @example runDetectors(state, th, env)
 */
export function runDetectors(s: HealthState, th: HealthThresholds, env: DetectEnv): void {
  if (s.finite === 1) {
    ringPush(s);
    s.lastFiniteNorm = s.stats.totalGradNorm;
  }
  // indexed loops: no iterator or destructured pair per detector and check
  for (let i = 0; i < MODEL.length; i++) {
    const d = MODEL_DETECTORS[i] as AnyDetector;
    if (d.finiteOnly ? s.finite === 1 : true)
      runOne(MODEL_KINDS[i] as VerdictKind, d, s, th, env, 0);
  }
  for (let u = 0; u < s.probes.length; u++)
    for (let i = 0; i < PROBE.length; i++) {
      const d = PROBE_DETECTORS[i] as AnyDetector;
      if (d.finiteOnly ? s.finite === 1 : true)
        runOne(PROBE_KINDS[i] as VerdictKind, d, s, th, env, u);
    }
}

/**
 * The active verdicts of a state: those whose episode is still on, by kind (in
 * {@link VERDICT_KINDS} order), then in the order they started.
 * @example activeOf(state, readLog(state))
 */
export function activeOf(s: HealthState, log: readonly Verdict[]): Verdict[] {
  const out: Verdict[] = [];
  for (const kind of VERDICT_KINDS) {
    const idx: number[] = [];
    for (const e of s.episodes[kind]) if (e.active === 1 && e.verdict >= 0) idx.push(e.verdict);
    idx.sort((a, b) => a - b);
    for (const i of idx) {
      const v = log[i];
      if (v !== undefined) out.push(v);
    }
  }
  return out;
}

/**
 * A 'resolved' notice for an active verdict (no remedies; evidence of the original).
 * @example resolvedVerdict(active, state.step)
 */
export function resolvedVerdict(original: Verdict, step: number): Verdict {
  return {
    ...original,
    status: 'resolved',
    step,
    severity: 'info',
    message: `resolved: ${original.kind} (since step ${original.step})`,
    remedies: [],
  } as Verdict;
}
