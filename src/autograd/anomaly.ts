import { AutogradError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';

/** Where a non-finite value first appeared, found in anomaly mode. */
export interface AnomalyRecord {
  /** The op whose output (forward) or input gradient (backward) first held NaN/Inf. */
  op: string;
  /** 'forward' when the op's output was the first non-finite value, 'backward' for its VJP. */
  phase: 'forward' | 'backward';
  /** Index of the first non-finite element and its value. */
  index: number;
  value: number;
  /** Shapes of the op's inputs, for the message. */
  inputShapes: number[][];
}

let anomalyMode = false;
let throwOnAnomaly = false;
let first: AnomalyRecord | null = null;

/** Whether anomaly mode (a NaN/Inf check after every op) is on. */
export function isAnomalyEnabled(): boolean {
  return anomalyMode;
}

/**
 * Turns anomaly mode on or off (PyTorch's `torch.autograd.detect_anomaly`). While on, every op
 * checks its output (and, in backward, the gradients it produces) for NaN/Inf whose inputs were
 * finite, and records the first such op; with `throwError` it throws an AutogradError instead.
 * Costs one pass over each result.
 */
export function setAnomalyMode(flag: boolean, opts: { throwError?: boolean } = {}): void {
  anomalyMode = flag;
  throwOnAnomaly = opts.throwError ?? false;
}

/** Runs `fn` in anomaly mode and returns its value with the first anomaly seen (or null). */
export function detectAnomaly<T>(
  fn: () => T,
  opts: { throwError?: boolean } = {},
): { value: T; anomaly: AnomalyRecord | null } {
  const prevMode = anomalyMode;
  const prevThrow = throwOnAnomaly;
  const prevFirst = first;
  first = null;
  setAnomalyMode(true, opts);
  try {
    const value = fn();
    return { value, anomaly: first };
  } finally {
    anomalyMode = prevMode;
    throwOnAnomaly = prevThrow;
    first = prevFirst ?? first;
  }
}

/** The first anomaly recorded since the last {@link clearAnomaly}. */
export function firstAnomaly(): AnomalyRecord | null {
  return first;
}

/** Forgets the recorded anomaly. */
export function clearAnomaly(): void {
  first = null;
}

function firstNonFinite(a: TypedArray): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return i;
  return -1;
}

/** @internal Called by the tape after an op or a VJP when anomaly mode is on. */
export function checkAnomaly(
  op: string,
  phase: 'forward' | 'backward',
  inputs: readonly { data: TypedArray; shape: readonly number[] }[],
  result: TypedArray,
): void {
  const idx = firstNonFinite(result);
  if (idx < 0) return;
  for (const inp of inputs) if (firstNonFinite(inp.data) >= 0) return; // inherited, not produced here
  const rec: AnomalyRecord = {
    op,
    phase,
    index: idx,
    value: result[idx] as number,
    inputShapes: inputs.map((t) => [...t.shape]),
  };
  if (first === null) first = rec;
  if (throwOnAnomaly) {
    throw new AutogradError(
      `anomaly: ${phase === 'forward' ? 'op' : 'backward of op'} '${op}' produced ${rec.value} at element ${idx} from finite inputs of shapes ${JSON.stringify(rec.inputShapes)}`,
    );
  }
}
