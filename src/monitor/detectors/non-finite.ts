import type { Detector } from '../detector.js';
import { fmtNum, nonFiniteRemedies } from '../remedies.js';
import { recentMedianNorm } from '../state.js';

/** Where the trace of a non-finite value ended. */
export interface NonFiniteOrigin {
  /** 'input': a leaf without grad (data) held it; 'parameter': a parameter did; 'op': an op produced it from finite inputs. */
  kind: 'input' | 'parameter' | 'op';
  /** The op's name (kind 'op') or the tensor's name if it has one. */
  name: string;
  /** Shape of the tensor holding the first non-finite value. */
  shape: number[];
  /** Flat index and value of the first non-finite element. */
  index: number;
  value: number;
  /** Leading-axis index (the batch row for inputs). */
  row: number;
}

/** Anomaly mode's first record, as evidence. */
export interface NonFiniteAnomaly {
  op: string;
  phase: 'forward' | 'backward';
  index: number;
  value: number;
  inputShapes: number[][];
}

/** Evidence of a `nonFinite` verdict. */
export interface NonFiniteEvidence {
  /** First parameter (arena order) whose gradient holds NaN/Inf (null if only the loss is non-finite). */
  firstParam: string | null;
  /** NaN/Inf gradient entries over all parameters. */
  count: number;
  /** Parameters with non-finite gradients and their counts (arena order, at most 8). */
  params: { name: string; count: number }[];
  /** The loss of the step (NaN if not given). */
  loss: number;
  /** Anomaly mode's first record (the op that produced the first NaN/Inf from finite inputs), if anomaly mode was on. */
  anomaly: NonFiniteAnomaly | null;
  /** The tape trace from the watched loss, if a loss tensor was given to `watch()`. */
  origin: NonFiniteOrigin | null;
  /** ‖g‖ of the last finite check before (for "it exploded first"). */
  lastFiniteNorm: number;
}

/**
 * `nonFinite`: NaN/Inf in the gradients or the loss. Checked on every step, also between checks
 * (`every` > 1), with the parameters holding it, anomaly mode's first op and the tape trace
 * from a watched loss as evidence.
 */
export const nonFinite: Detector<'nonFinite', NonFiniteEvidence, true, object> = {
  kind: 'nonFinite',
  rank: 0,
  scope: 'model',
  finiteOnly: false,
  event: 'nonFinite',
  thresholds: {},
  running: () => ({}),
  measure: (s) => (s.finite === 0 ? true : null),
  patience: () => 1,
  cooldown: () => 0,
  verdict(s, _m, _th, _r, ctx) {
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
    const { anomaly, origin } = ctx;
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
  },
};
