import type { AnomalyRecord } from '../autograd/anomaly.js';
import type { ActivationProbe } from './activation-probe.js';
import {
  TRIGGER_NAMES,
  recentMedianNorm,
  type OscillationMeasure,
  type PlateauMeasure,
} from './detectors.js';
import { formatLayers } from './layers.js';
import {
  deadUnitsRemedies,
  explodingRemedies,
  fmtNum,
  nonFiniteRemedies,
  oscillationRemedies,
  plateauRemedies,
  saddleRemedies,
  saturatedRemedies,
  vanishingRemedies,
  type RemedyContext,
} from './remedies.js';
import type { HealthState } from './state.js';
import type { HealthThresholds } from './thresholds.js';
import type { NonFiniteOrigin, Verdict, VerdictKind, VerdictOf } from './types.js';

function pct(x: number): string {
  return `${fmtNum(100 * x)}%`;
}

/**
 * The `vanishing` verdict from the current check.
 * @example vanishingVerdict(state, th, ctx).layers // ['0', '2', …]
 */
export function vanishingVerdict(
  s: HealthState,
  th: HealthThresholds,
  ctx: RemedyContext,
): VerdictOf<'vanishing'> {
  const st = s.stats;
  const L = st.layerNames.length;
  const last = st.layerGradNorm[L - 1] as number;
  const first = st.layerGradNorm[0] as number;
  const layerRatios: Record<string, number> = {};
  const named: string[] = [];
  for (let l = 0; l < L; l++) {
    const ratio = (st.layerGradNorm[l] as number) / last;
    const name = st.layerNames[l] as string;
    layerRatios[name] = ratio;
    if (l < L - 1 && ratio < th.vanishingLayerRatio) named.push(name);
  }
  if (named.length === 0) named.push(st.layerNames[0] as string);
  const ratio = first / last;
  const pFirst = st.layerParamNorm[0] as number;
  return {
    kind: 'vanishing',
    status: 'started',
    step: s.step,
    layers: named,
    severity: ratio < 1e-6 ? 'critical' : 'warning',
    message: `vanishing gradients: ‖g‖ of layer ${st.layerNames[0] as string} is ${fmtNum(ratio)}× that of layer ${st.layerNames[L - 1] as string} (floor ${fmtNum(th.vanishingRatio)}) for ${th.vanishingPatience} checks; ${formatLayers(named, st.layerNames)} get < ${pct(th.vanishingLayerRatio)} of the last layer's gradient`,
    evidence: {
      ratio,
      firstLayer: st.layerNames[0] as string,
      lastLayer: st.layerNames[L - 1] as string,
      firstNorm: first,
      lastNorm: last,
      firstRelative: pFirst > 0 ? first / pFirst : first,
      layerRatios,
      ratioFloor: th.vanishingRatio,
      checks: th.vanishingPatience,
    },
    remedies: vanishingRemedies(ctx, named),
  };
}

/**
 * The `exploding` verdict for a trigger code (see detectors.ts).
 * @example explodingVerdict(state, TRIGGER_SPIKE, ctx).evidence.zScore
 */
export function explodingVerdict(
  s: HealthState,
  trigger: number,
  ctx: RemedyContext,
): VerdictOf<'exploding'> {
  const st = s.stats;
  const name = TRIGGER_NAMES[trigger] as 'spike' | 'growth' | 'ceiling' | 'update';
  const norm = st.totalGradNorm;
  const rel = norm / Math.max(st.totalParamNorm, 1);
  const runningNorm = s.logCount > 1 ? Math.exp(s.logMean) : NaN;
  const medianNorm = recentMedianNorm(s, false);
  const order = Array.from(st.layerGradNorm, (n, l) => ({
    layer: st.layerNames[l] as string,
    norm: n,
  }));
  order.sort((a, b) => b.norm - a.norm);
  // the layers carrying the explosion: within 10× of the largest, at most three
  const top = order[0]?.norm ?? 0;
  const topLayers = order.filter((x, i) => i === 0 || x.norm >= 0.1 * top).slice(0, 3);
  const why =
    name === 'ceiling'
      ? `‖g‖ = ${fmtNum(norm)} is ${fmtNum(rel)}× max(‖p‖, 1)`
      : name === 'update'
        ? `the last update moved the parameters by ${fmtNum(st.totalUpdateRatio)}× their norm`
        : name === 'spike'
          ? `‖g‖ = ${fmtNum(norm)} jumped to ${fmtNum(norm / runningNorm)}× its running mean (z = ${fmtNum(s.lastZ)})`
          : `‖g‖ grew ${fmtNum(s.lastGrowth)}× over the growth window (now ${fmtNum(norm)})`;
  return {
    kind: 'exploding',
    status: 'started',
    step: s.step,
    layers: topLayers.map((t) => t.layer),
    severity: name === 'ceiling' || name === 'update' ? 'critical' : 'warning',
    message: `exploding gradients (${name}): ${why}; largest in ${formatLayers(
      topLayers.map((t) => t.layer),
      [],
    )}`,
    evidence: {
      trigger: name,
      totalNorm: norm,
      runningNorm,
      zScore: s.lastZ,
      growth: s.lastGrowth,
      relativeNorm: rel,
      updateRatio: st.totalUpdateRatio,
      medianNorm,
      topLayers,
    },
    remedies: explodingRemedies(
      ctx,
      topLayers.map((t) => t.layer),
      medianNorm,
    ),
  };
}

/**
 * The `nonFinite` verdict from the current check.
 * @example nonFiniteVerdict(state, firstAnomaly(), traceNonFinite(loss), ctx).evidence.firstParam
 */
export function nonFiniteVerdict(
  s: HealthState,
  anomaly: AnomalyRecord | null,
  origin: NonFiniteOrigin | null,
  ctx: RemedyContext,
): VerdictOf<'nonFinite'> {
  const st = s.stats;
  const params: { name: string; count: number }[] = [];
  const layers: string[] = [];
  for (let k = 0; k < st.paramNames.length && params.length < 8; k++) {
    const c = st.nonFiniteCount[k] as number;
    if (c > 0) {
      params.push({ name: st.paramNames[k] as string, count: c });
      const layer = st.layerNames[st.paramLayer[k] as number] as string;
      if (!layers.includes(layer)) layers.push(layer);
    }
  }
  const firstParam = st.firstNonFinite >= 0 ? (st.paramNames[st.firstNonFinite] as string) : null;
  const parts = [
    firstParam === null
      ? `non-finite loss (${fmtNum(s.loss)}) at step ${s.step}`
      : `non-finite gradients at step ${s.step}: first in ${firstParam} (${st.totalNonFinite} NaN/Inf entries in ${params.length} parameter${params.length === 1 ? '' : 's'})`,
  ];
  if (origin !== null)
    parts.push(
      origin.kind === 'op'
        ? `first produced by op '${origin.name}'`
        : `traced to ${origin.kind === 'input' ? 'the input' : `parameter ${origin.name}`} [${origin.shape.join(', ')}] (row ${origin.row})`,
    );
  if (anomaly !== null)
    parts.push(
      `anomaly mode: ${anomaly.phase === 'forward' ? 'op' : 'backward of op'} '${anomaly.op}' produced ${anomaly.value}`,
    );
  const exploded =
    Number.isFinite(s.lastFiniteNorm) && s.lastFiniteNorm > 10 * recentMedianNorm(s, true, 1);
  return {
    kind: 'nonFinite',
    status: 'started',
    step: s.step,
    layers,
    severity: 'critical',
    message: parts.join('; '),
    evidence: {
      firstParam,
      count: st.totalNonFinite,
      params,
      loss: s.loss,
      anomaly:
        anomaly === null
          ? null
          : {
              op: anomaly.op,
              phase: anomaly.phase,
              index: anomaly.index,
              value: anomaly.value,
              inputShapes: anomaly.inputShapes.map((x) => [...x]),
            },
      origin,
      lastFiniteNorm: s.lastFiniteNorm,
    },
    remedies: nonFiniteRemedies(ctx, origin, anomaly?.op ?? null, exploded),
  };
}

/**
 * The `saturated` verdict of a tanh/sigmoid probe.
 * @example saturatedVerdict(state, probe, 'collapse', ctx).layers // ['6']
 */
export function saturatedVerdict(
  s: HealthState,
  p: ActivationProbe,
  rule: 'tails' | 'collapse',
  ctx: RemedyContext,
): VerdictOf<'saturated'> {
  const kind = p.kind as 'tanh' | 'sigmoid';
  const where =
    p.layer === '' ? `${kind} ${p.module}` : `${kind} ${p.module} (after layer ${p.layer})`;
  const why =
    rule === 'tails'
      ? `${pct(p.saturation)} of its outputs in the flat tails`
      : `mean output ${fmtNum(p.mean)} (was ${fmtNum(p.firstMean)}), pushed to the ${p.mean < 0.5 ? 'lower' : 'upper'} end`;
  return {
    kind: 'saturated',
    status: 'started',
    step: s.step,
    layers: [p.layer === '' ? p.module : p.layer],
    severity: 'warning',
    message: `saturated ${where}: ${why}; mean slope ${pct(p.gain)} of the peak`,
    evidence: {
      module: p.module,
      activation: kind,
      saturation: p.saturation,
      mean: p.mean,
      initialMean: p.firstMean,
      gain: p.gain,
      rule,
    },
    remedies: saturatedRemedies(ctx, p.layer, kind),
  };
}

/**
 * The `deadUnits` verdict of a ReLU probe.
 * @example deadUnitsVerdict(state, probe, th, ctx).evidence.deadFraction
 */
export function deadUnitsVerdict(
  s: HealthState,
  p: ActivationProbe,
  th: HealthThresholds,
  ctx: RemedyContext,
): VerdictOf<'deadUnits'> {
  const dead = Math.round(p.deadFraction * p.width);
  const where = p.layer === '' ? `ReLU ${p.module}` : `ReLU ${p.module} (after layer ${p.layer})`;
  return {
    kind: 'deadUnits',
    status: 'started',
    step: s.step,
    layers: [p.layer === '' ? p.module : p.layer],
    severity: p.deadFraction >= 0.99 ? 'critical' : 'warning',
    message: `dead units in ${where}: ${dead} of ${p.width} units (${pct(p.deadFraction)}) output 0 on every sample for ${th.deadWindow} checks`,
    evidence: {
      module: p.module,
      deadFraction: p.deadFraction,
      deadUnits: dead,
      width: p.width,
      window: th.deadWindow,
      mean: p.mean,
    },
    remedies: deadUnitsRemedies(ctx, p.layer),
  };
}

/**
 * The `plateau` verdict.
 * @example plateauVerdict(state, plateauCondition(state, th)!, th, ctx)
 */
export function plateauVerdict(
  s: HealthState,
  m: PlateauMeasure,
  th: HealthThresholds,
  ctx: RemedyContext,
): VerdictOf<'plateau'> {
  return {
    kind: 'plateau',
    status: 'started',
    step: s.step,
    layers: [],
    severity: 'warning',
    message: `plateau: loss flat over ${th.plateauWindow} checks (${fmtNum(m.before)} → ${fmtNum(m.after)}, ${pct(-m.change)}) with tiny gradients (median ‖g‖/max(‖p‖, 1) = ${fmtNum(m.relative)})`,
    evidence: {
      lossBefore: m.before,
      lossAfter: m.after,
      relativeChange: m.change,
      relativeGradient: m.relative,
      window: th.plateauWindow,
    },
    remedies: plateauRemedies(ctx),
  };
}

/**
 * The `saddle` verdict.
 * @example saddleVerdict(state, ctx).evidence.minEigenvalue // ≈ −2 for x² − y²
 */
export function saddleVerdict(s: HealthState, ctx: RemedyContext): VerdictOf<'saddle'> {
  const st = s.stats;
  const rel = st.totalGradNorm / Math.max(st.totalParamNorm, 1);
  return {
    kind: 'saddle',
    status: 'started',
    step: s.step,
    layers: [],
    severity: 'info',
    message: `saddle point: ‖g‖ = ${fmtNum(st.totalGradNorm)} with negative curvature λmin = ${fmtNum(s.minEigenvalue)} (λmax = ${fmtNum(s.maxEigenvalue)})`,
    evidence: {
      minEigenvalue: s.minEigenvalue,
      maxEigenvalue: s.maxEigenvalue,
      gradNorm: st.totalGradNorm,
      relativeGradient: rel,
      hvps: s.curvatureHvps,
    },
    remedies: saddleRemedies(ctx, st.totalGradNorm),
  };
}

/**
 * The `oscillation` verdict.
 * @example oscillationVerdict(state, m, th, ctx).remedies[0].action // { action: 'lr', factor: 1/3, … }
 */
export function oscillationVerdict(
  s: HealthState,
  m: OscillationMeasure,
  th: HealthThresholds,
  ctx: RemedyContext,
): VerdictOf<'oscillation'> {
  const lr = ctx.lr ?? ctx.effectiveLr;
  const what =
    m.signal === 'loss'
      ? `loss alternates up/down in ${pct(m.alternation)} of steps with amplitude growing ${fmtNum(m.growth)}×`
      : `successive gradients point opposite ways (mean cos = ${fmtNum(m.meanCosine)})`;
  return {
    kind: 'oscillation',
    status: 'started',
    step: s.step,
    layers: [],
    severity: 'warning',
    message: `oscillation over ${th.oscillationWindow} checks: ${what} — the learning rate is too high`,
    evidence: {
      signal: m.signal,
      alternation: m.alternation,
      growth: m.growth,
      meanCosine: m.meanCosine,
      window: th.oscillationWindow,
      lr: lr ?? NaN,
    },
    remedies: oscillationRemedies(ctx),
  };
}

/**
 * A 'resolved' notice for an active verdict (no remedies; evidence of the original).
 * @example emit(resolvedVerdict(active, state.step))
 */
export function resolvedVerdict<K extends VerdictKind>(
  original: VerdictOf<K>,
  step: number,
): Verdict {
  return {
    ...original,
    status: 'resolved',
    step,
    severity: 'info',
    message: `resolved: ${original.kind} (since step ${original.step})`,
    remedies: [],
  } as Verdict;
}
